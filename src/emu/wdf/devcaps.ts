/**
 * What a KMDF function driver tells the framework about its device in EvtDriverDeviceAdd
 * (wdfdevice.h of KMDF 1.33; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/shared/core/fxdeviceapi.cpp, fxdeviceinitapi.cpp, km/fxdevicekm.cpp and
 * irphandlers/pnp/fxpkgfdo.cpp, fxpkgpnp.cpp, pnpstatemachine.cpp; Microsoft Learn pages of the DDIs):
 *
 * - WdfDeviceSetPnpCapabilities / WdfDeviceSetPowerCapabilities: the WDF_DEVICE_PNP_CAPABILITIES
 *   (48 bytes) / WDF_DEVICE_POWER_CAPABILITIES (80 bytes) are checked (Size, WDF_TRI_STATE values,
 *   device/system power states; IdealDxStateForSx only for the power policy owner) and kept. A bad
 *   one changes nothing: the framework only breaks into the debugger (FxVerifierDbgBreakPoint), so
 *   kmdll warns. They take effect when IRP_MN_QUERY_CAPABILITIES passes the FDO (FxPkgFdo::
 *   HandleQueryCapabilities / ...Completion): on the way down the TRUE PnP capabilities are set; on
 *   the way up LockSupported / EjectSupported / DockDevice are cleared when FALSE, Removable and
 *   SurpriseRemovalOK forced either way, the S→D map only deepened, SystemWake / DeviceWake only
 *   lightened, latencies only raised, Address / UINumber replaced unless -1.
 * - WdfDeviceAssignS0IdleSettings: the framework's checks (power policy owner, else
 *   STATUS_INVALID_DEVICE_REQUEST; Size of the 1.7 / 1.9 / current structure, else
 *   STATUS_INFO_LENGTH_MISMATCH; IdleCaps, DxState, UserControlOfIdleSettings, Enabled,
 *   PowerUpIdleDeviceOnSystemWake, IdleTimeoutType ranges: STATUS_INVALID_PARAMETER; idling with
 *   wake (IdleCanWakeFromS0, IdleUsbSelectiveSuspend) needs a device that can wake from S0 —
 *   DeviceWake of the stack's DEVICE_CAPABILITIES, which a kmdll root device (Unspecified) cannot:
 *   STATUS_POWER_STATE_INVALID). Accepted settings are kept, but the device never idles (S0 idle
 *   power-down is not emulated): a stub in docs/api-coverage.md.
 * - WdfDeviceSetStaticStopRemove(Device, Stoppable): FALSE counts up, TRUE down; while the count is
 *   not 0 the framework fails IRP_MN_QUERY_STOP_DEVICE and IRP_MN_QUERY_REMOVE_DEVICE with
 *   STATUS_INVALID_DEVICE_STATE before EvtDeviceQueryStop/Remove (PnpEventQueryRemoveStaticCheck).
 *   A TRUE without a FALSE before it wraps the ULONG count (the framework only ASSERTs): a warning.
 * - WdfDeviceInitSetPowerNotPageable / SetPowerPageable / SetPowerInrush: DO_POWER_PAGABLE
 *   (the default) or DO_POWER_INRUSH on a function driver's device; a filter takes both from the
 *   device it attaches to instead.
 * - WdfDeviceInitSetPowerPolicyEventCallbacks: WDF_POWER_POLICY_EVENT_CALLBACKS of KMDF 1.5 or
 *   current (Size, else nothing kept: the framework breaks into the debugger), not both ArmWakeFromSx
 *   callbacks; kept, but never called: kmdll's devices never arm for wake or idle (a stub).
 * - WdfDeviceSetSpecialFileSupport(Device, FileType, Supported): a FileType outside Paging..GuestAssigned
 *   or PostDisplay (or above Boot for a client older than KMDF 1.29) changes nothing (the framework
 *   breaks into the debugger: a warning); else kept for IRP_MN_DEVICE_USAGE_NOTIFICATION, which kmdll's
 *   PnP manager never sends (no paging, dump or hibernation files): a stub.
 * - WdfDeviceSetAlignmentRequirement / GetAlignmentRequirement: DEVICE_OBJECT.AlignmentRequirement
 *   (FxDevice::SetAlignmentRequirement, no check).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { WDF01000, wdfLdrState } from "./ldr.js";
import { objectOf, readAttributes, validateAttributes, type WdfObject } from "./objects.js";
import { required } from "./memory.js";
import { buildPnpIrp } from "./pnp.js";
import { callDriver, envOf, ioState } from "../iomgr/index.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const CAPS = LAYOUT.DEVICE_CAPABILITIES;
const PNP_CAPS_SIZE = 48;
const POWER_CAPS_SIZE = 80;
/** WDF_DEVICE_POWER_POLICY_IDLE_SETTINGS: KMDF 1.7 ends after Enabled, 1.9 after PowerUpIdleDeviceOnSystemWake, 1.11+ after ExcludeD3Cold. */
const IDLE_SIZES = [24, 28, 36];
const WdfFalse = 0, WdfTrue = 1, WdfUseDefault = 2;
const PowerDeviceD1 = 2, PowerDeviceD2 = 3, PowerDeviceD3 = 4, PowerDeviceMaximum = 5, PowerSystemMaximum = 7;
const STATUS_POWER_STATE_INVALID = 0xc00002d3;
/** DEVICE_CAPABILITIES flag bits (wdm.h bit-field order after Version). */
const BIT = { LockSupported: 2, EjectSupported: 3, Removable: 4, DockDevice: 5, SurpriseRemovalOK: 9, NoDisplayInUI: 17 } as const;
/** WDF_DEVICE_PNP_CAPABILITIES field offsets (ULONG each after Size). */
const PNP = { LockSupported: 4, EjectSupported: 8, Removable: 12, DockDevice: 16, UniqueID: 20, SilentInstall: 24, SurpriseRemovalOK: 28, HardwareDisabled: 32, NoDisplayInUI: 36, Address: 40, UINumber: 44 } as const;

