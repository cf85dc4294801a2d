/**
 * ks.sys, the kernel streaming library (AVStream; ks.h, Microsoft Learn's ks.h reference). Export
 * names: ks.h's routines that are not inline. The emulated kernel has no KS objects: no device,
 * filter or pin is ever created through ks.sys (KsCreateDevice, KsAddDevice... are emulator gaps,
 * reported when called).
 *
 *   KsInitializeDriver(DriverObject, RegistryPathName, Descriptor OPTIONAL) (Microsoft Learn,
 *     ks.h: "initializes the driver object of an AVStream minidriver"; typically called from
 *     DriverEntry; with a descriptor "AVStream creates a device with the specified
 *     characteristics at AddDevice time", with NULL "a device ... with default characteristics
 *     and no associated filter factories"; IRQL PASSIVE_LEVEL). No device is created here:
 *     STATUS_SUCCESS, the descriptor pointer is kept for AddDevice, and ks owns the driver
 *     object: IRP_MJ_CREATE, CLOSE, DEVICE_CONTROL, PNP, POWER and SYSTEM_CONTROL become ks's
 *     dispatch routine (no KS device exists: an IRP gets IopInvalidDeviceRequest's answer),
 *     AddDevice ks's KsAddDevice (an emulator gap when a `--devices` tree reaches it) and
 *     DriverUnload KsNullDriverUnload ("a default function that drivers can use when they have no
 *     other tasks to perform in their unload function"; a minidriver may set its own afterwards).
 *     KSDEVICE_DESCRIPTOR {Dispatch; ULONG FilterDescriptorsCount; FilterDescriptors; ULONG
 *     Version (KSDEVICE_DESCRIPTOR_VERSION 0x100, _VERSION_2 0x110); ...} is read only at
 *     AddDevice on Windows; kmdll warns at once about a FilterDescriptorsCount with a NULL
 *     FilterDescriptors array (AddDevice would dereference it). A NULL DriverObject, or one that
 *     is not a DRIVER_OBJECT, is a bug check report; above PASSIVE_LEVEL too.
 *
 *   KsGetPinFromIrp(Irp), KsGetFilterFromIrp(Irp): the KS object of the IRP's current stack
 *     location's file object, found through FileObject->FsContext (the KS object header AVStream
 *     puts there). An IRP without a file object, or whose file object has no FsContext, belongs
 *     to no KS object: NULL. A file object with an FsContext belongs to some other driver's
 *     object, which AVStream would misread as a KS object header; kmdll reports that as a gap
 *     (unimplemented-api) instead of guessing what Windows would read.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, moduleRoutine } from "./util.js";
import { componentState } from "./state.js";
import { invalidDeviceRequest } from "../iomgr/driver-object.js";
import { ksResourceApis } from "./ks-resource.js";

export const KS = "ks.sys";
const B = (n: number) => BigInt(n);
const IO_TYPE_IRP = 6;

export const KS_EXPORTS: readonly string[] = (
  "KsAcquireControl KsAcquireDevice KsAddDevice KsAddItemToObjectBag KsAllocateDeviceHeader KsAllocateObjectHeader KsCompletePendingRequest " +
  "KsCreateDevice KsCreateFilterFactory KsDefaultDispatchPnp KsDefaultDispatchPower KsDefaultForwardIrp KsDisableEvent KsDispatchInvalidDeviceRequest " +
  "KsDispatchIrp KsDispatchQuerySecurity KsDispatchSetSecurity KsEnableEvent KsFilterAttemptProcessing KsFreeDeviceHeader KsFreeObjectHeader " +
  "KsGenerateEvent KsGenerateEvents KsGetDevice KsGetFilterFromIrp KsGetObjectFromFileObject KsGetObjectTypeFromFileObject KsGetObjectTypeFromIrp " +
  "KsGetOuterUnknown KsGetParent KsGetPinFromIrp KsInitializeDriver KsLoadResource KsMethodHandler KsNullDriverUnload KsPinAttemptProcessing " +
  "KsPinGetConnectedPinDeviceObject KsPinGetConnectedPinFileObject KsPinGetLeadingEdgeStreamPointer KsProbeStreamIrp KsPropertyHandler " +
  "KsQueueWorkItem KsRegisterWorker KsReleaseControl KsReleaseDevice KsSetMajorFunctionHandler KsStreamPointerAdvance KsStreamPointerDelete " +
  "KsStreamPointerLock KsStreamPointerUnlock KsTerminateDevice KsUnregisterWorker"
).split(" ");

function objectFromIrp(what: "pin" | "filter") {
  const name = what === "pin" ? "KsGetPinFromIrp" : "KsGetFilterFromIrp";
  return api(KS, name, 1, (ctx: ApiContext) => {
    const irp = ctx.arg(0);
    ctx.describe([hex(irp)]);
    const m = ctx.mem;
    if (irp === 0n || m.u16(irp + B(LAYOUT.IRP.Type)) !== IO_TYPE_IRP) ctx.fault("bugcheck", `${name}: ${hex(irp)} is not an IRP`, { code: "0x0000001E" });
    const sp = getPtr(m, irp + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"]));
    const file = getPtr(m, sp + B(LAYOUT.IO_STACK_LOCATION.FileObject));
    if (file === 0n) return 0n;
    const fsContext = getPtr(m, file + B(LAYOUT.FILE_OBJECT.FsContext));
    if (fsContext === 0n) return 0n;
    ctx.fault("unimplemented-api", `kmdll does not implement AVStream objects: ${name}(${hex(irp)}) on the file object ${hex(file)}, whose FsContext ${hex(fsContext)} is not a KS object header ks.sys made`);
  });
}

/** An AVStream minidriver KsInitializeDriver accepted: its driver object and device descriptor. */
export interface KsMinidriver {
  driver: bigint;
  module: string;
  descriptor: bigint;
}
const ksState = componentState("ks", () => ({ minidrivers: [] as KsMinidriver[] }));

