/**
 * dxgkrnl.sys, the DirectX graphics kernel subsystem (the WDDM port driver) every booted Windows
 * has loaded. Drivers meet it three ways, each modelled here:
 *
 * - In the loaded-module list (SystemModuleInformation, PsLoadedModuleList) as
 *   `\SystemRoot\System32\drivers\dxgkrnl.sys` (nt/system-modules.ts builtinModulePath), and its
 *   export directory by name: public driver code finds it there and resolves a system service it
 *   implements with RtlFindExportedRoutineByName (shaygitub/windows-rootkit's KMDFdriver hooks
 *   NtQueryCompositionSurfaceStatistics; the "nullhook" family NtDxgkGetTrackedWorkloadStatistics).
 *   Microsoft documents no export of dxgkrnl.sys; kmdll's list holds the composition-surface and
 *   workload services public code names as dxgkrnl.sys's (DXGKRNL_EXPORTS). Calling one is an
 *   emulator gap ("kmdll does not implement dxgkrnl.sys!X"): they are system services of
 *   win32k's table, reached from user mode.
 * - Its service key, CurrentControlSet\Services\DXGKrnl (nt/default-hive.ts): a display miniport's
 *   DxgkInitialize (the WDK's static library displib.lib, Learn "DxgkInitialize function
 *   (dispmprt.h)") starts with ZwLoadDriver on it, and Windows answers
 *   STATUS_IMAGE_ALREADY_LOADED (the port driver was loaded at boot; api/drvload.ts).
 * - Its device \Device\DxgKrnl (FILE_DEVICE_VIDEO; api/objdir.ts makes it on first lookup): displib
 *   then opens it (IoGetDeviceObjectPointer) and sends the internal IOCTL
 *   IOCTL_VIDEO_DDI_FUNC_REGISTER (ntddvdeo.h: CTL_CODE(FILE_DEVICE_VIDEO, 0xF, METHOD_NEITHER,
 *   FILE_ANY_ACCESS) = 0x23003F) whose METHOD_NEITHER output buffer receives the address of
 *   dxgkrnl's own DxgkInitialize, which displib calls with the miniport's DriverObject,
 *   RegistryPath and DRIVER_INITIALIZATION_DATA. Any other request is STATUS_INVALID_DEVICE_REQUEST.
 *
 * dxgkrnl's DxgkInitialize here RECORDS the DRIVER_INITIALIZATION_DATA (its Version and which
 * DxgkDdi* callbacks of dispmprt.h's first block are set: the `api` event's description, and
 * `displayMiniports` for tests) and installs the port driver's DriverUnload, which calls the
 * miniport's DxgkDdiUnload as Windows' does (Learn "DXGKDDI_UNLOAD"); it models no adapter:
 * AddDevice stays unset and no other DxgkDdi* callback is ever called (a warning says so).
 * NULL arguments are STATUS_INVALID_PARAMETER (kmdll's choice: Learn gives no status).
 */
import type { ApiContext, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { componentState } from "./state.js";
import { hex, moduleRoutine, unicodeText } from "./util.js";
import { completeRequest, envOf } from "../iomgr/index.js";
import { holds, objectManager, takeOver } from "../obmgr/index.js";

export const DXGKRNL = "dxgkrnl.sys";
export const DXGKRNL_EXPORTS: readonly string[] = [
  "NtDxgkGetTrackedWorkloadStatistics", "NtOpenCompositionSurfaceSectionInfo", "NtQueryCompositionSurfaceFrameRate",
  "NtQueryCompositionSurfaceHDRMetaData", "NtQueryCompositionSurfaceStatistics",
];

/** ntddvdeo.h: CTL_CODE(FILE_DEVICE_VIDEO 0x23, 0xF, METHOD_NEITHER, FILE_ANY_ACCESS). */
export const IOCTL_VIDEO_DDI_FUNC_REGISTER = 0x23003f;
/** dispmprt.h DXGKDDI_INTERFACE_VERSION_VISTA, the first WDDM interface version. */
const DXGKDDI_INTERFACE_VERSION_VISTA = 0x1052;
const STATUS_INVALID_DEVICE_REQUEST = 0xc0000010;
const B = (n: number) => BigInt(n);

/**
 * DRIVER_INITIALIZATION_DATA (dispmprt.h): ULONG Version, then one pointer per callback in this
 * order (the members every WDDM version has; later ones follow and are not read).
 */
const DDI_FIELDS = [
  "AddDevice", "StartDevice", "StopDevice", "RemoveDevice", "DispatchIoRequest", "InterruptRoutine", "DpcRoutine", "QueryChildRelations",
  "QueryChildStatus", "QueryDeviceDescriptor", "SetPowerState", "NotifyAcpiEvent", "ResetDevice", "Unload", "QueryInterface", "ControlEtwLogging",
] as const;

export interface DisplayMiniport {
  driver: bigint;
  registryPath: string | null;
  version: number;
  /** The DxgkDdi* callbacks of DDI_FIELDS the miniport set (without the prefix). */
  callbacks: string[];
  unload: bigint;
}

/** The miniports DxgkInitialize recorded, in call order. */
export const displayMiniports = componentState("dxgkrnl", () => ({ miniports: [] as DisplayMiniport[] }));

function ddiOffset(i: number): bigint {
  // Version (ULONG) is padded to pointer alignment before the first callback.
  return B(ptrSize() + i * ptrSize());
}

/** dxgkrnl's DxgkInitialize, the routine IOCTL_VIDEO_DDI_FUNC_REGISTER hands out. */
function dxgkInitialize(kernel: KernelState): bigint {
  return moduleRoutine(kernel, DXGKRNL, "DxgkInitialize", (ctx) => {
    const [driver, regPath, data] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    if (driver === 0n || regPath === 0n || data === 0n) {
      ctx.describe([hex(driver), hex(regPath), hex(data)]);
      return STATUS.INVALID_PARAMETER;
    }
    const version = ctx.mem.u32(data);
    const callbacks = DDI_FIELDS.filter((_, i) => getPtr(ctx.mem, data + ddiOffset(i)) !== 0n);
    const unload = getPtr(ctx.mem, data + ddiOffset(DDI_FIELDS.indexOf("Unload")));
    const registryPath = unicodeText(ctx.mem, regPath);
    ctx.describe([hex(driver), JSON.stringify(registryPath), `Version ${hex(version)}`, `DxgkDdi: ${callbacks.join(", ") || "none"}`]);
    if (version < DXGKDDI_INTERFACE_VERSION_VISTA) ctx.warn(`DxgkInitialize: DRIVER_INITIALIZATION_DATA.Version ${hex(version)} is below DXGKDDI_INTERFACE_VERSION_VISTA (0x1052), the first WDDM interface`);
    displayMiniports(ctx.kernel).miniports.push({ driver, registryPath, version, callbacks, unload });
    putPtr(ctx.mem, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), portUnload(ctx.kernel));
    keepDisplibReference(ctx);
    ctx.warn(`DxgkInitialize: recorded the display miniport (Version ${hex(version)}, ${callbacks.length} DxgkDdi* callbacks); kmdll does not model the WDDM port driver: no adapter is added and no DxgkDdi* callback but DxgkDdiUnload is ever called`, { limit: "dxgkrnl" });
    return STATUS.SUCCESS;
  }, 3);
}

