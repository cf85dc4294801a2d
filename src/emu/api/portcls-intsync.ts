/**
 * portcls.sys's interrupt synchronization objects (Microsoft Learn: PcNewInterruptSync,
 * IInterruptSync, INTERRUPTSYNCMODE, PINTERRUPTSYNCROUTINE; method order and IID of mingw-w64's
 * ddk/portcls.h). An audio adapter makes one in its StartDevice from the interrupt of its resource
 * list, registers its ISR(s) and connects it; its miniports then run register accesses
 * "synchronized with the ISR" through CallSynchronizedRoutine. Learn names no status for a misuse:
 * the argument checks and the connect rules below are those of ReactOS's portcls (interrupt.cpp),
 * a reimplementation of the same DDI.
 *
 *   PcNewInterruptSync(Out, OuterUnknown, ResourceList, ResourceIndex, Mode): a NULL Out or
 *     ResourceList, a Mode other than InterruptSyncModeNormal (1), All (2) or Repeat (3), or a
 *     ResourceIndex at or past the list's interrupt entries (IResourceList::NumberOfEntriesOfType)
 *     is STATUS_INVALID_PARAMETER; the object holds a reference on the list.
 *   RegisterServiceRoutine(Routine, DynamicContext, First): at the head (First) or the tail of the
 *     object's routines; a NULL Routine is STATUS_INVALID_PARAMETER (kmdll's choice: it would be
 *     called at interrupt time).
 *   Connect(): STATUS_UNSUCCESSFUL without an interrupt entry at ResourceIndex
 *     (IResourceList::FindTranslatedEntry) or without a service routine; else the interrupt is
 *     connected at the descriptor's vector and level (as IoConnectInterrupt connects one: an
 *     `interrupt` hardware event, a KINTERRUPT GetKInterrupt returns). Connecting a connected
 *     object changes nothing (STATUS_SUCCESS).
 *   Disconnect(): disconnects it (nothing when not connected). An object still connected when its
 *     driver unloads is reported like any connected interrupt.
 *   CallSynchronizedRoutine(Routine, DynamicContext): Routine(this, DynamicContext) at the
 *     interrupt's IRQL when connected, else at DISPATCH_LEVEL (portcls holds the object's spin
 *     lock; above DISPATCH_LEVEL it cannot: STATUS_UNSUCCESSFUL); its status is returned.
 *   The ISR portcls connects runs the routines by Mode: Normal — in order until one returns
 *     STATUS_SUCCESS; All — every one; Repeat — every one, again while any succeeded. It returns
 *     whether any did (kmdll delivers no device interrupt, so it runs only if one is ever raised).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, moduleRoutine } from "./util.js";
import { PORTCLS_MODULE, STATUS_UNSUCCESSFUL, addRef, callMethod, newObject, pcObject, releaseInterface, thisObject, type Method, type PcObject } from "./portcls-com.js";
import { hw, machineOf } from "../machine/index.js";

const IID_IInterruptSync = "{22c6ac63-851b-11d0-9a7f-00aa0038acfe}";
const CM_RESOURCE_TYPE_INTERRUPT = 2;
const DISPATCH_LEVEL = 2;
const D = LAYOUT.CM_PARTIAL_RESOURCE_DESCRIPTOR;
const B = (n: number) => BigInt(n);
/** IResourceList's slots after IUnknown's three: NumberOfEntries 3, NumberOfEntriesOfType 4, FindTranslatedEntry 5. */
const RL_NUMBER_OF_ENTRIES_OF_TYPE = 4;
const RL_FIND_TRANSLATED_ENTRY = 5;

function syncOf(ctx: ApiContext, what: string): PcObject & { sync: NonNullable<PcObject["sync"]> } {
  const o = thisObject(ctx, `IInterruptSync::${what}`);
  if (!o.sync) ctx.fault("bugcheck", `IInterruptSync::${what}: ${hex(o.addr)} is not an interrupt sync object`, { code: "0x0000001E" });
  return o as PcObject & { sync: NonNullable<PcObject["sync"]> };
}

/** Routine(this, context)'s NTSTATUS. */
function run(ctx: ApiContext, self: bigint, routine: bigint, context: bigint): number {
  return Number(BigInt.asUintN(32, ctx.callGuest(routine, [self, context]))) >>> 0;
}

/** At `irql` for the call (never below the current one). */
function atIrql<T>(ctx: ApiContext, irql: number, f: () => T): T {
  const old = ctx.kernel.irql;
  ctx.kernel.irql = Math.max(old, irql);
  try {
    return f();
  } finally {
    ctx.kernel.irql = old;
  }
}

/** The ISR portcls connects: the object's routines by its mode; TRUE when one returned STATUS_SUCCESS. */
function isr(ctx: ApiContext): bigint {
  const o = pcObject(ctx.kernel, ctx.arg(1));
  if (!o?.sync) return 0n;
  const { routines, mode } = o.sync;
  let handled = false;
  for (let pass = 0; pass < 64; pass++) {
    let any = false;
    for (const r of [...routines]) {
      if (run(ctx, o.addr, r.routine, r.context) !== STATUS.SUCCESS) continue;
      any = handled = true;
      if (mode === 1) return 1n;
    }
    if (mode !== 3 || !any) break;
  }
  return handled ? 1n : 0n;
}

