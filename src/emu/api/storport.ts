/**
 * storport.sys, the storage port driver storage miniport drivers link against (storport.h;
 * Microsoft Learn's storport.h reference; library Storport.lib). VirtIO's viostor.sys and
 * vioscsi.sys and many vendor RAID/NVMe miniports import it. kmdll has no storage adapter: no
 * device reaches storport's AddDevice, so a miniport's HwFindAdapter / HwInitialize never run, but
 * its DriverEntry (StorPortInitialize) and unload do.
 *
 *   StorPortInitialize(Argument1 = DriverObject, Argument2 = RegistryPath, HwInitializationData,
 *     HwContext): Learn's return codes: STATUS_INVALID_PARAMETER when Argument1, Argument2 or
 *     HwInitializationData is NULL; STATUS_REVISION_MISMATCH when the structure's version is not
 *     valid — HwInitializationDataSize below the oldest Storport structure
 *     (HW_INITIALIZATION_DATA_SIZE_WIN7 in storport.h: FIELD_OFFSET(HW_INITIALIZATION_DATA,
 *     HwFreeAdapterResources), 136 bytes on x64, 84 on x86; the Windows Server 2003 structure ends
 *     there too), or one of the routines a miniport must supply (HwInitialize, HwStartIo,
 *     HwFindAdapter, HwResetBus) NULL — ReactOS's storport checks exactly these and returns
 *     STATUS_REVISION_MISMATCH. On success the callbacks are recorded per driver object and
 *     storport owns the driver object: every MajorFunction entry becomes storport's dispatch
 *     routine (RaDriverDispatch; no storport device exists: STATUS_INVALID_DEVICE_REQUEST), DriverExtension->AddDevice
 *     storport's (reported as an emulator gap when called: kmdll does not model storage adapters),
 *     DriverUnload storport's unload routine when the miniport has not set one.
 *   StorPortDebugPrint(DebugPrintLevel, DebugMessage, ...): the kernel printf of DbgPrint, as a
 *     DbgPrint event of that level.
 *   StorPortMoveMemory(WriteBuffer, ReadBuffer, Length): RtlMoveMemory (overlap allowed).
 *   StorPortStallExecution(Delay): KeStallExecutionProcessor (the clock advances Delay µs).
 *   StorPortQuerySystemTime(CurrentTime): KeQuerySystemTime (the emulated clock's system time).
 *   StorPortRead/WritePort{Uchar,Ushort,Ulong}(HwDeviceExtension, Port[, Value]): the machine
 *     model's I/O ports, as HAL's READ/WRITE_PORT_* (hardware trace events).
 *   StorPortRead/WriteRegister{Uchar,Ushort,Ulong}(HwDeviceExtension, Register[, Value]): a
 *     volatile access of the mapped register address (READ/WRITE_REGISTER_*).
 *   StorPortNotification(TraceNotification, NULL, InitTracing | CleanupTracing, Args): the WPP
 *     set-up of storport.h's inline StorInitTracing / StorCleanupTracing; no WPP tracing is
 *     offered, so InitTracing's Result keeps the caller's STATUS_NOT_SUPPORTED. Other
 *     notifications (RequestComplete, NextRequest...) are emulator gaps: no adapter exists.
 *   StorPortExtendedFunction(FunctionCode, HwDeviceExtension, ...): no extended function is
 *     modelled: STOR_STATUS_NOT_IMPLEMENTED (0xC1000002), the status storport.h's own inline
 *     wrappers start from, with a warning naming the function code.
 * The other exports (StorPortGetDeviceBase, StorPortGetUncachedExtension, StorPortGetPhysicalAddress...
 * work on an adapter that never exists here) are emulator gaps, reported when called.
 *
 * Calling convention: storport.h declares its routines STORPORT_API with no calling convention,
 * and the WDK compiles x86 drivers /Gz: stdcall, except the three varargs routines (cdecl).
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, lengthArg, moduleRoutine } from "./util.js";
import { componentState } from "./state.js";
import { clockOf } from "./ke.js";
import { portRead, portWrite } from "./machine.js";
import { IRP_MJ_COUNT } from "../iomgr/constants.js";
import { invalidDeviceRequest } from "../iomgr/driver-object.js";
import { levelDebugPrint } from "./port-print.js";

export const STORPORT = "storport.sys";
const B = (n: number) => BigInt(n);
const sp = (name: string, argc: number, h: ApiDefinition["handler"]) => api(STORPORT, name, argc, h);

/**
 * storport.sys's exports: the routines the WDK's storport.h declares STORPORT_API (Windows 10
 * WDK), with the three older names mingw-w64's ddk/storport.h declares (StorPortGetSrb,
 * StorPortConvertPhysicalAddressToUlong64, StorPortConvertUlong64ToPhysicalAddress). No import
 * library in Debian's mingw-w64 covers storport.sys: scripts/kernel-db.mjs takes this list (per
 * arch, storportModuleExports) into the kernel export database, so `kmdll check` uses it too.
 */
