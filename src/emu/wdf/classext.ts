/**
 * KMDF class extensions (GpioClx, SpbCx...): WdfVersionBindClass / WdfVersionUnbindClass of
 * WDFLDR.SYS and the class extensions' DDIs.
 *
 * How a client binds (fxldr.h of microsoft/Windows-Driver-Frameworks, FxGetNextClassBindInfo and
 * the WdfCensusEvtLinkClientToCx note; the WDF_CLASS_BIND_INFO layout of the WDK's wdfldr.h): the
 * client image carries one WDF_CLASS_BIND_INFO per class between __KMDF_CLASS_BIND_START and
 * __KMDF_CLASS_BIND_END; its WdfDriverEntry stub, after WdfVersionBind, calls for each
 * ClientBindClass(WdfVersionBindClass, BindInfo, Globals, Info) when set, else
 * WdfVersionBindClass(BindInfo, Globals, Info) directly (seen in the ARM64 WOA-Drivers' stubs,
 * docs/qa.md). The loader finds the class library by ClassName (a service name, so matched without
 * case), and the class library fills the client's FunctionTable (FunctionTableCount slots, one per
 * DDI index of the class's function enumeration) and, where the client gives one, the globals
 * pointer at ClassBindInfo that the class's inline wrappers pass as their first argument (SpbCx:
 * SpbDriverGlobals; GpioClx's wrappers take none and its clients give none).
 *
 * kmdll models a class as a synthetic module (its real image name) whose exports are the DDIs in
 * table order: an implemented DDI runs its handler, any other one is an `unimplemented-api` report
 * naming module and DDI. A class kmdll does not know is the loader's failure to find its service:
 * STATUS_OBJECT_NAME_NOT_FOUND, with a warning naming the class. A client asking for more DDIs
 * than the class version has is refused with STATUS_INVALID_PARAMETER (the table could not be
 * filled).
 *
 * GpioClx's DDIs: gpioclx.h (GPIO_CLX_EXPORT_INDEX, GPIO_CLIENT_REGISTRATION_PACKET,
 * GPIO_CLIENT_VERSION 3) and Learn's GPIO_CLX_RegisterClient / GPIO_CLX_UnregisterClient pages.
 * SpbCx's order: SPBFUNCENUM of spbcx.h (13 DDIs in version 1). The USB Type-C connector manager
 * class extensions: UcmCx's order is UCMFUNCENUM of the WDK's ucmfuncenum.h (11 DDIs, version 1.0;
 * Learn's ucmmanager.h pages), UcmTcpciCx's UCMTCPCIFUNCENUM of ucmtcpcifuncenum.h (7 DDIs; Learn's
 * ucmtcpci*.h pages). Their clients (ANX, Qualcomm USB-C drivers of WOA-Drivers) bind in
 * DriverEntry and call the DDIs from AddDevice on.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { STATUS } from "../../nt/status.js";
import { getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { api, describeUnicode, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { wdf } from "./layouts.js";
import { WDFLDR, wdfLdrState } from "./ldr.js";

interface ClassExtension {
  /** The class name clients bind (compared without case). */
  readonly name: string;
  /** The synthetic module standing for the class extension's image. */
  readonly module: string;
  /** The DDIs in function-table order (index = position). */
  readonly ddis: readonly string[];
}

