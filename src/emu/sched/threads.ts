/**
 * System threads on the scheduler (docs/emulator.md, "System threads"): each runs with its own
 * stack and CPU context (src/emu/threads.ts), its own IRQL, critical-region count and current
 * KTHREAD. A thread that waits at its own top level for something not signaled yet is parked
 * with its wait (what it waits for, a poll that consumes the object and gives the routine's
 * return value, the timeout); it becomes runnable again when the poll succeeds or the emulated
 * clock reaches its timeout, and the scheduler resumes it at a scheduling point.
 */
import type { ApiContext, ThreadCpu } from "../api/types.js";
import { hex } from "../api/util.js";
import { PASSIVE_LEVEL, clockOf, keState, setSignal } from "../api/ke.js";
import { asCallback } from "../verifier/callbacks.js";
import { dereference } from "../obmgr/index.js";
import type { ApcHost } from "../api/apc.js";

export const STATUS_PENDING = 0x103;

/** What a parked thread waits for. */
export interface ThreadWait {
  api: string;
  what: string;
  /** The routine's return value once the wait is satisfied (consuming the objects), else null. */
  poll: () => bigint | number | null;
  /** Interrupt time at which the wait times out (null: never). */
  deadline: bigint | null;
  timeoutValue: number;
  /** Where the thread waits ("drv.sys+0x1234"). */
  site: string;
  /** Wait order (FIFO among parked threads); satisfied: the wait was satisfied when its object was signaled. */
  order?: number;
  satisfied?: boolean;
}

export interface SysThread {
  object: bigint;
  start: bigint;
  context: bigint;
  state: "ready" | "running" | "waiting" | "terminated";
  exitStatus: number;
  module: string;
  id: bigint;
  polls: number;
  cpu: ThreadCpu;
  wait?: ThreadWait;
  /** Per-thread state while the thread is not running. */
  irql: number;
  criticalRegion: number;
  /** IoCreateSystemThread's driver or device object, referenced while the thread lives. */
  ioObject?: bigint;
  /** System time of PsCreateSystemThread (KERNEL_USER_TIMES.CreateTime). */
  createTime?: bigint;
  /** Set on a system worker thread running one queued work item (its routine is the start routine). */
  work?: { item: bigint; parameter: bigint };
}

export interface ThreadTable {
  threads: Map<bigint, SysThread>;
  ready: bigint[];
  running: SysThread[];
  /** Parks so far (ThreadWait.order). */
  waits?: number;
}

let satisfying = false;
/**
 * An object was signaled: satisfy the waits of parked threads now, in the order they began
 * waiting, as Windows's dispatcher does when KeSetEvent / KeReleaseSemaphore / KeReleaseMutex
 * signal an object with waiters — KeReleaseSemaphore(count N) readies N waiters at once, each
 * consuming one count, instead of the first one to run taking all N. A satisfied thread keeps
 * its value until the scheduler resumes it (a later reset of the object does not undo the wait).
 */
export function satisfyWaiters(ctx: ApiContext, st: ThreadTable): void {
  if (satisfying) return;
  let any = false;
  for (const t of st.threads.values()) if (t.state === "waiting" && t.wait && !t.wait.satisfied) any = true;
  if (!any) return; // the common case (no parked thread): no allocation
  satisfying = true;
  try {
    const parked = [...st.threads.values()].filter((t) => t.state === "waiting" && t.wait && !t.wait.satisfied);
    parked.sort((a, b) => (a.wait!.order ?? 0) - (b.wait!.order ?? 0));
    for (const t of parked) {
      const w = t.wait!;
      const v = pollAs(ctx, t, w.poll);
      if (v === null) continue;
      w.poll = () => v;
      w.satisfied = true;
    }
  } finally {
    satisfying = false;
  }
}

export function describeThread(ctx: ApiContext, t: SysThread): string {
  return `system thread ${hex(t.id)} (${ctx.kernel.where?.(t.start) ?? hex(t.start)})`;
}

/** Run a poll as `t` (mutex ownership is the current thread's). */
function pollAs(ctx: ApiContext, t: SysThread, poll: () => bigint | number | null): bigint | number | null {
  const host = ctx.kernel.threads;
  const prev = ctx.kernel.currentThread;
  if (host) host.setCurrentThread(t.object);
  else ctx.kernel.currentThread = t.object;
  try {
    return poll();
  } finally {
    if (host && prev !== undefined) host.setCurrentThread(prev);
    else ctx.kernel.currentThread = prev;
  }
}

/** The first waiting thread whose wait is satisfied (or timed out) now, with the value its routine returns. */
export function wakeable(ctx: ApiContext, st: ThreadTable): { t: SysThread; value: bigint | number } | null {
  const now = clockOf(ctx).interruptTime();
  for (const t of st.threads.values()) {
    if (t.state !== "waiting" || !t.wait) continue;
    const v = pollAs(ctx, t, t.wait.poll);
    if (v !== null) return { t, value: v };
    if (t.wait.deadline !== null && t.wait.deadline <= now) return { t, value: t.wait.timeoutValue };
  }
  return null;
}

/** The earliest timeout of a waiting thread. */
export function nextThreadTimeout(st: ThreadTable): bigint | undefined {
  let next: bigint | undefined;
  for (const t of st.threads.values()) if (t.state === "waiting" && t.wait?.deadline != null && (next === undefined || t.wait.deadline < next)) next = t.wait.deadline;
  return next;
}

/** Threads parked in a wait, as a deadlock report names them. */
export function waitersText(ctx: ApiContext, st: ThreadTable): string {
  const w = [...st.threads.values()].filter((t) => t.state === "waiting" && t.wait);
  return w.map((t) => `${describeThread(ctx, t)} waits in ${t.wait!.api} at ${t.wait!.site} on ${t.wait!.what}`).join("; ");
}

