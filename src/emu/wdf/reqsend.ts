/**
 * Asynchronous sends with a completion routine (wdfrequest.h; Microsoft Learn: WdfRequestSend,
 * WdfRequestSetCompletionRoutine, WdfRequestGetCompletionParams, "Completing I/O Requests";
 * behaviour from microsoft/Windows-Driver-Frameworks src/framework/shared/core/fxrequestapi.cpp and
 * fxrequestbase.cpp (CompleteSubmitted)):
 *
 * - WdfRequestSetCompletionRoutine(Request, CompletionRoutine, CompletionContext): the routine (NULL
 *   removes it) the framework calls when the request, sent asynchronously, comes back.
 * - WdfRequestSend without WDF_REQUEST_SEND_OPTION_SYNCHRONOUS or SEND_AND_FORGET, for a request
 *   with a completion routine: the IRP goes to the target with the framework's IoCompletion routine
 *   in the target's stack location; when the target completes it (at once or later) the framework
 *   fills the request's WDF_REQUEST_COMPLETION_PARAMS (Size, Type = the IRP's major function,
 *   IoStatus, for IOCTLs Parameters.Ioctl.IoControlCode and the buffer lengths) and calls
 *   CompletionRoutine(Request, Target, Params, Context); the IRP stops there (it is the driver's
 *   request again: the routine completes it, reuses it or deletes it). WdfRequestGetStatus reads the
 *   target's status. A request formatted with WdfIoTargetFormatRequestFor* (reqformat.ts) gets the
 *   WDFMEMORY handles and buffer offsets of the format call and, as length, the IoStatus.Information
 *   (FxIoContext::CopyParameters); one sent with the current type has no memories and the stack
 *   location's lengths. Until it comes back the request is at the target (WdfRequestReuse then is a
 *   verifier finding: reqcreate.ts).
 *   A send without a completion routine keeps the synchronous model of iotarget.ts.
 * - WdfRequestGetCompletionParams(Request, Params): a copy of those parameters.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { callDriver, envOf, ioState } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { objectOf, wdfState, type WdfObject } from "./objects.js";
import { required } from "./memory.js";

const B = (n: number) => BigInt(n);
const IRP = LAYOUT.IRP;
const IOSB = LAYOUT.IO_STATUS_BLOCK;
const SL = LAYOUT.IO_STACK_LOCATION;
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
const IRP_MJ_DEVICE_CONTROL = 0x0e, IRP_MJ_INTERNAL_DEVICE_CONTROL = 0x0f, IRP_MJ_READ = 0x03, IRP_MJ_WRITE = 0x04;
const TAG_PARAMS = 0x43666457; // 'WdfC'
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

/** WDF_REQUEST_COMPLETION_PARAMS: Size, Type, IoStatus at 8, Parameters after it; its size (72 bytes on 64-bit, 40 on x86). */
const paramsLayout = () => {
  const ps = ptrSize();
  return { ioStatus: 8, parameters: 8 + 2 * ps, size: 8 + 8 * ps, ps };
};

declare module "./objects.js" {
  interface WdfObject {
    /** WdfRequestSetCompletionRoutine. */
    completion?: { routine: bigint; context: bigint };
    /** The request's WDF_REQUEST_COMPLETION_PARAMS (kernel pool, freed with the request). */
    completionParams?: bigint;
    /** The WDFIOTARGET and the stack location of an asynchronous send under way. */
    sentTarget?: bigint;
    sentLocation?: bigint;
    /** Sent to an I/O target and not back yet (KMDF's FXREQUEST_FLAG_SENT_TO_TARGET): WdfRequestReuse then is a driver bug. */
    atTarget?: boolean;
    /** WdfIoTargetFormatRequestFor* (reqformat.ts): the WDFMEMORY handles and buffer offsets the completion parameters name. */
    formatParams?: FormatParams;
  }
}

/** The memories of a formatted request, as the framework keeps them for WDF_REQUEST_COMPLETION_PARAMS (fxrequestcontext.cpp). */
export interface FormatParams {
  /** Read/Write: Buffer, Offset; IOCTL: Input.Buffer, Input.Offset, Output.Buffer, Output.Offset. */
  memories: bigint[];
}

function paramsOf(ctx: ApiContext, req: WdfObject): bigint {
  if (req.completionParams) return req.completionParams;
  const L = paramsLayout();
  const p = ctx.kernel.kernelPool?.allocate(L.size, TAG_PARAMS) ?? 0n;
  if (p === 0n) return 0n;
  ctx.mem.write(p, new Uint8Array(L.size));
  ctx.mem.setU32(p, L.size);
  req.completionParams = p;
  const prev = req.dispose;
  req.dispose = (c) => {
    prev?.(c);
    c.kernel.kernelPool?.free(p);
  };
  return p;
}