export const CLASS_EXTENSIONS: readonly ClassExtension[] = [
  { name: "GpioClx", module: "msgpioclx.sys", ddis: ["GPIO_CLX_RegisterClient", "GPIO_CLX_UnregisterClient", "GPIO_CLX_ProcessAddDevicePreDeviceCreate", "GPIO_CLX_ProcessAddDevicePostDeviceCreate", "GPIO_CLX_AcquireInterruptLock", "GPIO_CLX_ReleaseInterruptLock"] },
  { name: "SpbCx", module: "spbcx.sys", ddis: ["SpbDeviceInitConfig", "SpbDeviceInitialize", "SpbControllerSetIoOtherCallback", "SpbControllerSetRequestAttributes", "SpbControllerSetTargetAttributes", "SpbTargetGetConnectionParameters", "SpbTargetGetFileObject",
    "SpbRequestGetTarget", "SpbRequestGetController", "SpbRequestGetParameters", "SpbRequestGetTransferParameters", "SpbRequestComplete", "SpbRequestCaptureIoOtherTransferList"] },
  { name: "UcmCx", module: "ucmcx.sys", ddis: ["UcmInitializeDevice", "UcmConnectorCreate", "UcmConnectorTypeCAttach", "UcmConnectorTypeCDetach", "UcmConnectorTypeCCurrentAdChanged", "UcmConnectorPdSourceCaps",
    "UcmConnectorPdPartnerSourceCaps", "UcmConnectorPdConnectionStateChanged", "UcmConnectorChargingStateChanged", "UcmConnectorDataDirectionChanged", "UcmConnectorPowerDirectionChanged"] },
  { name: "UcmTcpciCx", module: "ucmtcpcicx.sys", ddis: ["UcmTcpciDeviceInitInitialize", "UcmTcpciDeviceInitialize", "UcmTcpciPortControllerCreate", "UcmTcpciPortControllerSetHardwareRequestQueue",
    "UcmTcpciPortControllerStart", "UcmTcpciPortControllerStop", "UcmTcpciPortControllerAlert"] },
];

const TAG_CLX = 0x78436457; // 'WdCx'
/** STATUS_GPIO_INVALID_REGISTRATION_PACKET (ntstatus.h of the Windows SDK; not in mingw-w64's). */
export const STATUS_GPIO_INVALID_REGISTRATION_PACKET = 0xc000a124;
/** STATUS_GPIO_VERSION_NOT_SUPPORTED (ntstatus.h of the Windows SDK). */
export const STATUS_GPIO_VERSION_NOT_SUPPORTED = 0xc000a123;

/**
 * The newest registration packet version GpioClx accepts. The public gpioclx.h defines
 * GPIO_CLIENT_VERSION 3 (fields up to CLIENT_DisconnectFunctionConfigPins); shipping ARM64
 * controller drivers (Qualcomm qcgpio / qcpmicgpio, WOA-Drivers) register version 4 packets that
 * Windows' GpioClx takes, so 4 is accepted too, with at least a version 3 packet's fields.
 */
const GPIO_MAX_CLIENT_VERSION = 4;

interface ClassBinding { cls: ClassExtension; globals: bigint; classGlobals: bigint; count: number }
interface GpioClient { packet: Uint8Array; version: number; contextSize: number }

/** refused: WDF_CLASS_BIND_INFOs whose bind failed (the stub's cleanup unbinds them; that is no error). */
export const classState = componentState("wdf-classext", () => ({ bindings: new Map<bigint, ClassBinding>(), gpioClients: new Map<bigint, GpioClient>(), refused: new Set<bigint>() }));

/** Exports of the class extensions' synthetic modules. */
export function classModuleExports(): Record<string, KernelExport[]> {
  return Object.fromEntries(CLASS_EXTENSIONS.map((c) => [c.module, c.ddis.map((name) => ({ name, type: "code" as const }))]));
}

function readClassName(ctx: ApiContext, info: bigint): { name: string; version: string } | null {
  const B = wdf("WDF_CLASS_BIND_INFO");
  try {
    const namePtr = getPtr(ctx.mem, info + BigInt(B.ClassName));
    const name = namePtr === 0n ? "(no name)" : ctx.mem.wstring(namePtr, 64);
    const version = (["Major", "Minor", "Build"] as const).map((f) => ctx.mem.u32(info + BigInt(B[f]))).join(".");
    return { name, version };
  } catch {
    return null;
  }
}

/** WdfVersionBindClass(BindInfo, Globals, ClassBindInfo); a refused ClassBindInfo is remembered for the unbind that follows. */
function bindClass(ctx: ApiContext): number {
  const status = tryBindClass(ctx);
  const refused = classState(ctx.kernel).refused;
  if (status === STATUS.SUCCESS) refused.delete(ctx.arg(2));
  else refused.add(ctx.arg(2));
  return status;
}

