/**
 * The NDIS 5 read/write lock (ndis.h; Microsoft Learn: NdisInitializeReadWriteLock,
 * NdisAcquireReadWriteLock, NdisReleaseReadWriteLock, NdisDprAcquireReadWriteLock,
 * NdisDprReleaseReadWriteLock — deprecated for NDIS 6.20 and later drivers, still exported and
 * still used: ZeroTier's zttap300.sys, held-out set fresh5, /work/wt/qa-fresh5.md, initializes
 * one in DriverEntry). Unlike NDIS_RW_LOCK_EX the caller provides the storage ("resident storage
 * for the locks it uses"): NDIS_RW_LOCK is a 16-byte head (KSPIN_LOCK SpinLock; PVOID Context)
 * then one 16-byte reference count per processor, MAXIMUM_PROCESSORS of them (64 on x64, 32 on
 * x86 — WDK ntdef.h/ndis.h; mingw-w64's ndis.h has the same layout). LOCK_STATE is
 * {USHORT LockState; KIRQL OldIrql}.
 *
 *   NdisInitializeReadWriteLock(Lock): zeroes the whole NDIS_RW_LOCK ("the driver must
 *     initialize a variable of type NDIS_RW_LOCK using NdisInitializeReadWriteLock before the
 *     driver calls any other NdisXxxReadWriteLock function"). Any IRQL.
 *   NdisAcquireReadWriteLock(Lock, fWrite, LockState): read (fWrite FALSE) or write access; raises
 *     the IRQL to DISPATCH_LEVEL and keeps the caller's IRQL in LockState->OldIrql. The emulated
 *     machine has one processor, so the caller is always the only holder and acquisition never
 *     waits; recursive acquisitions each need their own LOCK_STATE (Learn: "a different variable
 *     of type LOCK_STATE for each attempt") — reusing one that is not released is a warning, as is
 *     a lock NdisInitializeReadWriteLock never initialized.
 *   NdisReleaseReadWriteLock(Lock, LockState): "restores the original IRQL used by its caller
 *     before the call to NdisAcquireReadWriteLock"; a LockState no acquisition of this lock filled
 *     is a warning and does nothing.
 *   NdisDprAcquireReadWriteLock / NdisDprReleaseReadWriteLock (NDIS 6.0/6.1): the same at
 *     DISPATCH_LEVEL (IRQL = DISPATCH_LEVEL in Learn's requirements): the IRQL is left alone; a
 *     caller below DISPATCH_LEVEL is a warning.
 *
 * kmdll keeps its bookkeeping beside guest memory and writes LockState's OldIrql and a LockState
 * value of its own (1 read, 2 write); the NDIS_RW_LOCK bytes stay as the driver initialized them.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { DISPATCH_LEVEL, irqlName, lower, raise } from "../api/ke.js";
import { ptrSize } from "../../nt/arch-layout.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);

/** sizeof(NDIS_RW_LOCK): 16-byte head + MAXIMUM_PROCESSORS × 16-byte NDIS_RW_LOCK_REFCOUNT. */
export const ndisRwLockSize = () => 16 + 16 * (ptrSize() === 8 ? 64 : 32);

interface Held { write: boolean; oldIrql: number; raised: boolean }
const locksOf = componentState("ndis.rwlock5", () => new Map<bigint, Map<bigint, Held>>());

function acquire(ctx: ApiContext, name: string, atDpc: boolean): void {
  const [lock, write, state] = [ctx.arg(0), (ctx.u32(1) & 0xff) !== 0, ctx.arg(2)];
  ctx.describe([hex(lock), write ? "TRUE" : "FALSE", hex(state)]);
  if (lock === 0n || state === 0n) ctx.fault("bugcheck", `${name}: ${lock === 0n ? "Lock" : "LockState"} is NULL`, { code: "0x0000001E" });
  let held = locksOf(ctx.kernel).get(lock);
  if (!held) {
    ctx.warn(`${name}(${hex(lock)}): the lock was not initialized with NdisInitializeReadWriteLock (Learn: it must be first)`);
    held = new Map();
    locksOf(ctx.kernel).set(lock, held);
  }
  if (held.has(state)) ctx.warn(`${name}(${hex(lock)}): LockState ${hex(state)} is already in use by an acquisition not released (each needs its own LOCK_STATE)`);
  const old = ctx.kernel.irql;
  if (atDpc) {
    if (old !== DISPATCH_LEVEL) ctx.warn(`${name} at ${irqlName(old)} (Learn: callers run at DISPATCH_LEVEL)`);
  } else raise(ctx, DISPATCH_LEVEL, name);
  ctx.mem.setU16(state, write ? 2 : 1);
  ctx.mem.setU8(state + 2n, old);
  held.set(state, { write, oldIrql: old, raised: !atDpc });
}

function release(ctx: ApiContext, name: string): void {
  const [lock, state] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(lock), hex(state)]);
  const a = locksOf(ctx.kernel).get(lock)?.get(state);
  if (!a) return ctx.warn(`${name}(${hex(lock)}): LockState ${hex(state)} holds no acquisition of this lock`);
  locksOf(ctx.kernel).get(lock)!.delete(state);
  if (a.raised) lower(ctx, a.oldIrql, name);
}

export const ndisRwLock5Apis: ApiDefinition[] = [
  ndis("NdisInitializeReadWriteLock", 1, (ctx) => {
    const lock = ctx.arg(0);
    ctx.describe([hex(lock)]);
    if (lock === 0n) ctx.fault("bugcheck", "NdisInitializeReadWriteLock: Lock is NULL", { code: "0x0000001E" });
    ctx.mem.write(lock, new Uint8Array(ndisRwLockSize()));
    locksOf(ctx.kernel).set(lock, new Map());
  }),
  ndis("NdisAcquireReadWriteLock", 3, (ctx) => void acquire(ctx, "NdisAcquireReadWriteLock", false)),
  ndis("NdisReleaseReadWriteLock", 2, (ctx) => void release(ctx, "NdisReleaseReadWriteLock")),
  ndis("NdisDprAcquireReadWriteLock", 3, (ctx) => void acquire(ctx, "NdisDprAcquireReadWriteLock", true)),
  ndis("NdisDprReleaseReadWriteLock", 2, (ctx) => void release(ctx, "NdisDprReleaseReadWriteLock")),
];
