/**
 * NDIS 6 read/write locks (ndis.h; Microsoft Learn: NdisAllocateRWLock, NdisFreeRWLock,
 * NdisAcquireRWLockRead, NdisAcquireRWLockWrite, NdisReleaseRWLock). Npcap's npcap.sys (held-out
 * set fresh3, /work/wt/qa-fresh3.md) allocates one right after NdisFRegisterFilterDriver and
 * takes it for write in its unload routine.
 *
 *   NdisAllocateRWLock(NdisHandle): an opaque NDIS_RW_LOCK_EX in nonpaged pool charged to the
 *     calling driver (so a lock never freed is a `leak` at unload), or NULL when the pool has no
 *     room. NdisHandle names the driver, adapter, filter module or binding the lock is for; kmdll
 *     charges the caller. IRQL <= DISPATCH_LEVEL.
 *   NdisAcquireRWLockRead / NdisAcquireRWLockWrite(Lock, LockState, Flags): raise the IRQL to
 *     DISPATCH_LEVEL, keeping the old one in the caller's LOCK_STATE_EX (KIRQL OldIrql first);
 *     Flags NDIS_RWL_AT_DISPATCH_LEVEL (1) says the caller is at DISPATCH_LEVEL already (a caller
 *     that is not gets a warning; the IRQL is left alone, as NDIS skips the check). Both can be
 *     acquired recursively on the same processor, each with its own LOCK_STATE_EX; read cannot be
 *     upgraded to write: asking for write while this processor holds the lock for read spins
 *     forever (a `deadlock` fault — the emulated machine has one processor, so every holder is
 *     the caller). A read acquisition while the caller holds it for write is taken as recursive.
 *   NdisReleaseRWLock(Lock, LockState): undoes the acquisition LockState recorded and restores
 *     its IRQL (a lock held when a callback returns shows as the IRQL left at DISPATCH_LEVEL,
 *     which the verifier reports); a LockState no acquisition of this lock filled is a warning and does nothing.
 *   NdisFreeRWLock(Lock): frees it (a pointer NdisAllocateRWLock did not return is the pool's bug
 *     check report); freeing a held lock is a warning.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { DISPATCH_LEVEL, irqlName, lower, raise } from "../api/ke.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const NON_PAGED_POOL_NX = 512;
/** The lock's pool block: a tag of kmdll's own (Learn names none). */
const TAG_RW_LOCK = 0x6c574e44; // 'DNWl'
/** Room for the opaque NDIS_RW_LOCK_EX (NDIS keeps per-processor state behind it). */
const LOCK_SIZE = 64;
const NDIS_RWL_AT_DISPATCH_LEVEL = 1;

interface Acquisition { write: boolean; oldIrql: number; raised: boolean }
interface RwLock { readers: number; writers: number; states: Map<bigint, Acquisition> }

const locksOf = componentState("ndis.rwlock", () => new Map<bigint, RwLock>());

function known(ctx: ApiContext, lock: bigint, name: string): RwLock {
  const l = locksOf(ctx.kernel).get(lock);
  if (!l) ctx.fault("bugcheck", `${name}(${hex(lock)}): not a lock NdisAllocateRWLock returned (or one freed already)`, { lock: hex(lock) });
  return l;
}

function acquire(ctx: ApiContext, write: boolean): void {
  const name = write ? "NdisAcquireRWLockWrite" : "NdisAcquireRWLockRead";
  const [lock, state, flags] = [ctx.arg(0), ctx.arg(1), ctx.u32(2) & 0xff];
  ctx.describe([hex(lock), hex(state), hex(flags)]);
  const l = known(ctx, lock, name);
  if (write && l.readers > 0 && l.writers === 0)
    ctx.fault("deadlock", `${name}(${hex(lock)}): this processor holds the lock for read; NDIS_RW_LOCK_EX cannot be upgraded to write (it spins forever)`, { lock: hex(lock), selfDeadlock: true });
  if (l.states.has(state)) ctx.warn(`${name}(${hex(lock)}): LockState ${hex(state)} is already in use by an acquisition not released (each needs its own LOCK_STATE_EX)`);
  const old = ctx.kernel.irql;
  let raised = false;
  if (flags & NDIS_RWL_AT_DISPATCH_LEVEL) {
    if (old !== DISPATCH_LEVEL) ctx.warn(`${name}: NDIS_RWL_AT_DISPATCH_LEVEL given at ${irqlName(old)}`);
  } else {
    raise(ctx, DISPATCH_LEVEL, name);
    raised = true;
  }
  ctx.mem.setU8(state, old);
  ctx.mem.setU8(state + 1n, write ? 2 : 1);
  ctx.mem.setU8(state + 2n, flags);
  l.states.set(state, { write, oldIrql: old, raised });
  if (write) l.writers++;
  else l.readers++;
}

function release(ctx: ApiContext): void {
  const [lock, state] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(lock), hex(state)]);
  const l = known(ctx, lock, "NdisReleaseRWLock");
  const a = l.states.get(state);
  if (!a) return ctx.warn(`NdisReleaseRWLock(${hex(lock)}): LockState ${hex(state)} holds no acquisition of this lock`);
  l.states.delete(state);
  if (a.write) l.writers--;
  else l.readers--;
  if (a.raised) lower(ctx, a.oldIrql, "NdisReleaseRWLock");
}

export const ndisRwLockApis: ApiDefinition[] = [
  ndis("NdisAllocateRWLock", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `NdisAllocateRWLock at ${irqlName(ctx.kernel.irql)} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
    const lock = ctx.pool.allocate(LOCK_SIZE, TAG_RW_LOCK, NON_PAGED_POOL_NX, true);
    if (lock !== 0n) locksOf(ctx.kernel).set(lock, { readers: 0, writers: 0, states: new Map() });
    return lock;
  }),
  ndis("NdisFreeRWLock", 1, (ctx) => {
    const lock = ctx.arg(0);
    ctx.describe([hex(lock)]);
    const l = locksOf(ctx.kernel).get(lock);
    if (l && l.readers + l.writers > 0) ctx.warn(`NdisFreeRWLock(${hex(lock)}): the lock is still held (${l.readers} read, ${l.writers} write)`);
    locksOf(ctx.kernel).delete(lock);
    ctx.pool.free(lock, TAG_RW_LOCK, 0);
  }),
  ndis("NdisAcquireRWLockRead", 3, (ctx) => void acquire(ctx, false)),
  ndis("NdisAcquireRWLockWrite", 3, (ctx) => void acquire(ctx, true)),
  ndis("NdisReleaseRWLock", 2, (ctx) => void release(ctx)),
];
