/**
 * Executive: pool allocation (through the core's PoolServices, which detects leaks, double frees
 * and foreign frees), fast mutexes, executive resources.
 */
import { noteAcquired, noteReleased, siteOf } from "../verifier/locks.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { APC_LEVEL, DISPATCH_LEVEL, currentThread, irqlName, keState } from "./ke.js";
import { hex, nt, poolTypeText, tagText } from "./util.js";
import { componentState } from "./state.js";

const B = (n: number) => BigInt(n);
const FM = LAYOUT.FAST_MUTEX;
/** ExAllocatePool's implicit tag ('enoN' → "None"). */
const TAG_NONE = 0x656e6f4e;

/** POOL_FLAG_* of ExAllocatePool2 (wdm.h, Windows 10 2004). */
export const POOL_FLAG = {
  REQUIRED_START: 0x1n,
  USE_QUOTA: 0x1n,
  UNINITIALIZED: 0x2n,
  SESSION: 0x4n,
  CACHE_ALIGNED: 0x8n,
  RAISE_ON_FAILURE: 0x20n,
  NON_PAGED: 0x40n,
  NON_PAGED_EXECUTE: 0x80n,
  PAGED: 0x100n,
} as const;

const PAGED_POOL_TYPES = new Set([1, 3, 5, 7, 33, 35]);
/** Nonpaged pool types without the Nx bit (NonPagedPool, MustSucceed, CacheAligned, ...Session): executable memory. */
export const EXECUTABLE_POOL_TYPES = new Set([0, 2, 4, 6, 32, 34, 36, 38]);

/** A SIZE_T argument: a number when it is below 2^32 (no BigInt made), else the whole 64-bit value. */
function sizeArg(ctx: ApiContext, i: number): bigint | number {
  return ctx.hi32(i) === 0 ? ctx.u32(i) : BigInt.asUintN(64, ctx.arg(i));
}

/** `size`: a number below 2^32 or any 64-bit value as a bigint (sizeArg). */
function allocate(ctx: ApiContext, poolType: number, size: bigint | number, tag: number, zero: boolean, raise: boolean): bigint {
  if (ctx.tracing !== false) ctx.describe(() => [poolTypeText(poolType), String(size), `'${tagText(tag)}'`]);
  // Driver Verifier (bug check 0xC4, Microsoft Learn): P1 0x01 = paged pool at IRQL > APC_LEVEL,
  // P1 0x00 = a zero-byte request; P2 current IRQL, P3 pool type, P4 size. The run goes on.
  if (ctx.kernel.irql >= DISPATCH_LEVEL && PAGED_POOL_TYPES.has(poolType)) {
    if (verifying(ctx))
      ctx.kernel.verify!({
        rule: "paged-pool-at-dispatch",
        message: `${api(ctx)}(${poolTypeText(poolType)}, ${size}, '${tagText(tag)}') at ${irqlName(ctx.kernel.irql)}: paged pool may be paged out; allocate it only at IRQL <= APC_LEVEL`,
        bugcheck: { code: "0x000000C4", parameters: ["0x1", hex(ctx.kernel.irql), hex(poolType), hex(size)] },
      });
    else ctx.fault("bugcheck", `paged pool allocation at ${irqlName(ctx.kernel.irql)}: IRQL_NOT_LESS_OR_EQUAL`, { code: "0x0000000A" });
  }
  if ((size === 0 || size === 0n) && verifying(ctx))
    ctx.kernel.verify!({
      rule: "pool-zero-size",
      message: `${api(ctx)}(${poolTypeText(poolType)}, 0, '${tagText(tag)}'): a zero-byte pool allocation`,
      bugcheck: { code: "0x000000C4", parameters: ["0x0", hex(ctx.kernel.irql), hex(poolType), "0x0"] },
    });
  if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `pool allocation at IRQL ${ctx.kernel.irql}: BAD_POOL_CALLER`, { code: "0x000000C2" });
  if (typeof size === "bigint" && size > 0xffffffffn) return failed(ctx, raise, size);
  // Driver Verifier's code integrity checks are not among its standard settings: --verifier all.
  if (ctx.kernel.verifierMode === "all" && EXECUTABLE_POOL_TYPES.has(poolType))
    ctx.kernel.verify?.({
      rule: "hvci-executable-pool",
      message: `${api(ctx)}(${poolTypeText(poolType)}, ${size}, '${tagText(tag)}'): executable nonpaged pool; HVCI (memory integrity) requires NonPagedPoolNx / POOL_FLAG_NON_PAGED`,
      // Code integrity checking (Microsoft Learn): P1 0x2000, P2 the driver code, P3 pool type, P4 pool tag.
      bugcheck: { code: "0x000000C4", parameters: ["0x2000", "$site", hex(poolType), hex(tag >>> 0)] },
    });
  const p = ctx.pool.allocate(Number(size), tag, poolType, zero);
  if (p === 0n) return failed(ctx, raise, size);
  return p;
}