export interface DeviceCaps {
  pnp?: Record<keyof typeof BIT, number> & { address: number; uiNumber: number };
  power?: { states: number[]; deviceWake: number; systemWake: number; latency: number[] };
}

function deviceOf(ctx: ApiContext): WdfObject {
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), ...(ctx.arg(2) !== undefined ? [hex(ctx.arg(2))] : [])]);
  return objectOf(ctx, ctx.arg(1), "device", "Device");
}

/** FxPkgPnp::IsPowerPolicyOwner as FxDeviceInit::IsPwrPolOwner decides it: the explicit choice, else a function driver (not a filter). */
export function isPowerPolicyOwner(dev: WdfObject): boolean {
  return dev.powerPolicyOwner ?? (dev.pdo !== undefined && !dev.filter);
}

function setPnpCaps(ctx: ApiContext): void {
  const dev = deviceOf(ctx);
  const p = ctx.arg(2);
  required(ctx, p, "PnpCapabilities");
  const m = ctx.mem;
  const size = m.u32(p);
  if (size !== PNP_CAPS_SIZE) return void ctx.warn(`WdfDeviceSetPnpCapabilities: PnpCapabilities->Size is ${size}, not ${PNP_CAPS_SIZE}: ignored (the framework breaks into the debugger, STATUS_INFO_LENGTH_MISMATCH)`);
  for (const [name, off] of Object.entries(PNP)) {
    if (off >= PNP.Address) break;
    const v = m.u32(p + B(off));
    if (v > WdfUseDefault) return void ctx.warn(`WdfDeviceSetPnpCapabilities: ${name} is ${v}, not a WDF_TRI_STATE: ignored (STATUS_INVALID_PARAMETER)`);
  }
  const at = (k: keyof typeof PNP) => m.u32(p + B(PNP[k]));
  dev.caps = { ...dev.caps, pnp: { LockSupported: at("LockSupported"), EjectSupported: at("EjectSupported"), Removable: at("Removable"), DockDevice: at("DockDevice"), SurpriseRemovalOK: at("SurpriseRemovalOK"), NoDisplayInUI: at("NoDisplayInUI"), address: at("Address"), uiNumber: at("UINumber") } };
}

