/**
 * The scheduler's state and its run loop (the model is described in src/emu/api/sched.ts and
 * docs/emulator.md): queued DPCs, armed timers, queued work items, ready system threads.
 */
import type { ApiContext } from "../api/types.js";
import { componentState } from "../api/state.js";
import { hex, readPtr, writePtr } from "../api/util.js";
import { layoutArch } from "../../nt/arch-layout.js";
import { DISPATCH_LEVEL, PASSIVE_LEVEL, ThreadObject, clockOf, initHeader, irqlName, schedulerSlot, setSignal, type WaitScheduler } from "../api/ke.js";
import { registerObject } from "../api/ob.js";
import { asCallback } from "../verifier/callbacks.js";
import { apcHostOf, newThread, nextThreadTimeout, parkCurrent, runThread, satisfyWaiters, wakeable, waitersText, type SysThread } from "./threads.js";
import { deliverApcs, provideApcHost } from "../api/apc.js";
export { describeThread, exitCurrent, newThread, type SysThread } from "./threads.js";

const B = (n: number) => BigInt(n);
/** Offsets that follow the arch being emulated (layoutArch): the x64 or the x86 table. */
function perArch<T extends object>(x64: T, x86: T): T {
  return new Proxy(x64, { get: (_t, k) => (layoutArch() === "x86" ? x86 : x64)[k as keyof T] });
}
/**
 * KDPC (wdm.h): x64 Type 0, Importance 1, Number 2, DeferredRoutine 24, DeferredContext 32,
 * SystemArgument1 40, SystemArgument2 48, DpcData 56; x86 (4-byte DpcListEntry and
 * ProcessorHistory) DeferredRoutine 12, DeferredContext 16, SystemArgument1 20, SystemArgument2 24, DpcData 28.
 */
export const KDPC = perArch(
  { Type: 0, Importance: 1, Number: 2, DeferredRoutine: 24, DeferredContext: 32, SystemArgument1: 40, SystemArgument2: 48, DpcData: 56 },
  { Type: 0, Importance: 1, Number: 2, DeferredRoutine: 12, DeferredContext: 16, SystemArgument1: 20, SystemArgument2: 24, DpcData: 28 },
);
export const DpcObject = 0x13;
export const ThreadedDpcObject = 0x18;
/** KTIMER (wdm.h): x64 Header 0, DueTime 24, TimerListEntry 32, Dpc 48, Processor 56, Period 60; x86 DueTime 16, TimerListEntry 24, Dpc 32, Period 36. */
export const KTIMER = perArch({ DueTime: 24, Dpc: 48, Period: 60 }, { DueTime: 16, Dpc: 32, Period: 36 });
/** WORK_QUEUE_ITEM (wdm.h): List 0, WorkerRoutine 16, Parameter 24. */
/** WORK_QUEUE_ITEM (wdm.h): List (LIST_ENTRY), WorkerRoutine, Parameter. */
export const WQI = perArch({ WorkerRoutine: 16, Parameter: 24 }, { WorkerRoutine: 8, Parameter: 12 });
export const IO_WORKITEM_SIZE = 0x58;
export const TAG_WORKITEM = 0x6b576f49; // 'IoWk'
export const POLL_LIMIT = 10000;
/**
 * An infinite wait gives up after the clock has jumped this many times (to timers and thread
 * timeouts) without satisfying it: a periodic timer or a polling thread would otherwise keep an
 * unsatisfiable wait busy for ever (reported as a deadlock naming the parked threads).
 */
export const INFINITE_WAIT_JUMPS = 1000;

export interface Work {
  kind: "io" | "ioex" | "ex" | "wdf";
  item: bigint;
  routine: bigint;
  args: bigint[];
  module: string;
}
export interface SchedState {
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
  /** Why the last infinite wait gave up while the clock could still move (for its deadlock report). */
  gaveUp: string;
}

export const schedState = componentState("sched", (): SchedState => ({
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
  gaveUp: "",
}));

/** The scheduler state of this kernel; the first use installs the scheduler behind waits (ke.ts). */
export function sched(ctx: ApiContext): SchedState {
  const st = schedState(ctx.kernel);
  const slot = schedulerSlot(ctx);
  if (!slot.current) slot.current = scheduler;
  return st;
}

export function runDpc(ctx: ApiContext, dpc: bigint): void {
  const routine = readPtr(ctx.mem, dpc + B(KDPC.DeferredRoutine));
  const args = [dpc, readPtr(ctx.mem, dpc + B(KDPC.DeferredContext)), readPtr(ctx.mem, dpc + B(KDPC.SystemArgument1)), readPtr(ctx.mem, dpc + B(KDPC.SystemArgument2))];
  writePtr(ctx.mem, dpc + B(KDPC.DpcData), 0n);
  const old = ctx.kernel.irql;
  ctx.kernel.irql = DISPATCH_LEVEL;
  try {
    asCallback(ctx.kernel, { kind: "dpc", routine }, () => ctx.callGuest(routine, args));
    if (ctx.kernel.irql !== DISPATCH_LEVEL)
      ctx.fault("bugcheck", `DPC routine ${ctx.kernel.where?.(routine) ?? hex(routine)} returned at ${irqlName(ctx.kernel.irql)} (IRQL_UNEXPECTED_VALUE)`, { code: "0x000000C8" });
  } finally {
    ctx.kernel.irql = old;
  }
}

