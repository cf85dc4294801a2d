/**
 * Wdf01000.sys: which queue gets which requests, and a queue's state — the device's request
 * dispatching (WdfDeviceConfigureRequestDispatching), purging/starting a queue (WdfIoQueuePurge,
 * WdfIoQueuePurgeSynchronously, WdfIoQueueStart), and manual queues: a request for a queue of
 * WdfIoQueueDispatchManual is held (its IRP pending) until the driver takes it with
 * WdfIoQueueRetrieveNextRequest (oldest first; empty: STATUS_NO_MORE_ENTRIES and *OutRequest NULL; a
 * queue neither manual nor sequential: STATUS_INVALID_DEVICE_STATE — FxIoQueue::GetRequest of
 * microsoft/Windows-Driver-Frameworks src/framework/shared/irphandlers/io/fxioqueue.cpp);
 * WdfIoQueueGetState counts them. A stopped queue (WdfIoQueueStop) holds requests the same way until
 * WdfIoQueueStart hands them to its callbacks. Requests still held when the queue goes (its device is removed)
 * are completed with STATUS_CANCELLED, as the framework purges the queues of a removed device.
 * The queues themselves and the dispatch of requests to them: framework.ts.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { IRP_MJ, completeRequest, envOf } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, wdfState, wdfViolation, type WdfObject } from "./objects.js";
import { deleteObject } from "./lifetime.js";
import { required } from "./memory.js";
import { dispatchIrp } from "./framework.js";

const B = (n: number) => BigInt(n);
const STATUS_NO_MORE_ENTRIES = 0x8000001a;
const STATUS_CANCELLED = 0xc0000120;
const STATUS_WDF_PAUSED = 0xc0200203;

/** A request for a manual queue: held, its IRP marked pending (SL_PENDING_RETURNED); `existing` is one from EvtIoInCallerContext. */
export function holdRequest(ctx: ApiContext, queue: WdfObject, irp: bigint, existing: WdfObject | null): number {
  const dev = queue.queueDevice === undefined ? undefined : wdfState(ctx.kernel).objects.get(queue.queueDevice);
  const req = existing ?? newObject(ctx, "request", dev?.requestAttrs ?? 0n, { irp, parent: null, completed: false, owner: queue.owner });
  const sl = getPtr(ctx.mem, irp + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"]));
  ctx.mem.setU8(sl + B(LAYOUT.IO_STACK_LOCATION.Control), ctx.mem.u8(sl + B(LAYOUT.IO_STACK_LOCATION.Control)) | 1);
  if (!queue.held) {
    queue.held = [];
    // The queue goes with its device: what it still holds is cancelled (FxIoQueue purge on removal).
    const prev = queue.dispose;
    queue.dispose = (c) => {
      prev?.(c);
      for (const h of queue.held ?? []) {
        const r = wdfState(c.kernel).objects.get(h);
        if (!r || r.completed) continue;
        c.mem.setU32(r.irp! + B(LAYOUT.IRP.IoStatus), STATUS_CANCELLED);
        putPtr(c.mem, r.irp! + B(LAYOUT.IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Information), 0n);
        r.completed = true;
        deleteObject(c, r);
        completeRequest(envOf(c), r.irp!);
      }
      queue.held = [];
    };
  }
  queue.held.push(req.handle);
  return existing ? STATUS.SUCCESS : STATUS.PENDING;
}

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

/**
 * WdfDeviceConfigureRequestDispatching(Device, Queue, RequestType) (Learn; fxdeviceapi.cpp,
 * FxPkgIo::ConfigureForwarding): requests of that type go to Queue instead of the default queue.
 * A type other than Create/Read/Write/DeviceControl/DeviceControlInternal is STATUS_INVALID_PARAMETER;
 * a queue of another device, or one (not manual) without EvtIoDefault or the type's own callback,
 * STATUS_INVALID_DEVICE_REQUEST (the framework's verifier break); bad handles are WDF_VIOLATION.
 */
function configureDispatching(ctx: ApiContext): number {
  const [devH, queueH, type] = [ctx.arg(1), ctx.arg(2), ctx.u32(3)];
  ctx.describe([hex(ctx.arg(0)), hex(devH), hex(queueH), hex(type)]);
  const valid: number[] = [IRP_MJ.CREATE, IRP_MJ.READ, IRP_MJ.WRITE, IRP_MJ.DEVICE_CONTROL, IRP_MJ.INTERNAL_DEVICE_CONTROL];
  if (!valid.includes(type)) {
    ctx.warn(`WdfDeviceConfigureRequestDispatching: RequestType ${hex(type)} cannot be dispatched to a queue: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const dev = objectOf(ctx, devH, "device", "Device");
  const q = objectOf(ctx, queueH, "queue", "Queue");
  if (q.queueDevice !== dev.handle) {
    ctx.warn(`WdfDeviceConfigureRequestDispatching: WDFQUEUE ${hex(q.handle)} does not belong to WDFDEVICE ${hex(dev.handle)}: STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  const ev = q.events!;
  const own = type === IRP_MJ.READ ? ev.read : type === IRP_MJ.WRITE ? ev.write : type === IRP_MJ.DEVICE_CONTROL ? ev.ioctl : type === IRP_MJ.INTERNAL_DEVICE_CONTROL ? ev.internal : 0n;
  if (q.dispatchType !== 3 && own === 0n && ev.def === 0n) {
    ctx.warn(`WdfDeviceConfigureRequestDispatching: WDFQUEUE ${hex(q.handle)} has neither EvtIoDefault nor a callback for request type ${hex(type)}: STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  (dev.dispatching ??= new Map()).set(type, q.handle);
  return STATUS.SUCCESS;
}

/**
 * WdfRequestForwardToIoQueue(Request, DestinationQueue) (fxrequestapi.cpp, FxIoQueue::ForwardRequest):
 * a request the driver owns moves to another queue of its device — held there (manual or stopped) or
 * handed to that queue's callback — and is no longer the driver's. A queue of another device:
 * STATUS_INVALID_DEVICE_REQUEST (the driver keeps the request); a completed request: WDF_VIOLATION.
 */
function forwardToQueue(ctx: ApiContext): number {
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
  const req = objectOf(ctx, ctx.arg(1), "request", "Request");
  const q = objectOf(ctx, ctx.arg(2), "queue", "DestinationQueue");
  if (req.completed || req.created) wdfViolation(ctx, `WdfRequestForwardToIoQueue: ${hex(req.handle)} is not a request the driver received and still owns`);
  const m = ctx.mem;
  const irp = req.irp!;
  const sl = getPtr(m, irp + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"]));
  const st = wdfState(ctx.kernel);
  const dev = st.byDevice.get(getPtr(m, sl + B(LAYOUT.IO_STACK_LOCATION.DeviceObject)));
  if (dev === undefined || q.queueDevice !== dev) {
    ctx.warn(`WdfRequestForwardToIoQueue: WDFQUEUE ${hex(q.handle)} is not a queue of the request's device: STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  m.setU8(sl + B(LAYOUT.IO_STACK_LOCATION.Control), m.u8(sl + B(LAYOUT.IO_STACK_LOCATION.Control)) | 1);
  req.forwarded = true; // the source callback returning without completing it is no finding now
  if (q.dispatchType === 3 || q.stopped) return holdRequest(ctx, q, irp, req);
  // The destination's callback for the request type (EvtIoDefault when it has none for it).
  const ev = q.events!;
  const major = m.u8(sl + B(LAYOUT.IO_STACK_LOCATION.MajorFunction));
  const SL = LAYOUT.IO_STACK_LOCATION;
  const ioctl = major === IRP_MJ.DEVICE_CONTROL || major === IRP_MJ.INTERNAL_DEVICE_CONTROL;
  const own = major === IRP_MJ.DEVICE_CONTROL ? ev.ioctl : major === IRP_MJ.INTERNAL_DEVICE_CONTROL ? ev.internal : major === IRP_MJ.READ ? ev.read : major === IRP_MJ.WRITE ? ev.write : 0n;
  if (own !== 0n && ioctl) ctx.callGuest(own, [q.handle, req.handle, B(m.u32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"]))), B(m.u32(sl + B(SL["Parameters.DeviceIoControl.InputBufferLength"]))), B(m.u32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"])))]);
  else if (own !== 0n) ctx.callGuest(own, [q.handle, req.handle, B(m.u32(sl + B(SL["Parameters.Read.Length"])))]);
  else if (ev.def !== 0n) ctx.callGuest(ev.def, [q.handle, req.handle]);
  else {
    ctx.warn(`WdfRequestForwardToIoQueue: WDFQUEUE ${hex(q.handle)} has no callback for request type ${hex(major)}: STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  fx("WdfRequestForwardToIoQueue", 3, forwardToQueue),
  fx("WdfIoQueueRetrieveNextRequest", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const q = objectOf(ctx, ctx.arg(1), "queue", "Queue");
    required(ctx, ctx.arg(2), "OutRequest");
    putPtr(ctx.mem, ctx.arg(2), 0n);
    if (q.dispatchType !== 3 && q.dispatchType !== 1) return STATUS.INVALID_DEVICE_STATE;
    if (q.stopped) return STATUS_WDF_PAUSED;
    const st = wdfState(ctx.kernel);
    const next = (q.held ?? []).map((h) => st.objects.get(h)).find((r) => r !== undefined && !r.completed);
    q.held = (q.held ?? []).filter((h) => h !== next?.handle && st.objects.has(h));
    if (!next) return STATUS_NO_MORE_ENTRIES;
    putPtr(ctx.mem, ctx.arg(2), next.handle);
    return STATUS.SUCCESS;
  }),
  // WDF_IO_QUEUE_STATE: AcceptRequests 1 (not purged), DispatchRequests 2 (not stopped), NoRequests 4, DriverNoRequests 8 (not tracked: always set).
  fx("WdfIoQueueGetState", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    const q = objectOf(ctx, ctx.arg(1), "queue", "Queue");
    const st = wdfState(ctx.kernel);
    const queued = (q.held ?? []).filter((h) => st.objects.get(h)?.completed === false).length;
    if (ctx.arg(2) !== 0n) ctx.mem.setU32(ctx.arg(2), queued);
    if (ctx.arg(3) !== 0n) ctx.mem.setU32(ctx.arg(3), 0);
    return (q.purged ? 0 : 0x1) | (q.stopped ? 0 : 0x2) | (queued === 0 ? 0x4 : 0) | 0x8;
  }),
  fx("WdfDeviceConfigureRequestDispatching", 4, configureDispatching),
  // The emulated queues hold no undelivered requests (a request goes to its callback at once) and
  // do not track the ones their callbacks still own, so a purge is complete when it is made: the
  // queue stops taking requests and PurgeComplete (EvtIoQueueState) runs before WdfIoQueuePurge returns.
  fx("WdfIoQueuePurge", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    const q = objectOf(ctx, ctx.arg(1), "queue", "Queue");
    q.purged = true;
    if (ctx.arg(2) !== 0n) ctx.callGuest(ctx.arg(2), [q.handle, ctx.arg(3)]);
  }),
  fx("WdfIoQueuePurgeSynchronously", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    objectOf(ctx, ctx.arg(1), "queue", "Queue").purged = true;
  }),
  // WdfIoQueueStart: accepting and dispatching again; what a stopped queue (not manual) held goes to its callbacks, oldest first.
  fx("WdfIoQueueStart", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    const q = objectOf(ctx, ctx.arg(1), "queue", "Queue");
    q.purged = false;
    if (!q.stopped) return;
    q.stopped = false;
    if (q.dispatchType === 3) return;
    const st = wdfState(ctx.kernel);
    const dev = q.queueDevice === undefined ? undefined : st.objects.get(q.queueDevice);
    const held = (q.held ?? []).map((h) => st.objects.get(h)).filter((r): r is WdfObject => r !== undefined && !r.completed);
    q.held = [];
    for (const r of held) {
      // The framework hands the queued request to the callback; here the IRP is dispatched again past preprocessing.
      const irp = r.irp!;
      st.objects.delete(r.handle);
      ctx.kernel.kernelPool?.free(r.handle);
      if (dev?.device !== undefined) dispatchIrp(ctx, dev.device, irp, true);
    }
  }),
  // WdfIoQueueStop / StopSynchronously: the queue keeps accepting requests but delivers none (a manual
  // queue: WdfIoQueueRetrieveNextRequest is STATUS_WDF_PAUSED) until WdfIoQueueStart. kmdll does not track
  // the requests callbacks still own, so StopComplete (EvtIoQueueState) runs at once, as for a purge.
  fx("WdfIoQueueStop", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    const q = objectOf(ctx, ctx.arg(1), "queue", "Queue");
    q.stopped = true;
    if (ctx.arg(2) !== 0n) ctx.callGuest(ctx.arg(2), [q.handle, ctx.arg(3)]);
  }),
  fx("WdfIoQueueStopSynchronously", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    objectOf(ctx, ctx.arg(1), "queue", "Queue").stopped = true;
  }),
];
