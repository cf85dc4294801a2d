/**
 * The deterministic scheduler: DPCs, timers, work items, system threads and event objects
 * created by handle, on the emulated clock (no host time, no host threads).
 *
 * Model (docs/emulator.md, "Scheduler"):
 * - A DPC queued at an IRQL below DISPATCH_LEVEL runs at once (the DPC software interrupt fires
 *   as soon as the IRQL allows it); queued at or above DISPATCH_LEVEL it runs when the IRQL drops
 *   below DISPATCH_LEVEL (KeLowerIrql, KeReleaseSpinLock, ...). It runs at DISPATCH_LEVEL.
 * - Timers expire when the clock passes their due time; the clock moves at waits with a timeout
 *   and at KeDelayExecutionThread/KeStallExecutionProcessor. An expired timer is signaled and
 *   queues its DPC; a periodic one is re-armed.
 * - Work items run at the next scheduling point: a wait that is not satisfied, a delay,
 *   KeFlushQueuedDpcs, IoFreeWorkItem of a queued item. System threads are context-switched
 *   (src/emu/sched/threads.ts, src/emu/threads.ts): one processor, no preemption; a thread runs
 *   until it ends or blocks in a wait at its own top level, where it is parked and resumed later.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { DISPATCH_LEVEL, PASSIVE_LEVEL, clockOf, ThreadObject, TimerNotificationObject, TimerSynchronizationObject, header, initHeader, irqlName } from "./ke.js";
import { insertHandle, lookupHandle, registerObject } from "./ob.js";
import { reference } from "../obmgr/index.js";
import {
  DpcObject,
  IO_WORKITEM_SIZE,
  KDPC,
  TAG_WORKITEM,
  ThreadedDpcObject,
  WQI,
  drainDpcs,
  queueDpc,
  runWork,
  exitCurrent,
  newThread,
  sched,
  setTimer,
  type SysThread,
} from "../sched/index.js";

const B = (n: number) => BigInt(n);

export const apis: ApiDefinition[] = [
  // ---- DPCs
  nt("KeInitializeDpc", 3, (ctx) => {
    const dpc = ctx.arg(0);
    ctx.describe([hex(dpc), ctx.kernel.where?.(ctx.arg(1)) ?? hex(ctx.arg(1)), hex(ctx.arg(2))]);
    ctx.mem.write(dpc, new Uint8Array(LAYOUT.KDPC.$size));
    ctx.mem.setU8(dpc + B(KDPC.Type), DpcObject);
    ctx.mem.setU8(dpc + B(KDPC.Importance), 1); // MediumImportance
    writePtr(ctx.mem, dpc + B(KDPC.DeferredRoutine), ctx.arg(1));
    writePtr(ctx.mem, dpc + B(KDPC.DeferredContext), ctx.arg(2));
    sched(ctx);
  }),
  nt("KeInitializeThreadedDpc", 3, (ctx) => {
    const dpc = ctx.arg(0);
    ctx.mem.write(dpc, new Uint8Array(LAYOUT.KDPC.$size));
    ctx.mem.setU8(dpc + B(KDPC.Type), ThreadedDpcObject);
    ctx.mem.setU8(dpc + B(KDPC.Importance), 1);
    writePtr(ctx.mem, dpc + B(KDPC.DeferredRoutine), ctx.arg(1));
    writePtr(ctx.mem, dpc + B(KDPC.DeferredContext), ctx.arg(2));
    sched(ctx);
  }),
  nt("KeInsertQueueDpc", 3, (ctx) => {
    const dpc = ctx.arg(0);
    ctx.describe([hex(dpc), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const t = ctx.mem.u8(dpc + B(KDPC.Type));
    if (t !== DpcObject && t !== ThreadedDpcObject) ctx.fault("bugcheck", `KeInsertQueueDpc(${hex(dpc)}): not an initialized KDPC (type ${t})`, { code: "0x0000000A" });
    if (!queueDpc(ctx, dpc, ctx.arg(1), ctx.arg(2))) return 0;
    if (ctx.kernel.irql < DISPATCH_LEVEL) drainDpcs(ctx);
    return 1;
  }),
  nt("KeRemoveQueueDpc", 1, (ctx) => {
    const st = sched(ctx);
    const i = st.dpcQueue.indexOf(ctx.arg(0));
    if (i < 0) return 0;
    st.dpcQueue.splice(i, 1);
    writePtr(ctx.mem, ctx.arg(0) + B(KDPC.DpcData), 0n);
    return 1;
  }),
  nt("KeFlushQueuedDpcs", 0, (ctx) => {
    if (ctx.kernel.irql !== PASSIVE_LEVEL) ctx.fault("bugcheck", `KeFlushQueuedDpcs at ${irqlName(ctx.kernel.irql)} (must be PASSIVE_LEVEL)`, { code: "0x0000000A" });
    drainDpcs(ctx);
  }),
  nt("KeSetImportanceDpc", 2, (ctx) => void ctx.mem.setU8(ctx.arg(0) + B(KDPC.Importance), ctx.u32(1) & 0xff)),
  nt("KeSetTargetProcessorDpc", 2, (ctx) => void ctx.mem.setU16(ctx.arg(0) + B(KDPC.Number), (ctx.u32(1) & 0xff) + 0x20)),
  // ---- timers
  nt("KeInitializeTimer", 1, (ctx) => {
    initHeader(ctx, ctx.arg(0), TimerNotificationObject, LAYOUT.KTIMER.$size, 0);
    sched(ctx);
  }),
  nt("KeInitializeTimerEx", 2, (ctx) => {
    initHeader(ctx, ctx.arg(0), ctx.u32(1) === 1 ? TimerSynchronizationObject : TimerNotificationObject, LAYOUT.KTIMER.$size, 0);
    sched(ctx);
  }),
  nt("KeSetTimer", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), String(BigInt.asIntN(64, ctx.arg(1))), hex(ctx.arg(2))]);
    return setTimer(ctx, ctx.arg(0), BigInt.asIntN(64, ctx.arg(1)), 0, ctx.arg(2));
  }),
  nt("KeSetTimerEx", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), String(BigInt.asIntN(64, ctx.arg(1))), String(ctx.i32(2)), hex(ctx.arg(3))]);
    if (ctx.i32(2) < 0) ctx.fault("bugcheck", `KeSetTimerEx: negative period ${ctx.i32(2)}`, { code: "0x0000000A" });
    return setTimer(ctx, ctx.arg(0), BigInt.asIntN(64, ctx.arg(1)), ctx.i32(2), ctx.arg(3));
  }),
  nt("KeCancelTimer", 1, (ctx) => (sched(ctx).timers.delete(ctx.arg(0)) ? 1 : 0)),
  nt("KeReadStateTimer", 1, (ctx) => (header(ctx, ctx.arg(0)).signal > 0 ? 1 : 0)),
  // ---- work items
  nt("IoSizeofWorkItem", 0, () => IO_WORKITEM_SIZE),
  nt("IoAllocateWorkItem", 1, (ctx) => {
    const dev = ctx.arg(0);
    const item = ctx.pool.allocate(IO_WORKITEM_SIZE, TAG_WORKITEM, 0, true);
    if (item === 0n) return 0n;
    sched(ctx).workItems.set(item, { device: dev, queued: false, allocated: true });
    return item;
  }),
  nt("IoInitializeWorkItem", 2, (ctx) => {
    ctx.mem.write(ctx.arg(1), new Uint8Array(IO_WORKITEM_SIZE));
    sched(ctx).workItems.set(ctx.arg(1), { device: ctx.arg(0), queued: false, allocated: false });
  }),
  ...(["IoFreeWorkItem", "IoUninitializeWorkItem"] as const).map((name) =>
    nt(name, 1, (ctx) => {
      const st = sched(ctx);
      const item = ctx.arg(0);
      const wi = st.workItems.get(item);
      if (!wi || wi.allocated !== (name === "IoFreeWorkItem"))
        return ctx.fault("bugcheck", `${name}(${hex(item)}): not a work item from ${name === "IoFreeWorkItem" ? "IoAllocateWorkItem" : "IoInitializeWorkItem"}`, { code: "0x000000E4" });
      // A queued item has long run on Windows by the time the driver frees it: run it first.
      for (const w of st.work.filter((x) => x.item === item)) {
        st.work.splice(st.work.indexOf(w), 1);
        runWork(ctx, w);
      }
      st.workItems.delete(item);
      if (name === "IoFreeWorkItem") ctx.pool.free(item, null);
    }),
  ),
  nt("IoQueueWorkItem", 4, (ctx) => {
    const st = sched(ctx);
    const item = ctx.arg(0);
    ctx.describe([hex(item), ctx.kernel.where?.(ctx.arg(1)) ?? hex(ctx.arg(1)), String(ctx.u32(2)), hex(ctx.arg(3))]);
    const wi = st.workItems.get(item);
    if (!wi) return ctx.fault("bugcheck", `IoQueueWorkItem(${hex(item)}): not an allocated work item (WORKER_INVALID)`, { code: "0x000000E4" });
    if (wi.queued) ctx.fault("bugcheck", `IoQueueWorkItem(${hex(item)}): the work item is already queued (WORKER_INVALID)`, { code: "0x000000E4" });
    wi.queued = true;
    st.work.push({ kind: "io", item, routine: ctx.arg(1), args: [wi.device, ctx.arg(3)], module: ctx.caller?.module ?? "?" });
  }),
  nt("IoQueueWorkItemEx", 4, (ctx) => {
    const st = sched(ctx);
    const item = ctx.arg(0);
    const wi = st.workItems.get(item);
    if (!wi) return ctx.fault("bugcheck", `IoQueueWorkItemEx(${hex(item)}): not an allocated work item (WORKER_INVALID)`, { code: "0x000000E4" });
    if (wi.queued) ctx.fault("bugcheck", `IoQueueWorkItemEx(${hex(item)}): the work item is already queued (WORKER_INVALID)`, { code: "0x000000E4" });
    wi.queued = true;
    st.work.push({ kind: "ioex", item, routine: ctx.arg(1), args: [wi.device, ctx.arg(3), item], module: ctx.caller?.module ?? "?" });
  }),
  nt("ExQueueWorkItem", 2, (ctx) => {
    const item = ctx.arg(0);
    const routine = readPtr(ctx.mem, item + B(WQI.WorkerRoutine));
    ctx.describe([hex(item), ctx.kernel.where?.(routine) ?? hex(routine), String(ctx.u32(1))]);
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `ExQueueWorkItem at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    sched(ctx).work.push({ kind: "ex", item, routine, args: [readPtr(ctx.mem, item + B(WQI.Parameter))], module: ctx.caller?.module ?? "?" });
  }),
  // ---- system threads
  nt("PsCreateSystemThread", 7, (ctx) => {
    const start = ctx.arg(5);
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4)), ctx.kernel.where?.(start) ?? hex(start), hex(ctx.arg(6))]);
    return createThread(ctx, ctx.arg(0), ctx.u32(1), ctx.arg(3), ctx.arg(4), start, ctx.arg(6));
  }),
  // IoCreateSystemThread(IoObject, ThreadHandle, DesiredAccess, ObjectAttributes, ProcessHandle, ClientId, StartRoutine, StartContext):
  // PsCreateSystemThread that also references the driver or device object for the thread's lifetime (wdm.h, Windows 8+).
  nt("IoCreateSystemThread", 8, (ctx) => {
    const start = ctx.arg(6);
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.u32(2)), hex(ctx.arg(3)), hex(ctx.arg(4)), hex(ctx.arg(5)), ctx.kernel.where?.(start) ?? hex(start), hex(ctx.arg(7))]);
    if (ctx.arg(0) === 0n) return STATUS.INVALID_PARAMETER;
    return createThread(ctx, ctx.arg(1), ctx.u32(2), ctx.arg(4), ctx.arg(5), start, ctx.arg(7), ctx.arg(0));
  }),
  nt("PsTerminateSystemThread", 1, (ctx) => {
    const st = sched(ctx);
    if (!st.running.length) ctx.fault("bugcheck", "PsTerminateSystemThread called outside a thread the driver created (it would end the system worker thread running the driver)", {});
    // At the thread's own level the thread ends here; inside a nested callback it ends when the callback returns to it.
    if (exitCurrent(ctx, st, ctx.u32(0))) return undefined;
    ctx.warn("PsTerminateSystemThread inside a nested callback: kmdll ends the thread when its start routine returns");
    return STATUS.SUCCESS;
  }),
  nt("PsGetThreadExitStatus", 1, (ctx) => {
    const t = sched(ctx).threads.get(ctx.arg(0));
    return t ? (t.state === "terminated" ? t.exitStatus : STATUS.PENDING) : STATUS.PENDING;
  }),
];

function createThread(ctx: ApiContext, out: bigint, access: number, process: bigint, clientId: bigint, start: bigint, context: bigint, ioObject?: bigint): number {
  if (start === 0n) return STATUS.INVALID_PARAMETER;
  if (process !== 0n && BigInt.asIntN(8 * ptrSize(), process) !== -1n) {
    const p = lookupHandle(ctx.kernel, process);
    if (!p) return STATUS.INVALID_HANDLE;
  }
  const st = sched(ctx);
  const host = ctx.kernel.threads;
  if (host && [...st.threads.values()].filter((t) => t.state !== "terminated").length >= host.maxThreads) return STATUS.INSUFFICIENT_RESOURCES;
  const obj = ctx.kernel.kernelPool!.allocate(THREAD_OBJECT_SIZE, 0x64726854 /* 'Thrd' */);
  if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  initHeader(ctx, obj, ThreadObject, THREAD_OBJECT_SIZE, 0);
  host?.initThread(obj);
  const id = st.nextThreadId;
  st.nextThreadId += 4n;
  // The running thread holds a reference to its own object until it terminates.
  registerObject(ctx.kernel, obj, { type: "Thread", name: `thread ${hex(id)}`, pointerCount: 1, onDelete: () => ctx.kernel.kernelPool?.free(obj) });
  const t: SysThread = newThread(obj, start, context, ctx.caller?.module ?? "?", id);
  t.createTime = clockOf(ctx).systemTime();
  if (ioObject !== undefined) {
    // IoCreateSystemThread: the driver or device object stays referenced until the thread ends.
    reference(ctx, ioObject, "IoCreateSystemThread");
    t.ioObject = ioObject;
  }
  st.threads.set(obj, t);
  st.ready.push(obj);
  const h = insertHandle(ctx.kernel, { type: "Thread", object: obj, access, kernelHandle: true });
  writePtr(ctx.mem, out, h);
  if (clientId !== 0n) {
    // CLIENT_ID: UniqueProcess, UniqueThread (HANDLEs).
    writePtr(ctx.mem, clientId, 4n);
    writePtr(ctx.mem, clientId + BigInt(ptrSize()), id);
  }
  return STATUS.SUCCESS;
}

