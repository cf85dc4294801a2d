/**
 * Kernel core: IRQL (tracked here: Unicorn does not keep CR8), spin locks, dispatcher objects
 * (events, mutexes, semaphores) and waits on a single emulated thread, the deterministic clock,
 * bug checks.
 *
 * NOTE for the x64 headers: KeGetCurrentIrql/KeRaiseIrql/KeLowerIrql/KfRaiseIrql/
 * KeRaiseIrqlToDpcLevel are FORCEINLINE CR8 accesses in wdm.h, and KeQuerySystemTime/
 * KeQueryTickCount/KeQueryInterruptTime read KUSER_SHARED_DATA; only drivers that import the
 * exported forms (or find them with MmGetSystemRoutineAddress) reach these handlers.
 */
import { noteAcquired, noteReleased, siteOf } from "../verifier/locks.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";
import { activeProcessorMask, processorCount } from "../machine/topology.js";

const B = (n: number) => BigInt(n);
export const PASSIVE_LEVEL = 0;
export const APC_LEVEL = 1;
export const DISPATCH_LEVEL = 2;
export const SYNCH_LEVEL = 12;
export const HIGH_LEVEL = 15;

/** KOBJECTS (DISPATCHER_HEADER.Type). */
export const EventNotificationObject = 0;
export const EventSynchronizationObject = 1;
export const MutantObject = 2;
export const SemaphoreObject = 5;
export const TimerNotificationObject = 8;
export const TimerSynchronizationObject = 9;

const DH = LAYOUT.DISPATCHER_HEADER;
const IRQL_NAMES = ["PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL"];
export const irqlName = (i: number) => IRQL_NAMES[i] ?? String(i);

/** 2024-01-01T00:00:00Z in 100 ns units since 1601 (the emulated boot time). */
export const BOOT_SYSTEM_TIME = 133485408000000000n;

/** The deterministic clock: the core's (KUSER_SHARED_DATA) when it provides one, else a local one. */
export function clockOf(ctx: ApiContext): { systemTime(): bigint; interruptTime(): bigint; advance(d: bigint): void } {
  if (ctx.kernel.clock) return ctx.kernel.clock;
  return localClock(ctx.kernel);
}

/** A clock for kernels whose core provides none (test fakes). */
const localClock = componentState("clock", () => {
  let t = 0n;
  return {
    systemTime: () => BOOT_SYSTEM_TIME + t,
    interruptTime: () => t,
    advance: (d: bigint) => {
      if (d > 0n) t += d;
    },
  };
});

export const keState = componentState("ke", () => ({ criticalRegion: 0 }));

export function currentThread(ctx: ApiContext): bigint {
  return ctx.kernel.currentThread ?? 0xfffff80200001000n;
}

export function setIrql(ctx: ApiContext, irql: number): void {
  ctx.kernel.irql = irql;
}

export function raise(ctx: ApiContext, newIrql: number, api: string): number {
  const old = ctx.kernel.irql;
  if (newIrql < old)
    ctx.fault("bugcheck", `${api}: IRQL_NOT_GREATER_OR_EQUAL (raising to ${irqlName(newIrql)} from ${irqlName(old)})`, { code: "0x00000009", parameters: [hex(old), hex(newIrql), "0x0", "0x0"] });
  setIrql(ctx, newIrql);
  return old;
}

export function lower(ctx: ApiContext, newIrql: number, api: string): void {
  const old = ctx.kernel.irql;
  if (newIrql > old)
    ctx.fault("bugcheck", `${api}: IRQL_NOT_LESS_OR_EQUAL (lowering to ${irqlName(newIrql)} from ${irqlName(old)})`, { code: "0x0000000A", parameters: ["0x0", hex(old), "0x0", "0x0"] });
  setIrql(ctx, newIrql);
  if (old >= DISPATCH_LEVEL && newIrql < DISPATCH_LEVEL) schedulerSlot(ctx).current?.dpcWindow(ctx);
}

// ---- spin locks ----------------------------------------------------------------------------