export function drainDpcs(ctx: ApiContext): void {
  const st = sched(ctx);
  if (st.inDpc) return;
  st.inDpc = true;
  try {
    for (let n = 0; st.dpcQueue.length && n < POLL_LIMIT; n++) runDpc(ctx, st.dpcQueue.shift()!);
  } finally {
    st.inDpc = false;
  }
}

export function queueDpc(ctx: ApiContext, dpc: bigint, a1: bigint, a2: bigint): boolean {
  const st = sched(ctx);
  if (st.dpcQueue.includes(dpc)) return false;
  writePtr(ctx.mem, dpc + B(KDPC.SystemArgument1), a1);
  writePtr(ctx.mem, dpc + B(KDPC.SystemArgument2), a2);
  writePtr(ctx.mem, dpc + B(KDPC.DpcData), 1n);
  st.dpcQueue.push(dpc);
  return true;
}

/** Fire every timer due at or before the current interrupt time. */
export function fireTimers(ctx: ApiContext): boolean {
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

export function runWork(ctx: ApiContext, w: Work): void {
  const st = sched(ctx);
  const wi = st.workItems.get(w.item);
  if (wi) wi.queued = false;
  const old = ctx.kernel.irql;
  ctx.kernel.irql = PASSIVE_LEVEL;
  try {
    asCallback(ctx.kernel, { kind: "work-item", routine: w.routine, parameter: w.args[w.args.length - 1] ?? 0n, item: w.item }, () => ctx.callGuest(w.routine, w.args));
    if (ctx.kernel.irql !== PASSIVE_LEVEL)
      ctx.fault("bugcheck", `work item routine ${ctx.kernel.where?.(w.routine) ?? hex(w.routine)} returned at ${irqlName(ctx.kernel.irql)} (IRQL_NOT_LESS_OR_EQUAL)`, { code: "0x000000E1" });
  } finally {
    ctx.kernel.irql = old;
  }
}

/** A worker thread's object: the KTHREAD-sized body PsCreateSystemThread's threads have. */
const WORKER_OBJECT_SIZE = 0x400;
const TAG_WORKER = 0x6b724f57; // 'WOrk'

/**
 * Run a queued work item on a system worker thread of its own. Windows runs work items on the
 * System process's worker threads (ExpWorkerThread, one item at a time per thread), so a work
 * routine that waits or sleeps blocks only its worker: here it is parked like any system thread
 * and resumed at a later scheduling point, and the flow that reached this one goes on. Without a
 * thread host (test fakes), or with every thread slot taken, the item runs to completion here.
 */
function startWork(ctx: ApiContext, st: SchedState, w: Work): void {
  const host = ctx.kernel.threads;
  const pool = ctx.kernel.kernelPool;
  const live = [...st.threads.values()].filter((t) => t.state !== "terminated").length;
  const obj = host && pool && live < host.maxThreads ? pool.allocate(WORKER_OBJECT_SIZE, TAG_WORKER) : 0n;
  if (obj === 0n) return runWork(ctx, w);
  const wi = st.workItems.get(w.item);
  if (wi) wi.queued = false;
  initHeader(ctx, obj, ThreadObject, WORKER_OBJECT_SIZE, 0);
  host!.initThread(obj);
  const id = st.nextThreadId;
  st.nextThreadId += 4n;
  // The worker holds the only reference to its object; the thread's end frees it.
  registerObject(ctx.kernel, obj, { type: "Thread", name: `worker thread ${hex(id)}`, pointerCount: 1, onDelete: () => ctx.kernel.kernelPool?.free(obj) });
  const t = newThread(obj, w.routine, w.args[0] ?? 0n, w.module, id);
  t.cpu.args = w.args;
  t.work = { item: w.item, parameter: w.args[w.args.length - 1] ?? 0n };
  st.threads.set(obj, t);
  runThread(ctx, st, t, null);
}

/** Whether work items are queued and not started yet. */
export function queuedWork(ctx: { kernel: ApiContext["kernel"] }): boolean {
  return schedState(ctx.kernel).work.length > 0;
}

/**
 * One unit of ready work (DPCs, a work item, a new thread, a waiting thread whose wait is
 * satisfied or timed out); false when there was none.
 */
function step(ctx: ApiContext): boolean {
  const st = sched(ctx);
  if (st.dpcQueue.length && ctx.kernel.irql < DISPATCH_LEVEL) {
    drainDpcs(ctx);
    return true;
  }
  if (ctx.kernel.irql >= DISPATCH_LEVEL) return false;
  // Kernel APCs queued to threads parked in a wait run before the threads themselves.
  if (deliverApcs(ctx, APC_HOST)) return true;
  const w = st.work.shift();
  if (w) {
    startWork(ctx, st, w);
    return true;
  }
  const id = st.ready.shift();
  if (id !== undefined) {
    const t = st.threads.get(id);
    if (t && t.state === "ready") runThread(ctx, st, t, null);
    return true;
  }
  const wake = wakeable(ctx, st);
  if (wake) {
    runThread(ctx, st, wake.t, wake.value);
    return true;
  }
  return false;
}

const APC_HOST = apcHostOf((ctx) => sched(ctx));
provideApcHost(APC_HOST);

export const scheduler: WaitScheduler = {
  runUntil(ctx, satisfied, deadline) {
    const st = sched(ctx);
    const clock = clockOf(ctx);
    // A system thread that waits with a timeout again and again where it cannot be parked (in a nested callback).
    const me = st.running[st.running.length - 1];
    const t0 = clock.interruptTime();
    let jumps = 0;
    for (let n = 0; n < POLL_LIMIT; n++) {
      fireTimers(ctx);
      if (satisfied()) return true;
      if (step(ctx)) {
        if (satisfied()) return true;
        continue;
      }
      // Nothing ready: move the clock to the next timer or thread timeout within the deadline.
      const dues = [...st.timers.values()].map((t) => t.due);
      const tt = nextThreadTimeout(st);
      if (tt !== undefined) dues.push(tt);
      const next = dues.sort((a, b) => (a < b ? -1 : 1))[0];
      if (next === undefined || (deadline !== null && next > deadline)) break;
      if (deadline === null && ++jumps > INFINITE_WAIT_JUMPS) {
        st.gaveUp = `the emulated clock ran ${(clock.interruptTime() - t0) / 10000n} ms through ${INFINITE_WAIT_JUMPS} timer expiries and thread timeouts without satisfying it`;
        break;
      }
      const now = clock.interruptTime();
      if (next > now) clock.advance(next - now);
    }
    if (me && deadline !== null && ++me.polls > POLL_LIMIT)
      ctx.fault("deadlock", `${me.module} system thread ${hex(me.id)} (${ctx.kernel.where?.(me.start) ?? hex(me.start)}) keeps waiting with a timeout inside a nested callback for something only a later step can signal`, {});
    return satisfied();
  },
  dpcWindow(ctx) {
    fireTimers(ctx);
    drainDpcs(ctx);
  },
  park(ctx, wait) {
    return parkCurrent(ctx, sched(ctx), wait);
  },
  signaled(ctx) {
    satisfyWaiters(ctx, sched(ctx));
  },
  waiters(ctx) {
    const st = sched(ctx);
    const text = [st.gaveUp, waitersText(ctx, st)].filter(Boolean).join("; ");
    st.gaveUp = "";
    return text;
  },
};

/**
 * The idle pass after a top-level call (DriverEntry, DllInitialize, a dispatch routine, an
 * exported routine): queued work items start on worker threads, and the system threads that are
 * ready run, until each has ended or waits for something not signaled yet. The clock does not
 * move (nothing waits for it).
 */
export function runIdle(ctx: ApiContext): void {
  const st = schedState(ctx.kernel);
  if ((!st.threads.size && !st.work.length) || st.running.length) return;
  sched(ctx);
  for (let n = 0; n < POLL_LIMIT; n++) {
    fireTimers(ctx);
    if (!step(ctx)) return;
  }
}

/** Whether any system thread is still alive (ready, running or waiting). */
export function liveThreads(ctx: { kernel: ApiContext["kernel"] }): SysThread[] {
  return [...schedState(ctx.kernel).threads.values()].filter((t) => t.state !== "terminated");
}

/** DueTime (LARGE_INTEGER: negative relative, positive absolute system time) → interrupt time. */
export function dueOf(ctx: ApiContext, due: bigint): bigint {
  const clock = clockOf(ctx);
  const now = clock.interruptTime();
  if (due < 0n) return now - due;
  const rel = due - clock.systemTime();
  return now + (rel > 0n ? rel : 0n);
}

export function setTimer(ctx: ApiContext, timer: bigint, due: bigint, periodMs: number, dpc: bigint): number {
  const st = sched(ctx);
  const was = st.timers.has(timer);
  setSignal(ctx, timer, 0);
  const at = dueOf(ctx, due);
  st.timers.set(timer, { due: at, period: BigInt(periodMs) * 10000n, dpc });
  ctx.mem.setU64(timer + B(KTIMER.DueTime), at);
  writePtr(ctx.mem, timer + B(KTIMER.Dpc), dpc);
  ctx.mem.setU32(timer + B(KTIMER.Period), periodMs >>> 0);
  // An already expired due time fires at once (DPC included, when the IRQL allows).
  fireTimers(ctx);
  return was ? 1 : 0;
}

