/**
 * The interface tracker of dynamic linking (SPEC §8): interfaces returned by
 * IRP_MN_QUERY_INTERFACE or by an internal IOCTL are counted through their
 * InterfaceReference/InterfaceDereference; references left at the end are leaks.
 */
import type { KernelState } from "../api/types.js";
import type { TraceEvent } from "../../events.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { hex } from "../api/util.js";
import { emit, moduleOf, where, type IoEnv } from "./env.js";
import { ioState, type IrpInfo } from "./state.js";

const B = (n: number) => BigInt(n);
const INTF = LAYOUT.INTERFACE;


function inDriverImage(env: IoEnv, a: bigint): string | null {
  const mod = moduleOf(env, a);
  return mod && mod !== "ntoskrnl.exe" && mod !== "hal.dll" ? mod : null;
}

/**
 * A query-interface IRP or an internal IOCTL completed successfully with an INTERFACE-headed
 * structure: the exporter has called InterfaceReference once (the documented contract), so the
 * count starts at 1; the Reference/Dereference pointers are replaced by kernel thunks that count
 * and forward, so the requester's later calls are seen.
 */
export function trackInterface(env: IoEnv, info: IrpInfo, at: NonNullable<IrpInfo["interfaceAt"]>): void {
  const m = env.mem;
  const a = at.address;
  if (a === 0n || !m.isMapped(a, INTF.$size)) return;
  const size = m.u16(a + B(INTF.Size));
  const ref = getPtr(m, a + B(INTF.InterfaceReference));
  const deref = getPtr(m, a + B(INTF.InterfaceDereference));
  const context = getPtr(m, a + B(INTF.Context));
  const provider = inDriverImage(env, ref);
  if (size < INTF.$size || ref === 0n || deref === 0n || !provider || !inDriverImage(env, deref)) return;
  const io = ioState(env.kernel);
  const key = `${hex(ref)}/${hex(deref)}/${hex(context)}`;
  let it = io.interfaces.get(key);
  if (!it) {
    it = { key, what: at.what, provider, holder: info.from, context, reference: ref, dereference: deref, count: 0, references: 0, dereferences: 0 };
    io.interfaces.set(key, it);
  }
  it.count++;
  it.references++;
  emit(env, { event: "interface", action: "reference", count: it.count, module: provider, interface: it.what, provider, holder: it.holder, by: "exporter (before completing the request)", routine: where(env, ref), context: hex(context) });
  const refThunk = wrapper(env, "reference", ref);
  const derefThunk = wrapper(env, "dereference", deref);
  if (refThunk !== null) putPtr(m, a + B(INTF.InterfaceReference), refThunk);
  if (derefThunk !== null) putPtr(m, a + B(INTF.InterfaceDereference), derefThunk);
}

/** A kernel thunk standing for an interface's Reference/Dereference routine: counts, then calls it. */
function wrapper(env: IoEnv, action: "reference" | "dereference", target: bigint): bigint | null {
  const reg = env.kernel.internalRoutine;
  if (!reg) return null;
  const io = ioState(env.kernel);
  const name = `Interface${action === "reference" ? "Reference" : "Dereference"}@${hex(target)}`;
  const existing = io.wrappers.get(name);
  if (existing !== undefined) return existing;
  const routineName = `Interface${action === "reference" ? "Reference" : "Dereference"} (${where(env, target)})`;
  const addr = reg(name, (ctx) => {
    const context = ctx.arg(0);
    const s = ioState(ctx.kernel);
    const it = [...s.interfaces.values()].find((x) => (action === "reference" ? x.reference : x.dereference) === target && x.context === context) ??
      [...s.interfaces.values()].find((x) => (action === "reference" ? x.reference : x.dereference) === target);
    if (!ctx.kernel.moduleAt?.(target)) ctx.fault("invalid-fetch", `${routineName}: ${it?.provider ?? "the provider"} is no longer loaded; calling through the interface jumps to unmapped memory`, { address: target });
    if (it) {
      if (action === "reference") {
        it.count++;
        it.references++;
      } else {
        it.count--;
        it.dereferences++;
      }
      ctx.kernel.emit?.({ event: "interface", action, count: it.count, module: ctx.caller?.module ?? "?", interface: it.what, provider: it.provider, holder: it.holder, routine: ctx.kernel.where?.(target) ?? hex(target), context: hex(context) });
      if (it.count < 0) ctx.warn(`InterfaceDereference of ${it.what} (${it.provider}) below zero: more dereferences than references`);
    }
    return ctx.callGuest(target, [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)]);
  }, 1);
  io.wrappers.set(name, addr);
  return addr;
}

/** Interfaces whose references were not all dereferenced: one `leak` event each (end of a simulation). */
export function interfaceLeaks(kernel: KernelState): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const it of ioState(kernel).interfaces.values()) {
    if (it.count <= 0) continue;
    out.push({
      event: "leak",
      kind: "interface",
      module: it.holder,
      interface: it.what,
      provider: it.provider,
      count: it.count,
      references: it.references,
      dereferences: it.dereferences,
      message: `${it.count} reference(s) to the ${it.what} interface of ${it.provider} never dereferenced (${it.references} reference(s), ${it.dereferences} dereference(s); obtained by ${it.holder})`,
    });
  }
  return out;
}

