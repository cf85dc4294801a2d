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
 * - Work items and new system threads run at the next scheduling point: a wait that is not
 *   satisfied, a delay, KeFlushQueuedDpcs, IoFreeWorkItem of a queued item. A system thread runs
 *   to completion once started (there is one emulated processor and no preemption); a thread
 *   that waits for something only a later step can signal is reported as a deadlock.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { L64 } from "../../nt/layouts.js";
import { hex, nt, q, unicodeText } from "./util.js";
import {
  DISPATCH_LEVEL,
  EventNotificationObject,
  EventSynchronizationObject,
  PASSIVE_LEVEL,
  ThreadObject,
  TimerNotificationObject,
  TimerSynchronizationObject,
  clockOf,
  header,
  initHeader,
  irqlName,
  schedulerSlot,
  setSignal,
  trySatisfy,
  type WaitScheduler,
} from "./ke.js";
import { closeHandle, insertHandle, lookupHandle, registerObject } from "./ob.js";

const B = (n: number) => BigInt(n);
/** KDPC (wdm.h, x64): Type 0, Importance 1, Number 2, DeferredRoutine 24, DeferredContext 32, SystemArgument1 40, SystemArgument2 48, DpcData 56. */
const KDPC = { Type: 0, Importance: 1, Number: 2, DeferredRoutine: 24, DeferredContext: 32, SystemArgument1: 40, SystemArgument2: 48, DpcData: 56 };
const DpcObject = 0x13;
const ThreadedDpcObject = 0x18;
/** KTIMER (wdm.h, x64): Header 0, DueTime 24, TimerListEntry 32, Dpc 48, Processor 56, Period 60. */
const KTIMER = { DueTime: 24, Dpc: 48, Period: 60 };
/** WORK_QUEUE_ITEM (wdm.h): List 0, WorkerRoutine 16, Parameter 24. */
const WQI = { WorkerRoutine: 16, Parameter: 24 };
const IO_WORKITEM_SIZE = 0x58;
const TAG_WORKITEM = 0x6b576f49; // 'IoWk'
const POLL_LIMIT = 10000;

interface Work {
  kind: "io" | "ioex" | "ex";
  item: bigint;
  routine: bigint;
  args: bigint[];
  module: string;
}
interface SysThread {
  object: bigint;
  start: bigint;
  context: bigint;
  state: "ready" | "running" | "terminated";
  exitStatus: number;
  module: string;
  id: bigint;
  polls: number;
}
interface SchedState {
  dpcQueue: bigint[];
  timers: Map<bigint, { due: bigint; period: bigint; dpc: bigint }>;
  work: Work[];
  /** Work items allocated with IoAllocateWorkItem / initialized with IoInitializeWorkItem: item → device object. */
  workItems: Map<bigint, { device: bigint; queued: boolean; allocated: boolean }>;
  threads: Map<bigint, SysThread>;
  ready: bigint[];
  running: SysThread[];
  nextThreadId: bigint;
  /** Named events (\BaseNamedObjects\X, lower-case) → KEVENT address. */
  named: Map<string, bigint>;
  inDpc: boolean;
}

function sched(ctx: ApiContext): SchedState {
  const st = ctx.kernel.state<SchedState>("sched", () => ({
    dpcQueue: [],
    timers: new Map(),
    work: [],
    workItems: new Map(),
    threads: new Map(),
    ready: [],
    running: [],
    nextThreadId: 0x104n,
    named: new Map(),
    inDpc: false,
  }));
  const slot = schedulerSlot(ctx);
  if (!slot.current) slot.current = scheduler;
  return st;
}

function runDpc(ctx: ApiContext, dpc: bigint): void {
  const routine = ctx.mem.u64(dpc + B(KDPC.DeferredRoutine));
  const args = [dpc, ctx.mem.u64(dpc + B(KDPC.DeferredContext)), ctx.mem.u64(dpc + B(KDPC.SystemArgument1)), ctx.mem.u64(dpc + B(KDPC.SystemArgument2))];
  ctx.mem.setU64(dpc + B(KDPC.DpcData), 0n);
  const old = ctx.kernel.irql;
  ctx.kernel.irql = DISPATCH_LEVEL;
  try {
    ctx.callGuest(routine, args);
    if (ctx.kernel.irql !== DISPATCH_LEVEL)
      ctx.fault("bugcheck", `DPC routine ${ctx.kernel.where?.(routine) ?? hex(routine)} returned at ${irqlName(ctx.kernel.irql)} (IRQL_UNEXPECTED_VALUE)`, { code: "0x000000C8" });
  } finally {
    ctx.kernel.irql = old;
  }
}

