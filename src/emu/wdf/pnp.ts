/**
 * The framework's PnP side (Wdf01000.sys): its AddDevice (FxDriverAddDevice → EvtDriverDeviceAdd
 * with a WDFDEVICE_INIT), WdfDeviceCreate attaching a function or filter device to the PDO's
 * stack, and the PnP state machine reduced to what drivers observe: IRP_MN_START_DEVICE goes down
 * first, then EvtDevicePrepareHardware(raw, translated WDFCMRESLIST) → EvtDeviceD0Entry
 * (WdfPowerDeviceD3Final) → EvtDeviceSelfManagedIoInit, and the device interfaces are enabled;
 * IRP_MN_QUERY_REMOVE_DEVICE → EvtDeviceQueryRemove; IRP_MN_SURPRISE_REMOVAL / REMOVE_DEVICE →
 * EvtDeviceSurpriseRemoval, EvtDeviceSelfManagedIoSuspend, EvtDeviceD0Exit(WdfPowerDeviceD3Final),
 * EvtDeviceReleaseHardware, EvtDeviceSelfManagedIoFlush, EvtDeviceSelfManagedIoCleanup, then the IRP goes down and the WDFDEVICE is deleted. Power IRPs pass
 * down (the framework is the power policy owner here; D0Entry/D0Exit run with start/remove).
 *
 * WDF_PNPPOWER_EVENT_CALLBACKS (wdfdevice.h of microsoft/Windows-Driver-Frameworks
 * src/publicinc/wdf/kmdf/1.33) is laid out per arch (layouts.ts); WDF_POWER_DEVICE_STATE
 * WdfPowerDeviceD3Final = 5; WDF_DEVICE_IO_TYPE Neither 1, Buffered 2, Direct 3.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { wdf } from "./layouts.js";
import { STATUS, formatStatus, ntSuccess } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { allocateIrp, attachedTop, callDriver, completeRequest, envOf, ioState, nextStack, DO_DEVICE_INITIALIZING } from "../iomgr/index.js";
import { readResourceList } from "../pnp/detect.js";
import { guidAt, registerInterface, setInterfaceState, findInterface } from "../pnp/interfaces.js";
import { WDF01000 } from "./ldr.js";
import { queryCapabilities, staticStopCheck } from "./devcaps.js";
import { queryInterface } from "./qi.js";
import { queryPnpDeviceState } from "./power.js";
import { addBusRelations, pdoDispatch } from "./pdo.js";
import { createDefaultChildList, dynamicChildren, scanForChildren } from "./childlist.js";
import { registerPendingInterfaces } from "./devnames.js";
export { createPdoDevice } from "./pdo.js";
export { holdRequest } from "./queues.js";
import { newObject, objectOf, wdfState, wdfViolation, type PnpCallbacks, type WdfObject } from "./objects.js";
import { deleteObject } from "./lifetime.js";

const B = (n: number) => BigInt(n);
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IOSB = LAYOUT.IO_STATUS_BLOCK;
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
const DO_BUFFERED_IO = 0x4;
const DO_DIRECT_IO = 0x10;
const DO_POWER_PAGABLE = 0x2000;
const DO_POWER_INRUSH = 0x4000;
const WdfPowerDeviceD3Final = 5;
const IRP_MN = { START: 0x00, QUERY_REMOVE: 0x01, REMOVE: 0x02, QUERY_STOP: 0x05, QUERY_DEVICE_RELATIONS: 0x07, QUERY_INTERFACE: 0x08, QUERY_CAPABILITIES: 0x09, QUERY_PNP_DEVICE_STATE: 0x14, SURPRISE_REMOVAL: 0x17 };

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const noCallbacks = (): PnpCallbacks => ({ d0Entry: 0n, d0Exit: 0n, prepareHardware: 0n, releaseHardware: 0n, selfManagedIoInit: 0n, selfManagedIoCleanup: 0n, selfManagedIoSuspend: 0n, selfManagedIoFlush: 0n, surpriseRemoval: 0n, queryRemove: 0n });

function current(ctx: ApiContext, irp: bigint): bigint {
  return getPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
}

/** IoSkipCurrentIrpStackLocation + IoCallDriver to the device below. */
export function passDown(ctx: ApiContext, wdev: WdfObject, irp: bigint): number {
  const m = ctx.mem;
  m.setU8(irp + B(IRP.CurrentLocation), m.u8(irp + B(IRP.CurrentLocation)) + 1);
  putPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), current(ctx, irp) + B(SL.$size));
  return callDriver(envOf(ctx), wdev.lower!, irp);
}

