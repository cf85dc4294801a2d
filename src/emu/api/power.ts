/**
 * Power: the device power management framework (PoFx, wdm.h, Windows 8+) and PoSetHiberRange.
 *
 * PoFx (semantics from the Microsoft Learn pages of each routine and "Device power management
 * framework"): PoFxRegisterDevice(Pdo, Device, Handle) deep-copies a PO_FX_DEVICE (V1 or V2) and
 * returns a POHANDLE; STATUS_INVALID_PARAMETER when Pdo is NULL (or not a device object), the
 * version is not 1 or 2, ComponentCount is 0, a component has no idle states (IdleStateCount 0 or
 * IdleStates NULL) or its DeepestWakeableIdleState is not one of them; registering a device again
 * is a bug check. After registration every component is active (fully on) so the driver can finish
 * initialising the hardware; PoFxActivateComponent before PoFxStartDevicePowerManagement keeps a
 * component active. PoFxStartDevicePowerManagement moves every component without an activation
 * reference to the idle condition and calls ComponentIdleConditionCallback(Context, Component).
 * Afterwards PoFxActivateComponent takes a reference (0 → 1 on an idle component:
 * ComponentActiveConditionCallback), PoFxIdleComponent drops one (1 → 0:
 * ComponentIdleConditionCallback); dropping a reference the component does not hold, a component
 * index past ComponentCount or a handle PoFxRegisterDevice did not return is a bug check, as it is
 * a fatal error for Windows. PoFxSetComponentLatency/Residency/Wake, PoFxSetDeviceIdleTimeout are
 * recorded (`kmdll` has no power engine to act on them). PoFxCompleteIdleCondition,
 * PoFxCompleteIdleState, PoFxCompleteDevicePowerNotRequired and PoFxReportDevicePoweredOn
 * acknowledge a callback. PoFxPowerControl forwards a control code to the power engine plug-in
 * (PEP); the emulation has no PEP, so it is a stub (STATUS_NOT_SUPPORTED). Each callback of a
 * registered device is a `callback` registration (removed by PoFxUnregisterDevice, reported when
 * left registered at unload).
 *
 * PO_FX_DEVICE_V1 (x64): Version 0, ComponentCount 4, six callbacks 8..55 (ComponentActiveCondition,
 * ComponentIdleCondition, ComponentIdleState, DevicePowerRequired, DevicePowerNotRequired,
 * PowerControl), DeviceContext 56, Components 64 (PO_FX_COMPONENT_V1: Id 0, IdleStateCount 16,
 * DeepestWakeableIdleState 20, IdleStates 24; 32 bytes). PO_FX_DEVICE_V2: Version 0, Flags 8,
 * callbacks 16..63, DeviceContext 64, ComponentCount 72, Components 80 (PO_FX_COMPONENT_V2: Id 0,
 * Flags 16, DeepestWakeableIdleState 24, IdleStateCount 28, IdleStates 32, ProviderCount 40,
 * Providers 48; 56 bytes).
 *
 * PoSetHiberRange(MemoryMap, Flags, Address, Length, Tag) marks memory the hibernation file must
 * include or leave out (PO_MEM_DISCARD 0x8000 ...): kmdll has no hibernation, so it records the
 * ranges and does nothing else; a MemoryMap other than NULL (only valid inside the
 * hibernation path) is a warning.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";
import { registerCallback, unregisterCallback } from "./notify.js";

const B = (n: number) => BigInt(n);
const IO_TYPE_DEVICE = 3;
const CALLBACKS = ["ComponentActiveCondition", "ComponentIdleCondition", "ComponentIdleState", "DevicePowerRequired", "DevicePowerNotRequired", "PowerControl"] as const;
type CallbackName = (typeof CALLBACKS)[number];

export interface Component {
  refs: number;
  idle: boolean;
  idleStates: number;
  latency?: bigint;
  residency?: bigint;
  wake?: boolean;
}
export interface PoFxDevice {
  handle: bigint;
  pdo: bigint;
  callbacks: Record<CallbackName, bigint>;
  context: bigint;
  components: Component[];
  started: boolean;
  idleTimeout?: bigint;
  module: string;
}

const pofx = componentState("pofx", () => ({ devices: new Map<bigint, PoFxDevice>(), nextHandle: 1, hiberRanges: [] as { address: bigint; length: bigint; flags: number; tag: number }[] }));

export function deviceOf(ctx: ApiContext, name: string, handle: bigint): PoFxDevice {
  const d = pofx(ctx.kernel).devices.get(handle);
  if (!d) ctx.fault("bugcheck", `${name}(${hex(handle)}): not a handle PoFxRegisterDevice returned (or the device was unregistered)`, { code: "0x0000009F" });
  return d;
}
export function componentOf(ctx: ApiContext, name: string, d: PoFxDevice, index: number): Component {
  const c = d.components[index];
  if (!c) ctx.fault("bugcheck", `${name}: component ${index} of a device with ${d.components.length} component(s)`, { code: "0x0000009F" });
  return c;
}

function callback(ctx: ApiContext, d: PoFxDevice, which: CallbackName, args: bigint[]): void {
  const routine = d.callbacks[which];
  if (routine !== 0n) ctx.callGuest(routine, [d.context, ...args]);
}

function goIdle(ctx: ApiContext, d: PoFxDevice, index: number): void {
  const c = d.components[index]!;
  c.idle = true;
  callback(ctx, d, "ComponentIdleCondition", [B(index)]);
}

function register(ctx: ApiContext): number {
  const [pdo, dev, pHandle] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(pdo), hex(dev), hex(pHandle)]);
  if (pdo === 0n || ctx.mem.u16(pdo) !== IO_TYPE_DEVICE || dev === 0n) return STATUS.INVALID_PARAMETER;
  const version = ctx.mem.u32(dev);
  if (version !== 1 && version !== 2) return STATUS.INVALID_PARAMETER;
  const v2 = version === 2;
  const count = ctx.mem.u32(dev + (v2 ? 72n : 4n));
  if (count === 0 || count > 0x10000) return STATUS.INVALID_PARAMETER;
  const cbBase = dev + (v2 ? 16n : 8n);
  const callbacks = Object.fromEntries(CALLBACKS.map((n, i) => [n, ctx.mem.u64(cbBase + B(8 * i))])) as Record<CallbackName, bigint>;
  const context = ctx.mem.u64(dev + (v2 ? 64n : 56n));
  const first = dev + (v2 ? 80n : 64n);
  const size = v2 ? 56 : 32;
  const components: Component[] = [];
  for (let i = 0; i < count; i++) {
    const c = first + B(i * size);
    const idleStates = ctx.mem.u32(c + (v2 ? 28n : 16n));
    const deepestWakeable = ctx.mem.u32(c + (v2 ? 24n : 20n));
    const states = ctx.mem.u64(c + (v2 ? 32n : 24n));
    if (idleStates === 0 || states === 0n || deepestWakeable >= idleStates) return STATUS.INVALID_PARAMETER;
    // The idle state descriptions (PO_FX_COMPONENT_IDLE_STATE: 24 bytes each) are copied too: they must be readable.
    ctx.mem.read(states, Math.min(idleStates, 64) * 24);
    components.push({ refs: 0, idle: false, idleStates });
  }
  const st = pofx(ctx.kernel);
  for (const d of st.devices.values())
    if (d.pdo === pdo) ctx.fault("bugcheck", `PoFxRegisterDevice(${hex(pdo)}): the device is already registered with PoFx (handle ${hex(d.handle)})`, { code: "0x0000009F" });
  const handle = 0xffffa00000000000n + B(st.nextHandle++ * 0x100);
  const d: PoFxDevice = { handle, pdo, callbacks, context, components, started: false, module: ctx.caller?.module ?? "?" };
  st.devices.set(handle, d);
  for (const n of CALLBACKS) if (callbacks[n] !== 0n) registerCallback(ctx, `PoFx ${n}Callback`, callbacks[n], context, handle);
  ctx.mem.setU64(pHandle, handle);
  return STATUS.SUCCESS;
}

function unregister(ctx: ApiContext): void {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  deviceOf(ctx, "PoFxUnregisterDevice", h);
  pofx(ctx.kernel).devices.delete(h);
  while (unregisterCallback(ctx, (r) => r.handle === h && r.kind.startsWith("PoFx "))) { /* one event each */ }
}