function drainDpcs(ctx: ApiContext): void {
  const st = sched(ctx);
  if (st.inDpc) return;
  st.inDpc = true;
  try {
    for (let n = 0; st.dpcQueue.length && n < POLL_LIMIT; n++) runDpc(ctx, st.dpcQueue.shift()!);
  } finally {
    st.inDpc = false;
  }
}

function queueDpc(ctx: ApiContext, dpc: bigint, a1: bigint, a2: bigint): boolean {
  const st = sched(ctx);
  if (st.dpcQueue.includes(dpc)) return false;
  ctx.mem.setU64(dpc + B(KDPC.SystemArgument1), a1);
  ctx.mem.setU64(dpc + B(KDPC.SystemArgument2), a2);
  ctx.mem.setU64(dpc + B(KDPC.DpcData), 1n);
  st.dpcQueue.push(dpc);
  return true;
}

/** Fire every timer due at or before the current interrupt time. */
function fireTimers(ctx: ApiContext): boolean {
  const st = sched(ctx);
  const now = clockOf(ctx).interruptTime();
  let fired = false;
  for (const [timer, t] of [...st.timers.entries()].sort((a, b) => (a[1].due < b[1].due ? -1 : 1))) {
    if (t.due > now) continue;
    fired = true;
    setSignal(ctx, timer, 1);
    if (t.period > 0n) t.due += t.period;
    else st.timers.delete(timer);
    const sys = clockOf(ctx).systemTime();
    if (t.dpc !== 0n) queueDpc(ctx, t.dpc, sys & 0xffffffffn, sys >> 32n);
  }
  if (fired && ctx.kernel.irql < DISPATCH_LEVEL) drainDpcs(ctx);
  return fired;
}

function runWork(ctx: ApiContext, w: Work): void {
  const st = sched(ctx);
  const wi = st.workItems.get(w.item);
  if (wi) wi.queued = false;
  const old = ctx.kernel.irql;
  ctx.kernel.irql = PASSIVE_LEVEL;
  try {
    ctx.callGuest(w.routine, w.args);
    if (ctx.kernel.irql !== PASSIVE_LEVEL)
      ctx.fault("bugcheck", `work item routine ${ctx.kernel.where?.(w.routine) ?? hex(w.routine)} returned at ${irqlName(ctx.kernel.irql)} (IRQL_NOT_LESS_OR_EQUAL)`, { code: "0x000000E1" });
  } finally {
    ctx.kernel.irql = old;
  }
}

function runThread(ctx: ApiContext, t: SysThread): void {
  const st = sched(ctx);
  t.state = "running";
  st.running.push(t);
  const old = ctx.kernel.irql;
  ctx.kernel.irql = PASSIVE_LEVEL;
  try {
    ctx.callGuest(t.start, [t.context]);
  } finally {
    ctx.kernel.irql = old;
    st.running.pop();
    t.state = "terminated";
    setSignal(ctx, t.object, 1);
  }
}

/** One unit of ready work (DPC, work item, thread); false when there was none. */
function step(ctx: ApiContext): boolean {
  const st = sched(ctx);
  if (st.dpcQueue.length && ctx.kernel.irql < DISPATCH_LEVEL) {
    drainDpcs(ctx);
    return true;
  }
  if (ctx.kernel.irql >= DISPATCH_LEVEL) return false;
  const w = st.work.shift();
  if (w) {
    runWork(ctx, w);
    return true;
  }
  const id = st.ready.shift();
  if (id !== undefined) {
    const t = st.threads.get(id);
    if (t && t.state === "ready") runThread(ctx, t);
    return true;
  }
  return false;
}