export const STORPORT_EXPORTS: readonly string[] = (
  "AllocateRegistryBuffer Busy CompleteRequest ConvertPhysicalAddressToUlong ConvertPhysicalAddressToUlong64 ConvertUlongToPhysicalAddress " +
  "ConvertUlong64ToPhysicalAddress DebugPrint DeviceBusy DeviceReady ExtendedFunction FreeDeviceBase FreeRegistryBuffer GetBusData GetDeviceBase " +
  "GetLogicalUnit GetPhysicalAddress GetScatterGatherList GetSrb GetUncachedExtension GetVirtualAddress Initialize LogError MoveMemory " +
  "Notification Pause PauseDevice QuerySystemTime ReadPortBufferUchar ReadPortBufferUlong ReadPortBufferUshort ReadPortUchar ReadPortUlong " +
  "ReadPortUshort ReadRegisterBufferUchar ReadRegisterBufferUlong ReadRegisterBufferUshort ReadRegisterUchar ReadRegisterUlong " +
  "ReadRegisterUshort Ready RegistryRead RegistryWrite Resume ResumeDevice SetBusDataByOffset SetDeviceQueueDepth StallExecution SynchronizeAccess " +
  "ValidateRange WritePortBufferUchar WritePortBufferUlong WritePortBufferUshort WritePortUchar WritePortUlong WritePortUshort " +
  "WriteRegisterBufferUchar WriteRegisterBufferUlong WriteRegisterBufferUshort WriteRegisterUchar WriteRegisterUlong WriteRegisterUshort"
)
  .split(" ")
  .map((n) => `StorPort${n}`);

/**
 * The ScsiPort* names storport.sys also exports (the Windows Server 2003 storport.h mapped the
 * miniport's calls onto them): signed miniports of the held-out corpus (issue 12, fresh4) import
 * ScsiPortNotification from storport.sys (39 x64, 43 x86 drivers) and, on x86,
 * ScsiPortMoveMemory (57 drivers). Each is served by its StorPort* routine's handler.
 */
export const STORPORT_SCSI_ALIASES: Readonly<Record<string, string>> = { ScsiPortNotification: "StorPortNotification", ScsiPortMoveMemory: "StorPortMoveMemory" };
const SCSI_ALIASES_X86_ONLY = new Set(["ScsiPortMoveMemory"]);

/** The varargs routines: cdecl on x86 whatever the compiler's default. */
const VARARGS = new Set(["StorPortDebugPrint", "StorPortNotification", "StorPortExtendedFunction", "ScsiPortNotification"]);

/**
 * The export list for the arch. x86: the varargs routines are cdecl (the stub returns without
 * popping); the others take the WDK's x86 default, stdcall (/Gz), popping their handler's
 * arguments.
 */
