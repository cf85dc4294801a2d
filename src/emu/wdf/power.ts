/**
 * Device state and power references of a KMDF device (wdfdevice.h of KMDF 1.33; behaviour from
 * microsoft/Windows-Driver-Frameworks src/framework/shared/core/fxdeviceapi.cpp (WdfDeviceSetDeviceState,
 * StopIdleWorker, ResumeIdleWorker), irphandlers/pnp/fxpkgpnp.cpp (SetPnpState, GetPnpState,
 * HandleQueryPnpDeviceState) and km/fxpkgfdokm.cpp (_PnpQueryPnpDeviceState)):
 *
 * - WdfDeviceSetDeviceState / WdfDeviceGetDeviceState: WDF_DEVICE_STATE of KMDF 1.27 (28 bytes) or
 *   1.33 (32, AssignedToGuest); another Size or a value that is no WDF_TRI_STATE changes nothing (the
 *   framework only breaks into the debugger: a warning). Set then calls IoInvalidateDeviceState
 *   (fxdeviceapi.cpp WdfDeviceSetDeviceState → FxDevice::InvalidateDeviceState): the PnP manager sends
 *   IRP_MN_QUERY_PNP_DEVICE_STATE once the device has started (pnp/removal.ts). IRP_MN_QUERY_PNP_DEVICE_STATE through
 *   the device goes down first (STATUS_NOT_SUPPORTED from below counts as success); then each TRUE
 *   field sets its PNP_DEVICE_* bit in Information and each FALSE clears it; DontDisplayInUI left at
 *   WdfUseDefault follows the NoDisplayInUI PnP capability.
 * - WdfDeviceStopIdle (WdfDeviceStopIdleActual / NoTrack) and WdfDeviceResumeIdle: a power reference
 *   of the power policy owner (anyone else: STATUS_INVALID_DEVICE_STATE, ResumeIdle does nothing).
 *   In D0 (from EvtDeviceD0Entry's success to EvtDeviceD0Exit) STATUS_SUCCESS; outside it, without
 *   WaitForD0, STATUS_PENDING (the framework starts powering up); with WaitForD0 before the device
 *   started, the caller would wait for a D0 its own start has to bring: a `deadlock` report. The
 *   device never idles in kmdll (S0 idle is not emulated), so the references change nothing else;
 *   a ResumeIdle without a StopIdle is a warning (the framework ASSERTs).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { LAYOUT, putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { objectOf, type WdfObject } from "./objects.js";
import { required } from "./memory.js";
import { isPowerPolicyOwner } from "./devcaps.js";
import { nodeOfPdo, pnpState } from "../pnp/state.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const STATE_SIZES = [28, 32];
const WdfFalse = 0, WdfTrue = 1, WdfUseDefault = 2;
/** WDF_DEVICE_STATE fields in order (after Size) and their PNP_DEVICE_* bits (wdm.h). */
const FIELDS = [["Disabled", 0x1], ["DontDisplayInUI", 0x2], ["Failed", 0x4], ["NotDisableable", 0x20], ["Removed", 0x8], ["ResourcesChanged", 0x10], ["AssignedToGuest", 0x100]] as const;

function deviceState(ctx: ApiContext, set: boolean): void {
  const [devH, p] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(devH), hex(p)]);
  const dev = objectOf(ctx, devH, "device", "Device");
  required(ctx, p, "DeviceState");
  const m = ctx.mem;
  const size = m.u32(p);
  if (!STATE_SIZES.includes(size)) return void ctx.warn(`${ctx.api}: DeviceState->Size is ${size}, not ${STATE_SIZES.join(" or ")}: nothing done (the framework breaks into the debugger)`);
  const n = (size - 4) / 4;
  if (!set) {
    FIELDS.slice(0, n).forEach((_, i) => m.setU32(p + B(4 + 4 * i), dev.pnpState?.[i] ?? WdfUseDefault));
    return;
  }
  const values = FIELDS.slice(0, n).map((_, i) => m.u32(p + B(4 + 4 * i)));
  const bad = values.findIndex((v) => v > WdfUseDefault);
  if (bad >= 0) return void ctx.warn(`WdfDeviceSetDeviceState: ${FIELDS[bad]![0]} is ${values[bad]}, not a WDF_TRI_STATE: nothing done (the framework breaks into the debugger)`);
  // A 1.27 structure leaves AssignedToGuest at its default.
  dev.pnpState = [...values, ...Array(FIELDS.length - values.length).fill(WdfUseDefault)];
  // FxDevice::InvalidateDeviceState: IoInvalidateDeviceState(PDO) — the PnP manager queries the state (pnp/removal.ts).
  const pdo = dev.pdo ?? (dev.device !== undefined && nodeOfPdo(pnpState(ctx.kernel), dev.device) ? dev.device : undefined);
  if (pdo !== undefined) pnpState(ctx.kernel).stateInvalidated.add(pdo);
}

