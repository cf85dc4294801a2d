/**
 * Device objects: creation and deletion (IoCreateDevice / IoDeleteDevice), the \\Device object
 * namespace and symbolic links, device stacks (attach/detach), a driver's device list.
 */
import type { ApiContext, GuestMemory, KernelState } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { hex, upcaseChar } from "../api/util.js";
import { dereference, registerObject } from "../obmgr/index.js";
import { DO_DEVICE_INITIALIZING, DO_DEVICE_HAS_NAME, DO_EXCLUSIVE, IO_TYPE_DEVICE, IO_TYPE_DEVICE_OBJECT_EXTENSION, TAG_DEVICE } from "./constants.js";
import { envOf, kalloc, kfree, safeU64, type IoEnv } from "./env.js";
import { ioState } from "./state.js";

const B = (n: number) => BigInt(n);
const D = LAYOUT.DRIVER_OBJECT;
const DEV = LAYOUT.DEVICE_OBJECT;
const DX = LAYOUT.DEVOBJ_EXTENSION;

/** Canonical object name: upper case, `\??\` and `\DosDevices\` as `\GLOBAL??\`. */
export function canonical(name: string): string {
  let s = "";
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(upcaseChar(name.charCodeAt(i)));
  if (s.startsWith("\\??\\")) s = "\\GLOBAL??\\" + s.slice(4);
  else if (s.startsWith("\\DOSDEVICES\\")) s = "\\GLOBAL??\\" + s.slice(12);
  return s;
}

/** The device an object name refers to (following symbolic links), or null. */
export function lookupDevice(kernel: KernelState, name: string): bigint | null {
  const io = ioState(kernel);
  let n = canonical(name);
  for (let hops = 0; hops < 8; hops++) {
    const d = io.names.get(n);
    if (d !== undefined) return d;
    const t = io.links.get(n);
    if (t === undefined) return null;
    n = canonical(t);
  }
  return null;
}

/** "\Device\IfProvider", or "funcdrv.sys (unnamed device)". */
export function deviceLabel(env: { kernel: KernelState; mem: GuestMemory }, dev: bigint): string {
  const info = ioState(env.kernel).devices.get(dev);
  if (info?.name) return info.name;
  const drv = info ? info.driver : safeU64(env.mem, dev + B(DEV.DriverObject));
  const start = drv ? safeU64(env.mem, drv + B(D.DriverStart)) : 0n;
  const mod = start ? env.kernel.moduleAt?.(start) : null;
  return `${mod ?? "?"} (unnamed device)`;
}

// ---------------------------------------------------------------- devices

/** The highest device attached on top of `dev` (IoGetAttachedDevice). */
export function attachedTop(mem: GuestMemory, dev: bigint): bigint {
  let d = dev;
  for (let i = 0; i < 64; i++) {
    const up = getPtr(mem, d + B(DEV.AttachedDevice));
    if (up === 0n) return d;
    d = up;
  }
  return d;
}