/** IoCopyCurrentIrpStackLocationToNext (no completion routine). */
export function copyToNext(ctx: ApiContext, irp: bigint): bigint {
  const m = ctx.mem;
  const sl = current(ctx, irp);
  const next = sl - B(SL.$size);
  m.write(next, m.read(sl, SL.$size));
  m.setU8(next + B(SL.Control), 0);
  putPtr(m, next + B(SL.CompletionRoutine), 0n);
  putPtr(m, next + B(SL.Context), 0n);
  return next;
}

/** Send the IRP down with a completion routine that hands it back; the status the lower driver completed it with. */
export function forwardAndWait(ctx: ApiContext, target: bigint, irp: bigint): number {
  const m = ctx.mem;
  const next = copyToNext(ctx, irp);
  const stop = ctx.kernel.internalRoutine?.("FxIrpCompletionRoutine", () => STATUS_MORE_PROCESSING_REQUIRED, 3) ?? 0n;
  putPtr(m, next + B(SL.CompletionRoutine), stop);
  m.setU8(next + B(SL.Control), 0xe0); // SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL
  const returned = callDriver(envOf(ctx), target, irp);
  const done = m.u8(irp + B(IRP.CurrentLocation)) === m.u8(irp + B(IRP.StackCount)) + 1 || current(ctx, irp) !== next;
  if (returned === STATUS.PENDING && !done) ctx.warn(`${ctx.api}: the lower driver returned STATUS_PENDING for the forwarded IRP and has not completed it (nothing else will)`);
  return m.u32(irp + B(IRP.IoStatus) + B(IOSB.Status));
}

function finish(ctx: ApiContext, irp: bigint, status: number): number {
  ctx.mem.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), status);
  completeRequest(envOf(ctx), irp);
  return status;
}

function call(ctx: ApiContext, routine: bigint, args: bigint[]): number {
  return routine === 0n ? STATUS.SUCCESS : Number(BigInt.asUintN(32, ctx.callGuest(routine, args))) >>> 0;
}

function setInterfaces(ctx: ApiContext, wdev: WdfObject, enable: boolean): void {
  for (const link of wdev.interfaces ?? []) {
    const i = findInterface(ctx, link);
    if (i) setInterfaceState(envOf(ctx), i, enable);
  }
}

/** Stop the device: the callbacks of leaving D0 and releasing the hardware. */
function stopDevice(ctx: ApiContext, wdev: WdfObject, surprise: boolean): void {
  if (!wdev.started) return;
  const cb = wdev.pnp ?? noCallbacks();
  const translated = [...wdfState(ctx.kernel).objects.values()].filter((o) => o.kind === "cmResList" && o.parent === wdev.handle).pop();
  if (surprise) call(ctx, cb.surpriseRemoval, [wdev.handle]);
  // Self-managed I/O is suspended before D0Exit, flushed and cleaned up after the hardware is
  // released (Learn: "A User Unplugs a Device" (orderly removal), EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND /
  // _FLUSH / _CLEANUP); a failed suspend only stops the device, which is what happens here anyway.
  const s0 = call(ctx, cb.selfManagedIoSuspend, [wdev.handle]);
  if (!ntSuccess(s0)) ctx.warn(`EvtDeviceSelfManagedIoSuspend of ${hex(wdev.handle)} returned ${formatStatus(s0)}`);
  wdev.inD0 = false;
  const s1 = call(ctx, cb.d0Exit, [wdev.handle, B(WdfPowerDeviceD3Final)]);
  if (!ntSuccess(s1)) ctx.warn(`EvtDeviceD0Exit of ${hex(wdev.handle)} returned ${formatStatus(s1)}`);
  const s2 = call(ctx, cb.releaseHardware, [wdev.handle, translated?.handle ?? 0n]);
  if (!ntSuccess(s2)) ctx.warn(`EvtDeviceReleaseHardware of ${hex(wdev.handle)} returned ${formatStatus(s2)}`);
  call(ctx, cb.selfManagedIoFlush, [wdev.handle]);
  call(ctx, cb.selfManagedIoCleanup, [wdev.handle]);
  setInterfaces(ctx, wdev, false);
  wdev.started = false;
}

