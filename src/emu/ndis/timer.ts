/**
 * NDIS 6 timer objects and the NDIS 6.0 processor query (ndis.h; Microsoft Learn:
 * NdisAllocateTimerObject, NDIS_TIMER_CHARACTERISTICS, NdisSetTimerObject, NdisCancelTimerObject,
 * NdisFreeTimerObject, NetTimerCallback, NdisGetProcessorInformation, NDIS_SYSTEM_PROCESSOR_INFO).
 * Marvell Yukon yk62x64l.sys / yk62x86l.sys (held-out set fresh4) allocate a timer from
 * DriverEntry; Broadcom b57nd60a.sys / b57nd60x.sys query the processors there.
 *
 *   NdisAllocateTimerObject(NdisHandle, TimerCharacteristics, pTimerObject) → NDIS_STATUS:
 *     Header Type NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS (0x97), Revision 1, Size at least
 *     NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1, and a TimerFunction, else
 *     NDIS_STATUS_BAD_CHARACTERISTICS. NdisHandle "obtained during caller initialization": a
 *     miniport, filter or protocol driver handle (the NDIS driver handles the emulated machine
 *     hands out; yk62x64l.sys passes its protocol driver handle); any other is a bug check
 *     report, as NDIS dereferences it.
 *     The object is a nonpaged pool block tagged with AllocationTag ("NDIS uses this tag when it
 *     allocates memory for the timer"), charged to the caller: one never freed is a `leak`.
 *   NdisSetTimerObject(TimerObject, DueTime, MillisecondsPeriod, FunctionContext) → BOOLEAN: TRUE
 *     when the timer was already queued (it is re-queued). DueTime as KeSetTimerEx's (negative:
 *     relative, 100 ns units); MillisecondsPeriod non-zero: periodic. When it fires NDIS calls
 *     TimerFunction(SystemSpecific1, FunctionContext, SystemSpecific2, SystemSpecific3) at
 *     DISPATCH_LEVEL; FunctionContext NULL: the characteristics' FunctionContext. The kernel's
 *     deterministic scheduler (src/emu/sched) runs it: the object holds a KTIMER and a KDPC whose
 *     DeferredRoutine is the TimerFunction (the callback has the DPC routine's shape).
 *   NdisCancelTimerObject(TimerObject) → BOOLEAN: TRUE when the timer was queued (then it is not).
 *     Cancelling a periodic timer takes PASSIVE_LEVEL (Learn; a bug check report otherwise), and
 *     NDIS then flushes queued DPCs (KeFlushQueuedDpcs) so the callback is not running.
 *   NdisFreeTimerObject(TimerObject): "the driver must ensure that no timer is pending" — a timer
 *     still queued is cancelled and reported with a warning; the callback's DPC never runs after.
 *   An unknown timer object (or one freed already) is a bug check report in each.
 *
 *   NdisGetProcessorInformation(SystemProcessorInfo) → NDIS_STATUS (NDIS 6.0/6.1; PASSIVE_LEVEL):
 *     Header.Size less than NDIS_SIZEOF_SYSTEM_PROCESSOR_INFO_REVISION_1 →
 *     NDIS_STATUS_BUFFER_TOO_SHORT; otherwise the machine's topology (src/emu/machine/topology.ts:
 *     each processor its own package with one core, no SMT): ProcessorVendor (1 GenuineIntel, 2
 *     AuthenticAMD, the machine's CPU model), NumPhysicalPackages = NumCores = processors,
 *     NumCoresPerPhysicalPackage 1, MaxHyperThreadingCpusPerCore 1, RssBaseCpu 0, RssCpuCount =
 *     processors, the RSS CPU numbers written to RssProcessors when it is not NULL, CpuInfo[i] =
 *     {CpuNumber i, PhysicalPackageId i, CoreId 0, HyperThreadID 0}.
 * Layouts (ndis.h): NDIS_TIMER_CHARACTERISTICS {Header; ULONG AllocationTag; PNDIS_TIMER_FUNCTION
 * TimerFunction; PVOID FunctionContext} — 24 bytes x64, 16 x86. NDIS_SYSTEM_PROCESSOR_INFO {Header;
 * ULONG Flags, ProcessorVendor, NumPhysicalPackages, NumCores, NumCoresPerPhysicalPackage,
 * MaxHyperThreadingCpusPerCore, RssBaseCpu, RssCpuCount; PUCHAR RssProcessors; NDIS_PROCESSOR_INFO
 * CpuInfo[MAXIMUM_PROC_PER_GROUP]} with 16-byte CpuInfo entries: 1072 bytes x64 (64 entries), 552 x86 (32).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { DISPATCH_LEVEL, PASSIVE_LEVEL, TimerNotificationObject, initHeader, irqlName } from "../api/ke.js";
import { KDPC, DpcObject, drainDpcs, sched, setTimer } from "../sched/index.js";
import { machineOf } from "../machine/state.js";
import { processorCount } from "../machine/topology.js";
import { miniportDriverObject } from "./index.js";
import { filterDriverObject } from "./filter.js";
import { protocolHandleKind } from "./protocol.js";

const B = (n: number) => BigInt(n);
const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const SUCCESS = 0;
const RESOURCES = 0xc000009a;
const BAD_CHARACTERISTICS = 0xc0010005;
const BUFFER_TOO_SHORT = 0xc0010016;
const NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS = 0x97;
const NON_PAGED_POOL_NX = 512;
/** The KDPC's offset in the object: after the KTIMER, pointer-aligned. */
const dpcOffset = () => (LAYOUT.KTIMER.$size + 15) & ~15;

