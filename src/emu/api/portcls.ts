/**
 * portcls.sys, the audio port class driver audio adapter drivers link against (portcls.h;
 * Microsoft Learn's portcls.h reference and "Startup Sequence"; library Portcls.lib). Scream's
 * Scream.sys (a virtual sound card, held-out set fresh5, /work/wt/qa-fresh5.md) imports it and
 * failed to load without it. The adapter device, its PnP start and removal, subdevices and
 * physical connections: ./portcls-adapter.ts; resource lists and port objects: ./portcls-objects.ts
 * (COM-style objects: ./portcls-com.ts). No KS filter exists behind a subdevice.
 *
 *   PcInitializeAdapterDriver(DriverObject, RegistryPathName, AddDevice): "binds an adapter driver
 *     to the PortCls system driver": the adapter's AddDevice goes into the driver extension and
 *     PortCls's IRP handler into the driver object for IRP_MJ_CLOSE, CREATE, DEVICE_CONTROL,
 *     FLUSH_BUFFERS, PNP, POWER, QUERY_SECURITY, READ, SET_SECURITY, SYSTEM_CONTROL and WRITE (the
 *     other MajorFunction entries are left alone); DriverUnload becomes PortCls's unload routine
 *     (the WDK's sysvad sample keeps it and calls it from its own unload). STATUS_SUCCESS. The
 *     handler is PcDispatchIrp's (./portcls-adapter.ts). IRQL PASSIVE_LEVEL (another is a warning); a
 *     DriverObject that is not one is a bug check report.
 * The export list is portcls.h's (mingw-w64's header, the same names as Learn's) and the routines
 * Learn's portcls.h reference adds since Windows 8 (PcGetPhysicalDeviceObject: "Available starting
 * in Windows 8"; PcAddStreamResource, PcRemoveStreamResource, PcUnregisterAdapterPowerManagement:
 * Windows 10): the WDK's SimpleAudioSample (held-out set fresh6) imports PcGetPhysicalDeviceObject
 * and failed to load without it. On x86 every routine is NTAPI (stdcall). PcNewInterruptSync and
 * IInterruptSync: ./portcls-intsync.ts.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, moduleRoutine } from "./util.js";
import { adapterApis, dispatchIrp } from "./portcls-adapter.js";
import { objectApis } from "./portcls-objects.js";
import { streamResourceApis } from "./portcls-streamres.js";
import { registryKeyApis } from "./portcls-regkey.js";
import { serviceGroupApis } from "./portcls-service.js";
import { interruptSyncApis } from "./portcls-intsync.js";

export const PORTCLS = "portcls.sys";
const B = (n: number) => BigInt(n);

export const PORTCLS_EXPORTS: readonly string[] = [
  "PcAddAdapterDevice", "PcAddContentHandlers", "PcAddStreamResource", "PcCompleteIrp", "PcCompletePendingPropertyRequest", "PcCreateContentMixed", "PcDestroyContent",
  "PcDispatchIrp", "PcForwardContentToDeviceObject", "PcForwardContentToFileObject", "PcForwardContentToInterface", "PcForwardIrpSynchronous",
  "PcGetContentRights", "PcGetDeviceProperty", "PcGetPhysicalDeviceObject", "PcGetTimeInterval", "PcInitializeAdapterDriver", "PcNewDmaChannel", "PcNewInterruptSync",
  "PcNewMiniport", "PcNewPort", "PcNewRegistryKey", "PcNewResourceList", "PcNewResourceSublist", "PcNewServiceGroup",
  "PcRegisterAdapterPowerManagement", "PcRegisterIoTimeout", "PcRegisterPhysicalConnection", "PcRegisterPhysicalConnectionFromExternal",
  "PcRegisterPhysicalConnectionToExternal", "PcRegisterSubdevice", "PcRemoveStreamResource", "PcRequestNewPowerState", "PcUnregisterAdapterPowerManagement",
  "PcUnregisterIoTimeout",
];

export function portclsModuleExports(): KernelExport[] {
  return PORTCLS_EXPORTS.map((name) => ({ name, type: "code" as const }));
}

/** The IRP_MJ_* codes whose handler PcInitializeAdapterDriver installs (Learn's list; wdm.h values). */
const IRP_MJ = { CREATE: 0x00, CLOSE: 0x02, READ: 0x03, WRITE: 0x04, FLUSH_BUFFERS: 0x09, DEVICE_CONTROL: 0x0e, QUERY_SECURITY: 0x14, SET_SECURITY: 0x15, POWER: 0x16, SYSTEM_CONTROL: 0x17, PNP: 0x1b };

const internal = (kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint => moduleRoutine(kernel, PORTCLS, name, h, argc);

function initializeAdapterDriver(ctx: ApiContext): number {
  const [driver, regPath, addDevice] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(driver), hex(regPath), hex(addDevice)]);
  if (ctx.kernel.irql !== 0) ctx.warn(`PcInitializeAdapterDriver at IRQL ${ctx.kernel.irql} (Learn: PASSIVE_LEVEL)`);
  const m = ctx.mem;
  if (driver === 0n || !m.isMapped(driver, 2) || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4)
    ctx.fault("bugcheck", `PcInitializeAdapterDriver: DriverObject ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const dispatch = internal(ctx.kernel, "PcDispatchIrp", dispatchIrp, 2);
  for (const mj of Object.values(IRP_MJ)) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + mj * ptrSize()), dispatch);
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice);
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), internal(ctx.kernel, "PcUnload", () => undefined, 1));
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [api(PORTCLS, "PcInitializeAdapterDriver", 3, initializeAdapterDriver), ...adapterApis, ...objectApis, ...streamResourceApis, ...registryKeyApis, ...serviceGroupApis, ...interruptSyncApis];