const hasInterrupt = (ctx: ApiContext, list: bigint) => list !== 0n && readResourceList(ctx, list).some((r) => r.type === "interrupt");

/** START's framework part once the device below started (a PDO has none): EvtDevicePrepareHardware → EvtDeviceD0Entry → EvtDeviceSelfManagedIoInit, interfaces on. */
function startCallbacks(ctx: ApiContext, wdev: WdfObject, sl: bigint): number {
  const m = ctx.mem;
  const cb = wdev.pnp ?? noCallbacks();
  const raw = newObject(ctx, "cmResList", 0n, { resList: getPtr(m, sl + B(SL["Parameters.StartDevice.AllocatedResources"])), parent: wdev.handle, owner: wdev.owner });
  const translated = newObject(ctx, "cmResList", 0n, { resList: getPtr(m, sl + B(SL["Parameters.StartDevice.AllocatedResourcesTranslated"])), parent: wdev.handle, owner: wdev.owner });
  // Hardware available: a framework PDO registers the interfaces created before it was reported (devnames.ts).
  registerPendingInterfaces(ctx, wdev);
  let status = call(ctx, cb.prepareHardware, [wdev.handle, raw.handle, translated.handle]);
  // A failed EvtDevicePrepareHardware still owns what it took: FxPkgPnp::PnpEventHardwareAvailable
  // goes to PnpEventFailedOwnHardware, which calls EvtDeviceReleaseHardware (Windows-Driver-Frameworks
  // src/framework/shared/irphandlers/pnp/pnpstatemachine.cpp).
  if (!ntSuccess(status)) {
    const s = call(ctx, cb.releaseHardware, [wdev.handle, translated.handle]);
    if (!ntSuccess(s)) ctx.warn(`EvtDeviceReleaseHardware of ${hex(wdev.handle)} returned ${formatStatus(s)}`);
    return status;
  }
  if (ntSuccess(status)) status = call(ctx, cb.d0Entry, [wdev.handle, B(WdfPowerDeviceD3Final)]);
  if (ntSuccess(status)) wdev.inD0 = true;
  // In D0 and initialized, before I/O starts: the default child list's EvtChildListScanForChildren (childlist.ts).
  if (ntSuccess(status)) scanForChildren(ctx, wdev);
  // D0 entry connects the device's WDFINTERRUPTs to its interrupt resources: not emulated. Without an interrupt resource there is nothing to connect.
  if (ntSuccess(status) && [...wdfState(ctx.kernel).objects.values()].some((o) => o.kind === "interrupt" && o.queueDevice === wdev.handle) && hasInterrupt(ctx, getPtr(m, sl + B(SL["Parameters.StartDevice.AllocatedResources"]))))
    ctx.fault("unimplemented-api", "kmdll does not implement connecting a WDFINTERRUPT to the device's interrupt resource (KMDF D0 entry): the devnode lists an interrupt", { api: "wdf01000.sys!WdfInterruptCreate" });
  if (ntSuccess(status)) status = call(ctx, cb.selfManagedIoInit, [wdev.handle]);
  if (ntSuccess(status)) {
    wdev.started = true;
    setInterfaces(ctx, wdev, true);
  }
  return status;
}

