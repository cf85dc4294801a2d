/**
 * ZwLoadDriver / ZwUnloadDriver: a driver loads or unloads another driver by its service key
 * (wdm.h; Microsoft Learn, ZwLoadDriver and ZwUnloadDriver; the behaviour of NtLoadDriver /
 * NtUnloadDriver in kernel mode as ReactOS ntoskrnl/io/iomgr/driver.c reproduces it — facts only):
 *
 *   NTSTATUS ZwLoadDriver(PUNICODE_STRING DriverServiceName)
 *     DriverServiceName: "\Registry\Machine\System\CurrentControlSet\Services\NAME". From kernel
 *     mode there is no privilege check (SeLoadDriverPrivilege is checked against the previous mode)
 *     and the string is not probed: a wild pointer crashes the kernel (here: a fault report). An
 *     empty name is STATUS_INVALID_PARAMETER; a relative one STATUS_OBJECT_PATH_SYNTAX_BAD; a key
 *     that does not exist STATUS_OBJECT_NAME_NOT_FOUND; an ImagePath that is not a string, or
 *     empty, STATUS_ILL_FORMED_SERVICE_ENTRY. Then the kernel model's one loader starts the service
 *     as a `start:` step does (ImagePath, or \SystemRoot\System32\drivers\NAME.sys, resolved inside
 *     --root only; imports, DriverEntry with the driver object and the registry path); an image
 *     already loaded is STATUS_IMAGE_ALREADY_LOADED; DriverEntry's failure status is returned.
 *   NTSTATUS ZwUnloadDriver(PUNICODE_STRING DriverServiceName)
 *     The service is the last component of the name; its driver object \Driver\NAME must exist
 *     (else STATUS_OBJECT_NAME_NOT_FOUND) and so must the key. A driver without DriverUnload, or a
 *     PnP driver (one that set AddDevice: "NtUnloadDriver ... only unloads legacy drivers", ReactOS
 *     IopUnloadDriver(…, FALSE)), is STATUS_INVALID_DEVICE_REQUEST. A device object of the driver
 *     that another device is attached to, or that is referenced (open files), makes the unload wait
 *     for them: STATUS_SUCCESS, the driver stays (kmdll does not unload it later; a warning says so).
 *     Otherwise DriverUnload runs and the image goes, as for a `stop:` step. A driver that unloads
 *     itself would return into its unmapped image: bug check 0xCE
 *     (DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS).
 *
 * The Type value is not consulted: kmdll names every driver object \Driver\NAME (a file system's
 * \FileSystem\NAME is not modelled). The kernel model (src/kernel/guest-control.ts) provides the
 * service control through `driverControl` (wired by src/sim/emulator.ts); without it (kmdll call)
 * the routines are an `unimplemented-api` fault.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr } from "../../nt/arch-layout.js";
import { REG_EXPAND_SZ, REG_SZ } from "../../formats/reg/parse.js";
import { describeUnicode, nt, unicodeTextDeref } from "./util.js";
import { componentState } from "./state.js";
import { registryOf } from "./zw.js";
import { objectManager } from "../obmgr/index.js";
import { devicesOf } from "../iomgr/index.js";
import { EmuStop, type FaultReport } from "../faults.js";
import { missingSystemModuleNote } from "../../nt/system-modules.js";

const B = (n: number) => BigInt(n);
const STATUS_ILL_FORMED_SERVICE_ENTRY = 0xc0000160; // ntstatus.h
const SERVICES = "\\registry\\machine\\system\\controlset001\\services";

/** Outcome of a service start/stop the kernel model made for a driver. */
export interface DriverControlResult {
  status: number;
  /** The machine crashed in the loaded driver (its fault report, already emitted, when known). */
  crashed?: boolean;
  fault?: FaultReport | null;
  message?: string;
}

/** The kernel model's service control, as the I/O manager's NtLoadDriver / NtUnloadDriver use it. */
export interface DriverControl {
  load(service: string, caller: string | null): DriverControlResult;
  unload(service: string, caller: string | null): DriverControlResult;
}

export const driverControl = componentState("driver-control", () => ({ control: null as DriverControl | null }));