/** Whether Driver Verifier findings are collected (worked out only when a check fires). */
function verifying(ctx: ApiContext): boolean {
  return ctx.kernel.verifierMode !== undefined && ctx.kernel.verifierMode !== "none" && !!ctx.kernel.verify;
}

/** The routine's name, for findings only (not worked out on every call). */
function api(ctx: ApiContext): string {
  return ctx.api.replace(/^.*!/, "");
}

function failed(ctx: ApiContext, raise: boolean, size: bigint | number): bigint {
  if (raise) ctx.fault("bugcheck", `pool allocation of ${size} bytes failed with POOL_FLAG_RAISE_ON_FAILURE / quota (STATUS_INSUFFICIENT_RESOURCES raised)`, { code: "0x0000001E" });
  return 0n;
}

/**
 * A pool routine's definition: its handler (allocate/free below and what they call: the pool,
 * the verifier's findings, fault reports, trace text made during the call) keeps no reference to
 * its context, so the dispatcher reuses one (ApiDefinition.transientContext; issue 19).
 */
function transient(def: ApiDefinition): ApiDefinition {
  return { ...def, transientContext: true };
}

/** ExFreePool*: the block's address is argument 0 of the call (read as 32-bit halves: no BigInt unless traced). */
function free(ctx: ApiContext, tag: number | null): void {
  if (ctx.tracing !== false) {
    const p = ctx.arg(0);
    ctx.describe(() => (tag === null ? [hex(p)] : [hex(p), `'${tagText(tag)}'`]));
  }
  if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `pool free at IRQL ${ctx.kernel.irql}: BAD_POOL_CALLER`, { code: "0x000000C2" });
  if (ctx.u32(0) === 0 && ctx.hi32(0) === 0) ctx.fault("bugcheck", "ExFreePool(NULL): BAD_POOL_CALLER", { code: "0x000000C2", parameters: ["0x46", "0x0", "0x0", "0x0"] });
  ctx.pool.free(null, tag, 0);
}

/** ExAllocatePool2's pool type from its flags (exactly one of NON_PAGED, NON_PAGED_EXECUTE, PAGED). */
function pool2Type(flags: bigint): number | null {
  const kinds = [flags & POOL_FLAG.NON_PAGED, flags & POOL_FLAG.NON_PAGED_EXECUTE, flags & POOL_FLAG.PAGED].filter((x) => x !== 0n);
  if (kinds.length !== 1) return null;
  if (flags & POOL_FLAG.PAGED) return 1;
  if (flags & POOL_FLAG.NON_PAGED_EXECUTE) return 0;
  return 512; // NonPagedPoolNx
}

// ---- fast mutexes (FAST_MUTEX: Count bit 0 set = free; ExInitializeFastMutex is inline) ------

function fmAcquire(ctx: ApiContext, fm: bigint, api: string, raiseIrql: boolean, tryOnly: boolean): boolean {
  const count = ctx.mem.u32(fm + B(FM.Count));
  const owner = ctx.mem.u64(fm + B(FM.Owner));
  ctx.describe([hex(fm)]);
  if (raiseIrql && ctx.kernel.irql > APC_LEVEL) ctx.fault("bugcheck", `${api} at ${irqlName(ctx.kernel.irql)} (must be <= APC_LEVEL)`, { code: "0x0000000A" });
  if ((count & 1) === 0) {
    if (tryOnly) return false;
    const who = owner === currentThread(ctx) ? "by the current thread (fast mutexes are not recursive)" : `by thread ${hex(owner)}`;
    ctx.fault("deadlock", `${api}(${hex(fm)}): the fast mutex is already held ${who}`, { mutex: hex(fm), ...(owner === currentThread(ctx) ? { selfDeadlock: true } : {}) });
  }
  ctx.mem.setU32(fm + B(FM.Count), count & ~1);
  ctx.mem.setU64(fm + B(FM.Owner), currentThread(ctx));
  noteAcquired(ctx.kernel, fm, "fast mutex", siteOf(ctx, api));
  if (raiseIrql) {
    ctx.mem.setU32(fm + B(FM.OldIrql), ctx.kernel.irql);
    ctx.kernel.irql = APC_LEVEL;
  }
  return true;
}