/** IRP_MJ_PNP / IRP_MJ_POWER to a PnP WDFDEVICE. */
export function pnpDispatch(ctx: ApiContext, wdev: WdfObject, irp: bigint, major: number): number {
  // A framework PDO (WdfPdoInitAllocate): the framework is its bus driver (pdo.ts).
  if (wdev.isPdo) {
    const sl = current(ctx, irp);
    const queryRemove = () => (staticStopCheck(wdev) !== STATUS.SUCCESS ? staticStopCheck(wdev) : call(ctx, (wdev.pnp ?? noCallbacks()).queryRemove, [wdev.handle]));
    return pdoDispatch(ctx, wdev, irp, major, { start: () => startCallbacks(ctx, wdev, sl), stop: () => stopDevice(ctx, wdev, false), queryRemove });
  }
  if (major !== 0x1b) return passDown(ctx, wdev, irp);
  const m = ctx.mem;
  const sl = current(ctx, irp);
  const minor = m.u8(sl + B(SL.MinorFunction));
  const cb = wdev.pnp ?? noCallbacks();
  if (minor === IRP_MN.START) {
    const status = forwardAndWait(ctx, wdev.lower!, irp);
    return finish(ctx, irp, ntSuccess(status) ? startCallbacks(ctx, wdev, sl) : status);
  }
  if (minor === IRP_MN.QUERY_DEVICE_RELATIONS && m.u32(sl + B(SL["Parameters.QueryDeviceRelations.Type"])) === 0) addBusRelations(ctx, wdev, irp, dynamicChildren(ctx, wdev));
  if (minor === IRP_MN.QUERY_INTERFACE) {
    const answered = queryInterface(ctx, wdev, irp);
    if (answered !== null) return answered;
  }
  if (minor === IRP_MN.QUERY_PNP_DEVICE_STATE) return finish(ctx, irp, queryPnpDeviceState(ctx, wdev, irp, () => forwardAndWait(ctx, wdev.lower!, irp)));
  if (minor === IRP_MN.QUERY_CAPABILITIES) {
    const caps = getPtr(m, sl + B(SL["Parameters.DeviceCapabilities.Capabilities"]));
    return finish(ctx, irp, queryCapabilities(ctx, wdev, caps, () => forwardAndWait(ctx, wdev.lower!, irp)));
  }
  // WdfDeviceSetStaticStopRemove(FALSE): query-stop and query-remove fail before the driver is asked.
  if ((minor === IRP_MN.QUERY_STOP || minor === IRP_MN.QUERY_REMOVE) && staticStopCheck(wdev) !== STATUS.SUCCESS) return finish(ctx, irp, staticStopCheck(wdev));
  if (minor === IRP_MN.QUERY_REMOVE) {
    const status = call(ctx, cb.queryRemove, [wdev.handle]);
    if (!ntSuccess(status)) return finish(ctx, irp, status);
    m.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), STATUS.SUCCESS);
    return passDown(ctx, wdev, irp);
  }
  if (minor === IRP_MN.SURPRISE_REMOVAL || minor === IRP_MN.REMOVE) {
    stopDevice(ctx, wdev, minor === IRP_MN.SURPRISE_REMOVAL);
    m.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), STATUS.SUCCESS);
    const lower = wdev.lower!;
    const status = passDown(ctx, wdev, irp);
    if (minor === IRP_MN.REMOVE) detachAndDelete(ctx, wdev, lower);
    return status;
  }
  return passDown(ctx, wdev, irp);
}

/** IoDetachDevice from the device below, then the WDFDEVICE (and its queues, contexts, device object) goes. */
function detachAndDelete(ctx: ApiContext, wdev: WdfObject, lower = wdev.lower): void {
  if (lower) putPtr(ctx.mem, lower + B(DEV.AttachedDevice), 0n);
  const info = ioState(ctx.kernel).devices.get(wdev.device!);
  if (info) info.attachedTo = null;
  deleteObject(ctx, wdev);
}