/** The service key named by the routine's argument, or the status to return. */
function serviceKey(ctx: ApiContext): { key: import("../../nt/registry.js").RegistryKey | null; name: string; text: string } | number {
  const p = ctx.arg(0);
  ctx.describe([describeUnicode(ctx, p)]);
  // Kernel mode: the string is used as it is (no probe); a bad pointer faults here.
  const text = unicodeTextDeref(ctx.mem, p);
  if (text === null || text === "") return STATUS.INVALID_PARAMETER;
  const name = text.slice(text.lastIndexOf("\\") + 1);
  if (!text.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
  return { key: registryOf(ctx.kernel).openKey(text), name, text };
}

function control(ctx: ApiContext): DriverControl {
  const c = driverControl(ctx.kernel).control;
  if (!c) ctx.fault("unimplemented-api", `${ctx.api}: loading and unloading drivers needs the kernel model of kmdll sim (service keys, the module table); kmdll call has none`);
  return c;
}

function finish(ctx: ApiContext, r: DriverControlResult): number {
  // The driver that was loaded or unloaded crashed the machine: the caller's emulation stops with it.
  if (r.crashed) {
    if (r.fault) throw new EmuStop(r.fault);
    ctx.fault("bugcheck", `${ctx.api}: ${r.message ?? "the driver crashed"}`);
  }
  return r.status;
}

function loadDriver(ctx: ApiContext): number {
  const s = serviceKey(ctx);
  if (typeof s === "number") return s;
  if (!s.key) {
    // A system driver's service (DXGKrnl: dxgkrnl.sys) exists on every Windows: its absence is the emulator's.
    const note = missingSystemModuleNote(`${s.name}.sys`);
    if (note) ctx.warn(`ZwLoadDriver(${s.text}): no such service key in kmdll's registry; ${note}`);
    return STATUS.OBJECT_NAME_NOT_FOUND;
  }
  if (s.key.parent?.path.toLowerCase() !== SERVICES) {
    ctx.warn(`ZwLoadDriver(${s.text}): kmdll starts services from CurrentControlSet\\Services keys only; the key ${s.key.path} is not one`);
    return STATUS.OBJECT_NAME_NOT_FOUND;
  }
  const image = s.key.value("ImagePath");
  if (image && ((image.type !== REG_SZ && image.type !== REG_EXPAND_SZ) || image.data.length < 4 || (image.data[0] === 0 && image.data[1] === 0))) {
    ctx.warn(`ZwLoadDriver(${s.text}): ImagePath is not a non-empty string (type ${image.type}): STATUS_ILL_FORMED_SERVICE_ENTRY`);
    return STATUS_ILL_FORMED_SERVICE_ENTRY;
  }
  // A system driver built into kmdll (dxgkrnl.sys: Services\DXGKrnl) was loaded at boot, as on Windows.
  const file = image ? new TextDecoder("utf-16le").decode(image.data).replace(/\0[^]*$/, "") : "";
  const base = file.slice(file.lastIndexOf("\\") + 1).toLowerCase();
  if (base && (ctx.kernel.loadedModules?.() ?? []).some((m) => m.builtin && m.name.toLowerCase() === base)) return STATUS.IMAGE_ALREADY_LOADED;
  return finish(ctx, control(ctx).load(s.key.name, ctx.caller?.module ?? null));
}

function unloadDriver(ctx: ApiContext): number {
  const s = serviceKey(ctx);
  if (typeof s === "number") return s;
  const D = LAYOUT.DRIVER_OBJECT;
  const want = `\\driver\\${s.name.toLowerCase()}`;
  let drv: bigint | null = null;
  // The newest such object whose image is mapped (kmdll keeps the objects of unloaded drivers for its reports).
  for (const [a, o] of objectManager(ctx.kernel).objects)
    if (o.type === "Driver" && o.name?.toLowerCase() === want && ctx.kernel.moduleAt?.(getPtr(ctx.mem, a + B(D.DriverStart)))) drv = a;
  if (drv === null || !s.key) return STATUS.OBJECT_NAME_NOT_FOUND;
  const ext = getPtr(ctx.mem, drv + B(D.DriverExtension));
  const pnp = ext !== 0n && getPtr(ctx.mem, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice)) !== 0n;
  if (getPtr(ctx.mem, drv + B(D.DriverUnload)) === 0n || pnp) {
    ctx.warn(`ZwUnloadDriver(${s.text}): ${pnp ? "a PnP driver (it set AddDevice) is unloaded by the PnP manager once its devices are removed, not by NtUnloadDriver" : "the driver set no DriverUnload routine"}: STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  const DEV = LAYOUT.DEVICE_OBJECT;
  const busy = devicesOf(ctx.mem, drv).filter((d) => getPtr(ctx.mem, d + B(DEV.AttachedDevice)) !== 0n || ctx.mem.u32(d + B(DEV.ReferenceCount)) !== 0);
  if (busy.length) {
    ctx.warn(`ZwUnloadDriver(${s.text}): ${busy.length} device object(s) of the driver are referenced or have devices attached; Windows unloads the driver once they are released (returning STATUS_SUCCESS now) — kmdll leaves it loaded`);
    return STATUS.SUCCESS;
  }
  const caller = ctx.caller?.module ?? null;
  const target = ctx.kernel.moduleAt?.(getPtr(ctx.mem, drv + B(D.DriverStart)));
  if (caller && target && caller.toLowerCase() === target.toLowerCase())
    ctx.fault("bugcheck", `ZwUnloadDriver(${s.text}) called by ${caller} itself: DriverUnload would run and the image be unmapped before the call returns into it (DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS)`, { code: "0x000000CE" });
  return finish(ctx, control(ctx).unload(s.key.name, caller));
}

export const driverLoadApis: ApiDefinition[] = [nt("ZwLoadDriver", 1, loadDriver), nt("ZwUnloadDriver", 1, unloadDriver)];