function fmRelease(ctx: ApiContext, fm: bigint, api: string, lowerIrql: boolean): void {
  ctx.describe([hex(fm)]);
  const count = ctx.mem.u32(fm + B(FM.Count));
  if (count & 1) ctx.warn(`${api}(${hex(fm)}): the fast mutex is not held`);
  else if (ctx.mem.u64(fm + B(FM.Owner)) !== currentThread(ctx)) ctx.warn(`${api}(${hex(fm)}): released by a thread that does not own it`);
  ctx.mem.setU64(fm + B(FM.Owner), 0n);
  ctx.mem.setU32(fm + B(FM.Count), count | 1);
  noteReleased(ctx.kernel, fm);
  if (lowerIrql) ctx.kernel.irql = ctx.mem.u32(fm + B(FM.OldIrql)) & 0xff;
}

// ---- executive resources (ERESOURCE): tracked by address in kernel state ------------------

interface ResourceState {
  exclusive: number;
  shared: number;
}
const resourceState = componentState("ex.resources", () => new Map<bigint, ResourceState>());
function resources(ctx: ApiContext): Map<bigint, ResourceState> {
  return resourceState(ctx.kernel);
}
function resource(ctx: ApiContext, r: bigint, api: string): ResourceState {
  const s = resources(ctx).get(r);
  if (!s) ctx.fault("bugcheck", `${api}(${hex(r)}): resource was not initialized with ExInitializeResourceLite`, { code: "0x000000E3" });
  return s;
}

