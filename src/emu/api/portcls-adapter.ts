/**
 * portcls.sys's adapter device: what an audio adapter driver's AddDevice and its PnP start and
 * removal go through (Microsoft Learn: PcAddAdapterDevice, PcDispatchIrp, "Startup Sequence",
 * PcRegisterSubdevice, PcRegisterPhysicalConnection, PcRegisterAdapterPowerManagement,
 * PcGetPhysicalDeviceObject; portcls.h).
 *
 *   PcAddAdapterDevice(DriverObject, PhysicalDeviceObject, StartDevice, MaxObjects,
 *     DeviceExtensionSize): "creates a device object, initializes the device context, and
 *     attaches the device object to the device stack" (the FDO, FILE_DEVICE_KS, no name, the
 *     DO_DEVICE_INITIALIZING flag cleared: Learn's sysvad comment "DO_DEVICE_INITIALIZING is
 *     cleared in PcAddAdapterDevice"). DeviceExtensionSize 0 means PORT_CLASS_DEVICE_EXTENSION_SIZE
 *     (64 * sizeof(ULONG_PTR), portcls.h); "any value greater than zero and less than
 *     PORT_CLASS_DEVICE_EXTENSION_SIZE is illegal": STATUS_INVALID_PARAMETER with a warning. The
 *     first PORT_CLASS_DEVICE_EXTENSION_SIZE bytes are portcls's (kmdll keeps its state outside
 *     them, zeroed). A NULL StartDevice or a PDO that is not a device object: STATUS_INVALID_PARAMETER
 *     (kmdll's reading: there is nothing to start or attach to). IRQL PASSIVE_LEVEL.
 *   PcDispatchIrp(DeviceObject, Irp): portcls's IRP handler (the one PcInitializeAdapterDriver puts
 *     in the driver object; adapters that hook IRP_MJ_PNP call it themselves). For an adapter FDO:
 *     IRP_MN_START_DEVICE goes down first and waits, then the adapter's StartDevice(DeviceObject,
 *     Irp, ResourceList) runs with an IResourceList over the translated and raw resources, and the
 *     IRP completes with its status. IRP_MN_REMOVE_DEVICE: the subdevices are unregistered (each
 *     port releases its miniport, then portcls its reference on the port), the registered power
 *     management interface is released, the IRP goes down, the FDO is detached and deleted. The
 *     other PnP and power IRPs go down. Create, close and device control go to the KS filters of
 *     the subdevices on Windows; kmdll has none: such an IRP is answered as IopInvalidDeviceRequest
 *     does. An IRP for a device portcls did not make: the same.
 *   PcForwardIrpSynchronous(DeviceObject, Irp): "forwards a PnP IRP to the next device in the stack"
 *     and waits for it: the current stack location is copied to the next one with a completion
 *     routine that hands the IRP back (ReactOS portcls's PcForwardIrpSynchronous does the same),
 *     the status the lower driver completed it with is returned and the IRP stays the caller's. An
 *     IRP the adapter allocated itself (IoAllocateIrp: no current location yet) goes down with the
 *     next location as the adapter filled it — Conexant's CHDRT64.sys (fresh4) fills it with
 *     IRP_MN_QUERY_INTERFACE so (kmdll's reading: copying the empty current location over it would
 *     send garbage).
 *     An IRP without a stack location left: NO_MORE_IRP_STACK_LOCATIONS (0x35), as IoCallDriver.
 *   PcGetPhysicalDeviceObject(DeviceObject, &Pdo): the PDO PcAddAdapterDevice attached to;
 *     another device: STATUS_INVALID_PARAMETER. Any IRQL.
 *   PcRegisterSubdevice(DeviceObject, Name, Unknown) (Name: a PWSTR): registers a port (PcNewPort, bound by
 *     IPort::Init) under a name and takes a reference on it. Not a port portcls made, or one not
 *     bound to a miniport: STATUS_UNSUCCESSFUL (ReactOS portcls's PcRegisterSubdevice asks the
 *     object for its internal ISubdevice interface and fails so); more than MaxObjects subdevices:
 *     STATUS_INSUFFICIENT_RESOURCES ("sets the upper limit", Learn); a name registered already:
 *     STATUS_OBJECT_NAME_COLLISION (kmdll's choice). The device interfaces of the filter's categories
 *     are not registered (no KS filter exists to open).
 *   PcRegisterPhysicalConnection(DeviceObject, FromUnknown, FromPin, ToUnknown, ToPin): records a
 *     connection between two ports portcls made ("the IUnknown interface of the port driver");
 *     another object: STATUS_INVALID_PARAMETER.
 *   PcRegisterAdapterPowerManagement(Unknown, DeviceObject): portcls asks the object for
 *     IAdapterPowerManagement and keeps it until the device goes; an object without it:
 *     STATUS_INVALID_PARAMETER with a warning. PcUnregisterAdapterPowerManagement(DeviceObject)
 *     releases it (none registered: STATUS_UNSUCCESSFUL).
 *   A device that is not a portcls adapter FDO (all but PcDispatchIrp): STATUS_INVALID_PARAMETER
 *   with a warning (Windows would read a device extension portcls never set up).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS, ntSuccess, formatStatus } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";
import { componentState } from "./state.js";
import { callDriver, completeRequest, createDevice, deleteDevice, deviceLabel, envOf, invalidDeviceRequest, ioState, attachedTop, DO_DEVICE_INITIALIZING } from "../iomgr/index.js";
import { GUIDS, PORTCLS_MODULE, STATUS_UNSUCCESSFUL, addRef, pcObject, queryInterface, release, releaseInterface } from "./portcls-com.js";
import { newResourceList, unbindMiniport } from "./portcls-objects.js";

const B = (n: number) => BigInt(n);
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IOSB = LAYOUT.IO_STATUS_BLOCK;
const FILE_DEVICE_KS = 0x2f;
const DO_DIRECT_IO = 0x10;
const DO_POWER_PAGABLE = 0x2000;
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
const IRP_MJ_PNP = 0x1b;
const IRP_MJ_POWER = 0x16;
const IRP_MJ_SYSTEM_CONTROL = 0x17;
const IRP_MN_START_DEVICE = 0x00;
const IRP_MN_REMOVE_DEVICE = 0x02;
const pc = (name: string, argc: number, h: ApiDefinition["handler"]) => api(PORTCLS_MODULE, name, argc, h);

/** An adapter device PcAddAdapterDevice made. */
export interface PcAdapter {
  fdo: bigint;
  pdo: bigint;
  lower: bigint;
  startDevice: bigint;
  maxObjects: number;
  started: boolean;
  subdevices: { name: string; port: bigint }[];
  connections: { from: bigint; fromPin: number; to: bigint; toPin: number }[];
  power: bigint;
}
const adapters = componentState("portcls-adapters", () => new Map<bigint, PcAdapter>());

