/**
 * More synchronization: guarded mutexes and regions, in-stack queued spin locks, reader/writer
 * spin locks (EX_SPIN_LOCK), push locks, rundown protection, remove locks and the I/O manager's
 * cancel spin lock. One emulated thread and processor: acquiring what the caller already holds
 * is a `deadlock` fault (it would spin or wait forever), releasing what is not held is a warning
 * or the documented bug check.
 *
 * Layouts (wdm.h, x64): KGUARDED_MUTEX { Count 0 (1 = free), Owner 8 } (56 bytes);
 * KLOCK_QUEUE_HANDLE { LockQueue { Next 0, Lock 8 }, OldIrql 16 }; EX_SPIN_LOCK is a LONG
 * (0x80000000 = exclusive, else the shared count); EX_PUSH_LOCK and EX_RUNDOWN_REF are a
 * ULONG_PTR (rundown: count << 1 | 1 while a rundown is in progress);
 * IO_REMOVE_LOCK_COMMON_BLOCK { Removed 0, IoCount 4, RemoveEvent 8 } (32 bytes, free build).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { APC_LEVEL, DISPATCH_LEVEL, SYNCH_LEVEL, acquireSpin, currentThread, irqlName, lower, raise, releaseSpin } from "./ke.js";

const STATUS_DELETE_PENDING = 0xc0000056;
const EXCLUSIVE = 0x80000000;

function guardedState(ctx: ApiContext): { region: number } {
  return ctx.kernel.state("guarded", () => ({ region: 0 }));
}

/** Bytes of a pointer as a BigInt offset (KGUARDED_MUTEX.Owner, KLOCK_QUEUE_HANDLE fields). */
const P = () => BigInt(ptrSize());