/**
 * displib keeps the \Device\DxgKrnl file object it opened for the miniport's whole life: the
 * WDK's displib linked into qcdxkm* never dereferences it after this call, nor does ReactOS's
 * reimplementation (sdk/lib/drivers/displib). The reference pins a port driver Windows never
 * unloads, so it is no leak of the miniport: the port driver takes it over (the object stays
 * referenced) instead of kmdll reporting it at the miniport's unload.
 */
function keepDisplibReference(ctx: ApiContext): void {
  const caller = ctx.caller?.module;
  if (!caller) return;
  for (const [obj, o] of objectManager(ctx.kernel).objects)
    if (o.type === "File" && o.name?.toLowerCase() === "\\device\\dxgkrnl" && holds(ctx.kernel, obj, caller)) takeOver(ctx.kernel, obj);
}

/** The DriverUnload dxgkrnl installs: the miniport's DxgkDdiUnload (VOID, no arguments), if it set one. */
function portUnload(kernel: KernelState): bigint {
  return moduleRoutine(kernel, DXGKRNL, "DpiDriverUnload", (ctx) => {
    const driver = ctx.arg(0);
    const m = [...displayMiniports(ctx.kernel).miniports].reverse().find((x) => x.driver === driver);
    ctx.describe([hex(driver)]);
    if (m && m.unload !== 0n) ctx.callGuest(m.unload, []);
  }, 1);
}

function finish(ctx: ApiContext, irp: bigint, status: number, information: bigint): number {
  const IRP = LAYOUT.IRP;
  ctx.mem.setU32(irp + B(IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Status), status);
  putPtr(ctx.mem, irp + B(IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Information), information);
  completeRequest(envOf(ctx), irp);
  return status;
}

/** \Driver\DxgKrnl's IRP_MJ_INTERNAL_DEVICE_CONTROL handler (the other majors are the I/O manager's defaults). */
export function dxgkrnlInternalControl(kernel: KernelState): bigint {
  return moduleRoutine(kernel, DXGKRNL, "DxgkInternalDeviceControl", (ctx) => {
    const irp = ctx.arg(1);
    if (irp === 0n) return STATUS_INVALID_DEVICE_REQUEST;
    const IRP = LAYOUT.IRP;
    const SL = LAYOUT.IO_STACK_LOCATION;
    const sl = getPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
    const code = ctx.mem.u32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"]));
    const outLen = ctx.mem.u32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"]));
    const out = getPtr(ctx.mem, irp + B(IRP.UserBuffer));
    ctx.describe([hex(ctx.arg(0)), hex(irp), hex(code)]);
    if (code !== IOCTL_VIDEO_DDI_FUNC_REGISTER) return finish(ctx, irp, STATUS_INVALID_DEVICE_REQUEST, 0n);
    if (out === 0n || outLen < ptrSize()) return finish(ctx, irp, STATUS.BUFFER_TOO_SMALL, 0n);
    putPtr(ctx.mem, out, dxgkInitialize(ctx.kernel));
    return finish(ctx, irp, STATUS.SUCCESS, B(ptrSize()));
  }, 2);
}