function tryBindClass(ctx: ApiContext): number {
  const [info, globals, classInfo] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(info), hex(globals), hex(classInfo)]);
  if (info === 0n || globals === 0n || classInfo === 0n) return STATUS.INVALID_PARAMETER;
  const B = wdf("WDF_CLASS_BIND_INFO");
  const id = readClassName(ctx, classInfo);
  if (id === null) return ctx.fault("invalid-read", `WdfVersionBindClass: WDF_CLASS_BIND_INFO ${hex(classInfo)} is not readable`);
  const m = ctx.mem;
  const size = m.u32(classInfo);
  if (size !== B.$size) {
    ctx.warn(`WdfVersionBindClass: WDF_CLASS_BIND_INFO of class ${id.name} has Size ${size}, expected ${B.$size}: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  if (!wdfLdrState(ctx.kernel).bindings.has(globals)) {
    ctx.warn(`WdfVersionBindClass: ${hex(globals)} is not a bound KMDF client's WDF_DRIVER_GLOBALS: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const cls = CLASS_EXTENSIONS.find((c) => c.name.toLowerCase() === id.name.toLowerCase());
  if (!cls) {
    ctx.warn(`WdfVersionBindClass: kmdll does not model the KMDF class extension ${id.name} (version ${id.version}; known: ${CLASS_EXTENSIONS.map((c) => c.name).join(", ")}): STATUS_OBJECT_NAME_NOT_FOUND, as the loader answers a class whose service it cannot find`, { limit: "kmdf-class-extension" });
    return STATUS.OBJECT_NAME_NOT_FOUND;
  }
  const table = getPtr(m, classInfo + BigInt(B.FunctionTable));
  const count = m.u32(classInfo + BigInt(B.FunctionTableCount));
  if (table === 0n || count === 0) {
    ctx.warn(`WdfVersionBindClass: class ${id.name} bind info has no function table (FunctionTable ${hex(table)}, FunctionTableCount ${count}): STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  if (count > cls.ddis.length) {
    ctx.warn(`WdfVersionBindClass: the driver asks ${count} functions of ${cls.name} version ${id.version}; the emulated ${cls.name} has ${cls.ddis.length}: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const p = ptrSize();
  for (let i = 0; i < count; i++) {
    const a = ctx.kernel.moduleExport?.(cls.module, cls.ddis[i]!) ?? null;
    if (a === null) return ctx.fault("internal", `WdfVersionBindClass: ${cls.module} has no thunk for ${cls.ddis[i]}`);
    putPtr(m, table + BigInt(i * p), a);
  }
  // The class's per-client globals, handed back where the client asks for them.
  const classGlobals = ctx.kernel.kernelPool?.allocate(wdf("WDF_DRIVER_GLOBALS").$size, TAG_CLX) ?? 0n;
  if (classGlobals === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  m.write(classGlobals, m.read(globals, wdf("WDF_DRIVER_GLOBALS").$size));
  const globalsOut = getPtr(m, classInfo + BigInt(B.ClassBindInfo));
  if (globalsOut !== 0n) putPtr(m, globalsOut, classGlobals);
  putPtr(m, classInfo + BigInt(B.ClassModule), classGlobals);
  classState(ctx.kernel).bindings.set(classInfo, { cls, globals, classGlobals, count });
  return STATUS.SUCCESS;
}

/** WdfVersionUnbindClass(BindInfo, Globals, ClassBindInfo): VOID. */
function unbindClass(ctx: ApiContext): void {
  const [info, globals, classInfo] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(info), hex(globals), hex(classInfo)]);
  const st = classState(ctx.kernel);
  const b = st.bindings.get(classInfo);
  if (!b) {
    // The client stub unbinds every class record when DriverEntry fails, the refused one too.
    if (st.refused.delete(classInfo)) return;
    ctx.warn(`WdfVersionUnbindClass: ${hex(classInfo)} is not a bound class's WDF_CLASS_BIND_INFO`);
    return;
  }
  st.bindings.delete(classInfo);
  const B = wdf("WDF_CLASS_BIND_INFO");
  const globalsOut = getPtr(ctx.mem, classInfo + BigInt(B.ClassBindInfo));
  if (globalsOut !== 0n) putPtr(ctx.mem, globalsOut, 0n);
  putPtr(ctx.mem, classInfo + BigInt(B.ClassModule), 0n);
  ctx.kernel.kernelPool?.free(b.classGlobals);
}

/** The bytes of a GPIO_CLIENT_REGISTRATION_PACKET's fields up to the last one of a client version: 24 header bytes, then 21 / 22 / 24 callback pointers (gpioclx.h). */
export function gpioPacketSize(version: number, p: number): number {
  const ptrs = version === 1 ? 21 : version === 2 ? 22 : 24; // version 4: its added fields are not public

  return 24 + ptrs * p;
}

/** GPIO_CLX_RegisterClient(Driver, RegistrationPacket, RegistryPath). */
function gpioRegister(ctx: ApiContext): number {
  const [driver, packet, regPath] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(driver), hex(packet), describeUnicode(ctx, regPath)]);
  if (driver === 0n || packet === 0n || regPath === 0n) return STATUS.INVALID_PARAMETER;
  const m = ctx.mem;
  let version: number;
  let size: number;
  try {
    version = m.u16(packet);
    size = m.u16(packet + 2n);
  } catch {
    return ctx.fault("invalid-read", `GPIO_CLX_RegisterClient: RegistrationPacket ${hex(packet)} is not readable`);
  }
  if (version === 0 || version > GPIO_MAX_CLIENT_VERSION) {
    ctx.warn(`GPIO_CLX_RegisterClient: registration packet version ${version} (Size ${size}; the emulated GpioClx supports 1..${GPIO_MAX_CLIENT_VERSION}): STATUS_GPIO_VERSION_NOT_SUPPORTED`);
    return STATUS_GPIO_VERSION_NOT_SUPPORTED;
  }
  const need = gpioPacketSize(version, ptrSize());
  if (size < need) {
    ctx.warn(`GPIO_CLX_RegisterClient: registration packet Size ${size} is smaller than a version ${version} packet (${need} bytes): STATUS_GPIO_INVALID_REGISTRATION_PACKET`);
    return STATUS_GPIO_INVALID_REGISTRATION_PACKET;
  }
  const st = classState(ctx.kernel);
  if (st.gpioClients.has(driver)) {
    ctx.warn(`GPIO_CLX_RegisterClient: driver ${hex(driver)} is already registered: STATUS_GPIO_INVALID_REGISTRATION_PACKET`);
    return STATUS_GPIO_INVALID_REGISTRATION_PACKET;
  }
  let bytes: Uint8Array;
  try {
    bytes = m.read(packet, need);
  } catch {
    return ctx.fault("invalid-read", `GPIO_CLX_RegisterClient: RegistrationPacket ${hex(packet)} (${need} bytes) is not readable`);
  }
  st.gpioClients.set(driver, { packet: bytes, version, contextSize: m.u32(packet + 8n) });
  return STATUS.SUCCESS;
}