export function acquireSpin(ctx: ApiContext, lock: bigint, api: string): void {
  if (getPtr(ctx.mem, lock) !== 0n)
    ctx.fault("deadlock", `${api}: spin lock ${hex(lock)} is already held (recursive acquire spins forever)`, { lock: hex(lock), selfDeadlock: true });
  putPtr(ctx.mem, lock, 1n);
  noteAcquired(ctx.kernel, lock, "spin lock", siteOf(ctx, api));
}
export function releaseSpin(ctx: ApiContext, lock: bigint, api: string): void {
  if (getPtr(ctx.mem, lock) === 0n) ctx.warn(`${api}: spin lock ${hex(lock)} released while not held`);
  putPtr(ctx.mem, lock, 0n);
  noteReleased(ctx.kernel, lock);
}

// ---- dispatcher objects -----------------------------------------------------------------------

export const ProcessObject = 3;
export const ThreadObject = 6;

/**
 * The deterministic scheduler (sched.ts) behind waits: while a wait is not satisfied it runs
 * queued DPCs, expired timers, work items and ready system threads, advancing the clock up to
 * `deadline` (interrupt time; null = no timeout). True when `satisfied()` became true.
 */
export interface WaitScheduler {
  runUntil(ctx: ApiContext, satisfied: () => boolean, deadline: bigint | null): boolean;
  /** IRQL dropped below DISPATCH_LEVEL: run the queued DPCs. */
  dpcWindow(ctx: ApiContext): void;
  /** Park the running system thread on this wait when it waits at its own top level (true: return at once); false otherwise. */
  park(ctx: ApiContext, wait: { api: string; what: string; poll: () => bigint | number | null; deadline: bigint | null; timeoutValue: number }): boolean;
  /** The system threads parked in waits, for a deadlock report ("" when none). */
  waiters(ctx: ApiContext): string;
  /** An object became signaled: satisfy the parked waits it can, in wait order (as Windows's dispatcher does). */
  signaled?(ctx: ApiContext): void;
}
export function schedulerSlot(ctx: ApiContext): { current: WaitScheduler | null } {
  return ctx.kernel.state("scheduler", () => ({ current: null as WaitScheduler | null }));
}

export function header(ctx: ApiContext, obj: bigint): { type: number; signal: number } {
  return { type: ctx.mem.u8(obj + B(DH.Type)), signal: ctx.mem.u32(obj + B(DH.SignalState)) | 0 };
}
export function setSignal(ctx: ApiContext, obj: bigint, v: number): void {
  ctx.mem.setU32(obj + B(DH.SignalState), v >>> 0);
  if (v > 0) schedulerSlot(ctx).current?.signaled?.(ctx);
}
export function initHeader(ctx: ApiContext, obj: bigint, type: number, size: number, signal: number): void {
  ctx.mem.setU8(obj + B(DH.Type), type);
  ctx.mem.setU8(obj + B(DH.Size), Math.floor(size / 4));
  setSignal(ctx, obj, signal);
  const wl = obj + B(DH.WaitListHead);
  putPtr(ctx.mem, wl + B(LAYOUT.LIST_ENTRY.Flink), wl);
  putPtr(ctx.mem, wl + B(LAYOUT.LIST_ENTRY.Blink), wl);
}

/** Try to satisfy a wait on one object; true when it was signaled (and consumed). */
export function trySatisfy(ctx: ApiContext, obj: bigint): boolean {
  const h = header(ctx, obj);
  switch (h.type) {
    case EventNotificationObject:
    case TimerNotificationObject:
    case ThreadObject:
    case ProcessObject:
      return h.signal > 0;
    case EventSynchronizationObject:
    case TimerSynchronizationObject:
      if (h.signal <= 0) return false;
      setSignal(ctx, obj, 0);
      return true;
    case SemaphoreObject:
      if (h.signal <= 0) return false;
      setSignal(ctx, obj, h.signal - 1);
      return true;
    case MutantObject: {
      const ownerAt = obj + B(LAYOUT.KMUTANT.OwnerThread);
      const owner = getPtr(ctx.mem, ownerAt);
      if (h.signal > 0 || owner === currentThread(ctx)) {
        setSignal(ctx, obj, h.signal - 1);
        putPtr(ctx.mem, ownerAt, currentThread(ctx));
        return true;
      }
      return false;
    }
    default:
      ctx.warn(`wait on a dispatcher object of unknown type ${h.type} at ${hex(obj)}: treated as signaled`);
      return true;
  }
}

