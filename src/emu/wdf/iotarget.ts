/**
 * The default I/O target of a WDFDEVICE (the device below it in its stack) and the request
 * routines a driver forwards with: WdfDeviceGetIoTarget, WdfIoTargetWdmGetTargetDeviceObject,
 * WdfRequestFormatRequestUsingCurrentType, WdfRequestSend (WDF_REQUEST_SEND_OPTIONS, wdfrequest.h:
 * Size @0, Flags @4, Timeout @8; SEND_AND_FORGET 0x8 hands the IRP down and the request is no longer
 * the driver's; with a completion routine and without SYNCHRONOUS (0x2) the send is asynchronous
 * (reqsend.ts); otherwise the request comes back and is sent synchronously here, its status read
 * with WdfRequestGetStatus), WdfRequestWdmGetIrp, and small object helpers (WdfIoQueueGetDevice,
 * WdfDeviceGetDefaultQueue, WdfObjectReferenceActual / WdfObjectDereferenceActual).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { formatStatus } from "../../nt/status.js";
import { LAYOUT, getPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { callDriver, envOf } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, wdfState, type WdfObject } from "./objects.js";
import { deleteObject, dereferenceObject } from "./lifetime.js";
import { copyToNext, forwardAndWait } from "./pnp.js";
import { wdf } from "./layouts.js";
import { sendAsync } from "./reqsend.js";

const B = (n: number) => BigInt(n);
const IRP = LAYOUT.IRP;
const IOSB = LAYOUT.IO_STATUS_BLOCK;
const SL = LAYOUT.IO_STACK_LOCATION;
const SEND_AND_FORGET = 0x8, SYNCHRONOUS = 0x2;
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

function targetDevice(ctx: ApiContext, t: WdfObject): bigint {
  // A remote target (WdfIoTargetCreate/Open, iotarget-remote.ts): the device it was opened on.
  if (t.remote) {
    if (t.targetDevice === undefined) ctx.fault("bugcheck", `${ctx.api}: I/O target ${hex(t.handle)} is not open (WDF_VIOLATION)`, { code: "0x0000010D" });
    return t.targetDevice!;
  }
  const dev = t.parent === null ? undefined : wdfState(ctx.kernel).objects.get(t.parent);
  if (!dev?.lower) ctx.fault("bugcheck", `${ctx.api}: I/O target ${hex(t.handle)} has no device below it (a control device has no default I/O target) (WDF_VIOLATION)`, { code: "0x0000010D" });
  return dev.lower;
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceGetIoTarget", 2, (ctx) => {
    const dev = objectOf(ctx, ctx.arg(1), "device", "Device");
    if (dev.ioTarget === undefined || !wdfState(ctx.kernel).objects.has(dev.ioTarget)) dev.ioTarget = newObject(ctx, "ioTarget", 0n, { parent: dev.handle }).handle;
    return dev.ioTarget;
  }),
  fx("WdfIoTargetWdmGetTargetDeviceObject", 2, (ctx) => targetDevice(ctx, objectOf(ctx, ctx.arg(1), "ioTarget", "IoTarget"))),
  fx("WdfRequestFormatRequestUsingCurrentType", 2, (ctx) => {
    const req = objectOf(ctx, ctx.arg(1), "request", "Request");
    copyToNext(ctx, req.irp!);
  }),
  fx("WdfRequestSend", 4, (ctx) => {
    const req = objectOf(ctx, ctx.arg(1), "request", "Request");
    if (req.created && !req.formatted) ctx.fault("unimplemented-api", "kmdll does not implement sending a request the driver created with WdfRequestCreate without WdfIoTargetFormatRequestForIoctl / ForInternalIoctl / ForRead / ForWrite since it was created or reused (WdfRequestSend)", { api: "wdf01000.sys!WdfRequestSend" });
    const target = objectOf(ctx, ctx.arg(2), "ioTarget", "Target");
    const options = ctx.arg(3);
    const flags = options === 0n ? 0 : ctx.mem.u32(options + B(wdf("WDF_REQUEST_SEND_OPTIONS").Flags));
    const dev = targetDevice(ctx, target);
    const irp = req.irp!;
    const m = ctx.mem;
    const formatNext = () => {
      const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
      if (m.u8(sl - B(SL.$size) + B(SL.MajorFunction)) !== m.u8(sl + B(SL.MajorFunction))) copyToNext(ctx, irp);
    };
    // A formatted created request (reqformat.ts) comes back through the framework's completion (reqsend.ts).
    if (req.created) {
      req.sentStatus = undefined;
      // A synchronous send returns the status; the completion routine is for asynchronous ones.
      const c = req.completion;
      if (flags & SYNCHRONOUS) delete req.completion;
      sendAsync(ctx, req, target, dev);
      if (c) req.completion = c;
      if (flags & SYNCHRONOUS && req.sentStatus === undefined) ctx.warn(`WdfRequestSend: the target has not completed request ${hex(req.handle)}; the framework would wait for it forever`);
      return 1;
    }
    // Asynchronous with a completion routine (reqsend.ts): the routine gets the request back.
    if (!(flags & (SEND_AND_FORGET | SYNCHRONOUS)) && req.completion) {
      formatNext();
      return sendAsync(ctx, req, target, dev) ? 1 : 0;
    }
    if (flags & SEND_AND_FORGET) {
      // The next location was formatted (WdfRequestFormatRequestUsingCurrentType); it is the IRP's now.
      req.completed = true;
      deleteObject(ctx, req);
      callDriver(envOf(ctx), dev, irp);
      return 1;
    }
    // Sent and waited for (synchronous here): the request comes back with the target's status.
    formatNext();
    req.sentStatus = forwardAndWait(ctx, dev, irp);
    ctx.describe([hex(ctx.arg(0)), hex(req.handle), hex(target.handle), `${hex(options)} → ${formatStatus(req.sentStatus)}`]);
    return 1;
  }),
  fx("WdfRequestGetStatus", 2, (ctx) => {
    const req = objectOf(ctx, ctx.arg(1), "request", "Request");
    return req.sentStatus ?? ctx.mem.u32(req.irp! + B(IRP.IoStatus) + B(IOSB.Status));
  }),
  fx("WdfRequestWdmGetIrp", 2, (ctx) => objectOf(ctx, ctx.arg(1), "request", "Request").irp!),
  fx("WdfIoQueueGetDevice", 2, (ctx) => objectOf(ctx, ctx.arg(1), "queue", "Queue").parent ?? 0n),
  fx("WdfDeviceGetDefaultQueue", 2, (ctx) => objectOf(ctx, ctx.arg(1), "device", "Device").queues?.[0] ?? 0n),
  fx("WdfObjectReferenceActual", 5, (ctx) => {
    objectOf(ctx, ctx.arg(1), null, "Handle").refs++;
  }),
  fx("WdfObjectDereferenceActual", 5, (ctx) => {
    // A deleted object stays until its last reference goes: look it up without the "live" check.
    const o = wdfState(ctx.kernel).objects.get(ctx.arg(1));
    if (!o) ctx.fault("bugcheck", `${ctx.api}: ${hex(ctx.arg(1))} is not a WDF object (WDF_VIOLATION)`, { code: "0x0000010D" });
    dereferenceObject(ctx, o!);
  }),
];