export const scheduler: WaitScheduler = {
  runUntil(ctx, satisfied, deadline) {
    const st = sched(ctx);
    const clock = clockOf(ctx);
    // A system thread that waits with a timeout again and again while nothing else can run polls forever.
    const me = st.running[st.running.length - 1];
    for (let n = 0; n < POLL_LIMIT; n++) {
      fireTimers(ctx);
      if (satisfied()) return true;
      if (step(ctx)) {
        if (satisfied()) return true;
        continue;
      }
      // Nothing ready: move the clock to the next timer within the deadline.
      const next = [...st.timers.values()].map((t) => t.due).sort((a, b) => (a < b ? -1 : 1))[0];
      if (next === undefined || (deadline !== null && next > deadline)) break;
      const now = clock.interruptTime();
      if (next > now) clock.advance(next - now);
    }
    if (me && deadline !== null && ++me.polls > POLL_LIMIT)
      ctx.fault("deadlock", `system thread ${hex(me.id)} (${ctx.kernel.where?.(me.start) ?? hex(me.start)}) keeps waiting with a timeout for something only a later step can signal: kmdll runs a system thread to completion once it starts`, {});
    return satisfied();
  },
  dpcWindow(ctx) {
    fireTimers(ctx);
    drainDpcs(ctx);
  },
};

/** DueTime (LARGE_INTEGER: negative relative, positive absolute system time) → interrupt time. */
function dueOf(ctx: ApiContext, due: bigint): bigint {
  const clock = clockOf(ctx);
  const now = clock.interruptTime();
  if (due < 0n) return now - due;
  const rel = due - clock.systemTime();
  return now + (rel > 0n ? rel : 0n);
}

function setTimer(ctx: ApiContext, timer: bigint, due: bigint, periodMs: number, dpc: bigint): number {
  const st = sched(ctx);
  const was = st.timers.has(timer);
  setSignal(ctx, timer, 0);
  const at = dueOf(ctx, due);
  st.timers.set(timer, { due: at, period: BigInt(periodMs) * 10000n, dpc });
  ctx.mem.setU64(timer + B(KTIMER.DueTime), at);
  ctx.mem.setU64(timer + B(KTIMER.Dpc), dpc);
  ctx.mem.setU32(timer + B(KTIMER.Period), periodMs >>> 0);
  // An already expired due time fires at once (DPC included, when the IRQL allows).
  fireTimers(ctx);
  return was ? 1 : 0;
}

// ---- event objects by handle ---------------------------------------------------------------------

function createEvent(ctx: ApiContext, type: number, signaled: boolean, name: string | null): bigint {
  const st = sched(ctx);
  const ev = ctx.kernel.kernelPool!.allocate(L64.KEVENT.$size, 0x746e7645 /* 'Evnt' */);
  initHeader(ctx, ev, type, L64.KEVENT.$size, signaled ? 1 : 0);
  const key = name?.toLowerCase() ?? null;
  registerObject(ctx.kernel, ev, {
    type: "Event",
    ...(name ? { name } : {}),
    pointerCount: 0,
    onDelete: () => {
      if (key !== null) st.named.delete(key);
      ctx.kernel.kernelPool?.free(ev);
    },
  });
  if (key !== null) st.named.set(key, ev);
  return ev;
}

function objectName(ctx: ApiContext, oa: bigint): { name: string | null; attributes: number } {
  if (oa === 0n) return { name: null, attributes: 0 };
  const p = ctx.mem.u64(oa + B(L64.OBJECT_ATTRIBUTES.ObjectName));
  return { name: p === 0n ? null : unicodeText(ctx.mem, p), attributes: ctx.mem.u32(oa + B(L64.OBJECT_ATTRIBUTES.Attributes)) };
}

