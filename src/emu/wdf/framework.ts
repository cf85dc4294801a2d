/**
 * The framework itself (Wdf01000.sys), the slice a control-device driver needs: WDFDRIVER,
 * WDFDEVICE (control devices), WDFQUEUE (EvtIoDeviceControl/Read/Write/Default) and WDFREQUEST.
 * Every DDI receives the caller's PWDF_DRIVER_GLOBALS first, then the documented arguments.
 * Handles are small kernel-pool blocks (an object header followed by the context space the
 * WDF_OBJECT_ATTRIBUTES ask for). The framework owns the driver object's dispatch table
 * (FxIrpDispatch) and DriverUnload (FxDriverUnload), as the real framework does.
 *
 * The KMDF structures (WDF_DRIVER_CONFIG, WDF_IO_QUEUE_CONFIG, WDF_DRIVER_GLOBALS) are laid out
 * per arch (layouts.ts), the kernel's (IRP, IO_STACK_LOCATION, DRIVER_OBJECT) by LAYOUT: one
 * handler per DDI on x64, x86 and ARM64.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { STATUS, formatStatus } from "../../nt/status.js";
import { api, describeUnicode, hex, readCounted, unicodeText } from "../api/util.js";
import { deviceSddlError } from "../../nt/sddl.js";
import { IRP_MJ, IRP_MJ_COUNT, IRP_MJ_POWER, canonical, completeRequest, createDevice, deleteDevice, envOf, ioState, ioctlMethod, DO_DEVICE_INITIALIZING, DO_BUFFERED_IO, DO_DIRECT_IO } from "../iomgr/index.js";
import { WDF01000, wdfLdrState } from "./ldr.js";
import { newObject, objectOf, wdfState, type WdfObject } from "./objects.js";
import { deleteDriver, deleteObject } from "./lifetime.js";
import { attachPnpDevice, createPdoDevice, holdRequest, passDown, pnpDispatch } from "./pnp.js";
import { wdf } from "./layouts.js";
import { fileDispatch } from "./fileobj.js";
import { retrieveBuffer } from "./memory.js";
import { clearCancelable } from "./cancel.js";

const B = (n: number) => BigInt(n);
const D = LAYOUT.DRIVER_OBJECT;
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IOSB = LAYOUT.IO_STATUS_BLOCK;
const STATUS_PENDING = 0x103;
const FILE_DEVICE_UNKNOWN = 0x22;
const FILE_DEVICE_SECURE_OPEN = 0x100;

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

function driverOf(ctx: ApiContext): WdfObject | null {
  const b = wdfLdrState(ctx.kernel).bindings.get(ctx.arg(0));
  if (!b) return null;
  const h = getPtr(ctx.mem, ctx.arg(0) + B(wdf("WDF_DRIVER_GLOBALS").Driver));
  return wdfState(ctx.kernel).objects.get(h) ?? null;
}

/** The framework's IRP dispatch routine for every major function of a KMDF driver. */
function irpDispatch(ctx: ApiContext): number {
  return dispatchIrp(ctx, ctx.arg(0), ctx.arg(1), false);
}