function acquireGuarded(ctx: ApiContext, m: bigint, api: string, tryOnly: boolean): number {
  if (ctx.kernel.irql > APC_LEVEL) ctx.fault("bugcheck", `${api} at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
  const count = ctx.mem.u32(m);
  if (count === 0) {
    if (tryOnly) return 0;
    const owner = readPtr(ctx.mem, m + P());
    const mine = owner === currentThread(ctx);
    ctx.fault("deadlock", `${api}(${hex(m)}): the guarded mutex is already held${mine ? " by the current thread (not recursive)" : ""}`, { mutex: hex(m), ...(mine ? { selfDeadlock: true } : {}) });
  }
  ctx.mem.setU32(m, 0);
  writePtr(ctx.mem, m + P(), currentThread(ctx));
  return 1;
}
function releaseGuarded(ctx: ApiContext, m: bigint, api: string): void {
  if (ctx.mem.u32(m) !== 0 || readPtr(ctx.mem, m + P()) !== currentThread(ctx))
    ctx.fault("bugcheck", `${api}(${hex(m)}): the guarded mutex is not held by the current thread`, { code: "0x000000BF" });
  writePtr(ctx.mem, m + P(), 0n);
  ctx.mem.setU32(m, 1);
}

function queued(ctx: ApiContext, api: string, to: number | null): void {
  const lock = ctx.arg(0);
  const handle = ctx.arg(1);
  const old = to === null ? ctx.kernel.irql : raise(ctx, Math.max(to, ctx.kernel.irql), api);
  acquireSpin(ctx, lock, api);
  // KLOCK_QUEUE_HANDLE: LockQueue { Next, Lock }, OldIrql — pointer-sized fields.
  writePtr(ctx.mem, handle, 0n);
  writePtr(ctx.mem, handle + P(), lock);
  ctx.mem.setU8(handle + 2n * P(), old);
}
function unqueued(ctx: ApiContext, api: string, lowerIrql: boolean): void {
  const handle = ctx.arg(0);
  const lock = readPtr(ctx.mem, handle + P());
  releaseSpin(ctx, lock, api);
  if (lowerIrql) lower(ctx, ctx.mem.u8(handle + 2n * P()), api);
}

function exSpinExclusive(ctx: ApiContext, api: string, raiseIrql: boolean): number {
  const lock = ctx.arg(0);
  const old = raiseIrql ? raise(ctx, Math.max(DISPATCH_LEVEL, ctx.kernel.irql), api) : ctx.kernel.irql;
  if (ctx.mem.u32(lock) !== 0) ctx.fault("deadlock", `${api}(${hex(lock)}): the lock is held (${ctx.mem.u32(lock) === EXCLUSIVE ? "exclusive" : `${ctx.mem.u32(lock)} shared`}) — it would spin forever`, { lock: hex(lock) });
  ctx.mem.setU32(lock, EXCLUSIVE);
  return old;
}
function exSpinShared(ctx: ApiContext, api: string, raiseIrql: boolean): number {
  const lock = ctx.arg(0);
  const old = raiseIrql ? raise(ctx, Math.max(DISPATCH_LEVEL, ctx.kernel.irql), api) : ctx.kernel.irql;
  const v = ctx.mem.u32(lock);
  if (v === EXCLUSIVE) ctx.fault("deadlock", `${api}(${hex(lock)}): the lock is held exclusive — it would spin forever`, { lock: hex(lock) });
  ctx.mem.setU32(lock, v + 1);
  return old;
}
function exSpinRelease(ctx: ApiContext, api: string, shared: boolean, lowerIrql: boolean): void {
  const lock = ctx.arg(0);
  const v = ctx.mem.u32(lock);
  if (shared ? v === 0 || v === EXCLUSIVE : v !== EXCLUSIVE) ctx.warn(`${api}(${hex(lock)}): not held ${shared ? "shared" : "exclusive"}`);
  else ctx.mem.setU32(lock, shared ? v - 1 : 0);
  if (lowerIrql) lower(ctx, ctx.u32(1) & 0xff, api);
}

/** Push locks: bit 0 = exclusive, bits 4.. = shared count (kmdll's encoding; the value is opaque to drivers). */
export function pushAcquire(ctx: ApiContext, api: string, shared: boolean, tryOnly = false): number {
  const lock = ctx.arg(0);
  const v = readPtr(ctx.mem, lock);
  if ((v & 1n) !== 0n || (!shared && v !== 0n)) {
    if (tryOnly) return 0;
    ctx.fault("deadlock", `${api}(${hex(lock)}): the push lock is held — the single emulated thread would wait forever`, { lock: hex(lock) });
  }
  writePtr(ctx.mem, lock, shared ? v + 0x10n : 1n);
  return 1;
}
export function pushRelease(ctx: ApiContext, api: string, shared: boolean | null): void {
  const lock = ctx.arg(0);
  const v = readPtr(ctx.mem, lock);
  const isShared = shared ?? (v & 1n) === 0n;
  if (isShared ? v < 0x10n : v !== 1n) {
    ctx.warn(`${api}(${hex(lock)}): the push lock is not held ${isShared ? "shared" : "exclusive"}`);
    return;
  }
  writePtr(ctx.mem, lock, isShared ? v - 0x10n : 0n);
}

/** The I/O manager's cancel spin lock (one per system). */
export const cancelLock = (ctx: ApiContext) => ctx.kernel.state("cancel-lock", () => ({ held: false }));

export const apis: ApiDefinition[] = [
  // ---- guarded mutexes and regions
  nt("KeInitializeGuardedMutex", 1, (ctx) => {
    // sizeof(KGUARDED_MUTEX): 56 on x64, 32 on x86 (wdm.h; clang's sizeof on both).
    ctx.mem.write(ctx.arg(0), new Uint8Array(ptrSize() === 4 ? 32 : 56));
    ctx.mem.setU32(ctx.arg(0), 1);
  }),
  nt("KeAcquireGuardedMutex", 1, (ctx) => void acquireGuarded(ctx, ctx.arg(0), "KeAcquireGuardedMutex", false)),
  nt("KeAcquireGuardedMutexUnsafe", 1, (ctx) => void acquireGuarded(ctx, ctx.arg(0), "KeAcquireGuardedMutexUnsafe", false)),
  nt("KeTryToAcquireGuardedMutex", 1, (ctx) => acquireGuarded(ctx, ctx.arg(0), "KeTryToAcquireGuardedMutex", true)),
  nt("KeReleaseGuardedMutex", 1, (ctx) => releaseGuarded(ctx, ctx.arg(0), "KeReleaseGuardedMutex")),
  nt("KeReleaseGuardedMutexUnsafe", 1, (ctx) => releaseGuarded(ctx, ctx.arg(0), "KeReleaseGuardedMutexUnsafe")),
  nt("KeEnterGuardedRegion", 0, (ctx) => void guardedState(ctx).region++),
  nt("KeLeaveGuardedRegion", 0, (ctx) => {
    const g = guardedState(ctx);
    if (g.region === 0) ctx.warn("KeLeaveGuardedRegion without KeEnterGuardedRegion");
    else g.region--;
  }),
  nt("KeAreAllApcsDisabled", 0, (ctx) => (guardedState(ctx).region > 0 || ctx.kernel.irql >= APC_LEVEL ? 1 : 0)),
  // ---- in-stack queued spin locks
  nt("KeAcquireInStackQueuedSpinLock", 2, (ctx) => queued(ctx, "KeAcquireInStackQueuedSpinLock", DISPATCH_LEVEL)),
  nt("KeAcquireInStackQueuedSpinLockRaiseToSynch", 2, (ctx) => queued(ctx, "KeAcquireInStackQueuedSpinLockRaiseToSynch", SYNCH_LEVEL)),
  nt("KeAcquireInStackQueuedSpinLockForDpc", 2, (ctx) => queued(ctx, "KeAcquireInStackQueuedSpinLockForDpc", DISPATCH_LEVEL)),
  nt("KeAcquireInStackQueuedSpinLockAtDpcLevel", 2, (ctx) => queued(ctx, "KeAcquireInStackQueuedSpinLockAtDpcLevel", null)),
  nt("KeReleaseInStackQueuedSpinLock", 1, (ctx) => unqueued(ctx, "KeReleaseInStackQueuedSpinLock", true)),
  nt("KeReleaseInStackQueuedSpinLockForDpc", 1, (ctx) => unqueued(ctx, "KeReleaseInStackQueuedSpinLockForDpc", true)),
  nt("KeReleaseInStackQueuedSpinLockFromDpcLevel", 1, (ctx) => unqueued(ctx, "KeReleaseInStackQueuedSpinLockFromDpcLevel", false)),
  // ---- reader/writer spin locks
  nt("ExAcquireSpinLockExclusive", 1, (ctx) => exSpinExclusive(ctx, "ExAcquireSpinLockExclusive", true)),
  nt("ExAcquireSpinLockExclusiveAtDpcLevel", 1, (ctx) => void exSpinExclusive(ctx, "ExAcquireSpinLockExclusiveAtDpcLevel", false)),
  nt("ExAcquireSpinLockShared", 1, (ctx) => exSpinShared(ctx, "ExAcquireSpinLockShared", true)),
  nt("ExAcquireSpinLockSharedAtDpcLevel", 1, (ctx) => void exSpinShared(ctx, "ExAcquireSpinLockSharedAtDpcLevel", false)),
  nt("ExReleaseSpinLockExclusive", 2, (ctx) => exSpinRelease(ctx, "ExReleaseSpinLockExclusive", false, true)),
  nt("ExReleaseSpinLockExclusiveFromDpcLevel", 1, (ctx) => exSpinRelease(ctx, "ExReleaseSpinLockExclusiveFromDpcLevel", false, false)),
  nt("ExReleaseSpinLockShared", 2, (ctx) => exSpinRelease(ctx, "ExReleaseSpinLockShared", true, true)),
  nt("ExReleaseSpinLockSharedFromDpcLevel", 1, (ctx) => exSpinRelease(ctx, "ExReleaseSpinLockSharedFromDpcLevel", true, false)),
  nt("ExTryConvertSharedSpinLockExclusive", 1, (ctx) => {
    if (ctx.mem.u32(ctx.arg(0)) !== 1) return 0;
    ctx.mem.setU32(ctx.arg(0), EXCLUSIVE);
    return 1;
  }),
  // ---- push locks
  nt("ExInitializePushLock", 1, (ctx) => void writePtr(ctx.mem, ctx.arg(0), 0n)),
  nt("ExfAcquirePushLockExclusive", 1, (ctx) => void pushAcquire(ctx, "ExfAcquirePushLockExclusive", false)),
  nt("ExfAcquirePushLockShared", 1, (ctx) => void pushAcquire(ctx, "ExfAcquirePushLockShared", true)),
  nt("ExfTryAcquirePushLockShared", 1, (ctx) => pushAcquire(ctx, "ExfTryAcquirePushLockShared", true, true)),
  nt("ExfReleasePushLockExclusive", 1, (ctx) => pushRelease(ctx, "ExfReleasePushLockExclusive", false)),
  nt("ExfReleasePushLockShared", 1, (ctx) => pushRelease(ctx, "ExfReleasePushLockShared", true)),
  nt("ExfReleasePushLock", 1, (ctx) => pushRelease(ctx, "ExfReleasePushLock", null)),
  // ---- rundown protection
  ...(["ExInitializeRundownProtection", "ExReInitializeRundownProtection"] as const).map((n) => nt(n, 1, (ctx) => void writePtr(ctx.mem, ctx.arg(0), 0n))),
  nt("ExAcquireRundownProtection", 1, (ctx) => {
    const v = readPtr(ctx.mem, ctx.arg(0));
    if (v & 1n) return 0;
    writePtr(ctx.mem, ctx.arg(0), v + 2n);
    return 1;
  }),
  nt("ExAcquireRundownProtectionEx", 2, (ctx) => {
    const v = readPtr(ctx.mem, ctx.arg(0));
    if (v & 1n) return 0;
    writePtr(ctx.mem, ctx.arg(0), v + 2n * BigInt(ctx.u32(1)));
    return 1;
  }),
  ...(["ExReleaseRundownProtection", "ExReleaseRundownProtectionEx"] as const).map((n) =>
    nt(n, n.endsWith("Ex") ? 2 : 1, (ctx) => {
      const v = readPtr(ctx.mem, ctx.arg(0));
      const k = 2n * BigInt(n.endsWith("Ex") ? ctx.u32(1) : 1);
      if ((v & ~1n) < k) ctx.fault("bugcheck", `${n}(${hex(ctx.arg(0))}): more releases than acquisitions`, { code: "0x000000C4" });
      writePtr(ctx.mem, ctx.arg(0), v - k);
    }),
  ),
  nt("ExWaitForRundownProtectionRelease", 1, (ctx) => {
    const v = readPtr(ctx.mem, ctx.arg(0));
    if ((v & ~1n) !== 0n) ctx.fault("deadlock", `ExWaitForRundownProtectionRelease(${hex(ctx.arg(0))}): ${Number(v >> 1n)} acquisition(s) never released`, {});
    writePtr(ctx.mem, ctx.arg(0), 1n);
  }),
  nt("ExRundownCompleted", 1, (ctx) => void writePtr(ctx.mem, ctx.arg(0), 1n)),
  // ---- remove locks
  nt("IoInitializeRemoveLockEx", 5, (ctx) => {
    const lock = ctx.arg(0);
    const size = ctx.u32(4);
    if (size !== 24 && size !== 32 && size !== 88 && size !== 120) ctx.warn(`IoInitializeRemoveLockEx: RemlockSize ${size} is not sizeof(IO_REMOVE_LOCK)`);
    ctx.mem.write(lock, new Uint8Array(32));
    ctx.mem.setU32(lock + 4n, 1);
    ctx.mem.setU8(lock + 8n, 0); // RemoveEvent: NotificationEvent, not signaled
  }),
  nt("IoAcquireRemoveLockEx", 5, (ctx) => {
    const lock = ctx.arg(0);
    if (ctx.mem.u8(lock) !== 0) return STATUS_DELETE_PENDING;
    ctx.mem.setU32(lock + 4n, ctx.mem.u32(lock + 4n) + 1);
    return STATUS.SUCCESS;
  }),
  nt("IoReleaseRemoveLockEx", 3, (ctx) => {
    const lock = ctx.arg(0);
    const n = ctx.mem.u32(lock + 4n) | 0;
    if (n <= 0) ctx.fault("bugcheck", `IoReleaseRemoveLockEx(${hex(lock)}): released more often than acquired`, { code: "0x000000C4" });
    ctx.mem.setU32(lock + 4n, n - 1);
    if (n - 1 === 0) ctx.mem.setU32(lock + 8n + 4n, 1); // RemoveEvent signaled
  }),
  nt("IoReleaseRemoveLockAndWaitEx", 3, (ctx) => {
    const lock = ctx.arg(0);
    ctx.mem.setU8(lock, 1);
    // The initial reference (from IoInitializeRemoveLockEx) plus the caller's acquisition go away.
    const n = (ctx.mem.u32(lock + 4n) | 0) - 2;
    if (n > 0) ctx.fault("deadlock", `IoReleaseRemoveLockAndWaitEx(${hex(lock)}): ${n} acquisition(s) never released`, {});
    ctx.mem.setU32(lock + 4n, 0);
    ctx.mem.setU32(lock + 8n + 4n, 1);
  }),
  // ---- the cancel spin lock
  nt("IoAcquireCancelSpinLock", 1, (ctx) => {
    const c = cancelLock(ctx);
    if (c.held) ctx.fault("deadlock", "IoAcquireCancelSpinLock: the cancel spin lock is already held", { selfDeadlock: true });
    const old = raise(ctx, Math.max(DISPATCH_LEVEL, ctx.kernel.irql), "IoAcquireCancelSpinLock");
    c.held = true;
    ctx.mem.setU8(ctx.arg(0), old);
  }),
  nt("IoReleaseCancelSpinLock", 1, (ctx) => {
    const c = cancelLock(ctx);
    if (!c.held) ctx.warn("IoReleaseCancelSpinLock: the cancel spin lock is not held");
    c.held = false;
    lower(ctx, ctx.u32(0) & 0xff, "IoReleaseCancelSpinLock");
  }),
];
