/**
 * Requests a driver creates itself (wdfrequest.h of KMDF 1.33; behaviour from
 * microsoft/Windows-Driver-Frameworks src/framework/shared/core/fxrequestapi.cpp (WdfRequestCreate)
 * and fxrequest.cpp (FxRequest::_Create, ValidateTarget); Microsoft Learn: WdfRequestCreate):
 *
 * WdfRequestCreate(RequestAttributes, IoTarget, Request): *Request NULLed first (NULL Request, an
 * IoTarget that is no WDFIOTARGET: WDF_VIOLATION); FxValidateObjectAttributes' statuses; the request
 * is parented to the driver unless the attributes name a parent, and owns an IRP with as many stack
 * locations as the target's device has (one without a target: the framework sizes it when the
 * request is formatted). Unlike a request the framework delivered, the driver deletes it with
 * WdfObjectDelete (or its parent goes); the IRP goes with it. WdfIoTargetFormatRequestForIoctl /
 * ForInternalIoctl (reqformat.ts) prepare it for WdfRequestSend; an unformatted one WdfRequestSend
 * reports as an emulator gap instead of sending a half-built IRP.
 */
import type { ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { allocateIrp, envOf, ioState, releaseIrp } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState } from "./objects.js";
import { required } from "./memory.js";
import { sendDevice } from "./iotarget-remote.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

export const apis: ApiDefinition[] = [
  fx("WdfRequestCreate", 4, (ctx) => {
    const [attrs, targetH, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(attrs), hex(targetH), hex(out)]);
    const target = targetH === 0n ? null : objectOf(ctx, targetH, "ioTarget", "IoTarget");
    required(ctx, out, "Request");
    putPtr(ctx.mem, out, 0n);
    const bad = validateAttributes(ctx, attrs, { parentRequired: false });
    if (bad !== 0) return bad;
    const a = readAttributes(ctx, attrs);
    if (a.parent !== null) objectOf(ctx, a.parent, null, "RequestAttributes->ParentObject");
    const dev = target ? sendDevice(ctx, target) : null;
    const stack = dev === null ? 1 : Math.max(1, ctx.mem.u8(dev + B(LAYOUT.DEVICE_OBJECT.StackSize)));
    const env = envOf(ctx);
    const irp = allocateIrp(env, stack, "built");
    const drv = getPtr(ctx.mem, ctx.arg(0));
    const req = newObject(ctx, "request", { ...a, parent: a.parent ?? (wdfState(ctx.kernel).objects.has(drv) ? drv : null) }, { irp, completed: true, created: true });
    req.dispose = (c) => {
      const info = ioState(c.kernel).irps.get(irp);
      if (info) releaseIrp(envOf(c), irp, info);
    };
    putPtr(ctx.mem, out, req.handle);
    return STATUS.SUCCESS;
  }),
];
