/**
 * PoFx performance states (wdm.h, Windows 10; Microsoft Learn: "Device performance state
 * management", PoFxRegisterComponentPerfStates, PoFxIssueComponentPerfStateChange(Multiple),
 * PoFxQueryCurrentComponentPerfState, PO_FX_COMPONENT_PERF_INFO / _SET, PO_FX_PERF_STATE_CHANGE).
 *
 * kmdll's machine has no power engine plug-in (PEP, see power.ts). So:
 * - PoFxRegisterComponentPerfStates(Handle, Component, Flags, Callback, InputStateInfo,
 *   OutputStateInfo) succeeds only with PO_FX_FLAG_PERF_PEP_OPTIONAL (1) — "the call succeeds even
 *   if the PEP does not support perf states for the component" — and driver-supplied
 *   InputStateInfo; without that flag, or asking for the PEP's states (InputStateInfo NULL), no PEP
 *   answers: STATUS_NOT_SUPPORTED (kmdll's choice of status: Learn names none for this case).
 *   Exactly one of InputStateInfo / OutputStateInfo is given (Learn: the other "must be NULL"),
 *   else STATUS_INVALID_PARAMETER, as is a state description that is not one: 0 sets, a discrete
 *   set with no states (Count 0 or States NULL), a range set with Minimum > Maximum, an unknown
 *   Type. The description is copied (read whole: a wild pointer is a clean fault).
 * - PoFxIssueComponentPerfStateChange(Handle, Flags, Component, PerfChange, Context) and its
 *   Multiple form: PoFx logs the change and, with no PEP to notify, completes it: the component's
 *   ComponentPerfStateCallback(DeviceContext, Component, Succeeded, Context) gets Succeeded TRUE and
 *   the current state changes. A set index or state outside the registered description gets
 *   Succeeded FALSE and no change. Flags: PO_FX_FLAG_BLOCKING (1) completes before returning;
 *   PO_FX_FLAG_ASYNC_ONLY (2) completes on a worker (queued work, never inside the call); exactly
 *   one of them, and a component without a perf-state registration, or a handle/component index
 *   PoFx does not know, is a bug check 0x9F as the other PoFx misuses (power.ts).
 * - PoFxQueryCurrentComponentPerfState(Handle, Flags, Component, SetIndex, CurrentPerf): the
 *   current value of one set (discrete: the state's Value; range: the value last set; initially the
 *   first state / Minimum). STATUS_INVALID_PARAMETER for Flags other than 0, an unregistered
 *   component, a set index past the sets or a NULL CurrentPerf.
 *
 * x64/ARM64 layouts (Vergilius, 22H2 public symbols; Learn's struct pages give the members):
 * PO_FX_COMPONENT_PERF_INFO: PerfStateSetsCount 0, PerfStateSets 8 (PO_FX_COMPONENT_PERF_SET,
 * 0x30 each: Name 0 (UNICODE_STRING), Flags 0x10, Unit 0x18, Type 0x1C (0 Discrete, 1 Range),
 * Discrete.Count 0x20 / States 0x28 (PO_FX_PERF_STATE: Value 0, Context 8; 16 bytes), Range.Minimum
 * 0x20 / Maximum 0x28). PO_FX_PERF_STATE_CHANGE: Set 0, StateIndex/StateValue 8; 16 bytes.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";
import { componentOf, deviceOf, type PoFxDevice } from "./power.js";
import { sched } from "../sched/core.js";

const B = (n: number) => BigInt(n);
const PEP_OPTIONAL = 1n;
const BLOCKING = 1;
const ASYNC_ONLY = 2;
const SET_SIZE = 0x30;

interface PerfSet {
  discrete: bigint[] | null; // the states' Values, or null for a range
  min: bigint;
  max: bigint;
  current: bigint; // discrete: index; range: value
}
interface PerfReg {
  callback: bigint;
  sets: PerfSet[];
}
const perf = componentState("pofx-perf", () => new Map<string, PerfReg>());
const key = (h: bigint, c: number) => `${h}:${c}`;

function readSets(ctx: ApiContext, info: bigint): PerfSet[] | null {
  const count = ctx.mem.u32(info);
  if (count === 0 || count > 64) return null;
  const sets: PerfSet[] = [];
  for (let i = 0; i < count; i++) {
    const s = info + 8n + B(i * SET_SIZE);
    ctx.mem.read(s, SET_SIZE);
    const type = ctx.mem.u32(s + 0x1cn);
    if (type === 0) {
      const n = ctx.mem.u32(s + 0x20n);
      const states = ctx.mem.u64(s + 0x28n);
      if (n === 0 || n > 0x10000 || states === 0n) return null;
      const values: bigint[] = [];
      for (let k = 0; k < n; k++) values.push(ctx.mem.u64(states + B(16 * k)));
      sets.push({ discrete: values, min: 0n, max: B(n - 1), current: 0n });
    } else if (type === 1) {
      const [min, max] = [ctx.mem.u64(s + 0x20n), ctx.mem.u64(s + 0x28n)];
      if (min > max) return null;
      sets.push({ discrete: null, min, max, current: min });
    } else return null;
  }
  return sets;
}

function register(ctx: ApiContext): number {
  const [h, index, flags, cb, input, output] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(h), String(index), hex(flags), ctx.kernel.where?.(cb) ?? hex(cb), hex(input), hex(output)]);
  const d = deviceOf(ctx, "PoFxRegisterComponentPerfStates", h);
  componentOf(ctx, "PoFxRegisterComponentPerfStates", d, index);
  if ((input === 0n) === (output === 0n) || cb === 0n) return STATUS.INVALID_PARAMETER;
  if (input === 0n) {
    ctx.mem.setU64(output, 0n);
    return STATUS.NOT_SUPPORTED; // the PEP's own states: there is no PEP
  }
  const sets = readSets(ctx, input);
  if (!sets) return STATUS.INVALID_PARAMETER;
  if ((flags & PEP_OPTIONAL) === 0n) return STATUS.NOT_SUPPORTED;
  perf(ctx.kernel).set(key(h, index), { callback: cb, sets });
  return STATUS.SUCCESS;
}

/** Apply one PO_FX_PERF_STATE_CHANGE; false when it names no registered set or state. */
function apply(ctx: ApiContext, reg: PerfReg, change: bigint): boolean {
  const set = reg.sets[ctx.mem.u32(change)];
  if (!set) return false;
  const v = set.discrete ? B(ctx.mem.u32(change + 8n)) : ctx.mem.u64(change + 8n);
  if (v < set.min || v > set.max) return false;
  set.current = v;
  return true;
}