function eventOfHandle(ctx: ApiContext, h: bigint): bigint | number {
  const e = lookupHandle(ctx.kernel, h);
  if (!e) return STATUS.INVALID_HANDLE;
  if (e.type !== "Event" || e.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
  return e.object;
}

function namedEvent(ctx: ApiContext, api: string, type: number): bigint {
  const name = unicodeText(ctx.mem, ctx.arg(0));
  const out = ctx.arg(1);
  ctx.describe([q(name), hex(out)]);
  if (name === null || name === "") return 0n;
  const st = sched(ctx);
  let ev = st.named.get(name.toLowerCase());
  // Documented for both routines: a new event is created in the Signaled state; an existing one is opened as it is.
  if (ev === undefined) ev = createEvent(ctx, type, true, name);
  else if (header(ctx, ev).type !== type) ctx.warn(`${api}(${q(name)}): opened an existing event of the other type`);
  const h = insertHandle(ctx.kernel, { type: "Event", object: ev, access: 0x1f0003, kernelHandle: true });
  ctx.mem.setU64(out, h);
  return ev;
}

export const apis: ApiDefinition[] = [
  // ---- DPCs
  nt("KeInitializeDpc", 3, (ctx) => {
    const dpc = ctx.arg(0);
    ctx.describe([hex(dpc), ctx.kernel.where?.(ctx.arg(1)) ?? hex(ctx.arg(1)), hex(ctx.arg(2))]);
    ctx.mem.write(dpc, new Uint8Array(L64.KDPC.$size));
    ctx.mem.setU8(dpc + B(KDPC.Type), DpcObject);
    ctx.mem.setU8(dpc + B(KDPC.Importance), 1); // MediumImportance
    ctx.mem.setU64(dpc + B(KDPC.DeferredRoutine), ctx.arg(1));
    ctx.mem.setU64(dpc + B(KDPC.DeferredContext), ctx.arg(2));
    sched(ctx);
  }),
  nt("KeInitializeThreadedDpc", 3, (ctx) => {
    const dpc = ctx.arg(0);
    ctx.mem.write(dpc, new Uint8Array(L64.KDPC.$size));
    ctx.mem.setU8(dpc + B(KDPC.Type), ThreadedDpcObject);
    ctx.mem.setU8(dpc + B(KDPC.Importance), 1);
    ctx.mem.setU64(dpc + B(KDPC.DeferredRoutine), ctx.arg(1));
    ctx.mem.setU64(dpc + B(KDPC.DeferredContext), ctx.arg(2));
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
    ctx.mem.setU64(ctx.arg(0) + B(KDPC.DpcData), 0n);
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
    initHeader(ctx, ctx.arg(0), TimerNotificationObject, L64.KTIMER.$size, 0);
    sched(ctx);
  }),
  nt("KeInitializeTimerEx", 2, (ctx) => {
    initHeader(ctx, ctx.arg(0), ctx.u32(1) === 1 ? TimerSynchronizationObject : TimerNotificationObject, L64.KTIMER.$size, 0);
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
    const routine = ctx.mem.u64(item + B(WQI.WorkerRoutine));
    ctx.describe([hex(item), ctx.kernel.where?.(routine) ?? hex(routine), String(ctx.u32(1))]);
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `ExQueueWorkItem at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    sched(ctx).work.push({ kind: "ex", item, routine, args: [ctx.mem.u64(item + B(WQI.Parameter))], module: ctx.caller?.module ?? "?" });
  }),
  // ---- system threads
  nt("PsCreateSystemThread", 7, (ctx) => {
    const out = ctx.arg(0);
    const process = ctx.arg(3);
    const clientId = ctx.arg(4);
    const start = ctx.arg(5);
    ctx.describe([hex(out), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(process), hex(clientId), ctx.kernel.where?.(start) ?? hex(start), hex(ctx.arg(6))]);
    if (start === 0n) return STATUS.INVALID_PARAMETER;
    if (process !== 0n && BigInt.asIntN(64, process) !== -1n) {
      const p = lookupHandle(ctx.kernel, process);
      if (!p) return STATUS.INVALID_HANDLE;
    }
    const st = sched(ctx);
    const obj = ctx.kernel.kernelPool!.allocate(0x400, 0x64726854 /* 'Thrd' */);
    if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    initHeader(ctx, obj, ThreadObject, 0x400, 0);
    const id = st.nextThreadId;
    st.nextThreadId += 4n;
    registerObject(ctx.kernel, obj, { type: "Thread", name: `thread ${hex(id)}`, pointerCount: 0, onDelete: () => ctx.kernel.kernelPool?.free(obj) });
    // The thread holds a reference to itself until it terminates.
    const t: SysThread = { object: obj, start, context: ctx.arg(6), state: "ready", exitStatus: STATUS.PENDING, module: ctx.caller?.module ?? "?", id, polls: 0 };
    st.threads.set(obj, t);
    st.ready.push(obj);
    const h = insertHandle(ctx.kernel, { type: "Thread", object: obj, access: ctx.u32(1), kernelHandle: true });
    ctx.mem.setU64(out, h);
    if (clientId !== 0n) {
      ctx.mem.setU64(clientId, 4n);
      ctx.mem.setU64(clientId + 8n, id);
    }
    return STATUS.SUCCESS;
  }),
  nt("PsTerminateSystemThread", 1, (ctx) => {
    const st = sched(ctx);
    const t = st.running[st.running.length - 1];
    if (!t) ctx.fault("bugcheck", "PsTerminateSystemThread called outside a thread the driver created (it would end the system worker thread running the driver)", {});
    t.exitStatus = ctx.u32(0);
    return STATUS.SUCCESS;
  }),
  // ---- events by handle
  nt("ZwCreateEvent", 5, (ctx) => {
    const out = ctx.arg(0);
    const { name, attributes } = objectName(ctx, ctx.arg(2));
    const type = ctx.u32(3) === 0 ? EventNotificationObject : EventSynchronizationObject;
    ctx.describe([hex(out), hex(ctx.u32(1)), q(name), type === 0 ? "NotificationEvent" : "SynchronizationEvent", ctx.u32(4) & 0xff ? "TRUE" : "FALSE"]);
    if (ctx.u32(3) > 1) return STATUS.INVALID_PARAMETER;
    const st = sched(ctx);
    if (name && st.named.has(name.toLowerCase())) {
      if ((attributes & 0x80) === 0) return STATUS.OBJECT_NAME_COLLISION; // OBJ_OPENIF not set
      ctx.mem.setU64(out, insertHandle(ctx.kernel, { type: "Event", object: st.named.get(name.toLowerCase())!, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 }));
      return STATUS.OBJECT_NAME_EXISTS;
    }
    const ev = createEvent(ctx, type, (ctx.u32(4) & 0xff) !== 0, name);
    ctx.mem.setU64(out, insertHandle(ctx.kernel, { type: "Event", object: ev, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 }));
    return STATUS.SUCCESS;
  }),
  nt("ZwOpenEvent", 3, (ctx) => {
    const { name, attributes } = objectName(ctx, ctx.arg(2));
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), q(name)]);
    if (!name) return STATUS.OBJECT_NAME_INVALID;
    const ev = sched(ctx).named.get(name.toLowerCase());
    if (ev === undefined) return STATUS.OBJECT_NAME_NOT_FOUND;
    ctx.mem.setU64(ctx.arg(0), insertHandle(ctx.kernel, { type: "Event", object: ev, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 }));
    return STATUS.SUCCESS;
  }),
  ...(["ZwSetEvent", "ZwResetEvent"] as const).map((name) =>
    nt(name, 2, (ctx) => {
      const ev = eventOfHandle(ctx, ctx.arg(0));
      if (typeof ev === "number") return ev;
      const prev = header(ctx, ev).signal;
      setSignal(ctx, ev, name === "ZwSetEvent" ? 1 : 0);
      if (ctx.arg(1) !== 0n) ctx.mem.setU32(ctx.arg(1), prev);
      return STATUS.SUCCESS;
    }),
  ),
  nt("ZwClearEvent", 1, (ctx) => {
    const ev = eventOfHandle(ctx, ctx.arg(0));
    if (typeof ev === "number") return ev;
    setSignal(ctx, ev, 0);
    return STATUS.SUCCESS;
  }),
  nt("ZwWaitForSingleObject", 3, (ctx) => {
    const e = lookupHandle(ctx.kernel, ctx.arg(0));
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "TRUE" : "FALSE", ctx.arg(2) === 0n ? "NULL (infinite)" : String(BigInt.asIntN(64, ctx.mem.u64(ctx.arg(2))))]);
    if (!e) return STATUS.INVALID_HANDLE;
    if (e.object === undefined || !["Event", "Thread", "Process"].includes(e.type)) return STATUS.OBJECT_TYPE_MISMATCH;
    const obj = e.object;
    if (trySatisfy(ctx, obj)) return STATUS.SUCCESS;
    const timeout = ctx.arg(2);
    const t = timeout === 0n ? null : BigInt.asIntN(64, ctx.mem.u64(timeout));
    if (t === 0n) return STATUS.TIMEOUT;
    const clock = clockOf(ctx);
    const deadline = t === null ? null : t < 0n ? clock.interruptTime() - t : dueOf(ctx, t);
    if (scheduler.runUntil(ctx, () => trySatisfy(ctx, obj), deadline)) return STATUS.SUCCESS;
    if (deadline === null) return ctx.fault("deadlock", `ZwWaitForSingleObject: waiting forever on ${e.type.toLowerCase()} ${hex(obj)}, which nothing can signal`, { object: hex(obj) });
    const left = deadline - clock.interruptTime();
    if (left > 0n) clock.advance(left);
    return STATUS.TIMEOUT;
  }),
  nt("IoCreateNotificationEvent", 2, (ctx) => namedEvent(ctx, "IoCreateNotificationEvent", EventNotificationObject)),
  nt("IoCreateSynchronizationEvent", 2, (ctx) => namedEvent(ctx, "IoCreateSynchronizationEvent", EventSynchronizationObject)),
];

export { closeHandle };
