/**
 * The object namespace as drivers query it: ObReferenceObjectByName (devices, following
 * symbolic links, and driver objects), symbolic link objects (ZwOpenSymbolicLinkObject,
 * ZwQuerySymbolicLinkObject) and directory objects (ZwOpenDirectoryObject,
 * ZwQueryDirectoryObject listing \Device, \Driver, \GLOBAL?? and \BaseNamedObjects from the I/O
 * manager's names and links). OBJECT_DIRECTORY_INFORMATION (x64) is { UNICODE_STRING Name;
 * UNICODE_STRING TypeName } (32 bytes); a query returns the entries, an all-zero entry, then the
 * strings.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { encodeUtf16, hex, nt, q, readCounted, readPtr, unicodeText, writeCounted, writePtr } from "./util.js";
import { insertHandle, lookupHandle, objectManager, reference } from "./ob.js";
import { holderOf } from "../obmgr/index.js";
import { DO_BUFFERED_IO, DO_DEVICE_INITIALIZING, DO_DIRECT_IO, IRP_MJ, canonical, createDevice, createDriverObject, envOf, ioState, lookupDevice, systemOpenClose } from "../iomgr/index.js";
import { loaderEntry } from "../iomgr/ldr-entry.js";
import { VOLUME_DEVICE } from "../volume/volume.js";
import { nameHandleClosed, namespaceOf } from "../obmgr/namespace.js";
import { dxgkrnlInternalControl } from "./dxgkrnl.js";

const B = (n: number) => BigInt(n);
const OA = LAYOUT.OBJECT_ATTRIBUTES;
const STATUS_NO_MORE_ENTRIES = 0x8000001a;
export const DIRECTORIES = ["\\DEVICE", "\\DRIVER", "\\GLOBAL??", "\\BASENAMEDOBJECTS"];

/**
 * The object name an OBJECT_ATTRIBUTES designates: ObjectName alone, or relative to the directory
 * object RootDirectory (a handle ZwOpenDirectoryObject returned; the name must then not start
 * with a backslash). A RootDirectory that is not a directory handle: STATUS_INVALID_HANDLE or
 * STATUS_OBJECT_TYPE_MISMATCH, as ObReferenceObjectByHandle gives the object manager.
 */
export function oaName(ctx: ApiContext, oa: bigint): { name: string | null; attributes: number; status?: number } {
  if (oa === 0n) return { name: null, attributes: 0 };
  const p = readPtr(ctx.mem, oa + B(OA.ObjectName));
  const attributes = ctx.mem.u32(oa + B(OA.Attributes));
  const name = p === 0n ? null : unicodeText(ctx.mem, p);
  const root = readPtr(ctx.mem, oa + B(OA.RootDirectory));
  if (root === 0n || name === null) return { name, attributes };
  const h = lookupHandle(ctx.kernel, root);
  if (!h) return { name, attributes, status: STATUS.INVALID_HANDLE };
  if (h.type !== "Directory") return { name, attributes, status: STATUS.OBJECT_TYPE_MISMATCH };
  if (name.startsWith("\\")) return { name, attributes, status: STATUS.OBJECT_PATH_SYNTAX_BAD };
  const dir = (h.data as { dir: string }).dir;
  return { name: name === "" ? dir : `${dir}\\${name}`, attributes };
}

/**
 * Symbolic links every booted system has besides the ones drivers create: the system volume's
 * drive letter (\GLOBAL??\C: → \Device\HarddiskVolume1, the volume the file sandbox serves). A
 * minifilter converting volume device names to DOS paths opens `C:` under `\??` this way. And
 * `\SystemRoot`, the link in the root directory that the kernel creates at boot (IopCreateArcNames /
 * IoInitSystem: `\SystemRoot` → the ARC name of the boot partition's Windows folder, which a booted
 * system shows resolved as `\Device\HarddiskVolumeN\Windows`): drivers open it with
 * ZwOpenSymbolicLinkObject to learn the system volume and folder. Target: the sandbox volume's
 * Windows folder (the --root directory).
 */