/** The minidrivers KsInitializeDriver initialized, for tests and reports. */
export function ksMinidrivers(kernel: KernelState): readonly KsMinidriver[] {
  return ksState(kernel).minidrivers;
}

const internal = (kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint => moduleRoutine(kernel, KS, name, h, argc);

/** IRP_MJ_CREATE, CLOSE, DEVICE_CONTROL, SYSTEM_CONTROL, POWER, PNP. */
const KS_MAJORS = [0x00, 0x02, 0x0e, 0x17, 0x16, 0x1b];

function initializeDriver(ctx: ApiContext): number {
  const [driver, regPath, desc] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(driver), hex(regPath), hex(desc)]);
  if (ctx.kernel.irql > 0) ctx.fault("bugcheck", `KsInitializeDriver at IRQL ${ctx.kernel.irql} (must be PASSIVE_LEVEL)`, { code: "0x0000000A" });
  const m = ctx.mem;
  if (driver === 0n || !m.isMapped(driver, 2) || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4)
    ctx.fault("bugcheck", `KsInitializeDriver: DriverObject ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const p = ptrSize();
  if (desc !== 0n) {
    const count = m.u32(desc + B(p));
    if (count !== 0 && getPtr(m, desc + B(2 * p)) === 0n)
      ctx.warn(`KsInitializeDriver: the KSDEVICE_DESCRIPTOR ${hex(desc)} has FilterDescriptorsCount ${count} and a NULL FilterDescriptors (AVStream's AddDevice would dereference it)`);
  }
  const st = ksState(ctx.kernel);
  const known = st.minidrivers.find((d) => d.driver === driver);
  if (known) known.descriptor = desc;
  else st.minidrivers.push({ driver, module: ctx.caller?.module ?? "?", descriptor: desc });
  const dispatch = internal(ctx.kernel, "KspDispatchIrp", (c) => c.callGuest(invalidDeviceRequest(c.kernel), [c.arg(0), c.arg(1)]), 2);
  for (const i of KS_MAJORS) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * p), dispatch);
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice(ctx.kernel));
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), nullUnload(ctx.kernel));
  return STATUS.SUCCESS;
}

function addDevice(kernel: KernelState): bigint {
  return internal(kernel, "KsAddDevice", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement AVStream devices: ks.sys's KsAddDevice for the minidriver ${hex(ctx.arg(0))} (KsCreateDevice with its KSDEVICE_DESCRIPTOR would run)`);
  }, 2);
}

/** KsNullDriverUnload: nothing to do; the minidriver is forgotten. */
function forget(ctx: ApiContext): void {
  const driver = ctx.arg(0);
  ctx.describe([hex(driver)]);
  const st = ksState(ctx.kernel);
  st.minidrivers = st.minidrivers.filter((x) => x.driver !== driver);
}

function nullUnload(kernel: KernelState): bigint {
  return internal(kernel, "KsNullDriverUnload", forget, 1);
}

export const apis: ApiDefinition[] = [
  objectFromIrp("pin"),
  objectFromIrp("filter"),
  api(KS, "KsInitializeDriver", 3, initializeDriver),
  { ...api(KS, "KsNullDriverUnload", 1, forget), notes: "does nothing (the default unload routine of an AVStream minidriver)" },
  ...ksResourceApis,
];