/** The framework's handling of an IRP for a device (FxIrpDispatch); `preprocessed`: handed back by WdfDeviceWdmDispatchPreprocessedIrp (preprocess.ts). */
export function dispatchIrp(ctx: ApiContext, dev: bigint, irp: bigint, preprocessed: boolean): number {
  const m = ctx.mem;
  const st = wdfState(ctx.kernel);
  const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  const major = m.u8(sl + B(SL.MajorFunction));
  const finish = (status: number, info = 0n): number => {
    m.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), status);
    putPtr(m, irp + B(IRP.IoStatus) + B(IOSB.Information), info);
    completeRequest(envOf(ctx), irp);
    return status;
  };
  const devHandle = st.byDevice.get(dev);
  const wdev = devHandle !== undefined ? st.objects.get(devHandle) : undefined;
  if (!wdev) return finish(STATUS.INVALID_DEVICE_REQUEST);
  // EvtDeviceWdmIrpPreprocess (WdfDeviceInitAssignWdmIrpPreprocessCallback) for its major code (and minor codes, when it named
  // some) before the framework's own handling: it completes the IRP or returns it with WdfDeviceWdmDispatchPreprocessedIrp.
  const pre = preprocessed ? undefined : wdev.preprocess?.get(major);
  if (pre && (pre.minors.length === 0 || pre.minors.includes(m.u8(sl + B(SL.MinorFunction))))) return Number(BigInt.asUintN(32, ctx.callGuest(pre.evt, [wdev.handle, irp])));
  // PnP and power: the framework's state machines for a PnP device (pnp.ts); a control device completes them as they came.
  if (major === IRP_MJ.PNP || major === IRP_MJ_POWER) return wdev.pdo !== undefined ? pnpDispatch(ctx, wdev, irp, major) : finish(m.u32(irp + B(IRP.IoStatus) + B(IOSB.Status)));
  // A filter passes on what it has no queue callback for; a function driver fails it.
  const unhandled = () => (wdev.filter ? passDown(ctx, wdev, irp) : finish(STATUS.INVALID_DEVICE_REQUEST));
  if (major === IRP_MJ.CREATE || major === IRP_MJ.CLOSE || major === IRP_MJ.CLEANUP) {
    if (wdev.filter) return passDown(ctx, wdev, irp);
    // Create requests routed to a queue (WdfDeviceConfigureRequestDispatching, WdfRequestTypeCreate) go to its EvtIoDefault.
    if (major === IRP_MJ.CREATE && wdev.dispatching?.has(major)) return toQueue(ctx, wdev, irp, major, null, finish, unhandled);
    return wdev.fileConfig ? fileDispatch(ctx, wdev, irp, major, (s) => finish(s)) : finish(STATUS.SUCCESS);
  }
  // EvtIoInCallerContext (WdfDeviceInitSetIoInCallerContextCallback): the framework hands each I/O
  // request to it in the requester's context before queuing; the driver completes the request or
  // puts it in the queues with WdfDeviceEnqueueRequest.
  if (wdev.inCallerContext && IO_MAJORS.has(major)) {
    const req = newObject(ctx, "request", wdev.requestAttrs ?? 0n, { irp, parent: null, completed: false, owner: wdev.owner });
    ctx.callGuest(wdev.inCallerContext, [wdev.handle, req.handle]);
    return pendingUnlessCompleted(ctx, req, wdev.inCallerContext, irp, sl, "EvtIoInCallerContext");
  }
  return toQueue(ctx, wdev, irp, major, null, finish, unhandled);
}

const IO_MAJORS = new Set<number>([IRP_MJ.READ, IRP_MJ.WRITE, IRP_MJ.DEVICE_CONTROL, IRP_MJ.INTERNAL_DEVICE_CONTROL]);

/** After a callback had the request: its status when it completed it, else STATUS_PENDING (with a warning). */
function pendingUnlessCompleted(ctx: ApiContext, req: WdfObject, evt: bigint, irp: bigint, sl: bigint, what = "queue"): number {
  const m = ctx.mem;
  if (!req.completed) {
    if (!req.forwarded) ctx.warn(`the KMDF ${what} callback ${ctx.kernel.where?.(evt) ?? hex(evt)} returned without completing request ${hex(req.handle)}: STATUS_PENDING`);
    m.setU8(sl + B(SL.Control), m.u8(sl + B(SL.Control)) | 1);
    return STATUS_PENDING;
  }
  return m.u32(irp + B(IRP.IoStatus) + B(IOSB.Status));
}

/**
 * The device's default queue takes an I/O request: its EvtIo* callback runs with a WDFREQUEST
 * (`existing`: one the driver had in EvtIoInCallerContext and passed to WdfDeviceEnqueueRequest).
 */