export function storportModuleExports(arch: string): KernelExport[] {
  const aliases = Object.keys(STORPORT_SCSI_ALIASES).filter((n) => arch === "x86" || !SCSI_ALIASES_X86_ONLY.has(n));
  return [...STORPORT_EXPORTS, ...aliases].map((name) => (arch === "x86" && VARARGS.has(name) ? { name, type: "code" as const, call: "cdecl" as const } : { name, type: "code" as const }));
}

const STATUS_REVISION_MISMATCH = 0xc0000059;
export const STOR_STATUS_NOT_IMPLEMENTED = 0xc1000002;

/**
 * HW_INITIALIZATION_DATA (storport.h) offsets per pointer size: ULONG HwInitializationDataSize;
 * INTERFACE_TYPE AdapterInterfaceType; then the routine pointers HwInitialize, HwStartIo,
 * HwInterrupt, HwFindAdapter, HwResetBus, HwDmaStarted, HwAdapterState from offset 8; ...;
 * HwAdapterControl, HwBuildIo, HwFreeAdapterResources (x64 120/128/136, x86 76/80/84).
 * examples/storport-mini checks these with the compiler's offsetof.
 */
export function initDataLayout() {
  const p = ptrSize();
  return {
    hwInitialize: 8,
    hwStartIo: 8 + p,
    hwInterrupt: 8 + 2 * p,
    hwFindAdapter: 8 + 3 * p,
    hwResetBus: 8 + 4 * p,
    deviceExtensionSize: 8 + 7 * p,
    hwAdapterControl: p === 8 ? 120 : 76,
    hwBuildIo: p === 8 ? 128 : 80,
    /** HW_INITIALIZATION_DATA_SIZE_WIN7: the smallest structure storport accepts. */
    minSize: p === 8 ? 136 : 84,
  };
}

interface Miniport {
  driver: bigint;
  module: string;
  callbacks: Record<string, bigint>;
  deviceExtensionSize: number;
}

const storportState = componentState("storport", () => ({ miniports: [] as Miniport[] }));

/** The miniports StorPortInitialize accepted, for tests and reports. */
export function storportMiniports(kernel: KernelState): readonly Miniport[] {
  return storportState(kernel).miniports;
}

const internal = (kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint => moduleRoutine(kernel, STORPORT, name, h, argc);

function initialize(ctx: ApiContext): number {
  const [driver, regPath, data, hwContext] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(driver), hex(regPath), hex(data), hex(hwContext)]);
  if (driver === 0n || regPath === 0n || data === 0n) return STATUS.INVALID_PARAMETER;
  const m = ctx.mem;
  const L = initDataLayout();
  const size = m.u32(data);
  const bad = (why: string) => {
    ctx.warn(`StorPortInitialize: ${why}`);
    return STATUS_REVISION_MISMATCH;
  };
  if (size < L.minSize) return bad(`HwInitializationDataSize is ${size}, less than the smallest HW_INITIALIZATION_DATA storport accepts (${L.minSize}, HW_INITIALIZATION_DATA_SIZE_WIN7)`);
  const callbacks: Record<string, bigint> = {};
  for (const [name, off] of Object.entries({ HwInitialize: L.hwInitialize, HwStartIo: L.hwStartIo, HwInterrupt: L.hwInterrupt, HwFindAdapter: L.hwFindAdapter, HwResetBus: L.hwResetBus, HwAdapterControl: L.hwAdapterControl, HwBuildIo: L.hwBuildIo }))
    callbacks[name] = getPtr(m, data + B(off));
  const missing = ["HwInitialize", "HwStartIo", "HwFindAdapter", "HwResetBus"].filter((n) => callbacks[n] === 0n);
  if (missing.length) return bad(`the required routine(s) ${missing.join(", ")} are NULL`);
  const st = storportState(ctx.kernel);
  const known = st.miniports.find((x) => x.driver === driver);
  const entry = { driver, module: ctx.caller?.module ?? "?", callbacks, deviceExtensionSize: m.u32(data + B(L.deviceExtensionSize)) };
  // A miniport may call StorPortInitialize once per adapter interface type: the last one's callbacks are kept.
  if (known) Object.assign(known, entry);
  else st.miniports.push(entry);
  const dispatch = storportDispatch(ctx.kernel);
  for (let i = 0; i < IRP_MJ_COUNT; i++) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * ptrSize()), dispatch);
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice(ctx.kernel));
  if (getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload)) === 0n) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), unload(ctx.kernel));
  return STATUS.SUCCESS;
}