/** A wait's timeout (PLARGE_INTEGER: NULL infinite, negative relative, positive absolute) as an interrupt-time deadline; null = infinite. */
export function deadlineOf(ctx: ApiContext, timeoutPtr: bigint): bigint | null {
  if (timeoutPtr === 0n) return null;
  const t = BigInt.asIntN(64, ctx.mem.u64(timeoutPtr));
  const clock = clockOf(ctx);
  const now = clock.interruptTime();
  return t < 0n ? now - t : now + (t > clock.systemTime() ? t - clock.systemTime() : 0n);
}

/**
 * Block in a kernel routine until `poll` gives the routine's return value (having consumed what
 * it waited for) or the clock reaches `deadline` (then `timeoutValue`). A system thread waiting
 * at its own top level is parked and the scheduler runs something else; any other flow runs the
 * ready work (DPCs, timers, work items, threads) from here. Nothing left that could ever satisfy
 * an infinite wait: a deadlock report naming the parked threads. Undefined when the thread parked.
 */
export function blockingWait(ctx: ApiContext, api: string, what: string, poll: () => bigint | number | null, deadline: bigint | null, timeoutValue: number): bigint | number | undefined {
  const sched = schedulerSlot(ctx).current;
  const clock = clockOf(ctx);
  if (sched) {
    // Parked: the routine returns nothing now (RAX is set when the thread resumes).
    if (sched.park(ctx, { api, what, poll, deadline, timeoutValue })) return undefined;
    let v: bigint | number | null = null;
    if (sched.runUntil(ctx, () => (v = poll()) !== null, deadline)) return v!;
  }
  if (deadline === null) {
    const w = sched?.waiters(ctx);
    return ctx.fault("deadlock", `${api}: waiting forever on ${what}, which nothing can signal${w ? ` (${w})` : ""}`, { object: what });
  }
  const left = deadline - clock.interruptTime();
  if (left > 0n) clock.advance(left);
  return timeoutValue;
}

/** A wait not satisfied at once: zero timeout → STATUS_TIMEOUT; else block (blockingWait). */
export function waitWithTimeout(ctx: ApiContext, timeoutPtr: bigint, api: string, what: string, poll: () => bigint | number | null): bigint | number | undefined {
  const t = timeoutPtr === 0n ? null : BigInt.asIntN(64, ctx.mem.u64(timeoutPtr));
  if (t === 0n) return STATUS.TIMEOUT;
  if (ctx.kernel.irql >= DISPATCH_LEVEL) ctx.fault("bugcheck", `${api}: a wait with a nonzero timeout at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
  return blockingWait(ctx, api, what, poll, deadlineOf(ctx, timeoutPtr), STATUS.TIMEOUT);
}

function waitApi(name: string): ApiDefinition {
  return nt(name, 5, (ctx) => {
    const obj = ctx.arg(0);
    const timeout = ctx.arg(4);
    ctx.describe([hex(obj), String(ctx.u32(1)), ctx.u32(2) ? "UserMode" : "KernelMode", ctx.u32(3) & 0xff ? "TRUE" : "FALSE", timeout === 0n ? "NULL (infinite)" : String(BigInt.asIntN(64, ctx.mem.u64(timeout)))]);
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `${name} at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    if (trySatisfy(ctx, obj)) return STATUS.SUCCESS;
    return waitWithTimeout(ctx, timeout, name, `object ${hex(obj)}`, () => (trySatisfy(ctx, obj) ? STATUS.SUCCESS : null));
  });
}

function delay(ctx: ApiContext, intervalPtr: bigint): bigint | number | undefined {
  const t = BigInt.asIntN(64, ctx.mem.u64(intervalPtr));
  if (t === 0n) return STATUS.SUCCESS;
  // Other work runs while the thread sleeps (timers firing on the way).
  return blockingWait(ctx, "KeDelayExecutionThread", "its interval", () => null, deadlineOf(ctx, intervalPtr), STATUS.SUCCESS);
}

export function perfCounter(ctx: ApiContext): bigint {
  const freqPtr = ctx.arg(0);
  if (freqPtr !== 0n) ctx.mem.setU64(freqPtr, 10_000_000n);
  return clockOf(ctx).interruptTime();
}

function bugcheck(ctx: ApiContext, api: string, code: number, params: bigint[]): never {
  const codeText = "0x" + code.toString(16).toUpperCase().padStart(8, "0");
  const p = params.map((x) => hex(x));
  ctx.fault("bugcheck", api === "KeBugCheck" ? `KeBugCheck(${codeText})` : `KeBugCheckEx(${[codeText, ...p].join(", ")})`, { code: codeText, parameters: p });
}