const SYSTEM_LINKS: ReadonlyMap<string, string> = new Map([
  ["\\GLOBAL??\\C:", VOLUME_DEVICE],
  ["\\SYSTEMROOT", `${VOLUME_DEVICE}\\Windows`],
]);

export function linkTarget(ctx: ApiContext, name: string): string | undefined {
  const c = canonical(name);
  return ioState(ctx.kernel).links.get(c) ?? SYSTEM_LINKS.get(c);
}

/**
 * A directory name as ZwOpenDirectoryObject resolves it: `\??` and `\DosDevices` are the current
 * process's DosDevices directory, which for the System process (where DriverEntry, DriverUnload
 * and system threads run) is \GLOBAL?? (the object manager's \?? handling, ObpLookupObjectName).
 */
export function directoryName(name: string): string {
  const dir = canonical(name).replace(/\\+$/, "");
  return dir === "\\??" || dir === "\\DOSDEVICES" ? "\\GLOBAL??" : dir;
}

/**
 * Drivers every booted Windows 10 x64 has loaded (boot- and system-start services of a default
 * installation, present whether or not their hardware is): their DRIVER_OBJECTs exist in the
 * namespace, so a driver that looks one up by name (e.g. \Driver\Kbdclass, to find keyboard
 * devices, or \Driver\nsiproxy, the NSI proxy behind netstat's queries, whose dispatch table
 * rootkits hook) gets it. They own no device objects and no image here; their dispatch routines are the
 * I/O manager's default (STATUS_INVALID_DEVICE_REQUEST).
 */
const SYSTEM_DRIVERS = ["\\Driver\\ACPI", "\\Driver\\pci", "\\Driver\\disk", "\\Driver\\volmgr", "\\Driver\\partmgr", "\\Driver\\Kbdclass", "\\Driver\\Mouclass", "\\Driver\\i8042prt", "\\Driver\\kbdhid", "\\Driver\\mouhid", "\\Driver\\Null", "\\Driver\\Beep", "\\Driver\\Tcpip", "\\Driver\\NDIS", "\\Driver\\afd", "\\Driver\\storahci", "\\Driver\\stornvme", "\\Driver\\usbhub", "\\Driver\\USBXHCI", "\\Driver\\HidUsb", "\\FileSystem\\Ntfs", "\\FileSystem\\FltMgr", "\\FileSystem\\Npfs", "\\FileSystem\\Msfs", "\\FileSystem\\RAW", "\\FileSystem\\Mup", "\\Driver\\DxgKrnl", "\\Driver\\nsiproxy"];

/** Driver object by \Driver\Name or \FileSystem\Name (the objects the I/O manager registered with their names). */
export function driverByName(ctx: ApiContext, name: string): bigint | null {
  const want = canonical(name);
  for (const [addr, o] of objectManager(ctx.kernel).objects) if (o.type === "Driver" && o.name && canonical(o.name) === want) return addr;
  const system = SYSTEM_DRIVERS.find((d) => canonical(d) === want);
  if (!system) return null;
  const leaf = system.slice(system.lastIndexOf("\\") + 1);
  const obj = createDriverObject(ctx.mem, ctx.kernel, { base: 0n, size: 0 }, 0n, leaf, system);
  objectManager(ctx.kernel).objects.get(obj)!.permanent = true;
  // DriverSection: its entry in the loaded-module list (linked there like every loaded driver's;
  // the image itself is not mapped: DllBase NULL, SizeOfImage 0).
  const section = leaf === "RAW" ? 0n : loaderEntry(ctx.mem, ctx.kernel, { name: `${leaf.toLowerCase()}.sys`, base: 0n, size: 0, entry: 0n });
  if (section !== 0n) writePtr(ctx.mem, obj + B(LAYOUT.DRIVER_OBJECT.DriverSection), section);
  // dxgkrnl.sys (a built-in module, its loader entry above) answers displib's IOCTL_VIDEO_DDI_FUNC_REGISTER (api/dxgkrnl.ts).
  if (leaf === "DxgKrnl") writePtr(ctx.mem, obj + B(LAYOUT.DRIVER_OBJECT.MajorFunction) + B(IRP_MJ.INTERNAL_DEVICE_CONTROL * ptrSize()), dxgkrnlInternalControl(ctx.kernel));
  return obj;
}

