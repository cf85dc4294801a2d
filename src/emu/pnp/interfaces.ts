/**
 * Device interfaces (IoRegisterDeviceInterface / IoSetDeviceInterfaceState / IoGetDeviceInterfaces)
 * and their PnP notifications: enabling an interface creates its symbolic link (\??\<instance
 * with # for \>#{class guid}[\ref], pointing at the PDO) and delivers a
 * DEVICE_INTERFACE_CHANGE_NOTIFICATION with GUID_DEVICE_INTERFACE_ARRIVAL to every
 * EventCategoryDeviceInterfaceChange registration for that class; disabling it (or removing its
 * device) delivers GUID_DEVICE_INTERFACE_REMOVAL and deletes the link. GUID values: wdmguid.h.
 * Windows delivers from a worker thread; here the callback runs before the enabling call returns.
 */
import { LAYOUT, putPtr } from "../../nt/arch-layout.js";
import type { GuestMemory } from "../api/types.js";
import { canonical, ioState, kalloc, kfree, writeUnicodeString, type IoEnv } from "../iomgr/index.js";
import { registrations } from "../api/notify.js";
import { STATUS } from "../../nt/status.js";
import { nodeOfPdo, pnpState, type DeviceInterface } from "./state.js";

const B = (n: number) => BigInt(n);
const TAG_NOTIFY = 0x746f4e50; // 'PNot'
export const GUID_DEVICE_INTERFACE_ARRIVAL = "{cb3a4004-46f0-11d0-b08f-00609713053f}";
export const GUID_DEVICE_INTERFACE_REMOVAL = "{cb3a4005-46f0-11d0-b08f-00609713053f}";
export const EventCategoryDeviceInterfaceChange = 2;

/** "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" (lower case) of the GUID at `g`. */
export function guidAt(mem: GuestMemory, g: bigint): string {
  const b = mem.read(g, 16);
  const h = (i: number, n: number, le: boolean) => {
    const s = Array.from(b.slice(i, i + n));
    return (le ? s.reverse() : s).map((x) => x.toString(16).padStart(2, "0")).join("");
  };
  return `{${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}}`;
}

export function writeGuid(mem: GuestMemory, at: bigint, guid: string): void {
  const hex = guid.replace(/[{}-]/g, "");
  const bytes = new Uint8Array(16);
  const put = (off: number, text: string, le: boolean) => {
    const part = text.match(/../g)!.map((x) => parseInt(x, 16));
    (le ? part.reverse() : part).forEach((v, i) => (bytes[off + i] = v));
  };
  put(0, hex.slice(0, 8), true);
  put(4, hex.slice(8, 12), true);
  put(6, hex.slice(12, 16), true);
  put(8, hex.slice(16, 32), false);
  mem.write(at, bytes);
}

/** The symbolic link name Windows gives an interface of `instance`. */
export function interfaceLink(instance: string, guid: string, ref: string | null): string {
  return `\\??\\${instance.replace(/\\/g, "#")}#${guid}${ref ? `\\${ref}` : ""}`;
}

export function findInterface(env: { kernel: IoEnv["kernel"] }, link: string): DeviceInterface | undefined {
  const c = canonical(link);
  return pnpState(env.kernel).interfaces.find((i) => canonical(i.link) === c);
}

/** Deliver an interface arrival/removal to the registrations for its class (or to one registration). */
export function notifyInterface(env: IoEnv, i: DeviceInterface, event: string, only?: { routine: bigint; context: bigint }): void {
  const N = LAYOUT.DEVICE_INTERFACE_CHANGE_NOTIFICATION;
  const targets = only ? [only] : registrations(env.kernel, "pnp").filter((r) => {
    const d = r.data as { category?: number; guid?: string } | undefined;
    return d?.category === EventCategoryDeviceInterfaceChange && d.guid === i.guid;
  });
  for (const r of targets) {
    const m = env.mem;
    const block = kalloc(env, N.$size + 0x10 + 2 * i.link.length + 2 + 0x10, TAG_NOTIFY);
    const us = block + B(N.$size + 0x8 - (N.$size % 8));
    m.write(block, new Uint8Array(N.$size));
    m.setU16(block + B(N.Version), 1);
    m.setU16(block + B(N.Size), N.$size);
    writeGuid(m, block + B(N.Event), event);
    writeGuid(m, block + B(N.InterfaceClassGuid), i.guid);
    writeUnicodeString(m, us, i.link);
    putPtr(m, block + B(N.SymbolicLinkName), us);
    env.kernel.emit?.({ event: "callback", module: env.kernel.moduleAt?.(r.routine) ?? "?", action: "invoke", kind: "pnp", routine: env.kernel.where?.(r.routine) ?? r.routine.toString(16), notification: event === GUID_DEVICE_INTERFACE_ARRIVAL ? "GUID_DEVICE_INTERFACE_ARRIVAL" : "GUID_DEVICE_INTERFACE_REMOVAL", link: i.link });
    try {
      env.callGuest(r.routine, [block, r.context]);
    } finally {
      kfree(env, block);
    }
  }
}

/** Enable or disable an interface: its symbolic link and the notifications. */
export function setInterfaceState(env: IoEnv, i: DeviceInterface, enable: boolean): void {
  if (i.enabled === enable) return;
  i.enabled = enable;
  const io = ioState(env.kernel);
  const target = io.devices.get(i.pdo)?.name ?? null;
  if (enable && target) io.links.set(canonical(i.link), target);
  if (!enable) io.links.delete(canonical(i.link));
  env.kernel.emit?.({ event: "pnp", action: enable ? "interface-enabled" : "interface-disabled", device: i.instance, interface: i.guid, link: i.link } as never);
  notifyInterface(env, i, enable ? GUID_DEVICE_INTERFACE_ARRIVAL : GUID_DEVICE_INTERFACE_REMOVAL);
}

/** The device is being removed: its enabled interfaces go away (removal notifications). */
export function disableInterfacesOf(env: IoEnv, pdo: bigint): void {
  const st = pnpState(env.kernel);
  for (const i of st.interfaces) if (i.pdo === pdo && i.enabled) setInterfaceState(env, i, false);
}



/** IoRegisterDeviceInterface's work (also WdfDeviceCreateDeviceInterface): the interface of a devnode's PDO, registered once. */
export function registerInterface(env: { kernel: IoEnv["kernel"] }, pdo: bigint, guid: string, ref: string | null, module: string): { status: number; iface?: DeviceInterface } {
  const st = pnpState(env.kernel);
  const n = nodeOfPdo(st, pdo);
  if (!n) return { status: STATUS.INVALID_DEVICE_REQUEST };
  const link = interfaceLink(n.instance, guid, ref || null);
  let i = findInterface(env, link);
  if (!i) {
    i = { link, guid, pdo, instance: n.instance, enabled: false };
    st.interfaces.push(i);
    env.kernel.emit?.({ event: "pnp", action: "interface-registered", device: n.instance, interface: guid, link, module } as never);
  }
  return { status: STATUS.SUCCESS, iface: i };
}
