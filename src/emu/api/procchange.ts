/**
 * Processor change callbacks (wdm.h; Microsoft Learn: KeRegisterProcessorChangeCallback,
 * KeDeregisterProcessorChangeCallback, "Registering for Synchronous Driver Notification"):
 *
 *   PVOID KeRegisterProcessorChangeCallback(PPROCESSOR_CALLBACK_FUNCTION CallbackFunction,
 *                                           PVOID CallbackContext, ULONG Flags)
 *     registers CallbackFunction(CallbackContext, PKE_PROCESSOR_CHANGE_NOTIFY_CONTEXT, PNTSTATUS),
 *     called at PASSIVE_LEVEL when a processor is added to the partition; returns the
 *     registration handle, or NULL. With KE_PROCESSOR_CHANGE_ADD_EXISTING (1) it is also called at
 *     once for every active processor. A callback may write an error to *OperationStatus only for
 *     KeProcessorAddStartNotify; Learn's sample then sees a NULL handle and returns that status.
 *   VOID KeDeregisterProcessorChangeCallback(PVOID CallbackHandle); a driver must call it before it
 *     unloads.
 *
 * KE_PROCESSOR_CHANGE_NOTIFY_CONTEXT { State, NtNumber, Status, PROCESSOR_NUMBER ProcNumber } (16
 * bytes on every arch; states KeProcessorAddStartNotify 0, ...CompleteNotify 1, ...FailureNotify 2).
 * For the existing processors kmdll calls KeProcessorAddStartNotify for each (in index order), then
 * KeProcessorAddCompleteNotify for each, as an added processor gets them; a Start that fails ends
 * the registration (NULL, nothing registered). kmdll's processors are fixed (machine/topology.ts),
 * so no processor is added later. Registrations are `callback` events (kind "processor change");
 * one left at unload is reported like any callback; a handle not registered is a bug check report.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt } from "./util.js";
import { newCallbackHandle, registerCallback, unregisterCallback } from "./notify.js";
import { processorCount } from "../machine/topology.js";
import { STATUS } from "../../nt/status.js";

const KIND = "processor change";
const KE_PROCESSOR_CHANGE_ADD_EXISTING = 1;
const START = 0;
const COMPLETE = 1;

/** Calls the callback for each active processor in `state`; the first failed OperationStatus, or SUCCESS. */
function notifyExisting(ctx: ApiContext, routine: bigint, context: bigint, state: number): number {
  const pool = ctx.kernel.kernelPool!;
  const block = pool.allocate(20, 0x676e6843); // 'Chng'
  try {
    for (let n = 0; n < processorCount(ctx.kernel); n++) {
      const b = new Uint8Array(20);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, state, true);
      dv.setUint32(4, n, true); // NtNumber
      dv.setUint32(8, STATUS.SUCCESS, true);
      dv.setUint16(12, 0, true); // ProcNumber.Group
      b[14] = n; // ProcNumber.Number
      dv.setUint32(16, STATUS.SUCCESS, true); // *OperationStatus
      ctx.mem.write(block, b);
      ctx.callGuest(routine, [context, block, block + 16n]);
      const status = ctx.mem.u32(block + 16n);
      if (state === START && status >= 0x80000000) return status;
    }
  } finally {
    pool.free(block);
  }
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  nt("KeRegisterProcessorChangeCallback", 3, (ctx) => {
    const [routine, context] = [ctx.arg(0), ctx.arg(1)];
    const flags = ctx.u32(2);
    ctx.describe([ctx.kernel.where?.(routine) ?? hex(routine), hex(context), hex(flags)]);
    if (routine === 0n) return 0n;
    if (flags & KE_PROCESSOR_CHANGE_ADD_EXISTING) {
      if (notifyExisting(ctx, routine, context, START) !== STATUS.SUCCESS) return 0n;
      notifyExisting(ctx, routine, context, COMPLETE);
    }
    const handle = newCallbackHandle(ctx);
    if (handle === 0n) return 0n;
    registerCallback(ctx, KIND, routine, context, handle);
    return handle;
  }),
  nt("KeDeregisterProcessorChangeCallback", 1, (ctx) => {
    const handle = ctx.arg(0);
    ctx.describe([hex(handle)]);
    if (handle === 0n || !unregisterCallback(ctx, (r) => r.kind === KIND && r.handle === handle))
      ctx.fault("bugcheck", `KeDeregisterProcessorChangeCallback(${hex(handle)}): not a handle KeRegisterProcessorChangeCallback returned (or already deregistered)`, { code: "0x0000001E" });
  }),
];