/**
 * Named device objects of the system drivers above that a booted PC has and drivers look up by
 * name: tcpip.sys's transport devices (\Device\Tcp, \Device\Udp, \Device\RawIp, \Device\Ip and
 * the IPv6 Tcp6, Udp6, RawIp6; FILE_DEVICE_NETWORK, direct I/O) that TDI clients and filters open,
 * NTFS's control device \Ntfs and \Device\Mup (\FileSystem\Mup) that file system filters
 * attach to, and the class devices of the first
 * keyboard and mouse (\Device\KeyboardClass0 of \Driver\Kbdclass, FILE_DEVICE_KEYBOARD;
 * \Device\PointerClass0 of \Driver\Mouclass, FILE_DEVICE_MOUSE; buffered I/O) that keyboard and
 * mouse filters attach to, and beep.sys's \Device\Beep (\Driver\Beep, FILE_DEVICE_BEEP) (device types: wdm.h / devioctl.h). Each is made, permanent, when a name
 * lookup first misses it (so \Device lists it only from then on). Opening and closing one succeeds
 * (IoGetDeviceObjectPointer, ZwCreateFile), as on Windows; any other IRP sent to one completes
 * with STATUS_INVALID_DEVICE_REQUEST, the I/O manager's default (no transport and no input is
 * modelled).
 */
const SYSTEM_DEVICES = new Map(([
  ["\\Device\\Tcp", "\\Driver\\Tcpip", 0x12, DO_DIRECT_IO],
  ["\\Device\\Udp", "\\Driver\\Tcpip", 0x12, DO_DIRECT_IO],
  ["\\Device\\RawIp", "\\Driver\\Tcpip", 0x12, DO_DIRECT_IO],
  ["\\Device\\Ip", "\\Driver\\Tcpip", 0x12, DO_DIRECT_IO],
  ["\\Device\\Tcp6", "\\Driver\\Tcpip", 0x12, DO_DIRECT_IO],
  ["\\Device\\Udp6", "\\Driver\\Tcpip", 0x12, DO_DIRECT_IO],
  ["\\Device\\RawIp6", "\\Driver\\Tcpip", 0x12, DO_DIRECT_IO],
  ["\\Device\\KeyboardClass0", "\\Driver\\Kbdclass", 0x0b, DO_BUFFERED_IO],
  ["\\Device\\PointerClass0", "\\Driver\\Mouclass", 0x0f, DO_BUFFERED_IO],
  // beep.sys's device (FILE_DEVICE_BEEP, buffered I/O as ReactOS drivers/base/beep/beep.c makes
  // it), which every Windows has and sound-event filters such as Logitech's LBeepKE.sys attach to.
  ["\\Device\\Beep", "\\Driver\\Beep", 0x01, DO_BUFFERED_IO],
  // NTFS's control device object (FILE_DEVICE_DISK_FILE_SYSTEM) and the multiple UNC provider
  // (FILE_DEVICE_MULTI_UNC_PROVIDER), which file system filters open to attach to.
  ["\\Ntfs", "\\FileSystem\\Ntfs", 0x08, 0],
  ["\\Device\\Mup", "\\FileSystem\\Mup", 0x10, 0],
  // dxgkrnl.sys's device (FILE_DEVICE_VIDEO), which display miniports' DxgkInitialize (displib) opens: api/dxgkrnl.ts.
  ["\\Device\\DxgKrnl", "\\Driver\\DxgKrnl", 0x23, 0],
] as const).map(([name, driver, type, flags]) => [canonical(name), { name, driver, type, flags }]));

