/**
 * FltDoCompletionProcessingWhenSafe (Microsoft Learn, fltkernel.h): a minifilter's post-operation
 * callback, which can run at DISPATCH_LEVEL, asks for its work to be done where it is safe.
 * - The operation must be IRP-based (FLT_CALLBACK_DATA.Flags has FLTFL_CALLBACK_DATA_IRP_OPERATION);
 *   a fast I/O or file-system-filter callback cannot be posted: FALSE, nothing called, the status
 *   not written.
 * - At IRQL <= APC_LEVEL it is safe now: SafePostCallback(Data, FltObjects, CompletionContext,
 *   Flags) runs at once, *RetPostOperationStatus receives what it returned, TRUE.
 * - Above APC_LEVEL the callback is queued to a system worker thread (the scheduler's work queue,
 *   run at PASSIVE_LEVEL), *RetPostOperationStatus receives FLT_POSTOP_MORE_PROCESSING_REQUIRED
 *   (the callback completes the operation with FltCompletePendedPostOperation), TRUE.
 * kmdll has no file-system stack, so no I/O reaches post-operation callbacks; a driver can still
 * call the routine with callback data of its own, as the example does.
 */
import type { ApiDefinition } from "../api/types.js";
import { hex } from "../api/util.js";
import { sched } from "../sched/index.js";
import { flt } from "./filter.js";

const FLTFL_CALLBACK_DATA_IRP_OPERATION = 0x1;
const FLT_POSTOP_MORE_PROCESSING_REQUIRED = 1;
const APC_LEVEL = 1;

export const apis: ApiDefinition[] = [
  flt("FltDoCompletionProcessingWhenSafe", 6, (ctx) => {
    const [data, objects, context, flags, callback, ret] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5)];
    ctx.describe([hex(data), hex(objects), hex(context), hex(flags), ctx.kernel.where?.(callback) ?? hex(callback), hex(ret)]);
    if ((ctx.mem.u32(data) & FLTFL_CALLBACK_DATA_IRP_OPERATION) === 0) return 0;
    if (ctx.kernel.irql <= APC_LEVEL) {
      const status = Number(BigInt.asUintN(32, ctx.callGuest(callback, [data, objects, context, BigInt(flags)])));
      ctx.mem.setU32(ret, status);
      return 1;
    }
    ctx.mem.setU32(ret, FLT_POSTOP_MORE_PROCESSING_REQUIRED);
    sched(ctx).work.push({ kind: "ex", item: data, routine: callback, args: [data, objects, context, BigInt(flags)], module: ctx.caller?.module ?? "?" });
    return 1;
  }),
];
