/**
 * Request cancellation (wdfrequest.h; Microsoft Learn: WdfRequestMarkCancelable,
 * WdfRequestMarkCancelableEx, WdfRequestUnmarkCancelable, WdfRequestIsCanceled). The framework puts
 * its own cancel routine (wdf01000!FxRequestCancelRoutine) in the request's IRP, so whatever cancels
 * the IRP (IoCancelIrp) reaches the driver's EvtRequestCancel(Request) — with the cancel spin lock
 * already released, at the IRQL IoCancelIrp was called at.
 *
 *   WdfRequestMarkCancelable(Request, EvtRequestCancel): EvtRequestCancel NULL is a WDF_VIOLATION;
 *     an IRP already cancelled gets EvtRequestCancel at once.
 *   WdfRequestMarkCancelableEx: the same, but an IRP already cancelled is STATUS_CANCELLED and the
 *     callback is not called (the driver completes the request itself).
 *   WdfRequestUnmarkCancelable(Request): STATUS_SUCCESS when the cancel routine was still in
 *     place (taken out), STATUS_CANCELLED when cancellation already began (EvtRequestCancel
 *     runs or ran: it completes the request, the caller must not). A request that was never marked
 *     cancelable: STATUS_SUCCESS with a warning.
 *   WdfRequestIsCanceled(Request): the IRP's Cancel flag.
 * Completing a request still marked cancelable takes the cancel routine out (with a warning: the
 * documented order is WdfRequestUnmarkCancelable first).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { cancelLock } from "../api/locks.js";
import { lower } from "../api/ke.js";
import { WDF01000 } from "./ldr.js";
import { objectOf, wdfState, wdfViolation, type WdfObject } from "./objects.js";

const B = (n: number) => BigInt(n);
const IRP = LAYOUT.IRP;
const STATUS_CANCELLED = 0xc0000120;
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

/** The framework's cancel routine for IRPs of cancelable requests (called by IoCancelIrp; DRIVER_CANCEL: 2 arguments, stdcall on x86). */
function cancelRoutine(ctx: ApiContext): bigint {
  if (!ctx.kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  return ctx.kernel.internalRoutine("FxRequestCancelRoutine", (c) => {
    const irp = c.arg(1);
    // Called with the cancel spin lock held: the framework releases it before calling the driver.
    cancelLock(c).held = false;
    lower(c, c.mem.u8(irp + B(IRP.CancelIrql)), "IoReleaseCancelSpinLock");
    const req = [...wdfState(c.kernel).objects.values()].find((o) => o.kind === "request" && o.irp === irp && !o.completed && o.cancelRoutine);
    if (!req) return;
    const evt = req.cancelRoutine!;
    req.cancelRoutine = undefined;
    c.callGuest(evt, [req.handle]);
  }, 2);
}

const cancelled = (ctx: ApiContext, req: WdfObject) => ctx.mem.u8(req.irp! + B(IRP.Cancel)) !== 0;

function mark(ctx: ApiContext, ex: boolean): number | void {
  const [reqH, evt] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(reqH), hex(evt)]);
  const req = objectOf(ctx, reqH, "request", "Request");
  if (req.completed) wdfViolation(ctx, `${ctx.api}: request ${hex(reqH)} was already completed`);
  if (evt === 0n) wdfViolation(ctx, `${ctx.api}: EvtRequestCancel is NULL (WDF_REQUIRED_PARAMETER_IS_NULL)`);
  if (req.cancelRoutine) ctx.warn(`${ctx.api}: request ${hex(reqH)} is already marked cancelable (its EvtRequestCancel is replaced)`);
  if (cancelled(ctx, req)) {
    if (ex) return STATUS_CANCELLED;
    // WdfRequestMarkCancelable on a request already cancelled: EvtRequestCancel runs now.
    ctx.callGuest(evt, [req.handle]);
    return;
  }
  req.cancelRoutine = evt;
  putPtr(ctx.mem, req.irp! + B(IRP.CancelRoutine), cancelRoutine(ctx));
  return ex ? STATUS.SUCCESS : undefined;
}

function unmark(ctx: ApiContext): number {
  const reqH = ctx.arg(1);
  ctx.describe([hex(ctx.arg(0)), hex(reqH)]);
  const req = objectOf(ctx, reqH, "request", "Request");
  if (req.completed) wdfViolation(ctx, `WdfRequestUnmarkCancelable: request ${hex(reqH)} was already completed`);
  const at = req.irp! + B(IRP.CancelRoutine);
  const routine = getPtr(ctx.mem, at);
  putPtr(ctx.mem, at, 0n);
  if (req.cancelRoutine && routine !== 0n) {
    req.cancelRoutine = undefined;
    return STATUS.SUCCESS;
  }
  if (!req.cancelRoutine && !cancelled(ctx, req)) {
    ctx.warn(`WdfRequestUnmarkCancelable: request ${hex(reqH)} was not marked cancelable`);
    return STATUS.SUCCESS;
  }
  req.cancelRoutine = undefined;
  return STATUS_CANCELLED;
}

/** WdfRequestComplete of a request still marked cancelable: the framework takes the cancel routine out. */
export function clearCancelable(ctx: ApiContext, req: WdfObject): void {
  if (!req.cancelRoutine) return;
  ctx.warn(`${ctx.api}: request ${hex(req.handle)} completed while still marked cancelable (call WdfRequestUnmarkCancelable first); the framework takes its cancel routine out`);
  req.cancelRoutine = undefined;
  putPtr(ctx.mem, req.irp! + B(IRP.CancelRoutine), 0n);
}

export const apis: ApiDefinition[] = [
  fx("WdfRequestMarkCancelable", 3, (ctx) => void mark(ctx, false)),
  fx("WdfRequestMarkCancelableEx", 3, (ctx) => mark(ctx, true) as number),
  fx("WdfRequestUnmarkCancelable", 2, unmark),
  fx("WdfRequestIsCanceled", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    return cancelled(ctx, objectOf(ctx, ctx.arg(1), "request", "Request")) ? 1 : 0;
  }),
];