/** The device a name designates (symbolic links followed), making a system device above on first use; or null. */
export function deviceByName(ctx: ApiContext, name: string): bigint | null {
  const found = lookupDevice(ctx.kernel, name);
  if (found !== null) return found;
  const c = canonical(name);
  const sys = SYSTEM_DEVICES.get(c);
  if (!sys) return null;
  const drv = driverByName(ctx, sys.driver);
  if (drv === null) return null;
  const major = drv + B(LAYOUT.DRIVER_OBJECT.MajorFunction);
  for (const mj of [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]) writePtr(ctx.mem, major + B(mj * ptrSize()), systemOpenClose(ctx.kernel));
  const r = createDevice(envOf(ctx), drv, 0, sys.name, sys.type, 0, false);
  if (r.status !== STATUS.SUCCESS) return null;
  const flags = B(LAYOUT.DEVICE_OBJECT.Flags);
  ctx.mem.setU32(r.device + flags, (ctx.mem.u32(r.device + flags) & ~DO_DEVICE_INITIALIZING) | sys.flags);
  const o = objectManager(ctx.kernel).objects.get(r.device);
  if (o) o.permanent = true;
  return r.device;
}

/** Names in one namespace directory: [name, type]. */
function listDirectory(ctx: ApiContext, dir: string): [string, string][] {
  const io = ioState(ctx.kernel);
  const out: [string, string][] = [];
  const leaf = (full: string) => (full.toUpperCase().startsWith(dir + "\\") && !full.slice(dir.length + 1).includes("\\") ? full.slice(dir.length + 1) : null);
  for (const [n] of io.names) {
    const l = leaf(n);
    if (l) out.push([l, "Device"]);
  }
  for (const n of new Set([...io.links.keys(), ...SYSTEM_LINKS.keys()])) {
    const l = leaf(n);
    if (l) out.push([l, "SymbolicLink"]);
  }
  for (const [n, o] of namespaceOf(ctx.kernel).named) {
    const l = leaf(n);
    if (l) out.push([o.name.slice(o.name.lastIndexOf("\\") + 1), o.type]);
  }
  if (dir === "\\DRIVER")
    for (const o of objectManager(ctx.kernel).objects.values()) if (o.type === "Driver" && o.name) {
      const l = leaf(canonical(o.name));
      if (l) out.push([l, "Driver"]);
    }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

export const apis: ApiDefinition[] = [
  nt("ObReferenceObjectByName", 8, (ctx) => {
    const name = unicodeText(ctx.mem, ctx.arg(0));
    const out = ctx.arg(7);
    ctx.describe([q(name), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.u32(3)), hex(ctx.arg(4)), ctx.u32(5) & 0xff ? "UserMode" : "KernelMode", hex(ctx.arg(6)), hex(out)]);
    if (name === null || !name.startsWith("\\")) return STATUS.OBJECT_NAME_INVALID;
    const c = canonical(name);
    const obj = c.startsWith("\\DRIVER\\") || c.startsWith("\\FILESYSTEM\\") ? driverByName(ctx, name) : lookupDevice(ctx.kernel, name);
    if (obj === null) return STATUS.OBJECT_NAME_NOT_FOUND;
    reference(ctx, obj, "ObReferenceObjectByName", holderOf(ctx));
    writePtr(ctx.mem, out, obj);
    return STATUS.SUCCESS;
  }),
  nt("ZwOpenSymbolicLinkObject", 3, (ctx) => {
    const { name, attributes, status } = oaName(ctx, ctx.arg(2));
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), q(name)]);
    if (status !== undefined) return status;
    if (!name) return STATUS.OBJECT_NAME_INVALID;
    const target = linkTarget(ctx, name);
    if (target === undefined) return STATUS.OBJECT_NAME_NOT_FOUND;
    const nsName = canonical(name);
    const kernel = ctx.kernel;
    writePtr(ctx.mem, ctx.arg(0), insertHandle(kernel, { type: "SymbolicLink", data: { target, nsName, name }, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0, onClose: () => nameHandleClosed(kernel, nsName, (n) => ioState(kernel).links.delete(n)) }));
    return STATUS.SUCCESS;
  }),
  nt("ZwQuerySymbolicLinkObject", 3, (ctx) => {
    const h = lookupHandle(ctx.kernel, ctx.arg(0));
    if (!h) return STATUS.INVALID_HANDLE;
    if (h.type !== "SymbolicLink") return STATUS.OBJECT_TYPE_MISMATCH;
    const target = encodeUtf16((h.data as { target: string }).target);
    const s = readCounted(ctx.mem, ctx.arg(1));
    if (ctx.arg(2) !== 0n) ctx.mem.setU32(ctx.arg(2), target.length);
    if (target.length > s.maximumLength) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(s.buffer, target);
    if (target.length + 2 <= s.maximumLength) ctx.mem.setU16(s.buffer + B(target.length), 0);
    writeCounted(ctx.mem, ctx.arg(1), { ...s, length: target.length });
    return STATUS.SUCCESS;
  }),
  nt("ZwOpenDirectoryObject", 3, (ctx) => {
    const { name, attributes, status } = oaName(ctx, ctx.arg(2));
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), q(name)]);
    if (status !== undefined) return status;
    if (!name) return STATUS.OBJECT_NAME_INVALID;
    const dir = directoryName(name);
    const made = namespaceOf(ctx.kernel).named.get(dir);
    if (!DIRECTORIES.includes(dir) && made?.type !== "Directory") return STATUS.OBJECT_NAME_NOT_FOUND;
    const kernel = ctx.kernel;
    writePtr(ctx.mem, ctx.arg(0), insertHandle(kernel, { type: "Directory", data: { dir, nsName: dir, name: made?.name ?? name }, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0, onClose: () => nameHandleClosed(kernel, dir) }));
    return STATUS.SUCCESS;
  }),
  nt("ZwQueryDirectoryObject", 7, (ctx) => {
    const h = lookupHandle(ctx.kernel, ctx.arg(0));
    const [buf, length] = [ctx.arg(1), ctx.u32(2)];
    const single = (ctx.u32(3) & 0xff) !== 0;
    const restart = (ctx.u32(4) & 0xff) !== 0;
    const ctxPtr = ctx.arg(5);
    const ret = ctx.arg(6);
    if (!h) return STATUS.INVALID_HANDLE;
    if (h.type !== "Directory") return STATUS.OBJECT_TYPE_MISMATCH;
    const entries = listDirectory(ctx, (h.data as { dir: string }).dir);
    let index = restart ? 0 : ctx.mem.u32(ctxPtr);
    if (index >= entries.length) return STATUS_NO_MORE_ENTRIES;
    // Fit as many entries as possible: (n + 1) headers then the strings (each NUL-terminated).
    // OBJECT_DIRECTORY_INFORMATION { UNICODE_STRING Name, TypeName }: 32 bytes on x64, 16 on x86.
    const E = 4 * ptrSize();
    const pick: [string, string][] = [];
    let need = E;
    for (let i = index; i < entries.length; i++) {
      const [n, t] = entries[i]!;
      const add = E + (n.length + 1) * 2 + (t.length + 1) * 2;
      if (need + add > length) break;
      pick.push([n, t]);
      need += add;
      if (single) break;
    }
    if (ret !== 0n) ctx.mem.setU32(ret, pick.length ? need : E + (entries[index]![0].length + entries[index]![1].length + 2) * 2 + E);
    if (!pick.length) return STATUS.BUFFER_TOO_SMALL;
    let str = buf + B(E * (pick.length + 1));
    pick.forEach(([n, t], i) => {
      for (const [off, s] of [[0, n], [E / 2, t]] as const) {
        const data = encodeUtf16(s + "\0");
        ctx.mem.write(str, data);
        writeCounted(ctx.mem, buf + B(i * E + off), { length: data.length - 2, maximumLength: data.length, buffer: str });
        str += B(data.length);
      }
    });
    ctx.mem.write(buf + B(E * pick.length), new Uint8Array(E));
    index += pick.length;
    ctx.mem.setU32(ctxPtr, index);
    return index < entries.length && !single ? 0x105 /* STATUS_MORE_ENTRIES */ : STATUS.SUCCESS;
  }),
];