function toQueue(ctx: ApiContext, wdev: WdfObject, irp: bigint, major: number, existing: WdfObject | null, finish: (status: number) => number, unhandled: () => number): number {
  const m = ctx.mem;
  const st = wdfState(ctx.kernel);
  const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  const drop = () => {
    if (existing) {
      st.objects.delete(existing.handle);
      ctx.kernel.kernelPool?.free(existing.handle);
      existing.completed = true;
    }
  };
  // A queue WdfDeviceConfigureRequestDispatching chose for this request type, else the default queue.
  const routed = wdev.dispatching?.get(major);
  const queue = routed !== undefined && st.objects.has(routed) ? st.objects.get(routed) : (wdev.queues ?? []).map((q) => st.objects.get(q)).find((q) => q !== undefined);
  if (!queue?.events) {
    drop();
    return unhandled();
  }
  // A purged queue takes no more requests (Learn: WdfIoQueuePurge).
  if (queue.purged) {
    drop();
    return finish(STATUS.INVALID_DEVICE_STATE);
  }
  if (queue.dispatchType === 3 || queue.stopped) return holdRequest(ctx, queue, irp, existing); // a manual or stopped queue holds it (queues.ts)
  const ev = queue.events;
  let evt = 0n;
  let args: bigint[] = [];
  if ((major === IRP_MJ.DEVICE_CONTROL && ev.ioctl === 0n && ev.def === 0n) || (major === IRP_MJ.INTERNAL_DEVICE_CONTROL && ev.internal === 0n && ev.def === 0n) ||
      (major === IRP_MJ.READ && ev.read === 0n && ev.def === 0n) || (major === IRP_MJ.WRITE && ev.write === 0n && ev.def === 0n)) {
    drop();
    return unhandled();
  }
  const req = existing ?? newObject(ctx, "request", wdev.requestAttrs ?? 0n, { irp, parent: null, completed: false, owner: wdev.owner });
  if (major === IRP_MJ.DEVICE_CONTROL || major === IRP_MJ.INTERNAL_DEVICE_CONTROL) {
    evt = major === IRP_MJ.DEVICE_CONTROL ? ev.ioctl : ev.internal;
    const outLen = B(m.u32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"])));
    const inLen = B(m.u32(sl + B(SL["Parameters.DeviceIoControl.InputBufferLength"])));
    args = [queue.handle, req.handle, outLen, inLen, B(m.u32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"])))];
  } else if (major === IRP_MJ.READ || major === IRP_MJ.WRITE) {
    evt = major === IRP_MJ.READ ? ev.read : ev.write;
    args = [queue.handle, req.handle, B(m.u32(sl + B(SL["Parameters.Read.Length"])))];
  }
  if (evt === 0n && ev.def !== 0n) {
    evt = ev.def;
    args = [queue.handle, req.handle];
  }
  if (evt === 0n) {
    st.objects.delete(req.handle);
    ctx.kernel.kernelPool?.free(req.handle);
    if (existing) existing.completed = true;
    return finish(STATUS.INVALID_DEVICE_REQUEST);
  }
  ctx.callGuest(evt, args);
  // A request the driver enqueued from EvtIoInCallerContext: the pending state is reported there.
  if (existing) return STATUS.SUCCESS;
  return pendingUnlessCompleted(ctx, req, evt, irp, sl);
}

/** `info` null: WdfRequestComplete, which keeps the Information WdfRequestSetInformation stored (FxRequest::Complete). */
function complete(ctx: ApiContext, status: number, info: bigint | null): void {
  const req = objectOf(ctx, ctx.arg(1), "request", "Request");
  if (req.completed) ctx.fault("bugcheck", `${ctx.api}: request ${hex(req.handle)} was already completed (WDF_VIOLATION)`, { code: "0x0000010D" });
  const m = ctx.mem;
  clearCancelable(ctx, req);
  m.setU32(req.irp! + B(IRP.IoStatus) + B(IOSB.Status), status);
  if (info !== null) putPtr(m, req.irp! + B(IRP.IoStatus) + B(IOSB.Information), info);
  req.completed = true;
  // The request's WDFMEMORY objects and framework MDLs go with it (they are valid until completion).
  deleteObject(ctx, req);
  completeRequest(envOf(ctx), req.irp!);
}

/**
 * WdfRequestGetParameters(Request, Parameters): WDF_REQUEST_PARAMETERS {USHORT Size; UCHAR
 * MinorFunction; WDF_REQUEST_TYPE Type; union Parameters} (wdfrequest.h). The union is laid out
 * like IO_STACK_LOCATION's Parameters (Create, Read/Write, DeviceIoControl with POINTER_ALIGNMENT
 * members) and the framework copies the request's current stack location into it; Type is the
 * major function (the WDF_REQUEST_TYPE values are the IRP_MJ codes). Size must be
 * sizeof(WDF_REQUEST_PARAMETERS) (WDF_REQUEST_PARAMETERS_INIT): 40 on 64-bit, 24 on x86.
 */
function requestParameters(ctx: ApiContext): void {
  const [reqH, params] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(reqH), hex(params)]);
  const req = objectOf(ctx, reqH, "request", "Request");
  if (params === 0n) ctx.fault("bugcheck", `WdfRequestGetParameters: Parameters is NULL (WDF_VIOLATION)`, { code: "0x0000010D" });
  const m = ctx.mem;
  const size = ptrSize() === 8 ? 40 : 24;
  const unionSize = size - 8;
  if (m.u16(params) !== size) {
    ctx.warn(`WdfRequestGetParameters: Parameters->Size is ${m.u16(params)}, not sizeof(WDF_REQUEST_PARAMETERS) = ${size} (WDF_REQUEST_PARAMETERS_INIT); nothing is returned`);
    return;
  }
  const sl = getPtr(m, req.irp! + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  m.write(params + 2n, Uint8Array.of(m.u8(sl + B(SL.MinorFunction))));
  m.setU32(params + 4n, m.u8(sl + B(SL.MajorFunction)));
  m.write(params + 8n, m.read(sl + B(SL.Parameters), unionSize));
}

export const apis: ApiDefinition[] = [
  fx("WdfRequestGetParameters", 3, (ctx) => void requestParameters(ctx)),
  fx("WdfDeviceInitSetIoInCallerContextCallback", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const init = objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit");
    init.inCallerContext = ctx.arg(2);
  }),
  fx("WdfDeviceEnqueueRequest", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const wdev = objectOf(ctx, ctx.arg(1), "device", "Device");
    const req = objectOf(ctx, ctx.arg(2), "request", "Request");
    const irp = req.irp!;
    const m = ctx.mem;
    const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
    const major = m.u8(sl + B(SL.MajorFunction));
    // No queue for it, or a purged one: the driver still owns the request and must complete it (Learn: WdfDeviceEnqueueRequest).
    const queue = (wdev.queues ?? []).map((q) => wdfState(ctx.kernel).objects.get(q)).find((q) => q !== undefined);
    if (!queue || queue.purged) return STATUS.INVALID_DEVICE_STATE;
    const finish = (status: number): number => {
      m.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), status);
      putPtr(m, irp + B(IRP.IoStatus) + B(IOSB.Information), 0n);
      completeRequest(envOf(ctx), irp);
      return status;
    };
    toQueue(ctx, wdev, irp, major, req, finish, () => (wdev.filter ? passDown(ctx, wdev, irp) : finish(STATUS.INVALID_DEVICE_REQUEST)));
    return STATUS.SUCCESS;
  }),
  fx("FxIrpDispatch", 2, irpDispatch),
  fx("FxDriverUnload", 1, (ctx) => {
    const drvObj = ctx.arg(0);
    const st = wdfState(ctx.kernel);
    const drv = [...st.objects.values()].find((o) => o.kind === "driver" && o.driverObject === drvObj);
    if (!drv) return;
    // FxDriver::Unload (fxdriver.cpp): EvtDriverUnload, then the WDFDRIVER is deleted — its
    // children (the control devices among them) are disposed with it, after EvtDriverUnload.
    if (drv.unload) ctx.callGuest(drv.unload, [drv.handle]);
    deleteDriver(ctx, drv);
  }),
  fx("WdfDriverCreate", 6, (ctx) => {
    const [drvObj, regPath, attrs, config, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
    ctx.describe([hex(ctx.arg(0)), hex(drvObj), describeUnicode(ctx, regPath), hex(attrs), hex(config), hex(out)]);
    const b = wdfLdrState(ctx.kernel).bindings.get(ctx.arg(0));
    if (!b) ctx.fault("bugcheck", `WdfDriverCreate: ${hex(ctx.arg(0))} is not the WDF_DRIVER_GLOBALS WdfVersionBind returned (WDF_VIOLATION)`, { code: "0x0000010D" });
    if (config === 0n || drvObj === 0n) return STATUS.INVALID_PARAMETER;
    const m = ctx.mem;
    const G = wdf("WDF_DRIVER_GLOBALS");
    const C = wdf("WDF_DRIVER_CONFIG");
    if (getPtr(m, ctx.arg(0) + B(G.Driver)) !== 0n) return STATUS.INVALID_DEVICE_STATE;
    const unload = getPtr(m, config + B(C.EvtDriverUnload));
    const deviceAdd = getPtr(m, config + B(C.EvtDriverDeviceAdd));
    const d = newObject(ctx, "driver", attrs, { driverObject: drvObj, unload, deviceAdd, name: `${b?.service ?? "?"}.sys` });
    // FxDriver keeps its own NUL-terminated copy of RegistryPath (WdfDriverGetRegistryPath returns its Buffer).
    if (regPath !== 0n) {
      const text = unicodeText(m, regPath) ?? "";
      const copy = ctx.kernel.kernelPool?.allocate(2 * text.length + 2, 0x52666457) ?? 0n; // 'WdfR'
      if (copy !== 0n) {
        const bytes = new Uint8Array(2 * text.length + 2);
        for (let i = 0; i < text.length; i++) new DataView(bytes.buffer).setUint16(2 * i, text.charCodeAt(i), true);
        m.write(copy, bytes);
        d.registryPath = copy;
        d.dispose = (c) => c.kernel.kernelPool?.free(copy);
      }
    }
    putPtr(m, ctx.arg(0) + B(G.Driver), d.handle);
    const dispatch = ctx.kernel.moduleExport?.(WDF01000, "FxIrpDispatch") ?? 0n;
    for (let i = 0; i < IRP_MJ_COUNT; i++) putPtr(m, drvObj + B(D.MajorFunction) + B(ptrSize() * i), dispatch);
    // DisplaceDriverUnload as FxDriverCreate sets it (fxdriverapi.cpp): a non-PnP driver
    // (WdfDriverInitNonPnpDriver = 1) or one without dispatch override (WdfDriverInitNoDispatchOverride
    // = 2) is unloadable only with an EvtDriverUnload. The framework's unload then runs it.
    const flags = m.u32(config + B(C.DriverInitFlags));
    // A PnP driver (EvtDriverDeviceAdd, not WdfDriverInitNonPnpDriver): the framework's AddDevice calls it.
    if (deviceAdd !== 0n && !(flags & 1)) {
      const ext = getPtr(m, drvObj + B(D.DriverExtension));
      if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), ctx.kernel.moduleExport?.(WDF01000, "FxDriverAddDevice") ?? 0n);
    }
    const displace = flags & 3 ? unload !== 0n : true;
    m.setU8(ctx.arg(0) + B(G.DisplaceDriverUnload), displace ? 1 : 0);
    m.setU32(ctx.arg(0) + B(G.DriverFlags), m.u32(ctx.arg(0) + B(G.DriverFlags)) | flags);
    if (displace) putPtr(m, drvObj + B(D.DriverUnload), ctx.kernel.moduleExport?.(WDF01000, "FxDriverUnload") ?? 0n);
    if (out !== 0n) putPtr(m, out, d.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfDriverWdmGetDriverObject", 2, (ctx) => objectOf(ctx, ctx.arg(1), "driver", "Driver").driverObject!),
  // WdfDriverGetRegistryPath(Driver): the driver's registry path as a NUL-terminated string (Learn: WdfDriverGetRegistryPath).
  fx("WdfDriverGetRegistryPath", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    return objectOf(ctx, ctx.arg(1), "driver", "Driver").registryPath ?? 0n;
  }),
  fx("WdfGetDriver", 1, (ctx) => driverOf(ctx)?.handle ?? 0n),
  fx("WdfControlDeviceInitAllocate", 3, (ctx) => {
    objectOf(ctx, ctx.arg(1), "driver", "Driver");
    // FxDeviceInit starts with ReadWriteIoType = WdfDeviceIoBuffered, for control devices as for PnP ones.
    // SDDLString: kept like WdfDeviceInitAssignSDDLString's and applied by WdfDeviceCreate.
    const sddl = ctx.arg(2) === 0n ? null : unicodeText(ctx.mem, ctx.arg(2));
    return newObject(ctx, "deviceInit", 0n, { name: null, parent: ctx.arg(1), ioType: 2, ...(sddl !== null ? { sddl } : {}) }).handle;
  }),
  fx("WdfDeviceInitFree", 2, (ctx) => void deleteObject(ctx, objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit"))),
  fx("WdfDeviceInitAssignName", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), describeUnicode(ctx, ctx.arg(2))]);
    const init = objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit");
    init.name = ctx.arg(2) === 0n ? null : unicodeText(ctx.mem, ctx.arg(2));
    return STATUS.SUCCESS;
  }),
  // WdfDeviceInitAssignSDDLString(DeviceInit, SDDLString) (Learn; FxDeviceInitApi.cpp): the string
  // is only checked as a UNICODE_STRING (FxValidateUnicodeString: odd lengths, Length > MaximumLength
  // or a NULL Buffer with a length are STATUS_INVALID_PARAMETER) and kept; NULL removes it.
  // WdfDeviceCreate applies it as IoCreateDeviceSecure does, which fails a malformed one.
  fx("WdfDeviceInitAssignSDDLString", 3, (ctx) => {
    const [initH, str] = [ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(ctx.arg(0)), hex(initH), describeUnicode(ctx, str)]);
    const init = objectOf(ctx, initH, "deviceInit", "DeviceInit");
    if (str === 0n) {
      delete init.sddl;
      return STATUS.SUCCESS;
    }
    const c = readCounted(ctx.mem, str);
    if (c.length % 2 !== 0 || c.maximumLength % 2 !== 0 || c.length > c.maximumLength || (c.length > 0 && c.buffer === 0n)) {
      ctx.warn(`WdfDeviceInitAssignSDDLString: SDDLString is not a valid UNICODE_STRING (Length ${c.length}, MaximumLength ${c.maximumLength}, Buffer ${hex(c.buffer)}): STATUS_INVALID_PARAMETER`);
      return STATUS.INVALID_PARAMETER;
    }
    init.sddl = unicodeText(ctx.mem, str) ?? "";
    return STATUS.SUCCESS;
  }),
  fx("WdfDeviceCreate", 4, (ctx) => {
    const [initPtr, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    const m = ctx.mem;
    const init = objectOf(ctx, getPtr(m, initPtr), "deviceInit", "*DeviceInit");
    if (init.consumed) ctx.fault("bugcheck", `WdfDeviceCreate: WDFDEVICE_INIT ${hex(init.handle)} already created a device (WDF_VIOLATION)`, { code: "0x0000010D" });
    if (init.pdoParent !== undefined) return createPdoDevice(ctx, init, attrs, initPtr, out);
    // The SDDL string goes to IoCreateDeviceSecure (wdmlib), which rejects a malformed one.
    const sddlError = init.sddl !== undefined ? deviceSddlError(init.sddl) : null;
    if (sddlError !== null) {
      ctx.warn(`WdfDeviceCreate: the SDDL string "${init.sddl}" (WdfDeviceInitAssignSDDLString or WdfControlDeviceInitAllocate) is malformed: ${sddlError}: STATUS_INVALID_PARAMETER (IoCreateDeviceSecure)`);
      return STATUS.INVALID_PARAMETER;
    }
    const drv = objectOf(ctx, init.parent!, "driver", "DeviceInit's driver");
    const r = createDevice(envOf(ctx), drv.driverObject!, 0, init.name ?? null, init.deviceType ?? FILE_DEVICE_UNKNOWN, (init.characteristics ?? 0) | FILE_DEVICE_SECURE_OPEN, init.exclusive ?? false);
    if (r.status !== STATUS.SUCCESS) return r.status;
    const dev = newObject(ctx, "device", attrs, { device: r.device, links: [], queues: [], name: init.name ?? null, interfaces: [], ...(init.fileConfig ? { fileConfig: init.fileConfig } : {}), ...(init.inCallerContext ? { inCallerContext: init.inCallerContext } : {}), ...(init.preprocess ? { preprocess: init.preprocess } : {}), ...(init.requestAttrs ? { requestAttrs: init.requestAttrs } : {}) });
    // A PnP device (the WDFDEVICE_INIT came from the framework's AddDevice): attach it to the PDO's stack.
    if (init.pdo !== undefined) attachPnpDevice(ctx, dev, init);
    else {
      // A control device: the read/write I/O type (WdfDeviceInitSetIoType(Ex)) becomes DO_BUFFERED_IO / DO_DIRECT_IO.
      const f = r.device + B(DEV.Flags);
      if (init.ioType === 2) m.setU32(f, m.u32(f) | DO_BUFFERED_IO);
      else if (init.ioType === 3) m.setU32(f, m.u32(f) | DO_DIRECT_IO);
      dev.ioType = init.ioType;
    }
    if (dev.parent === null) dev.parent = drv.handle;
    wdfState(ctx.kernel).byDevice.set(r.device, dev.handle);
    init.consumed = true;
    // A control device's WDFDEVICE_INIT is freed now; the one EvtDriverDeviceAdd got lives on the
    // framework's stack until AddDevice returns (FxDriver::AddDevice), so a WdfDeviceInitXxx call on
    // it after WdfDeviceCreate has no effect instead of touching freed memory.
    if (init.pdo === undefined) {
      wdfState(ctx.kernel).objects.delete(init.handle);
      ctx.kernel.kernelPool?.free(init.handle);
    }
    putPtr(m, initPtr, 0n); // the framework consumes the WDFDEVICE_INIT
    putPtr(m, out, dev.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfDeviceWdmGetDeviceObject", 2, (ctx) => objectOf(ctx, ctx.arg(1), "device", "Device").device!),
  fx("WdfControlFinishInitializing", 2, (ctx) => {
    const dev = objectOf(ctx, ctx.arg(1), "device", "Device");
    const f = dev.device! + B(DEV.Flags);
    ctx.mem.setU32(f, ctx.mem.u32(f) & ~DO_DEVICE_INITIALIZING);
  }),
  fx("WdfIoQueueCreate", 5, (ctx) => {
    const [devH, config, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
    const dev = objectOf(ctx, devH, "device", "Device");
    if (config === 0n) return STATUS.INVALID_PARAMETER;
    const m = ctx.mem;
    const Q = wdf("WDF_IO_QUEUE_CONFIG");
    const at = (f: "EvtIoDefault" | "EvtIoRead" | "EvtIoWrite" | "EvtIoDeviceControl" | "EvtIoInternalDeviceControl") => getPtr(m, config + B(Q[f]));
    const events = { def: at("EvtIoDefault"), read: at("EvtIoRead"), write: at("EvtIoWrite"), ioctl: at("EvtIoDeviceControl"), internal: at("EvtIoInternalDeviceControl") };
    const q = newObject(ctx, "queue", attrs, { events, queueDevice: dev.handle, dispatchType: m.u32(config + B(Q.DispatchType)) });
    if (q.parent === null) q.parent = dev.handle;
    if (m.u8(config + B(Q.DefaultQueue))) dev.queues!.unshift(q.handle);
    if (out !== 0n) putPtr(m, out, q.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfRequestRetrieveInputBuffer", 5, (ctx) => retrieveBuffer(ctx, false)),
  fx("WdfRequestRetrieveOutputBuffer", 5, (ctx) => retrieveBuffer(ctx, true)),
  fx("WdfRequestComplete", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), formatStatus(ctx.u32(2))]);
    complete(ctx, ctx.u32(2), null);
  }),
  fx("WdfRequestCompleteWithInformation", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), formatStatus(ctx.u32(2)), hex(ctx.arg(3))]);
    complete(ctx, ctx.u32(2), ctx.arg(3));
  }),
  fx("WdfRequestSetInformation", 3, (ctx) => {
    const req = objectOf(ctx, ctx.arg(1), "request", "Request");
    putPtr(ctx.mem, req.irp! + B(IRP.IoStatus) + B(IOSB.Information), ctx.arg(2));
  }),
  fx("WdfObjectDelete", 2, (ctx) => {
    // A deleted object still referenced keeps its handle (a second delete is dropped, FxObject::DeleteObject).
    const pending = wdfState(ctx.kernel).objects.get(ctx.arg(1));
    if (pending?.deletePending) return;
    const o = objectOf(ctx, ctx.arg(1), null, "Object");
    if (o.kind === "driver" || (o.kind === "request" && !o.created)) ctx.fault("bugcheck", `WdfObjectDelete: a WDF ${o.kind} cannot be deleted by the driver (WDF_VIOLATION)`, { code: "0x0000010D" });
    deleteObject(ctx, o);
  }),
];