function issue(name: string, multiple: boolean): ApiDefinition {
  return nt(name, multiple ? 6 : 5, (ctx) => {
    const [h, flags, index] = [ctx.arg(0), ctx.u32(1), ctx.u32(2)];
    const count = multiple ? ctx.u32(3) : 1;
    const changes = ctx.arg(multiple ? 4 : 3);
    const context = ctx.arg(multiple ? 5 : 4);
    ctx.describe(multiple ? [hex(h), hex(flags), String(index), String(count), hex(changes), hex(context)] : [hex(h), hex(flags), String(index), hex(changes), hex(context)]);
    const d: PoFxDevice = deviceOf(ctx, name, h);
    componentOf(ctx, name, d, index);
    if (flags !== BLOCKING && flags !== ASYNC_ONLY) ctx.fault("bugcheck", `${name}: Flags ${hex(flags)} is neither PO_FX_FLAG_BLOCKING nor PO_FX_FLAG_ASYNC_ONLY`, { code: "0x0000009F" });
    const found = perf(ctx.kernel).get(key(h, index));
    if (!found) return ctx.fault("bugcheck", `${name}(${hex(h)}, component ${index}): the component has no performance states (PoFxRegisterComponentPerfStates)`, { code: "0x0000009F" });
    const reg: PerfReg = found;
    if (count === 0 || changes === 0n) ctx.fault("bugcheck", `${name}: no performance state change given`, { code: "0x0000009F" });
    let ok = true;
    for (let i = 0; i < count; i++) ok = apply(ctx, reg, changes + B(16 * i)) && ok;
    const args = [d.context, B(index), ok ? 1n : 0n, context];
    if (flags === BLOCKING) ctx.callGuest(reg.callback, args);
    else sched(ctx).work.push({ kind: "ex", item: h + B(index), routine: reg.callback, args, module: ctx.caller?.module ?? "?" });
  });
}

export const apis: ApiDefinition[] = [
  nt("PoFxRegisterComponentPerfStates", 6, register),
  issue("PoFxIssueComponentPerfStateChange", false),
  issue("PoFxIssueComponentPerfStateChangeMultiple", true),
  nt("PoFxQueryCurrentComponentPerfState", 5, (ctx) => {
    const [h, flags, index, setIndex, out] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.u32(3), ctx.arg(4)];
    ctx.describe([hex(h), hex(flags), String(index), String(setIndex), hex(out)]);
    componentOf(ctx, "PoFxQueryCurrentComponentPerfState", deviceOf(ctx, "PoFxQueryCurrentComponentPerfState", h), index);
    const set = perf(ctx.kernel).get(key(h, index))?.sets[setIndex];
    if (flags !== 0 || !set || out === 0n) return STATUS.INVALID_PARAMETER;
    ctx.mem.setU64(out, set.discrete ? set.discrete[Number(set.current)]! : set.current);
    return STATUS.SUCCESS;
  }),
];