export const apis: ApiDefinition[] = [
  // ---- pool
  transient(nt("ExAllocatePool", 2, (ctx) => allocate(ctx, ctx.u32(0), sizeArg(ctx, 1), TAG_NONE, false, false))),
  transient(nt("ExAllocatePoolWithTag", 3, (ctx) => allocate(ctx, ctx.u32(0), sizeArg(ctx, 1), ctx.u32(2), false, false))),
  transient(nt("ExAllocatePoolWithQuotaTag", 3, (ctx) => {
    const type = ctx.u32(0);
    const failInsteadOfRaise = (type & 8) !== 0; // POOL_QUOTA_FAIL_INSTEAD_OF_RAISE
    return allocate(ctx, type & ~8, sizeArg(ctx, 1), ctx.u32(2), false, !failInsteadOfRaise);
  })),
  transient(nt("ExAllocatePoolWithQuota", 2, (ctx) => allocate(ctx, ctx.u32(0) & ~8, sizeArg(ctx, 1), TAG_NONE, false, (ctx.u32(0) & 8) === 0))),
  transient(nt("ExAllocatePoolWithTagPriority", 4, (ctx) => allocate(ctx, ctx.u32(0), sizeArg(ctx, 1), ctx.u32(2), false, false))),
  transient(nt("ExAllocatePool2", 3, (ctx) => {
    const flags = BigInt.asUintN(64, ctx.arg(0));
    const tag = ctx.u32(2);
    const type = pool2Type(flags);
    if (type === null || tag === 0) {
      ctx.describe([hex(flags), String(ctx.arg(1)), `'${tagText(tag)}'`]);
      ctx.warn(`ExAllocatePool2: invalid ${type === null ? "flags " + hex(flags) + " (need exactly one of POOL_FLAG_NON_PAGED, _NON_PAGED_EXECUTE, _PAGED)" : "tag 0"}`);
      return 0n;
    }
    return allocate(ctx, type, sizeArg(ctx, 1), tag, (flags & POOL_FLAG.UNINITIALIZED) === 0n, (flags & POOL_FLAG.RAISE_ON_FAILURE) !== 0n);
  })),
  transient(nt("ExAllocatePool3", 5, (ctx) => {
    const flags = BigInt.asUintN(64, ctx.arg(0));
    const type = pool2Type(flags);
    if (type === null || ctx.u32(2) === 0) return 0n;
    return allocate(ctx, type, sizeArg(ctx, 1), ctx.u32(2), (flags & POOL_FLAG.UNINITIALIZED) === 0n, (flags & POOL_FLAG.RAISE_ON_FAILURE) !== 0n);
  })),
  transient(nt("ExFreePool", 1, (ctx) => free(ctx, null))),
  transient(nt("ExFreePoolWithTag", 2, (ctx) => free(ctx, ctx.u32(1)))),
  transient(nt("ExFreePool2", 4, (ctx) => free(ctx, ctx.u32(1)))),
  // ---- fast mutexes
  nt("ExAcquireFastMutex", 1, (ctx) => void fmAcquire(ctx, ctx.arg(0), "ExAcquireFastMutex", true, false)),
  nt("ExReleaseFastMutex", 1, (ctx) => fmRelease(ctx, ctx.arg(0), "ExReleaseFastMutex", true)),
  nt("ExTryToAcquireFastMutex", 1, (ctx) => (fmAcquire(ctx, ctx.arg(0), "ExTryToAcquireFastMutex", true, true) ? 1 : 0)),
  nt("ExAcquireFastMutexUnsafe", 1, (ctx) => void fmAcquire(ctx, ctx.arg(0), "ExAcquireFastMutexUnsafe", false, false)),
  nt("ExReleaseFastMutexUnsafe", 1, (ctx) => fmRelease(ctx, ctx.arg(0), "ExReleaseFastMutexUnsafe", false)),
  // ---- executive resources
  nt("ExInitializeResourceLite", 1, (ctx) => {
    ctx.mem.write(ctx.arg(0), new Uint8Array(LAYOUT.ERESOURCE.$size));
    resources(ctx).set(ctx.arg(0), { exclusive: 0, shared: 0 });
    return STATUS.SUCCESS;
  }),
  nt("ExDeleteResourceLite", 1, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExDeleteResourceLite");
    if (r.exclusive || r.shared) ctx.warn(`ExDeleteResourceLite(${hex(ctx.arg(0))}) while the resource is held`);
    resources(ctx).delete(ctx.arg(0));
    return STATUS.SUCCESS;
  }),
  nt("ExAcquireResourceExclusiveLite", 2, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExAcquireResourceExclusiveLite");
    if (r.shared > 0) {
      if (!(ctx.u32(1) & 0xff)) return 0;
      ctx.fault("deadlock", `ExAcquireResourceExclusiveLite(${hex(ctx.arg(0))}): the resource is held shared by the current thread`, { selfDeadlock: true });
    }
    r.exclusive++;
    return 1;
  }),
  nt("ExAcquireResourceSharedLite", 2, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExAcquireResourceSharedLite");
    if (r.exclusive > 0) r.exclusive++;
    else r.shared++;
    return 1;
  }),
  nt("ExReleaseResourceLite", 1, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExReleaseResourceLite");
    if (r.exclusive > 0) r.exclusive--;
    else if (r.shared > 0) r.shared--;
    else ctx.fault("bugcheck", `ExReleaseResourceLite(${hex(ctx.arg(0))}): the resource is not held (RESOURCE_NOT_OWNED)`, { code: "0x000000E3" });
  }),
  nt("ExReleaseResourceForThreadLite", 2, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExReleaseResourceForThreadLite");
    if (r.exclusive > 0) r.exclusive--;
    else if (r.shared > 0) r.shared--;
  }),
  // KeEnterCriticalRegion + ExAcquireResource{Exclusive,Shared}Lite(Resource, TRUE), returning the
  // current thread's Win32Thread (NULL for a system thread), and the reverse (ReactOS
  // ntoskrnl/ex/resource.c; exported since Windows Vista, not on Microsoft Learn).
  nt("ExEnterCriticalRegionAndAcquireResourceExclusive", 1, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExEnterCriticalRegionAndAcquireResourceExclusive");
    keState(ctx.kernel).criticalRegion++;
    if (r.shared > 0) ctx.fault("deadlock", `ExEnterCriticalRegionAndAcquireResourceExclusive(${hex(ctx.arg(0))}): the resource is held shared by the current thread`, { selfDeadlock: true });
    r.exclusive++;
    return 0n;
  }),
  nt("ExEnterCriticalRegionAndAcquireResourceShared", 1, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExEnterCriticalRegionAndAcquireResourceShared");
    keState(ctx.kernel).criticalRegion++;
    if (r.exclusive > 0) r.exclusive++;
    else r.shared++;
    return 0n;
  }),
  nt("ExReleaseResourceAndLeaveCriticalRegion", 1, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExReleaseResourceAndLeaveCriticalRegion");
    if (r.exclusive > 0) r.exclusive--;
    else if (r.shared > 0) r.shared--;
    else ctx.fault("bugcheck", `ExReleaseResourceAndLeaveCriticalRegion(${hex(ctx.arg(0))}): the resource is not held (RESOURCE_NOT_OWNED)`, { code: "0x000000E3" });
    const k = keState(ctx.kernel);
    if (k.criticalRegion > 0) k.criticalRegion--;
  }),
  nt("ExIsResourceAcquiredExclusiveLite", 1, (ctx) => (resource(ctx, ctx.arg(0), "ExIsResourceAcquiredExclusiveLite").exclusive > 0 ? 1 : 0)),
  nt("ExIsResourceAcquiredSharedLite", 1, (ctx) => {
    const r = resource(ctx, ctx.arg(0), "ExIsResourceAcquiredSharedLite");
    return r.exclusive + r.shared;
  }),
];