interface TimerObject {
  dpc: bigint;
  routine: bigint;
  context: bigint;
  periodic: boolean;
  tag: number;
}
const timerState = componentState("ndis-timers", () => new Map<bigint, TimerObject>());

function timerOf(ctx: ApiContext, h: bigint, routine: string): TimerObject {
  const t = timerState(ctx.kernel).get(h);
  if (!t) ctx.fault("bugcheck", `${routine}(${hex(h)}): not a timer object NdisAllocateTimerObject returned (or it was freed)`, { code: "0x0000001E" });
  return t;
}

function allocateTimer(ctx: ApiContext): number {
  const [h, chars, pTimer] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(h), hex(chars), hex(pTimer)]);
  if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `NdisAllocateTimerObject at ${irqlName(ctx.kernel.irql)} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
  if (miniportDriverObject(ctx.kernel, h) === null && filterDriverObject(ctx.kernel, h) === null && protocolHandleKind(ctx.kernel, h) === null)
    ctx.fault("bugcheck", `NdisAllocateTimerObject(${hex(h)}): not an NDIS handle the emulated machine has (a miniport, filter or protocol driver handle)`, { code: "0x0000001E" });
  const m = ctx.mem;
  const P = ptrSize();
  const [type, revision, size] = [m.u8(chars), m.u8(chars + 1n), m.u16(chars + 2n)];
  const minSize = 8 + 2 * P;
  const routine = getPtr(m, chars + 8n);
  const bad =
    type !== NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS ? `Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS (0x97)`
    : revision < 1 ? "Header.Revision is 0 (NDIS_TIMER_CHARACTERISTICS_REVISION_1 is 1)"
    : size < minSize ? `Header.Size is ${size}, less than NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 (${minSize})`
    : routine === 0n ? "TimerFunction is NULL"
    : null;
  if (bad) {
    ctx.warn(`NdisAllocateTimerObject: ${bad}: NDIS_STATUS_BAD_CHARACTERISTICS`);
    return BAD_CHARACTERISTICS;
  }
  const tag = m.u32(chars + 4n);
  const obj = ctx.pool.allocate(dpcOffset() + LAYOUT.KDPC.$size, tag, NON_PAGED_POOL_NX, true);
  if (obj === 0n) return RESOURCES;
  initHeader(ctx, obj, TimerNotificationObject, LAYOUT.KTIMER.$size, 0);
  const dpc = obj + B(dpcOffset());
  m.write(dpc, new Uint8Array(LAYOUT.KDPC.$size));
  m.setU8(dpc + B(KDPC.Type), DpcObject);
  m.setU8(dpc + B(KDPC.Importance), 1);
  putPtr(m, dpc + B(KDPC.DeferredRoutine), routine);
  const context = getPtr(m, chars + 8n + B(P));
  putPtr(m, dpc + B(KDPC.DeferredContext), context);
  timerState(ctx.kernel).set(obj, { dpc, routine, context, periodic: false, tag });
  putPtr(m, pTimer, obj);
  return SUCCESS;
}

/** Take the timer out of the queue (and its DPC, if queued); whether it was queued. */
function dequeue(ctx: ApiContext, obj: bigint, t: TimerObject): boolean {
  const st = sched(ctx);
  const was = st.timers.delete(obj);
  const i = st.dpcQueue.indexOf(t.dpc);
  if (i >= 0) {
    st.dpcQueue.splice(i, 1);
    putPtr(ctx.mem, t.dpc + B(KDPC.DpcData), 0n);
  }
  return was;
}

export const ndisTimerApis: ApiDefinition[] = [
  ndis("NdisAllocateTimerObject", 3, allocateTimer),
  ndis("NdisSetTimerObject", 4, (ctx) => {
    const [obj, due, period, context] = [ctx.arg(0), BigInt.asIntN(64, ctx.arg(1)), ctx.i32(2), ctx.arg(3)];
    ctx.describe([hex(obj), String(due), String(period), hex(context)]);
    const t = timerOf(ctx, obj, "NdisSetTimerObject");
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `NdisSetTimerObject at ${irqlName(ctx.kernel.irql)} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
    if (period < 0) ctx.fault("bugcheck", `NdisSetTimerObject: negative MillisecondsPeriod ${period}`, { code: "0x0000000A" });
    putPtr(ctx.mem, t.dpc + B(KDPC.DeferredContext), context === 0n ? t.context : context);
    t.periodic = period > 0;
    return setTimer(ctx, obj, due, period, t.dpc);
  }),
  ndis("NdisCancelTimerObject", 1, (ctx) => {
    const obj = ctx.arg(0);
    ctx.describe([hex(obj)]);
    const t = timerOf(ctx, obj, "NdisCancelTimerObject");
    if (t.periodic && ctx.kernel.irql !== PASSIVE_LEVEL) ctx.fault("bugcheck", `NdisCancelTimerObject of a periodic timer at ${irqlName(ctx.kernel.irql)} (Microsoft Learn: PASSIVE_LEVEL)`, { code: "0x0000000A" });
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `NdisCancelTimerObject at ${irqlName(ctx.kernel.irql)} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
    const was = dequeue(ctx, obj, t);
    if (t.periodic) drainDpcs(ctx);
    return was ? 1 : 0;
  }),
  ndis("NdisFreeTimerObject", 1, (ctx) => {
    const obj = ctx.arg(0);
    ctx.describe([hex(obj)]);
    const t = timerOf(ctx, obj, "NdisFreeTimerObject");
    if (dequeue(ctx, obj, t)) ctx.warn(`NdisFreeTimerObject(${hex(obj)}): the timer is still queued (Microsoft Learn: the driver must ensure no timer is pending — NdisCancelTimerObject first); cancelled`);
    timerState(ctx.kernel).delete(obj);
    ctx.pool.free(obj, null);
  }),
  ndis("NdisGetProcessorInformation", 1, (ctx) => {
    const info = ctx.arg(0);
    ctx.describe([hex(info)]);
    if (ctx.kernel.irql !== PASSIVE_LEVEL) ctx.fault("bugcheck", `NdisGetProcessorInformation at ${irqlName(ctx.kernel.irql)} (must be PASSIVE_LEVEL)`, { code: "0x0000000A" });
    const m = ctx.mem;
    const P = ptrSize();
    const maxProcs = P === 8 ? 64 : 32; // MAXIMUM_PROC_PER_GROUP
    const cpuInfo = P === 8 ? 48 : 40;
    const need = cpuInfo + maxProcs * 16;
    const size = m.u16(info + 2n);
    if (size < need) {
      ctx.warn(`NdisGetProcessorInformation: Header.Size is ${size}, less than NDIS_SIZEOF_SYSTEM_PROCESSOR_INFO_REVISION_1 (${need}): NDIS_STATUS_BUFFER_TOO_SHORT`);
      return BUFFER_TOO_SHORT;
    }
    const n = processorCount(ctx.kernel);
    const vendor = machineOf(ctx.kernel).spec.cpu === "intel" ? 1 : 2;
    [0, vendor, n, n, 1, 1, 0, n].forEach((v, i) => m.setU32(info + B(4 + i * 4), v));
    const rss = getPtr(m, info + B(P === 8 ? 40 : 36));
    if (rss !== 0n) m.write(rss, Uint8Array.from({ length: n }, (_, i) => i));
    const entries = new Uint8Array(maxProcs * 16);
    const dv = new DataView(entries.buffer);
    for (let i = 0; i < n; i++) {
      dv.setUint32(i * 16, i, true);
      dv.setUint32(i * 16 + 4, i, true);
    }
    m.write(info + B(cpuInfo), entries);
    return SUCCESS;
  }),
];