function setPowerCaps(ctx: ApiContext): void {
  const dev = deviceOf(ctx);
  const p = ctx.arg(2);
  required(ctx, p, "PowerCapabilities");
  const m = ctx.mem;
  const size = m.u32(p);
  if (size !== POWER_CAPS_SIZE) return void ctx.warn(`WdfDeviceSetPowerCapabilities: PowerCapabilities->Size is ${size}, not ${POWER_CAPS_SIZE}: ignored (the framework breaks into the debugger, STATUS_INFO_LENGTH_MISMATCH)`);
  const u = (off: number) => m.u32(p + B(off));
  // DeviceD1, DeviceD2, WakeFromD0..D3 (4..24), DeviceState[7] (28..52), DeviceWake 56, SystemWake 60, D1-3Latency 64..72, IdealDxStateForSx 76.
  const bad = (why: string) => void ctx.warn(`WdfDeviceSetPowerCapabilities: ${why}: ignored (STATUS_INVALID_PARAMETER; the framework breaks into the debugger)`);
  for (let off = 4; off < 28; off += 4) if (u(off) > WdfUseDefault) return bad(`the WDF_TRI_STATE at offset ${off} is ${u(off)}`);
  const states = [...Array(PowerSystemMaximum).keys()].map((i) => u(28 + 4 * i));
  if (states.some((s) => s > PowerDeviceMaximum)) return bad(`DeviceState[] holds ${states.join(",")}`);
  if (u(56) > PowerDeviceMaximum) return bad(`DeviceWake ${u(56)} is out of range`);
  if (u(60) > PowerSystemMaximum) return bad(`SystemWake ${u(60)} is out of range`);
  const ideal = u(76);
  if (!isPowerPolicyOwner(dev) && ideal !== PowerDeviceMaximum) return bad(`IdealDxStateForSx ${ideal} can only be set by the power policy owner`);
  if (ideal < PowerDeviceD1 || ideal > PowerDeviceMaximum) return bad(`IdealDxStateForSx ${ideal} is out of range (D0 is not allowed)`);
  dev.caps = { ...dev.caps, power: { states, deviceWake: u(56), systemWake: u(60), latency: [u(64), u(68), u(72)] } };
}