export const apis: ApiDefinition[] = [
  // ---- IRQL (exported forms)
  nt("KeGetCurrentIrql", 0, (ctx) => ctx.kernel.irql),
  nt("KfRaiseIrql", 1, (ctx) => raise(ctx, ctx.u32(0) & 0xff, "KfRaiseIrql")),
  nt("KeRaiseIrqlToDpcLevel", 0, (ctx) => raise(ctx, DISPATCH_LEVEL, "KeRaiseIrqlToDpcLevel")),
  nt("KeRaiseIrqlToSynchLevel", 0, (ctx) => raise(ctx, SYNCH_LEVEL, "KeRaiseIrqlToSynchLevel")),
  nt("KfLowerIrql", 1, (ctx) => lower(ctx, ctx.u32(0) & 0xff, "KfLowerIrql")),
  nt("KeLowerIrql", 1, (ctx) => lower(ctx, ctx.u32(0) & 0xff, "KeLowerIrql")),
  // ---- spin locks
  nt("KeInitializeSpinLock", 1, (ctx) => void putPtr(ctx.mem, ctx.arg(0), 0n)),
  nt("KeAcquireSpinLockRaiseToDpc", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    const old = ctx.kernel.irql;
    if (old > DISPATCH_LEVEL) ctx.fault("bugcheck", `KeAcquireSpinLockRaiseToDpc at ${irqlName(old)}`, { code: "0x0000000A" });
    acquireSpin(ctx, ctx.arg(0), "KeAcquireSpinLockRaiseToDpc");
    setIrql(ctx, DISPATCH_LEVEL);
    return old;
  }),
  nt("KeAcquireSpinLock", 2, (ctx) => {
    const old = ctx.kernel.irql;
    acquireSpin(ctx, ctx.arg(0), "KeAcquireSpinLock");
    setIrql(ctx, DISPATCH_LEVEL);
    ctx.mem.setU8(ctx.arg(1), old);
  }),
  nt("KeReleaseSpinLock", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), irqlName(ctx.u32(1) & 0xff)]);
    releaseSpin(ctx, ctx.arg(0), "KeReleaseSpinLock");
    lower(ctx, ctx.u32(1) & 0xff, "KeReleaseSpinLock");
  }),
  nt("KeAcquireSpinLockAtDpcLevel", 1, (ctx) => {
    if (ctx.kernel.irql < DISPATCH_LEVEL) ctx.warn(`KeAcquireSpinLockAtDpcLevel called at ${irqlName(ctx.kernel.irql)} (must be DISPATCH_LEVEL)`);
    acquireSpin(ctx, ctx.arg(0), "KeAcquireSpinLockAtDpcLevel");
  }),
  nt("KeReleaseSpinLockFromDpcLevel", 1, (ctx) => releaseSpin(ctx, ctx.arg(0), "KeReleaseSpinLockFromDpcLevel")),
  nt("KefAcquireSpinLockAtDpcLevel", 1, (ctx) => acquireSpin(ctx, ctx.arg(0), "KefAcquireSpinLockAtDpcLevel")),
  nt("KefReleaseSpinLockFromDpcLevel", 1, (ctx) => releaseSpin(ctx, ctx.arg(0), "KefReleaseSpinLockFromDpcLevel")),
  nt("KeTryToAcquireSpinLockAtDpcLevel", 1, (ctx) => {
    if (getPtr(ctx.mem, ctx.arg(0)) !== 0n) return 0;
    putPtr(ctx.mem, ctx.arg(0), 1n);
    noteAcquired(ctx.kernel, ctx.arg(0), "spin lock", siteOf(ctx, "KeTryToAcquireSpinLockAtDpcLevel"));
    return 1;
  }),
  // ---- events
  nt("KeInitializeEvent", 3, (ctx) => {
    const type = ctx.u32(1);
    ctx.describe([hex(ctx.arg(0)), type === 0 ? "NotificationEvent" : "SynchronizationEvent", ctx.u32(2) & 0xff ? "TRUE" : "FALSE"]);
    initHeader(ctx, ctx.arg(0), type === 0 ? EventNotificationObject : EventSynchronizationObject, LAYOUT.KEVENT.$size, ctx.u32(2) & 0xff ? 1 : 0);
  }),
  nt("KeSetEvent", 3, (ctx) => {
    const prev = header(ctx, ctx.arg(0)).signal;
    setSignal(ctx, ctx.arg(0), 1);
    return prev;
  }),
  nt("KeResetEvent", 1, (ctx) => {
    const prev = header(ctx, ctx.arg(0)).signal;
    setSignal(ctx, ctx.arg(0), 0);
    return prev;
  }),
  nt("KeClearEvent", 1, (ctx) => void setSignal(ctx, ctx.arg(0), 0)),
  nt("KeReadStateEvent", 1, (ctx) => header(ctx, ctx.arg(0)).signal),
  // ---- mutexes and semaphores
  nt("KeInitializeMutex", 2, (ctx) => {
    const m = ctx.arg(0);
    initHeader(ctx, m, MutantObject, LAYOUT.KMUTANT.$size, 1);
    putPtr(ctx.mem, m + B(LAYOUT.KMUTANT.OwnerThread), 0n);
    ctx.mem.setU8(m + B(LAYOUT.KMUTANT.Abandoned), 0);
  }),
  nt("KeReleaseMutex", 2, (ctx) => {
    const m = ctx.arg(0);
    const h = header(ctx, m);
    const owner = getPtr(ctx.mem, m + B(LAYOUT.KMUTANT.OwnerThread));
    if (h.signal > 0 || owner !== currentThread(ctx))
      ctx.fault("bugcheck", `KeReleaseMutex(${hex(m)}): the mutex is not owned by the current thread (STATUS_MUTANT_NOT_OWNED)`, { code: "0x000000BF" });
    // Ownerless first: signaling may hand the mutex to a parked waiter at once (setSignal).
    if (h.signal + 1 === 1) putPtr(ctx.mem, m + B(LAYOUT.KMUTANT.OwnerThread), 0n);
    setSignal(ctx, m, h.signal + 1);
    return h.signal;
  }),
  nt("KeReadStateMutex", 1, (ctx) => header(ctx, ctx.arg(0)).signal),
  nt("KeInitializeSemaphore", 3, (ctx) => {
    const s = ctx.arg(0);
    initHeader(ctx, s, SemaphoreObject, LAYOUT.KSEMAPHORE.$size, ctx.i32(1));
    ctx.mem.setU32(s + B(LAYOUT.KSEMAPHORE.Limit), ctx.u32(2));
  }),
  nt("KeReleaseSemaphore", 4, (ctx) => {
    const s = ctx.arg(0);
    const h = header(ctx, s);
    const limit = ctx.mem.u32(s + B(LAYOUT.KSEMAPHORE.Limit)) | 0;
    const next = h.signal + ctx.i32(2);
    if (ctx.i32(2) <= 0 || next > limit || next < h.signal)
      ctx.fault("bugcheck", `KeReleaseSemaphore(${hex(s)}, adjustment ${ctx.i32(2)}): STATUS_SEMAPHORE_LIMIT_EXCEEDED (limit ${limit})`, { code: "0x000000BF" });
    setSignal(ctx, s, next);
    return h.signal;
  }),
  nt("KeReadStateSemaphore", 1, (ctx) => header(ctx, ctx.arg(0)).signal),
  // ---- waits
  waitApi("KeWaitForSingleObject"),
  waitApi("KeWaitForMutexObject"),
  nt("KeWaitForMultipleObjects", 8, (ctx) => {
    const count = ctx.u32(0);
    const arr = ctx.arg(1);
    const waitAll = ctx.u32(2) === 0; // WaitAll = 0, WaitAny = 1
    const timeout = ctx.arg(6);
    const objs = [...Array(count).keys()].map((i) => getPtr(ctx.mem, arr + B(i * ptrSize())));
    ctx.describe([String(count), objs.map((o) => hex(o)).join(","), waitAll ? "WaitAll" : "WaitAny"]);
    const owned = (o: bigint) => {
      const h = header(ctx, o);
      return h.signal > 0 || (h.type === MutantObject && getPtr(ctx.mem, o + B(LAYOUT.KMUTANT.OwnerThread)) === currentThread(ctx));
    };
    const what = (waitAll ? "all of " : "any of ") + objs.map((o) => hex(o)).join(", ");
    if (waitAll) {
      // Satisfied only when every object is signaled at once; then each is consumed.
      const all = () => {
        if (!objs.every(owned)) return null;
        for (const o of objs) trySatisfy(ctx, o);
        return STATUS.SUCCESS;
      };
      return all() ?? waitWithTimeout(ctx, timeout, "KeWaitForMultipleObjects", what, all);
    }
    const any = () => {
      const i = objs.findIndex((o) => trySatisfy(ctx, o));
      return i >= 0 ? STATUS.SUCCESS + i : null;
    };
    return any() ?? waitWithTimeout(ctx, timeout, "KeWaitForMultipleObjects", what, any);
  }),
  nt("KeDelayExecutionThread", 3, (ctx) => {
    ctx.describe([ctx.u32(0) ? "UserMode" : "KernelMode", ctx.u32(1) & 0xff ? "TRUE" : "FALSE", String(BigInt.asIntN(64, ctx.mem.u64(ctx.arg(2))))]);
    if (ctx.kernel.irql > APC_LEVEL) ctx.fault("bugcheck", `KeDelayExecutionThread at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    return delay(ctx, ctx.arg(2));
  }),
  // ---- time
  nt("KeQueryPerformanceCounter", 1, perfCounter),
  nt("KeQuerySystemTime", 1, (ctx) => void ctx.mem.setU64(ctx.arg(0), clockOf(ctx).systemTime())),
  nt("KeQuerySystemTimePrecise", 1, (ctx) => void ctx.mem.setU64(ctx.arg(0), clockOf(ctx).systemTime())),
  nt("KeQueryInterruptTime", 0, (ctx) => clockOf(ctx).interruptTime()),
  nt("KeQueryInterruptTimePrecise", 1, (ctx) => {
    if (ctx.arg(0) !== 0n) ctx.mem.setU64(ctx.arg(0), clockOf(ctx).interruptTime());
    return clockOf(ctx).interruptTime();
  }),
  nt("KeQueryTickCount", 1, (ctx) => void ctx.mem.setU64(ctx.arg(0), clockOf(ctx).interruptTime() / 156250n)),
  nt("KeQueryTimeIncrement", 0, () => 156250),
  // ---- threads, processors, critical regions
  nt("KeGetCurrentThread", 0, (ctx) => currentThread(ctx)),
  nt("KeGetCurrentProcessorNumberEx", 1, (ctx) => {
    if (ctx.arg(0) !== 0n) ctx.mem.write(ctx.arg(0), new Uint8Array(4));
    return 0;
  }),
  // The machine's processors (machine/topology.ts); Ex: group 0 or ALL_PROCESSOR_GROUPS (0xFFFF), any other group 0.
  nt("KeQueryActiveProcessorCount", 1, (ctx) => {
    if (ctx.arg(0) !== 0n) putPtr(ctx.mem, ctx.arg(0), activeProcessorMask(ctx.kernel));
    return processorCount(ctx.kernel);
  }),
  nt("KeQueryActiveProcessorCountEx", 1, (ctx) => ((ctx.u32(0) & 0xffff) === 0 || (ctx.u32(0) & 0xffff) === 0xffff ? processorCount(ctx.kernel) : 0)),
  nt("KeEnterCriticalRegion", 0, (ctx) => {
    keState(ctx.kernel).criticalRegion++;
  }),
  nt("KeLeaveCriticalRegion", 0, (ctx) => {
    const s = keState(ctx.kernel);
    if (s.criticalRegion > 0) s.criticalRegion--;
    // Driver Verifier: 0xC4 P1 0x3E, KeLeaveCriticalRegion for a thread not in a critical region.
    else if (ctx.kernel.verify && ctx.kernel.verifierMode !== "none")
      ctx.kernel.verify({ rule: "critical-region-leave-unbalanced", message: "KeLeaveCriticalRegion without KeEnterCriticalRegion", bugcheck: { code: "0x000000C4", parameters: ["0x3e", "0x0", "0x0", "0x0"] } });
    else ctx.warn("KeLeaveCriticalRegion without KeEnterCriticalRegion");
  }),
  nt("KeAreApcsDisabled", 0, (ctx) => (keState(ctx.kernel).criticalRegion > 0 || ctx.kernel.irql >= APC_LEVEL ? 1 : 0)),
  // ---- bug checks
  nt("KeBugCheckEx", 5, (ctx) => bugcheck(ctx, "KeBugCheckEx", ctx.u32(0), [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)])),
  nt("KeBugCheck", 1, (ctx) => bugcheck(ctx, "KeBugCheck", ctx.u32(0), [0n, 0n, 0n, 0n])),
];

