/**
 * KeExpandKernelStackAndCallout / KeExpandKernelStackAndCalloutEx (ntddk.h; Microsoft Learn):
 * run a callout on a stack with at least Size bytes free. Part of the "sched" family (api/index.ts); examples/api-sched checks them.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { APC_LEVEL, DISPATCH_LEVEL, irqlName } from "./ke.js";

const STATUS_INVALID_PARAMETER_3 = 0xc00000f1;

function expandStackCallout(ctx: ApiContext, api: string, maxIrql: number): number {
  const [callout, parameter, size] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(callout), hex(parameter), hex(size)]);
  if (ctx.kernel.irql > maxIrql) ctx.fault("bugcheck", `${api} at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
  const maximum = ptrSize() === 8 ? 0x12000n - 0x800n : 61440n - 0x800n;
  if (size > maximum) return STATUS_INVALID_PARAMETER_3;
  ctx.callGuest(callout, [parameter]);
  return STATUS.SUCCESS;
}

export const stackExpandApis: ApiDefinition[] = [
  // Stack expansion (ntddk.h; Microsoft Learn KeExpandKernelStackAndCallout(Ex)): call
  // Callout(Parameter) on a stack with at least Size bytes free and return STATUS_SUCCESS; Size
  // above MAXIMUM_EXPANSION_SIZE (KERNEL_LARGE_STACK_SIZE - PAGE_SIZE/2: 0x12000 - 0x800 on x64,
  // 61440 - 0x800 on x86, ntddk.h) fails with STATUS_INVALID_PARAMETER_3 without calling it.
  // kmdll's thread stacks are larger than the largest expansion, so the callout runs as a nested
  // guest call on the current stack. IRQL: <= APC_LEVEL, the Ex form <= DISPATCH_LEVEL.
  nt("KeExpandKernelStackAndCallout", 3, (ctx) => expandStackCallout(ctx, "KeExpandKernelStackAndCallout", APC_LEVEL)),
  nt("KeExpandKernelStackAndCalloutEx", 5, (ctx) => expandStackCallout(ctx, "KeExpandKernelStackAndCalloutEx", DISPATCH_LEVEL)),
];