/** WdfDeviceCreate with a PnP WDFDEVICE_INIT: attach on top of the PDO's stack (IoAttachDeviceToDeviceStack). */
export function attachPnpDevice(ctx: ApiContext, dev: WdfObject, init: WdfObject): void {
  const m = ctx.mem;
  const d = dev.device!;
  const top = attachedTop(m, init.pdo!);
  putPtr(m, top + B(DEV.AttachedDevice), d);
  m.setU8(d + B(DEV.StackSize), (m.u8(top + B(DEV.StackSize)) + 1) & 0xff);
  const info = ioState(ctx.kernel).devices.get(d);
  if (info) info.attachedTo = top;
  let flags = m.u32(d + B(DEV.Flags));
  // A filter takes the I/O type and DO_POWER_PAGABLE / DO_POWER_INRUSH from the device below; a function
  // driver's device is power pageable unless WdfDeviceInitSetPowerNotPageable / SetPowerInrush (FxDevice::CreateDevice).
  if (init.filter) {
    flags |= m.u32(top + B(DEV.Flags)) & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE | DO_POWER_INRUSH);
    m.setU32(d + B(DEV.DeviceType), m.u32(top + B(DEV.DeviceType)));
  } else {
    if (init.ioType === 2) flags |= DO_BUFFERED_IO;
    else if (init.ioType === 3) flags |= DO_DIRECT_IO;
    flags |= init.powerPageable !== false ? DO_POWER_PAGABLE : init.inrush ? DO_POWER_INRUSH : 0;
  }
  m.setU32(d + B(DEV.Flags), flags);
  if (init.powerPolicyOwner !== undefined) dev.powerPolicyOwner = init.powerPolicyOwner;
  Object.assign(dev, { pdo: init.pdo, lower: top, filter: init.filter ?? false, pnp: init.pnp ?? noCallbacks(), ioType: init.ioType, started: false, ...(init.requestAttrs ? { requestAttrs: init.requestAttrs } : {}) });
  if (init.childListConfig) createDefaultChildList(ctx, dev, init.childListConfig);
}

function initOf(ctx: ApiContext, what = "DeviceInit"): WdfObject {
  const init = objectOf(ctx, ctx.arg(1), "deviceInit", what);
  if (init.consumed) ctx.warn(`${ctx.api}: ${hex(init.handle)} was already used by WdfDeviceCreate; the call has no effect on the device (EvtDriverDeviceAdd's WDFDEVICE_INIT stays valid until it returns)`);
  return init;
}

function pnpInit(ctx: ApiContext): WdfObject {
  const init = initOf(ctx);
  if (init.pdo === undefined && init.pdoParent === undefined) ctx.fault("bugcheck", `${ctx.api}: ${hex(init.handle)} is a control device's WDFDEVICE_INIT, not one EvtDriverDeviceAdd received (WDF_VIOLATION)`, { code: "0x0000010D" });
  return init;
}