/** IRP_MN_QUERY_PNP_DEVICE_STATE through a WDFDEVICE: `send` passes it down; then the driver's WDF_DEVICE_STATE applies. */
export function queryPnpDeviceState(ctx: ApiContext, dev: WdfObject, irp: bigint, send: () => number): number {
  let status = send();
  if (status === STATUS.NOT_SUPPORTED) status = STATUS.SUCCESS;
  if (!ntSuccess(status)) return status;
  const info = irp + B(LAYOUT.IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Information);
  let bits = Number(ctx.mem.u32(info));
  const state = dev.pnpState ?? FIELDS.map(() => WdfUseDefault);
  FIELDS.forEach(([, bit], i) => {
    if (state[i] === WdfTrue) bits |= bit;
    else if (state[i] === WdfFalse) bits &= ~bit;
  });
  // DontDisplayInUI by default follows the NoDisplayInUI capability (WdfDeviceSetPnpCapabilities).
  const noDisplay = dev.caps?.pnp?.NoDisplayInUI;
  if (state[1] === WdfUseDefault && noDisplay === WdfTrue) bits |= 0x2;
  else if (state[1] === WdfUseDefault && noDisplay === WdfFalse) bits &= ~0x2;
  putPtr(ctx.mem, info, B(bits >>> 0));
  return status;
}

function stopIdle(ctx: ApiContext, waitForD0: boolean): number {
  const dev = objectOf(ctx, ctx.arg(1), "device", "Device");
  ctx.describe([hex(ctx.arg(0)), hex(dev.handle), waitForD0 ? "TRUE" : "FALSE"]);
  if (!isPowerPolicyOwner(dev)) {
    ctx.warn(`${ctx.api}: device ${hex(dev.handle)} is not the power policy owner: STATUS_INVALID_DEVICE_STATE`);
    return STATUS.INVALID_DEVICE_STATE;
  }
  if (!dev.inD0 && waitForD0 && !dev.started)
    ctx.fault("deadlock", `${ctx.api}(WaitForD0 TRUE) on ${hex(dev.handle)} before the device started: the caller waits for a D0 entry that the device's own start has to bring`);
  dev.powerRefs = (dev.powerRefs ?? 0) + 1;
  return dev.inD0 || waitForD0 ? STATUS.SUCCESS : STATUS.PENDING;
}

function resumeIdle(ctx: ApiContext): void {
  const dev = objectOf(ctx, ctx.arg(1), "device", "Device");
  ctx.describe([hex(ctx.arg(0)), hex(dev.handle)]);
  if (!isPowerPolicyOwner(dev)) return void ctx.warn(`${ctx.api}: device ${hex(dev.handle)} is not the power policy owner: nothing done`);
  if ((dev.powerRefs ?? 0) === 0) return void ctx.warn(`${ctx.api}: device ${hex(dev.handle)} has no power reference from WdfDeviceStopIdle to release (the framework ASSERTs)`);
  dev.powerRefs!--;
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceSetDeviceState", 3, (ctx) => void deviceState(ctx, true)),
  fx("WdfDeviceGetDeviceState", 3, (ctx) => void deviceState(ctx, false)),
  fx("WdfDeviceStopIdleActual", 6, (ctx) => stopIdle(ctx, (ctx.u32(2) & 0xff) !== 0)),
  fx("WdfDeviceStopIdleNoTrack", 3, (ctx) => stopIdle(ctx, (ctx.u32(2) & 0xff) !== 0)),
  fx("WdfDeviceResumeIdleActual", 5, (ctx) => void resumeIdle(ctx)),
  fx("WdfDeviceResumeIdleNoTrack", 2, (ctx) => void resumeIdle(ctx)),
];