function start(ctx: ApiContext): void {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  const d = deviceOf(ctx, "PoFxStartDevicePowerManagement", h);
  if (d.started) return;
  d.started = true;
  d.components.forEach((c, i) => {
    if (c.refs === 0) goIdle(ctx, d, i);
  });
}

function activate(ctx: ApiContext): void {
  const [h, index, flags] = [ctx.arg(0), ctx.u32(1), ctx.u32(2)];
  ctx.describe([hex(h), String(index), hex(flags)]);
  const d = deviceOf(ctx, "PoFxActivateComponent", h);
  const c = componentOf(ctx, "PoFxActivateComponent", d, index);
  c.refs++;
  if (c.refs === 1 && c.idle) {
    c.idle = false;
    callback(ctx, d, "ComponentActiveCondition", [B(index)]);
  }
}

function idle(ctx: ApiContext): void {
  const [h, index, flags] = [ctx.arg(0), ctx.u32(1), ctx.u32(2)];
  ctx.describe([hex(h), String(index), hex(flags)]);
  const d = deviceOf(ctx, "PoFxIdleComponent", h);
  const c = componentOf(ctx, "PoFxIdleComponent", d, index);
  if (c.refs === 0) ctx.fault("bugcheck", `PoFxIdleComponent(${hex(h)}, ${index}): the component holds no activation reference (PoFxActivateComponent) to release`, { code: "0x0000009F" });
  c.refs--;
  if (c.refs === 0 && d.started) goIdle(ctx, d, index);
}