/** The adapters portcls made (for tests and reports). */
export function portclsAdapters(kernel: ApiContext["kernel"]): PcAdapter[] {
  return [...adapters(kernel).values()];
}

/** The PDO under an adapter device PcAddAdapterDevice made, or null for another device. */
export function adapterPdo(kernel: ApiContext["kernel"], dev: bigint): bigint | null {
  return adapters(kernel).get(dev)?.pdo ?? null;
}

function adapterOf(ctx: ApiContext, dev: bigint, what: string): PcAdapter | null {
  const a = adapters(ctx.kernel).get(dev);
  if (!a) ctx.warn(`${what}: ${hex(dev)} is not an adapter device PcAddAdapterDevice made: STATUS_INVALID_PARAMETER`);
  return a ?? null;
}

function isDeviceObject(ctx: ApiContext, dev: bigint): boolean {
  return dev !== 0n && ctx.mem.isMapped(dev, 2) && ctx.mem.u16(dev + B(DEV.Type)) === 3;
}

function addAdapterDevice(ctx: ApiContext): number {
  const [driver, pdo, start, maxObjects, extSize] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.u32(4)];
  ctx.describe([hex(driver), hex(pdo), hex(start), String(maxObjects), String(extSize)]);
  if (ctx.kernel.irql !== 0) ctx.warn(`PcAddAdapterDevice at IRQL ${ctx.kernel.irql} (Learn: PASSIVE_LEVEL)`);
  const m = ctx.mem;
  if (driver === 0n || !m.isMapped(driver, 2) || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4)
    ctx.fault("bugcheck", `PcAddAdapterDevice: DriverObject ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const minimum = 64 * ptrSize(); // PORT_CLASS_DEVICE_EXTENSION_SIZE
  if (extSize > 0 && extSize < minimum) {
    ctx.warn(`PcAddAdapterDevice: DeviceExtensionSize ${extSize} is less than PORT_CLASS_DEVICE_EXTENSION_SIZE (${minimum}) and not 0 (Learn: illegal): STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  if (!isDeviceObject(ctx, pdo) || start === 0n) {
    ctx.warn(`PcAddAdapterDevice: ${start === 0n ? "StartDevice is NULL" : `PhysicalDeviceObject ${hex(pdo)} is not a device object`}: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const env = envOf(ctx);
  const r = createDevice(env, driver, extSize === 0 ? minimum : extSize, null, FILE_DEVICE_KS, 0, false);
  if (r.status !== STATUS.SUCCESS) return r.status;
  const fdo = r.device;
  const top = attachedTop(m, pdo);
  putPtr(m, top + B(DEV.AttachedDevice), fdo);
  m.setU8(fdo + B(DEV.StackSize), (m.u8(top + B(DEV.StackSize)) + 1) & 0xff);
  const info = ioState(ctx.kernel).devices.get(fdo);
  if (info) info.attachedTo = top;
  m.setU32(fdo + B(DEV.Flags), (m.u32(fdo + B(DEV.Flags)) | DO_DIRECT_IO | DO_POWER_PAGABLE) & ~DO_DEVICE_INITIALIZING);
  adapters(ctx.kernel).set(fdo, { fdo, pdo, lower: top, startDevice: start, maxObjects, started: false, subdevices: [], connections: [], power: 0n });
  return STATUS.SUCCESS;
}

function current(ctx: ApiContext, irp: bigint): bigint {
  return getPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
}

/** IoSkipCurrentIrpStackLocation + IoCallDriver. */
function passDown(ctx: ApiContext, a: PcAdapter, irp: bigint): number {
  const m = ctx.mem;
  m.setU8(irp + B(IRP.CurrentLocation), m.u8(irp + B(IRP.CurrentLocation)) + 1);
  putPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), current(ctx, irp) + B(SL.$size));
  return callDriver(envOf(ctx), a.lower, irp);
}

/**
 * IoCopyCurrentIrpStackLocationToNext with a completion routine that stops completion, IoCallDriver:
 * the status the lower driver gave. An IRP without a current location yet (the caller's own
 * IoAllocateIrp) goes with the next location as the caller filled it (`copy` false).
 */
function forwardAndWait(ctx: ApiContext, a: PcAdapter, irp: bigint, copy = true): number {
  const m = ctx.mem;
  const sl = current(ctx, irp);
  const next = sl - B(SL.$size);
  if (copy) m.write(next, m.read(sl, SL.$size));
  const stop = ctx.kernel.internalRoutine?.("PcIrpCompletion", () => STATUS_MORE_PROCESSING_REQUIRED, 3, PORTCLS_MODULE) ?? 0n;
  putPtr(m, next + B(SL.CompletionRoutine), stop);
  putPtr(m, next + B(SL.Context), 0n);
  m.setU8(next + B(SL.Control), 0xe0); // SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL
  const returned = callDriver(envOf(ctx), a.lower, irp);
  if (returned === STATUS.PENDING && current(ctx, irp) === next) ctx.warn(`PcDispatchIrp: the lower driver returned STATUS_PENDING for the forwarded IRP and has not completed it`);
  return m.u32(irp + B(IRP.IoStatus) + B(IOSB.Status));
}

function finish(ctx: ApiContext, irp: bigint, status: number): number {
  ctx.mem.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), status);
  completeRequest(envOf(ctx), irp);
  return status;
}

function startAdapter(ctx: ApiContext, a: PcAdapter, irp: bigint): number {
  const status = forwardAndWait(ctx, a, irp);
  if (!ntSuccess(status)) return finish(ctx, irp, status);
  const sl = current(ctx, irp);
  const raw = getPtr(ctx.mem, sl + B(SL["Parameters.StartDevice.AllocatedResources"]));
  const translated = getPtr(ctx.mem, sl + B(SL["Parameters.StartDevice.AllocatedResourcesTranslated"]));
  const list = newResourceList(ctx, translated, raw);
  const s = Number(BigInt.asUintN(32, ctx.callGuest(a.startDevice, [a.fdo, irp, list.addr]))) >>> 0;
  release(ctx, list);
  if (ntSuccess(s)) a.started = true;
  else ctx.warn(`PcDispatchIrp: the adapter's StartDevice ${ctx.kernel.where?.(a.startDevice) ?? hex(a.startDevice)} returned ${formatStatus(s)}`);
  return finish(ctx, irp, s);
}

/** The subdevices go (each port's miniport first), then the power interface. */
function releaseAll(ctx: ApiContext, a: PcAdapter): void {
  for (const s of a.subdevices.splice(0)) {
    const port = pcObject(ctx.kernel, s.port);
    if (port) {
      unbindMiniport(ctx, port);
      release(ctx, port);
    }
  }
  a.connections = [];
  if (a.power !== 0n) releaseInterface(ctx, a.power, "PcDispatchIrp(IRP_MN_REMOVE_DEVICE): IAdapterPowerManagement");
  a.power = 0n;
}

function removeAdapter(ctx: ApiContext, a: PcAdapter, irp: bigint): number {
  releaseAll(ctx, a);
  a.started = false;
  ctx.mem.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), STATUS.SUCCESS);
  const status = passDown(ctx, a, irp);
  putPtr(ctx.mem, a.lower + B(DEV.AttachedDevice), 0n);
  const info = ioState(ctx.kernel).devices.get(a.fdo);
  if (info) info.attachedTo = null;
  adapters(ctx.kernel).delete(a.fdo);
  deleteDevice(ctx, a.fdo);
  return status;
}