/** The stack's DEVICE_CAPABILITIES (FxPkgPnp::QueryForCapabilities): DeviceWake, or Unspecified when the query fails. */
function stackDeviceWake(ctx: ApiContext, dev: WdfObject): number {
  if (dev.lower === undefined) return 0;
  const m = ctx.mem;
  const caps = ctx.kernel.kernelPool?.allocate(CAPS.$size, 0x43666457) ?? 0n; // 'WdfC'
  if (caps === 0n) return 0;
  m.write(caps, new Uint8Array(CAPS.$size));
  m.setU16(caps + B(CAPS.Size), CAPS.$size);
  m.setU16(caps + B(CAPS.Version), 1);
  m.setU32(caps + B(CAPS.Address), 0xffffffff);
  m.setU32(caps + B(CAPS.UINumber), 0xffffffff);
  const irp = buildPnpIrp(ctx, dev.lower, 0x09);
  const sl = getPtr(m, irp + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"])) - B(LAYOUT.IO_STACK_LOCATION.$size);
  putPtr(m, sl + B(LAYOUT.IO_STACK_LOCATION["Parameters.DeviceCapabilities.Capabilities"]), caps);
  const info = ioState(ctx.kernel).irps.get(irp);
  callDriver(envOf(ctx), dev.lower, irp);
  const ok = info?.result?.status === STATUS.SUCCESS;
  const wake = ok ? m.u32(caps + B(CAPS.DeviceWake)) : 0;
  ctx.kernel.kernelPool?.free(caps);
  return wake;
}

function assignS0Idle(ctx: ApiContext): number {
  const dev = deviceOf(ctx);
  const s = ctx.arg(2);
  required(ctx, s, "Settings");
  const m = ctx.mem;
  if (!isPowerPolicyOwner(dev)) {
    ctx.warn(`WdfDeviceAssignS0IdleSettings: device ${hex(dev.handle)} is not the power policy owner: STATUS_INVALID_DEVICE_REQUEST`);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  const size = m.u32(s);
  if (!IDLE_SIZES.includes(size)) return STATUS.INFO_LENGTH_MISMATCH;
  const [idleCaps, dx, , user, enabled] = [4, 8, 12, 16, 20].map((o) => m.u32(s + B(o))) as [number, number, number, number, number];
  if (dx < PowerDeviceD1 || dx > PowerDeviceMaximum || idleCaps < 1 || idleCaps > 3 || user < 1 || user > 2 || enabled > WdfUseDefault) return STATUS.INVALID_PARAMETER;
  if (size > IDLE_SIZES[0]!) {
    const powerUp = m.u32(s + 24n);
    if (powerUp > WdfUseDefault || (idleCaps !== 1 && powerUp !== WdfUseDefault)) return STATUS.INVALID_PARAMETER;
  }
  if (size > IDLE_SIZES[1]! && m.u32(s + 28n) > 2) return STATUS.INVALID_PARAMETER;
  if (idleCaps !== 1) {
    // Idling armed for wake: the deepest Dx the stack can wake from in S0 must exist and be no lighter than DxState.
    const deepest = stackDeviceWake(ctx, dev);
    const usb = idleCaps === 3;
    const bad = dx === PowerDeviceMaximum ? deepest < PowerDeviceD1 || deepest > PowerDeviceD3 || (usb && deepest > PowerDeviceD2) : dx > deepest || (usb && dx > PowerDeviceD2);
    if (bad) {
      ctx.warn(`WdfDeviceAssignS0IdleSettings: the device's stack reports DeviceWake ${deepest} (DEVICE_CAPABILITIES), DxState is ${dx}: the device cannot wake from that state in S0: STATUS_POWER_STATE_INVALID`);
      return STATUS_POWER_STATE_INVALID;
    }
  }
  dev.idleEnabled = enabled !== WdfFalse;
  return STATUS.SUCCESS;
}

/**
 * IRP_MN_QUERY_CAPABILITIES through a function driver's WDFDEVICE: the TRUE capabilities on the way
 * down, then `send` (the lower drivers), then the overrides on the way back (FxPkgFdo).
 */
export function queryCapabilities(ctx: ApiContext, dev: WdfObject, caps: bigint, send: () => number): number {
  const m = ctx.mem;
  const valid = caps !== 0n && m.isMapped(caps, CAPS.$size) && m.u16(caps + B(CAPS.Size)) >= CAPS.$size && m.u16(caps + B(CAPS.Version)) === 1;
  const pnp = dev.caps?.pnp;
  const flags = (f: (v: number) => number) => m.setU32(caps + 4n, f(m.u32(caps + 4n)));
  const set = (bit: number, on: boolean) => flags((v) => (on ? v | (1 << bit) : v & ~(1 << bit)) >>> 0);
  if (valid && pnp) for (const k of ["LockSupported", "EjectSupported", "Removable", "DockDevice", "SurpriseRemovalOK", "NoDisplayInUI"] as const) if (pnp[k] === WdfTrue) set(BIT[k], true);
  const status = send();
  if (!valid || status !== STATUS.SUCCESS) return status;
  if (pnp) {
    for (const k of ["LockSupported", "EjectSupported", "DockDevice"] as const) if (pnp[k] === WdfFalse) set(BIT[k], false);
    for (const k of ["Removable", "SurpriseRemovalOK"] as const) if (pnp[k] !== WdfUseDefault) set(BIT[k], pnp[k] === WdfTrue);
    if (pnp.address !== 0xffffffff) m.setU32(caps + B(CAPS.Address), pnp.address);
    if (pnp.uiNumber !== 0xffffffff) m.setU32(caps + B(CAPS.UINumber), pnp.uiNumber);
  }
  const pw = dev.caps?.power;
  if (pw) {
    // DeviceState[PowerSystemWorking..]: only deeper; PowerDeviceMaximum means "keep".
    for (let i = 1; i < PowerSystemMaximum; i++) {
      const at = caps + B(CAPS.DeviceState) + B(4 * i);
      if (pw.states[i] !== PowerDeviceMaximum && pw.states[i]! > m.u32(at)) m.setU32(at, pw.states[i]!);
    }
    if (pw.systemWake !== PowerSystemMaximum && pw.systemWake < m.u32(caps + B(CAPS.SystemWake))) m.setU32(caps + B(CAPS.SystemWake), pw.systemWake);
    if (pw.deviceWake !== PowerDeviceMaximum && pw.deviceWake < m.u32(caps + B(CAPS.DeviceWake))) m.setU32(caps + B(CAPS.DeviceWake), pw.deviceWake);
    pw.latency.forEach((l, i) => {
      const at = caps + B(CAPS.DeviceWake + 4 + 4 * i); // D1Latency, D2Latency, D3Latency follow DeviceWake
      if (l !== 0xffffffff && l > m.u32(at)) m.setU32(at, l);
    });
  }
  return status;
}

/** The static check of IRP_MN_QUERY_STOP_DEVICE / IRP_MN_QUERY_REMOVE_DEVICE: STATUS_INVALID_DEVICE_STATE while the driver said "not stoppable". */
declare module "./objects.js" {
  interface WdfObject {
    /** WDFDEVICE_INIT: WdfDeviceInitSetPowerPolicyEventCallbacks accepted (the callbacks are never called). */
    powerPolicyCallbacks?: boolean;
    /** WDFDEVICE: WdfDeviceSetSpecialFileSupport, WDF_SPECIAL_FILE_TYPE → supported. */
    specialFiles?: Map<number, boolean>;
  }
}

export function staticStopCheck(dev: WdfObject): number {
  return (dev.stopCount ?? 0) !== 0 ? STATUS.INVALID_DEVICE_STATE : STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceSetPnpCapabilities", 3, (ctx) => void setPnpCaps(ctx)),
  fx("WdfDeviceSetPowerCapabilities", 3, (ctx) => void setPowerCaps(ctx)),
  Object.assign(fx("WdfDeviceAssignS0IdleSettings", 3, assignS0Idle), { stub: true }),
  fx("WdfDeviceSetStaticStopRemove", 3, (ctx) => {
    const dev = deviceOf(ctx);
    const stoppable = (ctx.u32(2) & 0xff) !== 0;
    if (stoppable && (dev.stopCount ?? 0) === 0) ctx.warn(`WdfDeviceSetStaticStopRemove(TRUE) on ${hex(dev.handle)} without an earlier FALSE: the framework's count wraps (it only ASSERTs), and query-stop/remove keep failing`);
    dev.stopCount = ((dev.stopCount ?? 0) + (stoppable ? -1 : 1)) >>> 0;
  }),
  fx("WdfDeviceInitSetPowerNotPageable", 2, (ctx) => void (initOf(ctx).powerPageable = false)),
  fx("WdfDeviceInitSetPowerPageable", 2, (ctx) => void (initOf(ctx).powerPageable = true)),
  // WdfDeviceInitSetRequestAttributes(DeviceInit, RequestAttributes) (fxdeviceinitapi.cpp): checked like any
  // object's attributes, a ParentObject not allowed (the framework breaks into the debugger and keeps the old
  // ones: a warning); the requests the framework creates for the device get these contexts and callbacks.
  fx("WdfDeviceInitSetRequestAttributes", 3, (ctx) => {
    const init = initOf(ctx);
    const a = ctx.arg(2);
    required(ctx, a, "RequestAttributes");
    const bad = validateAttributes(ctx, a, { parentRequired: false });
    const attrs = readAttributes(ctx, a);
    if (bad !== 0 || attrs.parent !== null) return void ctx.warn(`WdfDeviceInitSetRequestAttributes: the RequestAttributes are not valid for requests (${bad !== 0 ? hex(bad) : "a ParentObject is not allowed"}): ignored (the framework breaks into the debugger)`);
    init.requestAttrs = attrs;
  }),
  Object.assign(fx("WdfDeviceInitSetPowerPolicyEventCallbacks", 3, (ctx) => {
    const init = initOf(ctx);
    const c = ctx.arg(2);
    required(ctx, c, "PowerPolicyEventCallbacks");
    const p = ptrSize();
    const size = ctx.mem.u32(c);
    // Size (padded to a pointer), then 6 callbacks in KMDF 1.5, 7 since (EvtDeviceArmWakeFromSxWithReason).
    if (size !== 7 * p && size !== 8 * p) return void ctx.warn(`WdfDeviceInitSetPowerPolicyEventCallbacks: PowerPolicyEventCallbacks->Size ${size} is not sizeof(WDF_POWER_POLICY_EVENT_CALLBACKS) of KMDF 1.5 or later: ignored (the framework breaks into the debugger)`);
    if (size === 8 * p && getPtr(ctx.mem, c + B(4 * p)) !== 0n && getPtr(ctx.mem, c + B(7 * p)) !== 0n) return void ctx.warn("WdfDeviceInitSetPowerPolicyEventCallbacks: both EvtDeviceArmWakeFromSx and EvtDeviceArmWakeFromSxWithReason: ignored (the framework breaks into the debugger)");
    init.powerPolicyCallbacks = true;
  }), { stub: true }),
  Object.assign(fx("WdfDeviceSetSpecialFileSupport", 4, (ctx) => {
    const dev = deviceOf(ctx);
    const type = ctx.u32(2);
    const minor = Number((wdfLdrState(ctx.kernel).bindings.get(ctx.arg(0))?.version ?? "1.33").split(".")[1] ?? 33);
    if (type < 1 || type === 5 || type >= 7 || (minor < 29 && type > 4)) return void ctx.warn(`WdfDeviceSetSpecialFileSupport: FileType ${type} is not a WDF_SPECIAL_FILE_TYPE this client may set: ignored (the framework breaks into the debugger)`);
    (dev.specialFiles ??= new Map()).set(type, (ctx.u32(3) & 0xff) !== 0);
  }), { stub: true }),
  fx("WdfDeviceSetAlignmentRequirement", 3, (ctx) => {
    const dev = deviceOf(ctx);
    ctx.mem.setU32(dev.device! + B(LAYOUT.DEVICE_OBJECT.AlignmentRequirement), ctx.u32(2));
  }),
  fx("WdfDeviceGetAlignmentRequirement", 2, (ctx) => BigInt(ctx.mem.u32(deviceOf(ctx).device! + B(LAYOUT.DEVICE_OBJECT.AlignmentRequirement)))),
  fx("WdfDeviceInitSetPowerInrush", 2, (ctx) => {
    const init = initOf(ctx);
    init.powerPageable = false;
    init.inrush = true;
  }),
];

function initOf(ctx: ApiContext): WdfObject {
  ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
  required(ctx, ctx.arg(1), "DeviceInit");
  return objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit");
}
