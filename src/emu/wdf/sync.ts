/**
 * KMDF locks (wdfsync.h; Microsoft Learn: WdfWaitLockCreate, WdfWaitLockAcquire,
 * WdfWaitLockRelease, WdfSpinLockCreate, WdfSpinLockAcquire, WdfSpinLockRelease):
 *
 *   WdfWaitLockCreate(LockAttributes, Lock) / WdfSpinLockCreate: the attributes are optional
 *     (FxValidateObjectAttributes: a wrong Size is STATUS_INFO_LENGTH_MISMATCH, no execution level
 *     or synchronization scope of their own); the lock is parented to the driver unless they name
 *     a parent; Lock NULL is a WDF_VIOLATION.
 *   WdfWaitLockAcquire(Lock, Timeout): a synchronization KEVENT (FxWaitLock) the caller waits on.
 *     Timeout NULL waits forever, *Timeout 0 only tries (STATUS_TIMEOUT when the lock is held),
 *     otherwise a KeWaitForSingleObject-style timeout (negative relative, positive absolute, in
 *     100 ns). A wait that may block needs PASSIVE_LEVEL (the framework's IRQL check:
 *     STATUS_INVALID_DEVICE_REQUEST with a verifier warning), a try at most DISPATCH_LEVEL. The
 *     lock is not recursive: the owner acquiring it again waits forever (a deadlock report). The
 *     owner runs in a critical region (normal kernel APCs disabled) until it releases the lock.
 *   WdfWaitLockRelease(Lock): signals the event; a lock that is not held is a warning.
 *   WdfSpinLockAcquire(SpinLock): raises to DISPATCH_LEVEL and takes the lock (a second acquire
 *     spins forever: a deadlock report); WdfSpinLockRelease lowers back to the IRQL saved at
 *     acquire. A spin lock still held when a callback returns is the verifier's
 *     spinlock-held-on-return finding, as for KeAcquireSpinLock.
 * A handle that is not a live lock of that kind is a WDF_VIOLATION bug check report.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { DISPATCH_LEVEL, EventSynchronizationObject, PASSIVE_LEVEL, acquireSpin, currentThread, initHeader, irqlName, keState, lower, raise, releaseSpin, setSignal, trySatisfy, waitWithTimeout } from "../api/ke.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState, type Kind, type WdfObject } from "./objects.js";
import { required } from "./memory.js";
import { getPtr } from "../../nt/arch-layout.js";

const TAG_LOCK = 0x4c666457; // 'WdfL'
const KEVENT_SIZE = 0x18;
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

interface LockState {
  /** The KEVENT (wait lock) or the KSPIN_LOCK (spin lock) in kernel pool. */
  cell: bigint;
  owner: bigint | null;
  /** Spin lock: the IRQL WdfSpinLockAcquire raised from. */
  oldIrql: number;
}
const locks = new WeakMap<WdfObject, LockState>();

/** The driver's WDFDRIVER (objects without a parent in their attributes hang below it). */
function driverHandle(ctx: ApiContext): bigint | null {
  const h = ctx.arg(0) === 0n ? 0n : getPtr(ctx.mem, ctx.arg(0));
  return wdfState(ctx.kernel).objects.has(h) ? h : null;
}

function create(ctx: ApiContext, kind: Kind): number {
  const [attrs, out] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(attrs), hex(out)]);
  required(ctx, out, kind === "waitLock" ? "Lock" : "SpinLock");
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== 0) return bad;
  const a = readAttributes(ctx, attrs);
  if (a.parent !== null) objectOf(ctx, a.parent, null, "LockAttributes->ParentObject");
  const cell = ctx.kernel.kernelPool?.allocate(KEVENT_SIZE, TAG_LOCK) ?? 0n;
  if (cell === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  const o = newObject(ctx, kind, a);
  if (o.parent === null) o.parent = driverHandle(ctx);
  if (kind === "waitLock") initHeader(ctx, cell, EventSynchronizationObject, KEVENT_SIZE, 1);
  else putPtr(ctx.mem, cell, 0n);
  locks.set(o, { cell, owner: null, oldIrql: 0 });
  o.dispose = (c) => {
    const l = locks.get(o);
    if (l && l.owner !== null) c.warn(`${kind === "waitLock" ? "WDFWAITLOCK" : "WDFSPINLOCK"} ${hex(o.handle)} deleted while held (acquired and never released)`);
    c.kernel.kernelPool?.free(cell);
  };
  putPtr(ctx.mem, out, o.handle);
  return STATUS.SUCCESS;
}