/** storport's dispatch routine for every major function: no storport device exists, so any IRP gets IopInvalidDeviceRequest's answer. */
function storportDispatch(kernel: KernelState): bigint {
  return internal(kernel, "RaDriverDispatch", (ctx) => ctx.callGuest(invalidDeviceRequest(ctx.kernel), [ctx.arg(0), ctx.arg(1)]), 2);
}

function addDevice(kernel: KernelState): bigint {
  return internal(kernel, "RaDriverAddDevice", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement storport storage adapters: storport.sys's AddDevice for the miniport driver ${hex(ctx.arg(0))} (its HwFindAdapter and HwInitialize would run at IRP_MN_START_DEVICE)`);
  }, 2);
}

/** storport's DriverUnload: forgets the miniport (no adapter exists to stop). */
function unload(kernel: KernelState): bigint {
  return internal(kernel, "RaDriverUnload", (ctx) => {
    const driver = ctx.arg(0);
    const st = storportState(ctx.kernel);
    st.miniports = st.miniports.filter((x) => x.driver !== driver);
  }, 1);
}

/** SCSI_NOTIFICATION_TYPE (storport.h) by value, for reports. */
const NOTIFICATIONS = ["RequestComplete", "NextRequest", "NextLuRequest", "ResetDetected", "_obsolete1", "_obsolete2", "RequestTimerCall", "BusChangeDetected", "WMIEvent", "WMIReregister", "LinkUp", "LinkDown", "QueryTickCount", "BufferOverrunDetected", "TraceNotification", "GetExtendedFunctionTable"];
const TRACE_NOTIFICATION = 14;
/** STORAGE_TRACE_NOTIFY_TYPE (storport.h): the WPP set-up storport.h's inline StorInitTracing / StorCleanupTracing send. */
const INIT_TRACING = 1000;
const CLEANUP_TRACING = 1001;

/**
 * StorPortNotification(NotificationType, HwDeviceExtension, ...). TraceNotification with
 * InitTracing / CleanupTracing (the WPP template km-StorDefault.tpl's StorInitTracing, called from
 * a miniport's DriverEntry by WPP_INIT_TRACING, and StorCleanupTracing): the emulated storport
 * offers no WPP tracing, so STOR_INIT_TRACING_ARGS.Result keeps the STATUS_NOT_SUPPORTED the
 * caller stored (WPP then skips registering) and cleanup has nothing to do. Every other
 * notification concerns an adapter or request kmdll never creates: an emulator gap.
 */
function notification(ctx: ApiContext): void {
  const [type, ext] = [ctx.u32(0), ctx.arg(1)];
  const name = NOTIFICATIONS[type] ?? String(type);
  if (type === TRACE_NOTIFICATION) {
    const code = ctx.u32(2);
    ctx.describe([name, hex(ext), String(code), hex(ctx.arg(3))]);
    if (code === INIT_TRACING || code === CLEANUP_TRACING) return;
    ctx.fault("unimplemented-api", `kmdll does not implement storport!StorPortNotification(TraceNotification, ${code}): storport's WPP/diagnostic services beyond InitTracing/CleanupTracing`);
  }
  ctx.describe([name, hex(ext)]);
  ctx.fault("unimplemented-api", `kmdll does not implement storport!StorPortNotification(${name}): kmdll models no storage adapter or request`);
}