/** The completion: parameters filled from the IRP's next-lower stack location, the driver's routine called, the IRP kept. */
function completed(ctx: ApiContext, req: WdfObject, target: bigint, irp: bigint, sl: bigint): void {
  const m = ctx.mem;
  const L = paramsLayout();
  const status = m.u32(irp + B(IRP.IoStatus) + B(IOSB.Status));
  const info = getPtr(m, irp + B(IRP.IoStatus) + B(IOSB.Information));
  req.sentStatus = status;
  const p = paramsOf(ctx, req);
  if (p !== 0n) {
    const major = m.u8(sl + B(SL.MajorFunction));
    m.write(p + 4n, new Uint8Array(L.size - 4));
    m.setU32(p + 4n, major);
    m.setU32(p + B(L.ioStatus), status);
    putPtr(m, p + B(L.ioStatus + L.ps), info);
    const q = p + B(L.parameters);
    // A formatted request (FxIoContext::CopyParameters): the lengths are the Information, the
    // memories and offsets those of the format call; otherwise the lengths of the stack location.
    const f = req.formatParams;
    if (major === IRP_MJ_DEVICE_CONTROL || major === IRP_MJ_INTERNAL_DEVICE_CONTROL) {
      m.setU32(q, m.u32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"])));
      if (f) f.memories.forEach((v, i) => putPtr(m, q + B((i + 1) * L.ps), v));
      putPtr(m, q + B(5 * L.ps), f ? info : B(m.u32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"]))));
    } else if (major === IRP_MJ_READ || major === IRP_MJ_WRITE) {
      if (f) {
        putPtr(m, q, f.memories[0] ?? 0n);
        putPtr(m, q + B(2 * L.ps), f.memories[1] ?? 0n);
      }
      putPtr(m, q + B(L.ps), f ? info : B(m.u32(sl + B(SL["Parameters.Read.Length"]))));
    }
  }
  // A METHOD_BUFFERED request built by WdfIoTargetFormatRequestForIoctl (reqformat.ts): its output
  // comes back into the output memory here, as the I/O manager would (the IRP stops at the framework).
  const io = ioState(ctx.kernel).irps.get(irp);
  if (io?.copyBack && io.copyBack.user !== 0n && status >>> 30 !== 3) {
    const n = Math.min(Number(BigInt.asUintN(32, info)), io.copyBack.length);
    if (n > 0) m.write(io.copyBack.user, m.read(io.copyBack.system, n));
  }
  const c = req.completion;
  if (c) ctx.callGuest(c.routine, [req.handle, target, p, c.context]);
}

/**
 * WdfRequestSend of a request with a completion routine, asynchronously (or of a formatted created
 * request, which comes back the same way): the next stack location (formatted by the caller) gets the
 * framework's IoCompletion routine. Returns whether it was sent.
 */
export function sendAsync(ctx: ApiContext, req: WdfObject, target: WdfObject, dev: bigint): boolean {
  const m = ctx.mem;
  const irp = req.irp!;
  const next = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
  const routine = ctx.kernel.internalRoutine?.("FxRequestSendCompletion", (c) => {
    const r = wdfState(c.kernel).objects.get(c.arg(2));
    // Back from the target: the driver's again (it may reuse and resend it from its completion routine).
    if (r) r.atTarget = false;
    // The location the target saw is the one below the current one once the I/O manager unwinds to us.
    if (r) completed(c, r, r.sentTarget ?? 0n, c.arg(1), r.sentLocation ?? 0n);
    return STATUS_MORE_PROCESSING_REQUIRED;
  }, 3) ?? 0n;
  putPtr(m, next + B(SL.CompletionRoutine), routine);
  putPtr(m, next + B(SL.Context), req.handle);
  m.setU8(next + B(SL.Control), 0xe0); // SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL
  req.sentTarget = target.handle;
  req.sentLocation = next;
  req.atTarget = true;
  req.forwarded = true; // sent on: the queue callback returning without completing it is no finding
  callDriver(envOf(ctx), dev, irp);
  return true;
}

export const apis: ApiDefinition[] = [
  fx("WdfRequestSetCompletionRoutine", 4, (ctx) => {
    const req = objectOf(ctx, ctx.arg(1), "request", "Request");
    ctx.describe([hex(ctx.arg(0)), hex(req.handle), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    if (ctx.arg(2) === 0n) delete req.completion;
    else req.completion = { routine: ctx.arg(2), context: ctx.arg(3) };
  }),
  fx("WdfRequestGetCompletionParams", 3, (ctx) => {
    const req = objectOf(ctx, ctx.arg(1), "request", "Request");
    const out = ctx.arg(2);
    ctx.describe([hex(ctx.arg(0)), hex(req.handle), hex(out)]);
    required(ctx, out, "Params");
    const L = paramsLayout();
    const p = paramsOf(ctx, req);
    if (p !== 0n) ctx.mem.write(out, ctx.mem.read(p, L.size));
  }),
];