function disconnect(ctx: ApiContext, s: NonNullable<PcObject["sync"]>): void {
  if (s.interrupt === 0n) return;
  const st = machineOf(ctx.kernel);
  const i = st.interrupts.get(s.interrupt);
  st.interrupts.delete(s.interrupt);
  if (i) hw(ctx, "interrupt", "disconnect", i.vector);
  ctx.kernel.kernelPool?.free(s.interrupt);
  s.interrupt = 0n;
}

const METHODS: Method[] = [
  ["CallSynchronizedRoutine", 3, (ctx) => {
    const o = syncOf(ctx, "CallSynchronizedRoutine");
    const [routine, context] = [ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(o.addr), ctx.kernel.where?.(routine) ?? hex(routine), hex(context)]);
    if (routine === 0n) return STATUS.INVALID_PARAMETER;
    if (o.sync.interrupt === 0n && ctx.kernel.irql > DISPATCH_LEVEL) return STATUS_UNSUCCESSFUL;
    return atIrql(ctx, o.sync.interrupt === 0n ? DISPATCH_LEVEL : o.sync.irql, () => run(ctx, o.addr, routine, context));
  }],
  ["GetKInterrupt", 1, (ctx) => syncOf(ctx, "GetKInterrupt").sync.interrupt],
  ["Connect", 1, (ctx) => {
    const o = syncOf(ctx, "Connect");
    const s = o.sync;
    if (s.interrupt !== 0n) return STATUS.SUCCESS;
    const d = callMethodPtr(ctx, s.list, RL_FIND_TRANSLATED_ENTRY, [B(CM_RESOURCE_TYPE_INTERRUPT), B(s.index)]);
    if (d === 0n || s.routines.length === 0) return STATUS_UNSUCCESSFUL;
    const m = ctx.mem;
    const [level, vector] = [m.u32(d + B(D["u.Interrupt.Level"])), m.u32(d + B(D["u.Interrupt.Vector"]))];
    const obj = ctx.kernel.kernelPool?.allocate(0x100, 0x72746e49 /* 'Intr' */) ?? 0n;
    if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    m.setU16(obj, 0x16); // InterruptObject type
    const routine = moduleRoutine(ctx.kernel, PORTCLS_MODULE, "PcInterruptSyncIsr", isr, 2);
    s.irql = level & 0xff;
    machineOf(ctx.kernel).interrupts.set(obj, { vector, isr: routine, context: o.addr, irql: s.irql, module: ctx.caller?.module ?? "?" });
    s.interrupt = obj;
    ctx.describe([hex(o.addr), `vector ${vector}`, `level ${level}`]);
    hw(ctx, "interrupt", "connect", vector, undefined, undefined, { isr: "portcls.sys!PcInterruptSyncIsr", irql: s.irql });
    return STATUS.SUCCESS;
  }],
  ["Disconnect", 1, (ctx) => {
    disconnect(ctx, syncOf(ctx, "Disconnect").sync);
  }],
  ["RegisterServiceRoutine", 4, (ctx) => {
    const o = syncOf(ctx, "RegisterServiceRoutine");
    const [routine, context, first] = [ctx.arg(1), ctx.arg(2), (ctx.u32(3) & 0xff) !== 0];
    ctx.describe([hex(o.addr), ctx.kernel.where?.(routine) ?? hex(routine), hex(context), first ? "TRUE" : "FALSE"]);
    if (routine === 0n) return STATUS.INVALID_PARAMETER;
    if (first) o.sync.routines.unshift({ routine, context });
    else o.sync.routines.push({ routine, context });
    return STATUS.SUCCESS;
  }],
];

/** A resource list's method returning a pointer (FindTranslatedEntry): the whole pointer (callMethod keeps 32 bits); 0 when the list has no vtable. */
function callMethodPtr(ctx: ApiContext, obj: bigint, slot: number, args: bigint[]): bigint {
  const p = ptrSize();
  if (!ctx.mem.isMapped(obj, p)) return 0n;
  const vt = getPtr(ctx.mem, obj);
  if (vt === 0n || !ctx.mem.isMapped(vt + B(slot * p), p)) return 0n;
  return BigInt.asUintN(8 * p, ctx.callGuest(getPtr(ctx.mem, vt + B(slot * p)), [obj, ...args]));
}

export const interruptSyncApis: ApiDefinition[] = [
  api(PORTCLS_MODULE, "PcNewInterruptSync", 5, (ctx: ApiContext) => {
    const [out, outer, list, index, mode] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.u32(4)];
    ctx.describe([hex(out), hex(outer), hex(list), String(index), ["", "InterruptSyncModeNormal", "InterruptSyncModeAll", "InterruptSyncModeRepeat"][mode] ?? String(mode)]);
    if (out === 0n || list === 0n || mode < 1 || mode > 3) return STATUS.INVALID_PARAMETER;
    const interrupts = callMethod(ctx, list, RL_NUMBER_OF_ENTRIES_OF_TYPE, [B(CM_RESOURCE_TYPE_INTERRUPT)], "PcNewInterruptSync: NumberOfEntriesOfType");
    if (index >= interrupts) return STATUS.INVALID_PARAMETER;
    addRef(ctx, list, "PcNewInterruptSync");
    const o = newObject(ctx, "IInterruptSync", METHODS, {
      kind: "interruptSync",
      iids: [IID_IInterruptSync],
      sync: { list, index, mode, routines: [], interrupt: 0n, irql: 0 },
      destroy: (c) => releaseInterface(c, list, "IInterruptSync: Release"),
    });
    putPtr(ctx.mem, out, o.addr);
    return STATUS.SUCCESS;
  }),
];