export function createDevice(env: IoEnv, driver: bigint, extSize: number, name: string | null, type: number, characteristics: number, exclusive: boolean): { status: number; device: bigint } {
  const io = ioState(env.kernel);
  if (name !== null) {
    if (!name.startsWith("\\")) return { status: STATUS.OBJECT_PATH_SYNTAX_BAD, device: 0n };
    const c = canonical(name);
    if (io.names.has(c) || io.links.has(c)) return { status: STATUS.OBJECT_NAME_COLLISION, device: 0n };
  }
  const extOff = (DEV.$size + 15) & ~15;
  const dxOff = (extOff + extSize + 15) & ~15;
  const total = dxOff + DX.$size;
  const dev = kalloc(env, total, TAG_DEVICE);
  const m = env.mem;
  m.setU16(dev + B(DEV.Type), IO_TYPE_DEVICE);
  m.setU16(dev + B(DEV.Size), (DEV.$size + extSize) & 0xffff);
  m.setU32(dev + B(DEV.ReferenceCount), 0);
  putPtr(m, dev + B(DEV.DriverObject), driver);
  putPtr(m, dev + B(DEV.NextDevice), getPtr(m, driver + B(D.DeviceObject)));
  putPtr(m, driver + B(D.DeviceObject), dev);
  m.setU32(dev + B(DEV.Flags), DO_DEVICE_INITIALIZING | (exclusive ? DO_EXCLUSIVE : 0) | (name !== null ? DO_DEVICE_HAS_NAME : 0));
  m.setU32(dev + B(DEV.Characteristics), characteristics);
  putPtr(m, dev + B(DEV.DeviceExtension), extSize > 0 ? dev + B(extOff) : 0n);
  m.setU32(dev + B(DEV.DeviceType), type);
  m.setU8(dev + B(DEV.StackSize), 1);
  const dx = dev + B(dxOff);
  m.setU16(dx + B(DX.Type), IO_TYPE_DEVICE_OBJECT_EXTENSION);
  m.setU16(dx + B(DX.Size), DX.$size);
  putPtr(m, dx + B(DX.DeviceObject), dev);
  putPtr(m, dev + B(DEV.DeviceObjectExtension), dx);
  io.devices.set(dev, { address: dev, name, driver, attachedTo: null, deleted: false });
  if (name !== null) io.names.set(canonical(name), dev);
  registerObject(env.kernel, dev, {
    type: "Device",
    ...(name !== null ? { name } : {}),
    onDelete: () => {
      io.devices.delete(dev);
      kfree(env, dev);
    },
  });
  return { status: STATUS.SUCCESS, device: dev };
}

export function deleteDevice(ctx: ApiContext, dev: bigint): void {
  const env = envOf(ctx);
  const io = ioState(ctx.kernel);
  const info = io.devices.get(dev);
  if (!info || info.deleted) return ctx.fault("bugcheck", `IoDeleteDevice(${hex(dev)}): not a device object kmdll created (or deleted twice)`, { code: "0x00000018" });
  const m = ctx.mem;
  if (getPtr(m, dev + B(DEV.AttachedDevice)) !== 0n && !io.removing.has(dev))
    ctx.warn(`IoDeleteDevice(${deviceLabel(env, dev)}): ${deviceLabel(env, getPtr(m, dev + B(DEV.AttachedDevice)))} is still attached on top of it (IoDetachDevice first)`);
  // Unlink from the driver's device list.
  let link = info.driver + B(D.DeviceObject);
  for (let i = 0; i < 4096; i++) {
    const cur = getPtr(m, link);
    if (cur === 0n) break;
    if (cur === dev) {
      putPtr(m, link, getPtr(m, dev + B(DEV.NextDevice)));
      break;
    }
    link = cur + B(DEV.NextDevice);
  }
  if (info.name !== null) io.names.delete(canonical(info.name));
  if (info.attachedTo !== null) {
    putPtr(m, info.attachedTo + B(DEV.AttachedDevice), 0n);
    info.attachedTo = null;
  }
  info.deleted = true;
  dereference(ctx, dev, "IoDeleteDevice");
}

/** After DriverEntry succeeds, the I/O manager clears DO_DEVICE_INITIALIZING on the devices it created. */
export function driverEntryDone(mem: GuestMemory, driver: bigint): void {
  for (const d of devicesOf(mem, driver)) mem.setU32(d + B(DEV.Flags), mem.u32(d + B(DEV.Flags)) & ~DO_DEVICE_INITIALIZING);
}

/** Devices still in a driver object's list (for the unload warning). */
export function devicesOf(mem: GuestMemory, driver: bigint): bigint[] {
  const out: bigint[] = [];
  let d = getPtr(mem, driver + B(D.DeviceObject));
  while (d !== 0n && out.length < 4096) {
    out.push(d);
    d = getPtr(mem, d + B(DEV.NextDevice));
  }
  return out;
}