function registerApis(): ApiDefinition[] {
  const out: ApiDefinition[] = [];
  for (const [suffix, size] of [["Uchar", 1], ["Ushort", 2], ["Ulong", 4]] as const) {
    const read = (ctx: ApiContext, a: bigint) => (size === 1 ? ctx.mem.u8(a) : size === 2 ? ctx.mem.u16(a) : ctx.mem.u32(a));
    const mask = size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    out.push(
      sp(`StorPortReadPort${suffix}`, 2, (ctx) => {
        ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
        return portRead(ctx, Number(ctx.arg(1) & 0xffffn), size);
      }),
      sp(`StorPortWritePort${suffix}`, 3, (ctx) => {
        ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
        portWrite(ctx, Number(ctx.arg(1) & 0xffffn), size, Number(ctx.arg(2) & BigInt(mask)));
      }),
      sp(`StorPortReadRegister${suffix}`, 2, (ctx) => {
        ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
        return read(ctx, ctx.arg(1));
      }),
      sp(`StorPortWriteRegister${suffix}`, 3, (ctx) => {
        const [a, v] = [ctx.arg(1), Number(ctx.arg(2) & BigInt(mask))];
        ctx.describe([hex(ctx.arg(0)), hex(a), hex(v)]);
        if (size === 1) ctx.mem.setU8(a, v);
        else if (size === 2) ctx.mem.setU16(a, v);
        else ctx.mem.setU32(a, v);
      }),
    );
  }
  return out;
}

export const apis: ApiDefinition[] = [
  { ...sp("StorPortInitialize", 4, initialize), notes: "NULL arguments → STATUS_INVALID_PARAMETER; size below HW_INITIALIZATION_DATA_SIZE_WIN7 or a required routine NULL → STATUS_REVISION_MISMATCH; storport takes dispatch, AddDevice (no adapter: a gap when called), DriverUnload if unset" },
  sp("StorPortDebugPrint", 2, (ctx) => void levelDebugPrint(ctx)),
  { ...sp("StorPortNotification", 2, (ctx) => void notification(ctx)), notes: "TraceNotification InitTracing/CleanupTracing only (no WPP tracing: Result left STATUS_NOT_SUPPORTED); adapter notifications are emulator gaps" },
  sp("StorPortMoveMemory", 3, (ctx) => {
    const [dst, src] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(dst), hex(src), String(ctx.u32(2))]);
    // Length is a ULONG; one past mapped memory is the access fault Windows would take.
    const n = lengthArg(ctx, 2, dst, true, 1, 32);
    if (n > 0) ctx.mem.write(dst, ctx.mem.read(src, n));
  }),
  sp("StorPortStallExecution", 1, (ctx) => {
    const us = ctx.u32(0);
    ctx.describe([`${us} us`]);
    clockOf(ctx).advance(BigInt(us) * 10n);
  }),
  sp("StorPortQuerySystemTime", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    ctx.mem.setU64(ctx.arg(0), clockOf(ctx).systemTime());
  }),
  { ...sp("StorPortExtendedFunction", 2, (ctx) => {
    const code = ctx.u32(0);
    ctx.describe([String(code), hex(ctx.arg(1))]);
    ctx.warn(`StorPortExtendedFunction(${code}): kmdll models no Storport extended function: STOR_STATUS_NOT_IMPLEMENTED`);
    return STOR_STATUS_NOT_IMPLEMENTED;
  }), notes: "every function code → STOR_STATUS_NOT_IMPLEMENTED (a warning): no extended function is modelled" },
  ...registerApis(),
];
// The ScsiPort* aliases run their StorPort* routine's handler.
for (const [alias, target] of Object.entries(STORPORT_SCSI_ALIASES)) {
  const t = apis.find((a) => a.name === target);
  if (t) apis.push({ ...t, name: alias, notes: `storport.sys's alias of ${target}` });
}