export function dispatchIrp(ctx: ApiContext): number {
  const [dev, irp] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([deviceLabel(envOf(ctx), dev), hex(irp)]);
  const a = adapters(ctx.kernel).get(dev);
  const major = a ? ctx.mem.u8(current(ctx, irp) + B(SL.MajorFunction)) : -1;
  if (!a || (major !== IRP_MJ_PNP && major !== IRP_MJ_POWER && major !== IRP_MJ_SYSTEM_CONTROL)) return Number(ctx.callGuest(invalidDeviceRequest(ctx.kernel), [dev, irp]));
  const minor = ctx.mem.u8(current(ctx, irp) + B(SL.MinorFunction));
  if (major === IRP_MJ_PNP && minor === IRP_MN_START_DEVICE) return startAdapter(ctx, a, irp);
  if (major === IRP_MJ_PNP && minor === IRP_MN_REMOVE_DEVICE) return removeAdapter(ctx, a, irp);
  return passDown(ctx, a, irp);
}

/** A NUL-terminated UTF-16 string (PWSTR), or null when it is not readable (up to 256 characters). */
function wideText(ctx: ApiContext, at: bigint): string | null {
  if (at === 0n) return null;
  let out = "";
  for (let i = 0; i < 256; i++) {
    if (!ctx.mem.isMapped(at + B(2 * i), 2)) return null;
    const c = ctx.mem.u16(at + B(2 * i));
    if (c === 0) return out;
    out += String.fromCharCode(c);
  }
  return null;
}

