/**
 * What names a WDFDEVICE (wdfdevice.h of KMDF 1.33; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/shared/core/fxdeviceapi.cpp WdfDeviceCreateSymbolicLink, core/km/fxdevicekm.cpp
 * FxDevice::CreateSymbolicLink, support/fxdeviceinterfaceapi.cpp and km/fxdeviceinterfacekm.cpp
 * FxDeviceInterface::Register, inc/private/common/fxdevice.hpp GetSafePhysicalDevice):
 *
 * - WdfDeviceCreateSymbolicLink(Device, SymbolicLinkName): NULL SymbolicLinkName WDF_VIOLATION; an
 *   empty one STATUS_INVALID_DEVICE_REQUEST; a malformed UNICODE_STRING STATUS_INVALID_PARAMETER; a
 *   second link for the device STATUS_INVALID_DEVICE_REQUEST. The link points at the name the driver
 *   gave (WdfDeviceInitAssignName); a PnP device without one links to its PDO's name (IoGetDeviceProperty
 *   DevicePropertyPhysicalDeviceObjectName), which needs a PDO the PnP manager knows: a control device
 *   without a name, or a framework PDO not yet reported, STATUS_INVALID_DEVICE_STATE. The link goes
 *   with the device.
 * - WdfDeviceCreateDeviceInterface(Device, InterfaceClassGUID, ReferenceString): NULL GUID
 *   STATUS_INVALID_PARAMETER (kmdll's earlier rule, kept); a control device STATUS_INVALID_DEVICE_REQUEST.
 *   Registered at once (IoRegisterDeviceInterface) when the device's PDO is known to the PnP manager;
 *   for a framework PDO not yet reported (created in the parent's EvtDriverDeviceAdd, before
 *   BusRelations) the framework keeps it unregistered and STATUS_SUCCESS, and registers it when the
 *   PDO starts ("when we are in hardware available, we will register there", FxDeviceInterface::Register).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, describeUnicode, hex, readCounted, unicodeText } from "../api/util.js";
import { canonical, envOf, ioState } from "../iomgr/index.js";
import { pnpState, nodeOfPdo } from "../pnp/state.js";
import { guidAt, registerInterface, setInterfaceState } from "../pnp/interfaces.js";
import { WDF01000 } from "./ldr.js";
import { objectOf, type WdfObject } from "./objects.js";
import { required } from "./memory.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

declare module "./objects.js" {
  interface WdfObject {
    /** WDFDEVICE of a framework PDO: interfaces created before the PnP manager knew the PDO (registered at its start). */
    pendingInterfaces?: { guid: string; ref: string | null; module: string }[];
  }
}

/** The PDO of a PnP WDFDEVICE when the PnP manager knows it (GetSafePhysicalDevice), else null. */
function knownPdo(ctx: ApiContext, dev: WdfObject): bigint | null {
  if (dev.pdo === undefined) return null;
  return nodeOfPdo(pnpState(ctx.kernel), dev.pdo) ? dev.pdo : null;
}

function readUnicode(ctx: ApiContext, us: bigint): string {
  const len = ctx.mem.u16(us);
  const buf = getPtr(ctx.mem, us + B(LAYOUT.UNICODE_STRING.Buffer));
  let s = "";
  for (let i = 0; i < Math.min(len, 512) / 2; i++) s += String.fromCharCode(ctx.mem.u16(buf + B(2 * i)));
  return s;
}

function addInterface(ctx: ApiContext, dev: WdfObject, pdo: bigint, guid: string, ref: string | null, module: string): number {
  const r = registerInterface(ctx, pdo, guid, ref, module);
  if (!r.iface) return r.status;
  if (!dev.interfaces!.includes(r.iface.link)) dev.interfaces!.push(r.iface.link);
  if (dev.started) setInterfaceState(envOf(ctx), r.iface, true);
  return STATUS.SUCCESS;
}

/** At the start of a framework PDO (hardware available): the interfaces created before it was reported. */
export function registerPendingInterfaces(ctx: ApiContext, dev: WdfObject): void {
  const pdo = knownPdo(ctx, dev);
  if (pdo === null || !dev.pendingInterfaces?.length) return;
  for (const p of dev.pendingInterfaces.splice(0)) {
    const s = addInterface(ctx, dev, pdo, p.guid, p.ref, p.module);
    if (s !== STATUS.SUCCESS) ctx.warn(`the framework could not register device interface ${p.guid} of PDO ${hex(dev.handle)}: 0x${s.toString(16)}`);
  }
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceCreateSymbolicLink", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), describeUnicode(ctx, ctx.arg(2))]);
    const dev = objectOf(ctx, ctx.arg(1), "device", "Device");
    required(ctx, ctx.arg(2), "SymbolicLinkName");
    const us = readCounted(ctx.mem, ctx.arg(2));
    if (us.length === 0) return STATUS.INVALID_DEVICE_REQUEST;
    if (us.length % 2 !== 0 || us.maximumLength % 2 !== 0 || us.length > us.maximumLength || us.buffer === 0n) return STATUS.INVALID_PARAMETER;
    if (dev.links!.length > 0) {
      ctx.warn(`WdfDeviceCreateSymbolicLink: WDFDEVICE ${hex(dev.handle)} already has a symbolic link: STATUS_INVALID_DEVICE_REQUEST`);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    let target = dev.name ?? null;
    if (!target) {
      const pdo = knownPdo(ctx, dev);
      target = pdo === null ? null : (ioState(ctx.kernel).devices.get(pdo)?.name ?? null);
      if (target === null) {
        ctx.warn(`WdfDeviceCreateSymbolicLink: WDFDEVICE ${hex(dev.handle)} has no name (WdfDeviceInitAssignName) and no PDO the PnP manager knows: STATUS_INVALID_DEVICE_STATE`);
        return STATUS.INVALID_DEVICE_STATE;
      }
    }
    const link = unicodeText(ctx.mem, ctx.arg(2))!;
    const io = ioState(ctx.kernel);
    const c = canonical(link);
    if (io.links.has(c) || io.names.has(c)) return STATUS.OBJECT_NAME_COLLISION;
    io.links.set(c, target);
    dev.links!.push(link);
    return STATUS.SUCCESS;
  }),
  fx("WdfDeviceCreateDeviceInterface", 4, (ctx) => {
    const dev = objectOf(ctx, ctx.arg(1), "device", "Device");
    const [guid, refP] = [ctx.arg(2), ctx.arg(3)];
    if (guid === 0n) return STATUS.INVALID_PARAMETER;
    if (dev.pdo === undefined) return STATUS.INVALID_DEVICE_REQUEST; // a control device has no PDO
    const ref = refP === 0n ? null : readUnicode(ctx, refP);
    const module = ctx.caller?.module ?? "?";
    const pdo = knownPdo(ctx, dev);
    if (pdo === null && dev.isPdo) {
      (dev.pendingInterfaces ??= []).push({ guid: guidAt(ctx.mem, guid), ref, module });
      return STATUS.SUCCESS;
    }
    return addInterface(ctx, dev, dev.pdo, guidAt(ctx.mem, guid), ref, module);
  }),
];