/** GPIO_CLX_UnregisterClient(Driver). */
function gpioUnregister(ctx: ApiContext): number {
  const driver = ctx.arg(0);
  ctx.describe([hex(driver)]);
  if (driver === 0n) return STATUS.INVALID_PARAMETER;
  const st = classState(ctx.kernel);
  if (!st.gpioClients.delete(driver)) {
    ctx.warn(`GPIO_CLX_UnregisterClient: driver ${hex(driver)} is not a registered GpioClx client: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  return STATUS.SUCCESS;
}

const stub = (d: ApiDefinition): ApiDefinition => Object.assign(d, { stub: true });

export const apis: ApiDefinition[] = [
  api(WDFLDR, "WdfVersionBindClass", 3, bindClass),
  api(WDFLDR, "WdfVersionUnbindClass", 3, unbindClass),
  api("msgpioclx.sys", "GPIO_CLX_RegisterClient", 3, gpioRegister),
  api("msgpioclx.sys", "GPIO_CLX_UnregisterClient", 1, gpioUnregister),
  // SpbCx's first DDIs (spbcx.h; SpbDriverGlobals first): accepted with a warning, nothing is set up.
  stub(api("spbcx.sys", "SpbDeviceInitConfig", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    if (ctx.arg(1) === 0n) return STATUS.INVALID_PARAMETER;
    ctx.warn("SpbDeviceInitConfig: SpbCx's device setup is not emulated (stub): STATUS_SUCCESS");
    return STATUS.SUCCESS;
  })),
  stub(api("spbcx.sys", "SpbDeviceInitialize", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    if (ctx.arg(1) === 0n || ctx.arg(2) === 0n) return STATUS.INVALID_PARAMETER;
    ctx.warn("SpbDeviceInitialize: SpbCx's controller callbacks are not kept (stub): STATUS_SUCCESS");
    return STATUS.SUCCESS;
  })),
];
