/**
 * Performance Counters for Windows, the kernel provider side (wdm.h, Windows 7+; Microsoft Learn's
 * PcwRegister, PcwCreateInstance, PcwAddInstance, PcwCloseInstance, PcwUnregister and
 * PCW_REGISTRATION_INFORMATION):
 *
 *   NTSTATUS PcwRegister(PPCW_REGISTRATION *Registration, PPCW_REGISTRATION_INFORMATION Info)
 *     registers a counterset. Info (x64): Version 0 (PCW_VERSION_1 0x100 or PCW_VERSION_2 0x200,
 *     anything else STATUS_INVALID_PARAMETER_2), Name 8 (PCUNICODE_STRING, not NULL or empty:
 *     STATUS_INVALID_PARAMETER_2), CounterCount 16, Counters 24 (PCW_COUNTER_DESCRIPTOR
 *     { USHORT Id, StructIndex, Offset, Size }, 8 bytes each), Callback 32 (optional),
 *     CallbackContext 40, Flags 48 (version 2 only).
 *   NTSTATUS PcwCreateInstance(PPCW_INSTANCE *Instance, PPCW_REGISTRATION Registration,
 *     PCUNICODE_STRING Name, ULONG Count, PPCW_DATA Data) — an instance whose counter values PCW
 *     reads from the Count PCW_DATA { PVOID Data; ULONG Size } blocks whenever a consumer collects.
 *   VOID PcwCloseInstance(PPCW_INSTANCE), VOID PcwUnregister(PPCW_REGISTRATION).
 *   NTSTATUS PcwAddInstance(PPCW_BUFFER Buffer, ...) — only inside the provider's callback, with the
 *     buffer PCW passed it.
 *
 * The emulation has no performance-counter consumer: PCW never collects, so the provider's callback
 * is never called (it is a `callback` registration, reported if left registered at unload) and no
 * valid PCW_BUFFER exists — PcwAddInstance is therefore a stub that reports its call as a bug check
 * (a buffer that did not come from a callback). A registration or instance handle the routines did
 * not return, or one used after its close, is a bug check report; unregistering a counterset with
 * instances still open is a warning (their data blocks would be read after the provider forgot them).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { describeUnicode, hex, nt, unicodeText } from "./util.js";
import { componentState } from "./state.js";
import { newCallbackHandle, registerCallback, unregisterCallback } from "./notify.js";

const STATUS_INVALID_PARAMETER_2 = 0xc00000f0;
const PCW_VERSION_1 = 0x100;
const PCW_VERSION_2 = 0x200;

interface Counterset {
  name: string;
  counters: number;
  instances: Set<bigint>;
  module: string;
}
const pcw = componentState("pcw", () => ({ sets: new Map<bigint, Counterset>(), instances: new Map<bigint, { set: bigint; name: string }>() }));

function setOf(ctx: ApiContext, name: string, reg: bigint): Counterset {
  const s = pcw(ctx.kernel).sets.get(reg);
  if (!s) ctx.fault("bugcheck", `${name}(${hex(reg)}): not a registration PcwRegister returned (or it was unregistered)`, { code: "0x0000001E" });
  return s;
}

function register(ctx: ApiContext): number {
  const [pReg, info] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(pReg), hex(info)]);
  if (pReg === 0n || info === 0n) return STATUS.INVALID_PARAMETER;
  const version = ctx.mem.u32(info);
  if (version !== PCW_VERSION_1 && version !== PCW_VERSION_2) return STATUS_INVALID_PARAMETER_2;
  const namePtr = ctx.mem.u64(info + 8n);
  const name = namePtr === 0n ? null : unicodeText(ctx.mem, namePtr);
  if (!name) return STATUS_INVALID_PARAMETER_2;
  const count = ctx.mem.u32(info + 16n);
  const counters = ctx.mem.u64(info + 24n);
  if (count > 0 && counters === 0n) return STATUS_INVALID_PARAMETER_2;
  if (count > 0) ctx.mem.read(counters, Math.min(count, 4096) * 8);
  const callback = ctx.mem.u64(info + 32n);
  const context = ctx.mem.u64(info + 40n);
  const reg = newCallbackHandle(ctx);
  if (reg === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  pcw(ctx.kernel).sets.set(reg, { name, counters: count, instances: new Set(), module: ctx.caller?.module ?? "?" });
  if (callback !== 0n) registerCallback(ctx, `PCW counterset ${name}`, callback, context, reg);
  ctx.mem.setU64(pReg, reg);
  return STATUS.SUCCESS;
}

function createInstance(ctx: ApiContext): number {
  const [pInst, reg, namePtr, count, data] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4)];
  ctx.describe([hex(pInst), hex(reg), describeUnicode(ctx, namePtr), String(count), hex(data)]);
  const set = setOf(ctx, "PcwCreateInstance", reg);
  if (pInst === 0n || namePtr === 0n) return STATUS.INVALID_PARAMETER;
  const name = unicodeText(ctx.mem, namePtr) ?? "";
  if (count > 0 && data === 0n) return STATUS.INVALID_PARAMETER;
  if (count > 0) ctx.mem.read(data, Math.min(count, 4096) * 16);
  const inst = newCallbackHandle(ctx);
  if (inst === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  pcw(ctx.kernel).instances.set(inst, { set: reg, name });
  set.instances.add(inst);
  ctx.mem.setU64(pInst, inst);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  nt("PcwRegister", 2, register),
  nt("PcwCreateInstance", 5, createInstance),
  nt("PcwCloseInstance", 1, (ctx) => {
    const inst = ctx.arg(0);
    ctx.describe([hex(inst)]);
    const st = pcw(ctx.kernel);
    const i = st.instances.get(inst);
    if (!i) return ctx.fault("bugcheck", `PcwCloseInstance(${hex(inst)}): not an instance PcwCreateInstance returned (or it was closed)`, { code: "0x0000001E" });
    st.instances.delete(inst);
    st.sets.get(i.set)?.instances.delete(inst);
  }),
  nt("PcwUnregister", 1, (ctx) => {
    const reg = ctx.arg(0);
    ctx.describe([hex(reg)]);
    const set = setOf(ctx, "PcwUnregister", reg);
    if (set.instances.size) ctx.warn(`PcwUnregister: counterset "${set.name}" still has ${set.instances.size} open instance(s) (PcwCloseInstance them first)`);
    pcw(ctx.kernel).sets.delete(reg);
    unregisterCallback(ctx, (r) => r.handle === reg && r.kind.startsWith("PCW counterset "));
  }),
  {
    ...nt("PcwAddInstance", 5, (ctx) => {
      const buffer = ctx.arg(0);
      ctx.describe([hex(buffer), describeUnicode(ctx, ctx.arg(1)), String(ctx.u32(2)), String(ctx.u32(3)), hex(ctx.arg(4))]);
      ctx.fault("bugcheck", `PcwAddInstance(${hex(buffer)}): the buffer did not come from a PCW callback (kmdll has no counter consumer, so PCW never calls the provider)`, { code: "0x0000001E" });
    }),
    stub: true,
    notes: "no performance-counter consumer in the emulation: PCW never calls the provider's callback, so no valid PCW_BUFFER exists and every call is reported",
  },
];