/** A KTHREAD-sized body (x64 Windows 10's KTHREAD is about 0x600 bytes; the fields kmdll fills lie below 0x400). */
const THREAD_OBJECT_SIZE = 0x400;

// IoTryQueueWorkItem (Learn, Windows 8.1 and later): IoQueueWorkItemEx's contract, TRUE when a
// worker takes the item. The deterministic scheduler always has one (the item runs when the
// driver's flow returns, as IoQueueWorkItemEx's do). Queueing an item already queued is the same
// misuse as for IoQueueWorkItemEx.
export const tryQueueWorkItem: ApiDefinition = nt("IoTryQueueWorkItem", 4, (ctx) => {
  const st = sched(ctx);
  const item = ctx.arg(0);
  ctx.describe([hex(item), ctx.kernel.where?.(ctx.arg(1)) ?? hex(ctx.arg(1)), String(ctx.u32(2)), hex(ctx.arg(3))]);
  const wi = st.workItems.get(item);
  if (!wi) return ctx.fault("bugcheck", `IoTryQueueWorkItem(${hex(item)}): not an allocated work item (WORKER_INVALID)`, { code: "0x000000E4" });
  if (wi.queued) ctx.fault("bugcheck", `IoTryQueueWorkItem(${hex(item)}): the work item is already queued (WORKER_INVALID)`, { code: "0x000000E4" });
  wi.queued = true;
  st.work.push({ kind: "ioex", item, routine: ctx.arg(1), args: [wi.device, ctx.arg(3), item], module: ctx.caller?.module ?? "?" });
  return 1;
});