export const apis: ApiDefinition[] = [
  fx("FxDriverAddDevice", 2, (ctx) => {
    const [drvObj, pdo] = [ctx.arg(0), ctx.arg(1)];
    const st = wdfState(ctx.kernel);
    const drv = [...st.objects.values()].find((o) => o.kind === "driver" && o.driverObject === drvObj);
    if (!drv?.deviceAdd) return STATUS.INVALID_DEVICE_REQUEST;
    const init = newObject(ctx, "deviceInit", 0n, { parent: drv.handle, owner: drv.owner, name: null, pdo, filter: false, pnp: noCallbacks(), ioType: 2, deviceType: 0x22 });
    const status = call(ctx, drv.deviceAdd, [drv.handle, init.handle]);
    if (!init.consumed && ntSuccess(status)) ctx.warn(`EvtDriverDeviceAdd ${ctx.kernel.where?.(drv.deviceAdd) ?? hex(drv.deviceAdd)} returned ${formatStatus(status)} without creating a device (WdfDeviceCreate)`);
    // The WDFDEVICE_INIT (on the framework's stack in FxDriver::AddDevice) goes when AddDevice returns.
    if (st.objects.get(init.handle) === init) {
      if (init.consumed) {
        st.objects.delete(init.handle);
        ctx.kernel.kernelPool?.free(init.handle);
      } else deleteObject(ctx, init);
    }
    const created = [...st.objects.values()].filter((o) => o.kind === "device" && o.pdo === pdo && o.owner === drv.owner);
    if (!ntSuccess(status)) {
      // "If the driver's EvtDriverDeviceAdd callback function creates a device object but does not
      // return STATUS_SUCCESS, the framework deletes the device object and its children"; a filter's
      // failure becomes STATUS_SUCCESS and the stack is built without it (Microsoft Learn,
      // EVT_WDF_DRIVER_DEVICE_ADD, Remarks).
      for (const o of created) if (st.objects.get(o.handle) === o && !o.deletePending) detachAndDelete(ctx, o);
      if (init.filter) {
        ctx.warn(`EvtDriverDeviceAdd of the filter ${drv.name ?? "?"} returned ${formatStatus(status)}: the framework returns STATUS_SUCCESS, and the stack is built without the filter`);
        return STATUS.SUCCESS;
      }
      return status;
    }
    // The framework clears DO_DEVICE_INITIALIZING once EvtDriverDeviceAdd succeeded.
    for (const o of created) ctx.mem.setU32(o.device! + B(DEV.Flags), ctx.mem.u32(o.device! + B(DEV.Flags)) & ~DO_DEVICE_INITIALIZING);
    return status;
  }),
  fx("WdfDeviceInitSetPnpPowerEventCallbacks", 3, (ctx) => {
    const init = pnpInit(ctx);
    const c = ctx.arg(2);
    if (c === 0n) return;
    const P = wdf("WDF_PNPPOWER_EVENT_CALLBACKS");
    // Only the fields inside the caller's Size (an older header's structure is shorter).
    const at = (f: keyof typeof P) => (ctx.mem.u32(c) > P[f] ? getPtr(ctx.mem, c + B(P[f])) : 0n);
    init.pnp = {
      d0Entry: at("EvtDeviceD0Entry"), d0Exit: at("EvtDeviceD0Exit"), prepareHardware: at("EvtDevicePrepareHardware"), releaseHardware: at("EvtDeviceReleaseHardware"),
      selfManagedIoCleanup: at("EvtDeviceSelfManagedIoCleanup"), selfManagedIoSuspend: at("EvtDeviceSelfManagedIoSuspend"), selfManagedIoFlush: at("EvtDeviceSelfManagedIoFlush"), selfManagedIoInit: at("EvtDeviceSelfManagedIoInit"), surpriseRemoval: at("EvtDeviceSurpriseRemoval"), queryRemove: at("EvtDeviceQueryRemove"),
    };
  }),
  fx("WdfDeviceInitSetIoType", 3, (ctx) => void (initOf(ctx).ioType = ctx.u32(2))),
  // WdfDeviceInitSetIoTypeEx(DeviceInit, IoTypeConfig): WDF_IO_TYPE_CONFIG {ULONG Size;
  // ReadWriteIoType; DeviceControlIoType (UMDF only); ULONG DirectTransferThreshold (UMDF only)}
  // (wdfdevice.h, KMDF 1.13+): KMDF applies ReadWriteIoType as WdfDeviceInitSetIoType does. NULL is
  // a WDF_VIOLATION; a wrong Size changes nothing (the framework's verifier breaks in: a warning).
  fx("WdfDeviceInitSetIoTypeEx", 3, (ctx) => {
    const init = initOf(ctx);
    const c = ctx.arg(2);
    ctx.describe([hex(ctx.arg(0)), hex(init.handle), hex(c)]);
    if (c === 0n) wdfViolation(ctx, "WdfDeviceInitSetIoTypeEx: IoTypeConfig is NULL (WDF_REQUIRED_PARAMETER_IS_NULL)");
    const size = ctx.mem.u32(c);
    if (size !== 16) {
      ctx.warn(`WdfDeviceInitSetIoTypeEx: IoTypeConfig->Size ${size} is not sizeof(WDF_IO_TYPE_CONFIG) (16): ignored`);
      return;
    }
    const t = ctx.mem.u32(c + 4n);
    if (t < 1 || t > 3) {
      ctx.warn(`WdfDeviceInitSetIoTypeEx: ReadWriteIoType ${t} is not WdfDeviceIoNeither/Buffered/Direct: ignored`);
      return;
    }
    init.ioType = t;
  }),
  // Power policy is not emulated (docs/pnp.md): the ownership is recorded, as the framework records it.
  Object.assign(fx("WdfDeviceInitSetPowerPolicyOwnership", 3, (ctx) => void (initOf(ctx).powerPolicyOwner = (ctx.u32(2) & 0xff) !== 0)), { stub: true }),
  fx("WdfDeviceInitSetDeviceType", 3, (ctx) => void (initOf(ctx).deviceType = ctx.u32(2))),
  // wdfdevice.h (Learn): OrInValues TRUE ORs DeviceCharacteristics into the current value, FALSE replaces
  // it; the framework always adds FILE_DEVICE_SECURE_OPEN at WdfDeviceCreate (framework.ts).
  fx("WdfDeviceInitSetCharacteristics", 4, (ctx) => {
    const init = initOf(ctx);
    const [value, or] = [ctx.u32(2), (ctx.u32(3) & 0xff) !== 0];
    ctx.describe([hex(ctx.arg(0)), hex(init.handle), hex(value), or ? "TRUE" : "FALSE"]);
    init.characteristics = or ? (init.characteristics ?? 0) | value : value;
  }),
  fx("WdfDeviceInitSetExclusive", 3, (ctx) => void (initOf(ctx).exclusive = (ctx.u32(2) & 0xff) !== 0)),
  fx("WdfFdoInitSetFilter", 2, (ctx) => void (pnpInit(ctx).filter = true)),
  fx("WdfFdoInitWdmGetPhysicalDevice", 2, (ctx) => pnpInit(ctx).pdo!),
  fx("WdfDeviceWdmGetAttachedDevice", 2, (ctx) => objectOf(ctx, ctx.arg(1), "device", "Device").lower ?? 0n),
  fx("WdfDeviceWdmGetPhysicalDevice", 2, (ctx) => objectOf(ctx, ctx.arg(1), "device", "Device").pdo ?? 0n),
  fx("WdfDeviceGetDriver", 2, (ctx) => {
    let o: WdfObject | undefined = objectOf(ctx, ctx.arg(1), "device", "Device");
    for (let i = 0; o && o.kind !== "driver" && i < 64; i++) o = o.parent === null ? undefined : wdfState(ctx.kernel).objects.get(o.parent);
    return o?.handle ?? 0n;
  }),
  fx("WdfCmResourceListGetCount", 2, (ctx) => {
    const l = objectOf(ctx, ctx.arg(1), "cmResList", "List").resList!;
    // CM_RESOURCE_LIST: Count, then CM_FULL_RESOURCE_DESCRIPTOR List[0] and its PartialResourceList.
    return l === 0n || ctx.mem.u32(l) === 0 ? 0 : ctx.mem.u32(partialList(l) + B(LAYOUT.CM_PARTIAL_RESOURCE_LIST.Count));
  }),
  fx("WdfCmResourceListGetDescriptor", 3, (ctx) => {
    const l = objectOf(ctx, ctx.arg(1), "cmResList", "List").resList!;
    const i = ctx.u32(2);
    const pl = partialList(l);
    if (l === 0n || ctx.mem.u32(l) === 0 || i >= ctx.mem.u32(pl + B(LAYOUT.CM_PARTIAL_RESOURCE_LIST.Count))) return 0n;
    return pl + B(LAYOUT.CM_PARTIAL_RESOURCE_LIST.PartialDescriptors) + B(i * LAYOUT.CM_PARTIAL_RESOURCE_DESCRIPTOR.$size);
  }),
  fx("WdfFdoQueryForInterface", 7, (ctx) => {
    const dev = objectOf(ctx, ctx.arg(1), "device", "Fdo");
    const [guid, iface, size, version, data] = [ctx.arg(2), ctx.arg(3), ctx.u32(4) & 0xffff, ctx.u32(5) & 0xffff, ctx.arg(6)];
    ctx.describe([hex(ctx.arg(0)), hex(dev.handle), guid === 0n ? "NULL" : guidAt(ctx.mem, guid), hex(iface), String(size), String(version), hex(data)]);
    if (!dev.lower) return STATUS.INVALID_DEVICE_REQUEST;
    const env = envOf(ctx);
    const m = ctx.mem;
    const target = attachedTop(m, dev.pdo!) === dev.device ? dev.lower : attachedTop(m, dev.pdo!);
    const irp = buildPnpIrp(ctx, target, 0x08);
    const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
    putPtr(m, sl + B(SL["Parameters.QueryInterface.InterfaceType"]), guid);
    m.setU16(sl + B(SL["Parameters.QueryInterface.Size"]), size);
    m.setU16(sl + B(SL["Parameters.QueryInterface.Version"]), version);
    putPtr(m, sl + B(SL["Parameters.QueryInterface.Interface"]), iface);
    putPtr(m, sl + B(SL["Parameters.QueryInterface.InterfaceSpecificData"]), data);
    const info = ioState(ctx.kernel).irps.get(irp)!;
    callDriver(env, target, irp);
    return info.result?.status ?? STATUS.UNSUCCESSFUL;
  }),
  fx("WdfDeviceSetDeviceInterfaceState", 5, (ctx) => {
    const dev = objectOf(ctx, ctx.arg(1), "device", "Device");
    const guid = ctx.arg(2) === 0n ? "" : guidAt(ctx.mem, ctx.arg(2));
    const ref = ctx.arg(3) === 0n ? null : readUnicode(ctx, ctx.arg(3));
    for (const link of dev.interfaces ?? []) {
      const i = findInterface(ctx, link);
      if (i && i.guid === guid && (ref === null || link.toUpperCase().endsWith(`\\${ref.toUpperCase()}`))) setInterfaceState(envOf(ctx), i, (ctx.u32(4) & 0xff) !== 0);
    }
  }),
];

