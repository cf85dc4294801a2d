/**
 * Wdf01000.sys: which queue gets which requests, and a queue's state — the device's request
 * dispatching (WdfDeviceConfigureRequestDispatching) and purging/starting a queue (WdfIoQueuePurge,
 * WdfIoQueuePurgeSynchronously, WdfIoQueueStart). The queues themselves and the dispatch of
 * requests to them: framework.ts.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { IRP_MJ } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { objectOf } from "./objects.js";

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

export const apis: ApiDefinition[] = [
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
  fx("WdfIoQueueStart", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    objectOf(ctx, ctx.arg(1), "queue", "Queue").purged = false;
  }),
];