function portOf(ctx: ApiContext, unknown: bigint) {
  const o = pcObject(ctx.kernel, unknown);
  return o && o.kind === "port" ? o : null;
}

export const adapterApis: ApiDefinition[] = [
  pc("PcAddAdapterDevice", 5, addAdapterDevice),
  pc("PcDispatchIrp", 2, dispatchIrp),
  pc("PcForwardIrpSynchronous", 2, (ctx) => {
    const [dev, irp] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(dev), hex(irp)]);
    if (ctx.kernel.irql !== 0) ctx.warn(`PcForwardIrpSynchronous at IRQL ${ctx.kernel.irql} (Learn: PASSIVE_LEVEL)`);
    const a = adapterOf(ctx, dev, "PcForwardIrpSynchronous");
    if (!a) return STATUS.INVALID_PARAMETER;
    if (irp === 0n || !ctx.mem.isMapped(irp, 2) || ctx.mem.u16(irp) !== 6) ctx.fault("bugcheck", `PcForwardIrpSynchronous: ${hex(irp)} is not an IRP`, { code: "0x0000001E" });
    const m = ctx.mem;
    const location = m.u8(irp + B(IRP.CurrentLocation));
    if (location <= 1) ctx.fault("bugcheck", `PcForwardIrpSynchronous: the IRP ${hex(irp)} has no stack location left for the device below (NO_MORE_IRP_STACK_LOCATIONS)`, { code: "0x00000035" });
    return forwardAndWait(ctx, a, irp, location <= m.u8(irp + B(IRP.StackCount)));
  }),
  pc("PcGetPhysicalDeviceObject", 2, (ctx) => {
    const [dev, out] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(dev), hex(out)]);
    if (out === 0n || !ctx.mem.isMapped(out, ptrSize())) ctx.fault("bugcheck", `PcGetPhysicalDeviceObject: the output pointer ${hex(out)} is not writable`, { code: "0x0000001E" });
    const a = adapterOf(ctx, dev, "PcGetPhysicalDeviceObject");
    if (!a) return STATUS.INVALID_PARAMETER;
    putPtr(ctx.mem, out, a.pdo);
    return STATUS.SUCCESS;
  }),
  pc("PcRegisterSubdevice", 3, (ctx) => {
    const [dev, pName, unknown] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    const text = wideText(ctx, pName);
    ctx.describe([hex(dev), text === null ? hex(pName) : `"${text}"`, hex(unknown)]);
    const a = adapterOf(ctx, dev, "PcRegisterSubdevice");
    if (!a) return STATUS.INVALID_PARAMETER;
    if (text === null) return ctx.fault("bugcheck", `PcRegisterSubdevice: Name ${hex(pName)} is not a readable string`, { code: "0x0000001E" });
    const name = text;
    const port = portOf(ctx, unknown);
    if (!port || !port.miniport) {
      ctx.warn(`PcRegisterSubdevice("${name}"): ${hex(unknown)} is not ${port ? "a port bound to a miniport (IPort::Init)" : "a port object PcNewPort made"}: STATUS_UNSUCCESSFUL`);
      return STATUS_UNSUCCESSFUL;
    }
    if (a.subdevices.some((s) => s.name.toLowerCase() === name.toLowerCase())) return STATUS.OBJECT_NAME_COLLISION;
    if (a.subdevices.length >= a.maxObjects) {
      ctx.warn(`PcRegisterSubdevice("${name}"): the adapter already has MaxObjects (${a.maxObjects}) subdevices: STATUS_INSUFFICIENT_RESOURCES`);
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    addRef(ctx, port.addr, "PcRegisterSubdevice");
    a.subdevices.push({ name, port: port.addr });
    return STATUS.SUCCESS;
  }),
  pc("PcRegisterPhysicalConnection", 5, (ctx) => {
    const [dev, from, fromPin, to, toPin] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3), ctx.u32(4)];
    ctx.describe([hex(dev), hex(from), String(fromPin), hex(to), String(toPin)]);
    const a = adapterOf(ctx, dev, "PcRegisterPhysicalConnection");
    if (!a) return STATUS.INVALID_PARAMETER;
    if (!portOf(ctx, from) || !portOf(ctx, to)) {
      ctx.warn(`PcRegisterPhysicalConnection: ${!portOf(ctx, from) ? `FromUnknown ${hex(from)}` : `ToUnknown ${hex(to)}`} is not a port object PcNewPort made: STATUS_INVALID_PARAMETER`);
      return STATUS.INVALID_PARAMETER;
    }
    a.connections.push({ from, fromPin, to, toPin });
    return STATUS.SUCCESS;
  }),
  pc("PcRegisterAdapterPowerManagement", 2, (ctx) => {
    const [unknown, dev] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(unknown), hex(dev)]);
    const a = adapterOf(ctx, dev, "PcRegisterAdapterPowerManagement");
    if (!a) return STATUS.INVALID_PARAMETER;
    const pm = queryInterface(ctx, unknown, GUIDS.IAdapterPowerManagement, "PcRegisterAdapterPowerManagement");
    if (pm === 0n) {
      ctx.warn(`PcRegisterAdapterPowerManagement: ${hex(unknown)} does not answer IAdapterPowerManagement: STATUS_INVALID_PARAMETER`);
      return STATUS.INVALID_PARAMETER;
    }
    if (a.power !== 0n) releaseInterface(ctx, a.power, "PcRegisterAdapterPowerManagement");
    a.power = pm;
    return STATUS.SUCCESS;
  }),
  pc("PcUnregisterAdapterPowerManagement", 1, (ctx) => {
    const dev = ctx.arg(0);
    ctx.describe([hex(dev)]);
    const a = adapterOf(ctx, dev, "PcUnregisterAdapterPowerManagement");
    if (!a) return STATUS.INVALID_PARAMETER;
    if (a.power === 0n) return STATUS_UNSUCCESSFUL;
    releaseInterface(ctx, a.power, "PcUnregisterAdapterPowerManagement");
    a.power = 0n;
    return STATUS.SUCCESS;
  }),
];