/** The first CM_FULL_RESOURCE_DESCRIPTOR's PartialResourceList of a CM_RESOURCE_LIST. */
function partialList(l: bigint): bigint {
  return l + B(LAYOUT.CM_RESOURCE_LIST.List) + B(LAYOUT.CM_FULL_RESOURCE_DESCRIPTOR.PartialResourceList);
}

function readUnicode(ctx: ApiContext, us: bigint): string {
  const len = ctx.mem.u16(us);
  const buf = getPtr(ctx.mem, us + B(LAYOUT.UNICODE_STRING.Buffer));
  let s = "";
  for (let i = 0; i < Math.min(len, 512) / 2; i++) s += String.fromCharCode(ctx.mem.u16(buf + B(2 * i)));
  return s;
}

/** An IRP_MJ_PNP request the framework builds (IoBuildSynchronousFsdRequest-like, freed on completion). */
export function buildPnpIrp(ctx: ApiContext, target: bigint, minor: number): bigint {
  const m = ctx.mem;
  const irp = allocateIrp(envOf(ctx), m.u8(target + B(DEV.StackSize)) || 1, "built");
  m.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), STATUS.NOT_SUPPORTED);
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), 0x1b);
  m.setU8(sl + B(SL.MinorFunction), minor);
  return irp;
}