/** PoFxSetComponent{Latency,Residency,Wake}: (Handle, Component, value). */
function setComponent(name: string, field: "latency" | "residency" | "wake"): ApiDefinition {
  return nt(name, 3, (ctx) => {
    const [h, index] = [ctx.arg(0), ctx.u32(1)];
    const value = field === "wake" ? B(ctx.u32(2) & 0xff) : ctx.arg(2);
    ctx.describe([hex(h), String(index), field === "wake" ? (value ? "TRUE" : "FALSE") : String(value)]);
    const c = componentOf(ctx, name, deviceOf(ctx, name, h), index);
    if (field === "wake") c.wake = value !== 0n;
    else c[field] = value;
  });
}

/** Acknowledgements of a callback: (Handle) or (Handle, Component). */
function acknowledge(name: string, withComponent: boolean): ApiDefinition {
  return nt(name, withComponent ? 2 : 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe(withComponent ? [hex(h), String(ctx.u32(1))] : [hex(h)]);
    const d = deviceOf(ctx, name, h);
    if (withComponent) componentOf(ctx, name, d, ctx.u32(1));
  });
}

export const apis: ApiDefinition[] = [
  nt("PoFxRegisterDevice", 3, register),
  nt("PoFxUnregisterDevice", 1, unregister),
  nt("PoFxStartDevicePowerManagement", 1, start),
  nt("PoFxActivateComponent", 3, activate),
  nt("PoFxIdleComponent", 3, idle),
  setComponent("PoFxSetComponentLatency", "latency"),
  setComponent("PoFxSetComponentResidency", "residency"),
  setComponent("PoFxSetComponentWake", "wake"),
  nt("PoFxSetDeviceIdleTimeout", 2, (ctx) => {
    const [h, timeout] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(h), String(timeout)]);
    deviceOf(ctx, "PoFxSetDeviceIdleTimeout", h).idleTimeout = timeout;
  }),
  acknowledge("PoFxCompleteIdleCondition", true),
  { ...acknowledge("PoFxCompleteIdleState", true), notes: "acknowledges ComponentIdleStateCallback (no F-state transitions are modelled)" },
  acknowledge("PoFxCompleteDevicePowerNotRequired", false),
  acknowledge("PoFxReportDevicePoweredOn", false),
  nt("PoFxNotifySurprisePowerOn", 1, (ctx) => {
    const pdo = ctx.arg(0);
    ctx.describe([hex(pdo)]);
    if (pdo === 0n || ctx.mem.u16(pdo) !== IO_TYPE_DEVICE) ctx.fault("bugcheck", `PoFxNotifySurprisePowerOn(${hex(pdo)}): not a device object`, { code: "0x0000009F" });
  }),
  {
    ...nt("PoFxPowerControl", 7, (ctx) => {
      const h = ctx.arg(0);
      ctx.describe([hex(h), hex(ctx.arg(1)), hex(ctx.arg(2)), String(ctx.u32(3)), hex(ctx.arg(4)), String(ctx.u32(5)), hex(ctx.arg(6))]);
      deviceOf(ctx, "PoFxPowerControl", h);
      if (ctx.arg(1) === 0n) return STATUS.INVALID_PARAMETER;
      if (ctx.arg(6) !== 0n) ctx.mem.setU64(ctx.arg(6), 0n);
      return STATUS.NOT_SUPPORTED;
    }),
    stub: true,
    notes: "no power engine plug-in (PEP) in the emulation: every control code is STATUS_NOT_SUPPORTED (the handle is checked)",
  },
  {
    // Learn (nf-wdm-pofxregistercrashdumpdevice): STATUS_INVALID_PARAMETER for a handle that is not
    // valid, STATUS_UNSUCCESSFUL when the device has no PEP, as every device has here.
    ...nt("PoFxRegisterCrashdumpDevice", 1, (ctx) => {
      const h = ctx.arg(0);
      ctx.describe([hex(h)]);
      return pofx(ctx.kernel).devices.has(h) ? STATUS.UNSUCCESSFUL : STATUS.INVALID_PARAMETER;
    }),
    stub: true,
    notes: "no power engine plug-in (PEP) in the emulation: STATUS_UNSUCCESSFUL for a registered device, STATUS_INVALID_PARAMETER for another handle (Learn)",
  },
  {
    // Learn (nf-wdm-pofxpoweroncrashdumpdevice): the same statuses; STATUS_UNSUCCESSFUL when the
    // device's PEP has no PowerOnDumpDeviceCallback — there is no PEP here.
    ...nt("PoFxPowerOnCrashdumpDevice", 2, (ctx) => {
      const h = ctx.arg(0);
      ctx.describe([hex(h), hex(ctx.arg(1))]);
      return pofx(ctx.kernel).devices.has(h) ? STATUS.UNSUCCESSFUL : STATUS.INVALID_PARAMETER;
    }),
    stub: true,
    notes: "no power engine plug-in (PEP) in the emulation: STATUS_UNSUCCESSFUL for a registered device, STATUS_INVALID_PARAMETER for another handle (Learn)",
  },
  nt("PoSetHiberRange", 5, (ctx) => {
    const [map, flags, address, length, tag] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.u32(4)];
    ctx.describe([hex(map), hex(flags), hex(address), hex(length), hex(tag)]);
    if (map !== 0n) ctx.warn(`PoSetHiberRange: MemoryMap ${hex(map)} outside a hibernation callback (drivers pass NULL)`);
    pofx(ctx.kernel).hiberRanges.push({ address, length, flags, tag });
  }),
];