function lockOf(ctx: ApiContext, kind: Kind, what: string): { o: WdfObject; l: LockState } {
  const o = objectOf(ctx, ctx.arg(1), kind, what);
  return { o, l: locks.get(o)! };
}

function acquireWait(ctx: ApiContext): bigint | number | undefined {
  const [lock, timeout] = [ctx.arg(1), ctx.arg(2)];
  const tryOnly = timeout !== 0n && ctx.mem.u64(timeout) === 0n;
  ctx.describe([hex(ctx.arg(0)), hex(lock), timeout === 0n ? "NULL (infinite)" : String(BigInt.asIntN(64, ctx.mem.u64(timeout)))]);
  const { o, l } = lockOf(ctx, "waitLock", "Lock");
  const limit = tryOnly ? DISPATCH_LEVEL : PASSIVE_LEVEL;
  if (ctx.kernel.irql > limit) {
    ctx.warn(`WdfWaitLockAcquire at ${irqlName(ctx.kernel.irql)} with ${tryOnly ? "a zero timeout" : "a timeout that may block"} (allowed up to ${irqlName(limit)}): STATUS_INVALID_DEVICE_REQUEST (KMDF verifier)`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  const me = currentThread(ctx);
  const take = (): number => {
    l.owner = me;
    keState(ctx.kernel).criticalRegion++;
    return STATUS.SUCCESS;
  };
  if (trySatisfy(ctx, l.cell)) return take();
  if (l.owner === me && timeout === 0n)
    ctx.fault("deadlock", `WdfWaitLockAcquire: WDFWAITLOCK ${hex(o.handle)} is already held by this thread (a wait lock is not recursive: the second acquire waits forever)`, { lock: hex(o.handle) });
  const r = waitWithTimeout(ctx, timeout, "WdfWaitLockAcquire", `WDFWAITLOCK ${hex(o.handle)}`, () => (trySatisfy(ctx, l.cell) ? take() : null));
  return r;
}

function releaseWait(ctx: ApiContext): void {
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
  const { o, l } = lockOf(ctx, "waitLock", "Lock");
  if (l.owner === null) {
    ctx.warn(`WdfWaitLockRelease: WDFWAITLOCK ${hex(o.handle)} is not held`);
    return;
  }
  l.owner = null;
  const k = keState(ctx.kernel);
  if (k.criticalRegion > 0) k.criticalRegion--;
  setSignal(ctx, l.cell, 1);
}

function acquireSpinLock(ctx: ApiContext): void {
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
  const { o, l } = lockOf(ctx, "spinLock", "SpinLock");
  if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `WdfSpinLockAcquire at ${irqlName(ctx.kernel.irql)} (above DISPATCH_LEVEL)`, { code: "0x0000000A" });
  if (l.owner !== null) ctx.fault("deadlock", `WdfSpinLockAcquire: WDFSPINLOCK ${hex(o.handle)} is already held (recursive acquire spins forever)`, { lock: hex(o.handle) });
  const old = raise(ctx, DISPATCH_LEVEL, "WdfSpinLockAcquire");
  acquireSpin(ctx, l.cell, "WdfSpinLockAcquire");
  l.owner = currentThread(ctx);
  l.oldIrql = old;
}

function releaseSpinLock(ctx: ApiContext): void {
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
  const { o, l } = lockOf(ctx, "spinLock", "SpinLock");
  if (l.owner === null) {
    ctx.warn(`WdfSpinLockRelease: WDFSPINLOCK ${hex(o.handle)} is not held`);
    return;
  }
  l.owner = null;
  releaseSpin(ctx, l.cell, "WdfSpinLockRelease");
  lower(ctx, l.oldIrql, "WdfSpinLockRelease");
}

export const apis: ApiDefinition[] = [
  fx("WdfWaitLockCreate", 3, (ctx) => create(ctx, "waitLock")),
  fx("WdfWaitLockAcquire", 3, acquireWait),
  fx("WdfWaitLockRelease", 2, releaseWait),
  fx("WdfSpinLockCreate", 3, (ctx) => create(ctx, "spinLock")),
  fx("WdfSpinLockAcquire", 2, acquireSpinLock),
  fx("WdfSpinLockRelease", 2, releaseSpinLock),
];
