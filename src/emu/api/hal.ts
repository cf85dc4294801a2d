/**
 * hal.dll exports: the performance counter, busy waits and (x86-style) spin lock entry points.
 * The x64 hal exports only few routines; most IRQL handling lives in ntoskrnl (ke.ts).
 */
import type { ApiDefinition } from "./types.js";
import { DISPATCH_LEVEL, acquireSpin, clockOf, irqlName, lower, perfCounter, releaseSpin, setIrql } from "./ke.js";
import { hal, hex } from "./util.js";

export const apis: ApiDefinition[] = [
  hal("KeQueryPerformanceCounter", 1, perfCounter),
  hal("KeStallExecutionProcessor", 1, (ctx) => {
    const us = ctx.u32(0);
    ctx.describe([`${us} us`]);
    if (us > 50) ctx.warn(`KeStallExecutionProcessor(${us}): busy waits longer than 50 us are discouraged`);
    clockOf(ctx).advance(BigInt(us) * 10n);
  }),
  hal("KfAcquireSpinLock", 1, (ctx) => {
    const old = ctx.kernel.irql;
    ctx.describe([hex(ctx.arg(0))]);
    acquireSpin(ctx, ctx.arg(0), "KfAcquireSpinLock");
    setIrql(ctx, DISPATCH_LEVEL);
    return old;
  }),
  hal("KfReleaseSpinLock", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), irqlName(ctx.u32(1) & 0xff)]);
    releaseSpin(ctx, ctx.arg(0), "KfReleaseSpinLock");
    lower(ctx, ctx.u32(1) & 0xff, "KfReleaseSpinLock");
  }),
];