function terminate(ctx: ApiContext, t: SysThread): void {
  t.state = "terminated";
  t.wait = undefined;
  setSignal(ctx, t.object, 1);
  ctx.kernel.threads?.release(t.cpu);
  // The reference the running thread held on its own object.
  dereference(ctx, t.object, "PsTerminateSystemThread");
  if (t.ioObject !== undefined) dereference(ctx, t.ioObject, "IoCreateSystemThread");
}

/**
 * Switch to `t` and run it until it ends or parks again: from its start routine (value null) or
 * on from the wait it parked in, which returns `value`. Without a thread host (test fakes) the
 * thread runs to completion as a plain guest call.
 */
export function runThread(ctx: ApiContext, st: ThreadTable, t: SysThread, value: bigint | number | null): void {
  const host = ctx.kernel.threads;
  const ks = keState(ctx.kernel);
  const prev = { irql: ctx.kernel.irql, cr: ks.criticalRegion, current: ctx.kernel.currentThread };
  if (value !== null && host) host.resumeValue(t.cpu, BigInt(value));
  t.state = "running";
  t.wait = undefined;
  st.running.push(t);
  ctx.kernel.irql = t.irql;
  ks.criticalRegion = t.criticalRegion;
  if (host) host.setCurrentThread(t.object);
  // A fault ends the run (ended stays true): the thread is never resumed.
  let ended = true;
  const as = t.work ? { kind: "work-item" as const, routine: t.start, parameter: t.work.parameter, item: t.work.item } : { kind: "thread" as const, routine: t.start };
  const label = t.work ? `work item ${hex(t.work.item)} ${ctx.kernel.where?.(t.start) ?? hex(t.start)}` : `system thread ${hex(t.id)} ${ctx.kernel.where?.(t.start) ?? hex(t.start)}`;
  try {
    if (!host) asCallback(ctx.kernel, as, () => ctx.callGuest(t.start, t.cpu.args ?? [t.context]));
    else {
      const r = asCallback(ctx.kernel, as, () => host.run(t.cpu, label));
      ended = r.kind === "exited";
    }
    // A work item's routine returns at PASSIVE_LEVEL (ExpWorkerThread checks it).
    if (ended && t.work && ctx.kernel.irql !== PASSIVE_LEVEL)
      ctx.fault("bugcheck", `work item routine ${ctx.kernel.where?.(t.start) ?? hex(t.start)} returned at IRQL ${ctx.kernel.irql} (IRQL_NOT_LESS_OR_EQUAL)`, { code: "0x000000E1" });
  } finally {
    st.running.pop();
    t.irql = ctx.kernel.irql;
    t.criticalRegion = ks.criticalRegion;
    ctx.kernel.irql = prev.irql;
    ks.criticalRegion = prev.cr;
    if (host && prev.current !== undefined) host.setCurrentThread(prev.current);
    if (ended) {
      if (t.exitStatus === STATUS_PENDING) t.exitStatus = 0;
      terminate(ctx, t);
    } else if (t.state === "running") t.state = "waiting";
  }
}

/**
 * A wait by the running system thread at its own top level: park it (true: the wait handler
 * returns at once and the thread's run ends there; the scheduler resumes the thread later with
 * the value the poll gives). False when the flow that waits is not a thread's top level
 * (DriverEntry, a dispatch routine, a callback inside a thread): then the caller runs other work
 * while it waits.
 */
export function parkCurrent(ctx: ApiContext, st: ThreadTable, wait: Omit<ThreadWait, "site">): boolean {
  const host = ctx.kernel.threads;
  const t = st.running[st.running.length - 1];
  if (!host || !t || t.cpu.depth !== host.depth()) return false;
  t.wait = { ...wait, site: ctx.caller ? `${ctx.caller.module}+0x${ctx.caller.rva.toString(16)}` : "?", order: (st.waits = (st.waits ?? 0) + 1) };
  t.state = "waiting";
  host.park(t.cpu, false);
  return true;
}

/** PsTerminateSystemThread at the thread's top level: end it now. False when it cannot be ended from here. */
export function exitCurrent(ctx: ApiContext, st: ThreadTable, status: number): boolean {
  const host = ctx.kernel.threads;
  const t = st.running[st.running.length - 1];
  if (!t) return false;
  t.exitStatus = status;
  if (!host || t.cpu.depth !== host.depth()) return false;
  host.park(t.cpu, true);
  return true;
}

export function newThread(object: bigint, start: bigint, context: bigint, module: string, id: bigint): SysThread {
  return { object, start, context, state: "ready", exitStatus: STATUS_PENDING, module, id, polls: 0, cpu: { start, arg: context }, irql: PASSIVE_LEVEL, criticalRegion: 0 };
}

/** APC delivery's view of system threads (api/apc.ts). */
export function apcHostOf(table: (ctx: ApiContext) => ThreadTable): ApcHost {
  const find = (ctx: ApiContext, object: bigint) => [...table(ctx).threads.values()].find((t) => t.object === object);
  return {
    thread: (ctx, object) => find(ctx, object),
    runAs(ctx, object, fn) {
      const t = find(ctx, object);
      const ks = keState(ctx.kernel);
      const saved = { irql: ctx.kernel.irql, cr: ks.criticalRegion };
      ctx.kernel.irql = t?.irql ?? 0;
      ks.criticalRegion = t?.criticalRegion ?? 0;
      try {
        if (t) pollAs(ctx, t, () => (fn(), null));
        else fn();
      } finally {
        ctx.kernel.irql = saved.irql;
        ks.criticalRegion = saved.cr;
      }
    },
  };
}
