/**
 * Zw*File routines on the sandboxed volume (src/emu/volume): ZwCreateFile / ZwOpenFile /
 * IoCreateFile, ZwReadFile, ZwWriteFile, ZwDeleteFile, ZwFlushBuffersFile; file information
 * (ZwQueryInformationFile, ZwSetInformationFile, ZwQueryFullAttributesFile) in api/fileinfo.ts;
 * directories in api/filedir.ts; a device's name opens a file object on the device (api/file-device.ts);
 * control requests and byte-range locks in api/filectl.ts. Each operation is a `file` trace event.
 *
 * Constants and layouts from wdm.h / ntifs.h (Microsoft Learn): CreateDisposition FILE_SUPERSEDE 0,
 * OPEN 1, CREATE 2, OPEN_IF 3, OVERWRITE 4, OVERWRITE_IF 5; IO_STATUS_BLOCK.Information
 * FILE_SUPERSEDED 0, OPENED 1, CREATED 2, OVERWRITTEN 3; CreateOptions FILE_DIRECTORY_FILE 1,
 * FILE_SYNCHRONOUS_IO_ALERT 0x10, _NONALERT 0x20, FILE_NON_DIRECTORY_FILE 0x40,
 * FILE_DELETE_ON_CLOSE 0x1000.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, q, readPtr, unicodeText, writePtr } from "./util.js";
import { componentState } from "./state.js";
import { BOOT_SYSTEM_TIME, clockOf } from "./ke.js";
import { insertHandle, lookupHandle } from "./ob.js";
import { volumeFileObject } from "./file-object.js";
import { deviceFileOf, deviceOfName, deviceReadWrite, openOnDevice } from "./file-device.js";
import { lockConflict, releaseLocks } from "./filectl.js";
import { children, contents, createVolume, displayPath, lookup, MAX_FILE, put, remove, volumePath, type Volume, type VolumeNode } from "../volume/volume.js";
import { refreshStream } from "./file-stream.js";

const B = (n: number) => BigInt(n);
const OA = LAYOUT.OBJECT_ATTRIBUTES;
export const FS = {
  END_OF_FILE: 0xc0000011,
  FILE_IS_A_DIRECTORY: 0xc00000ba,
  NOT_A_DIRECTORY: 0xc0000103,
  DIRECTORY_NOT_EMPTY: 0xc0000101,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  NO_MORE_FILES: 0x80000006,
  NO_SUCH_FILE: 0xc000000f,
  DELETE_PENDING: 0xc0000056,
};
const READ_ACCESS = 0x1 | 0x80000000 | 0x10000000; // FILE_READ_DATA | GENERIC_READ | GENERIC_ALL
const WRITE_ACCESS = 0x2 | 0x4 | 0x40000000 | 0x10000000; // FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE | GENERIC_ALL

/** The volume of this kernel: an empty \Windows until call/sim provide one rooted at --root. */
export const volumeOf = componentState("volume", (): Volume => createVolume(null, BOOT_SYSTEM_TIME));
/** Give a kernel its volume (the --root folder plays C:\Windows). */
export function provideVolume(kernel: KernelState, root: string | null): Volume {
  return volumeOf.provide(kernel, createVolume(root, BOOT_SYSTEM_TIME));
}

export interface FileHandleData {
  parts: string[];
  dir: boolean;
  access: number;
  sync: boolean;
  position: bigint;
  deleteOnClose: boolean;
  /** Directory enumeration state (filedir.ts). */
  search?: { names: VolumeNode[]; next: number; pattern: string | null };
}

export function fileEvent(ctx: ApiContext, op: string, path: string, status: number, extra: Record<string, unknown> = {}): void {
  ctx.kernel.emit?.({ event: "file", module: ctx.caller?.module ?? "?", op, path, status: "0x" + (status >>> 0).toString(16).toUpperCase().padStart(8, "0"), ...extra });
}

export function iosb(ctx: ApiContext, at: bigint, status: number, information: bigint | number): number {
  if (at !== 0n) {
    ctx.mem.setU32(at, status >>> 0);
    // IO_STATUS_BLOCK: Status (in a pointer-sized union), then Information (ULONG_PTR).
    writePtr(ctx.mem, at + BigInt(ptrSize()), BigInt(information));
  }
  return status;
}

export function requirePassive(ctx: ApiContext, api: string): void {
  if (ctx.kernel.irql !== 0) ctx.fault("bugcheck", `${api} at IRQL ${ctx.kernel.irql} (file routines run at PASSIVE_LEVEL)`, { code: "0x0000000A" });
}

/** OBJECT_ATTRIBUTES → volume path (RootDirectory may be an open directory handle). */
export function pathOf(ctx: ApiContext, oa: bigint): { parts: string[]; text: string } | number {
  if (oa === 0n) return STATUS.INVALID_PARAMETER;
  const namePtr = readPtr(ctx.mem, oa + B(OA.ObjectName));
  const name = namePtr === 0n ? null : unicodeText(ctx.mem, namePtr);
  const root = readPtr(ctx.mem, oa + B(OA.RootDirectory));
  if (name === null) return STATUS.OBJECT_NAME_INVALID;
  if (root !== 0n) {
    const h = lookupHandle(ctx.kernel, root);
    if (!h || h.type !== "File") return STATUS.INVALID_HANDLE;
    const d = h.data as FileHandleData;
    if (name.startsWith("\\")) return STATUS.OBJECT_NAME_INVALID;
    const r = volumePath("\\??\\C:\\" + [...d.parts, name].join("\\"));
    if (!r.ok) return STATUS.OBJECT_NAME_INVALID;
    return { parts: r.parts, text: displayPath(r.parts) };
  }
  const r = volumePath(name);
  if (!r.ok) return r.status === "invalid" ? STATUS.OBJECT_NAME_INVALID : STATUS.OBJECT_PATH_NOT_FOUND;
  return { parts: r.parts, text: displayPath(r.parts) };
}

export function create(ctx: ApiContext, api: string, out: bigint, access: number, oa: bigint, io: bigint, attributes: number, disposition: number, options: number, share = 0): number {
  requirePassive(ctx, api);
  const p = pathOf(ctx, oa);
  const shownName = (() => {
    try {
      const np = oa === 0n ? 0n : readPtr(ctx.mem, oa + B(OA.ObjectName));
      return np === 0n ? null : unicodeText(ctx.mem, np);
    } catch {
      return null;
    }
  })();
  if (typeof p === "number") {
    // Not on the volume: a device's name (\Device\X, \??\X) opens a file object on the device.
    const rooted = oa !== 0n && readPtr(ctx.mem, oa + B(OA.RootDirectory)) !== 0n;
    if (p === STATUS.OBJECT_PATH_NOT_FOUND && shownName && !rooted && deviceOfName(ctx, shownName)) {
      if (disposition > 5) return iosb(ctx, io, STATUS.INVALID_PARAMETER, 0);
      const kernelHandle = (ctx.mem.u32(oa + B(OA.Attributes)) & 0x200) !== 0;
      const r = openOnDevice(ctx, shownName, access, options, disposition, share, attributes, kernelHandle);
      fileEvent(ctx, "open", shownName, r.status, { device: true });
      if (r.status === STATUS.SUCCESS || (r.status >>> 0) < 0x80000000) writePtr(ctx.mem, out, r.handle);
      return iosb(ctx, io, r.status, r.information);
    }
    // A missing leaf of \Device or \?? (no device, no link of that name): NAME_NOT_FOUND, as the
    // object manager answers for an existing directory; deeper names keep PATH_NOT_FOUND.
    const leafMissing = p === STATUS.OBJECT_PATH_NOT_FOUND && shownName && !rooted && /^\\(?:device|\?\?|dosdevices|global\?\?)\\[^\\]+$/i.test(shownName);
    const st = leafMissing ? STATUS.OBJECT_NAME_NOT_FOUND : p;
    fileEvent(ctx, "open", shownName ?? "?", st);
    return iosb(ctx, io, st, 0);
  }
  const v = volumeOf(ctx.kernel);
  if (disposition > 5) return iosb(ctx, io, STATUS.INVALID_PARAMETER, 0);
  const wantDir = (options & 0x1) !== 0;
  if (wantDir && (options & 0x40)) return iosb(ctx, io, STATUS.INVALID_PARAMETER, 0);
  const parent = p.parts.length ? lookup(v, p.parts.slice(0, -1)) : null;
  const node = lookup(v, p.parts);
  const finish = (status: number, info: number): number => {
    fileEvent(ctx, "open", p.text, status, { disposition, ...(status === STATUS.SUCCESS ? { result: ["superseded", "opened", "created", "overwritten"][info] } : {}) });
    return iosb(ctx, io, status, status === STATUS.SUCCESS ? info : 0);
  };
  if (p.parts.length && (!parent || parent.kind !== "dir")) return finish(STATUS.OBJECT_PATH_NOT_FOUND, 0);
  let info: number;
  const now = clockOf(ctx).systemTime();
  if (node) {
    if (disposition === 2) return finish(STATUS.OBJECT_NAME_COLLISION, 0);
    if (node.kind === "dir" && (options & 0x40)) return finish(FS.FILE_IS_A_DIRECTORY, 0);
    if (node.kind === "file" && wantDir) return finish(FS.NOT_A_DIRECTORY, 0);
    if (disposition === 0 || disposition === 4 || disposition === 5) {
      if (node.kind === "dir") return finish(STATUS.INVALID_PARAMETER, 0);
      put(v, p.parts, { kind: "file", name: node.name, data: new Uint8Array(0), written: now, attributes: attributes || 0x20 });
      info = disposition === 0 ? 0 : 3;
    } else info = 1;
  } else {
    if (disposition === 1 || disposition === 4) return finish(STATUS.OBJECT_NAME_NOT_FOUND, 0);
    if (!p.parts.length) return finish(STATUS.OBJECT_NAME_INVALID, 0);
    const name = p.parts[p.parts.length - 1]!;
    put(v, p.parts, wantDir ? { kind: "dir", name, written: now, attributes: 0x10 } : { kind: "file", name, data: new Uint8Array(0), written: now, attributes: attributes || 0x20 });
    info = 2;
  }
  const isDir = lookup(v, p.parts)!.kind === "dir";
  const data: FileHandleData = { parts: p.parts, dir: isDir, access, sync: (options & 0x30) !== 0, position: 0n, deleteOnClose: (options & 0x1000) !== 0 };
  const h = insertHandle(ctx.kernel, {
    type: "File",
    data,
    access,
    kernelHandle: oa !== 0n && (ctx.mem.u32(oa + B(OA.Attributes)) & 0x200) !== 0,
    makeObject: (c) => volumeFileObject(c, data),
    onClose: () => {
      releaseLocks(ctx.kernel, data);
      if (data.deleteOnClose) {
        remove(v, data.parts);
        fileEvent(ctx, "delete", displayPath(data.parts), STATUS.SUCCESS);
      }
    },
  });
  writePtr(ctx.mem, out, h);
  return finish(STATUS.SUCCESS, info);
}

export function fileOf(ctx: ApiContext, handle: bigint): FileHandleData | number {
  const h = lookupHandle(ctx.kernel, handle);
  if (!h) return STATUS.INVALID_HANDLE;
  if (h.type !== "File" || !h.data || !("parts" in (h.data as object))) return STATUS.OBJECT_TYPE_MISMATCH;
  return h.data as FileHandleData;
}

/** ByteOffset argument: explicit, FILE_USE_FILE_POINTER_POSITION (-2), FILE_WRITE_TO_END_OF_FILE (-1), or NULL (synchronous files only). */
function offsetOf(ctx: ApiContext, f: FileHandleData, ptr: bigint, size: number): bigint | number {
  if (ptr === 0n) return f.sync ? f.position : STATUS.INVALID_PARAMETER;
  const o = BigInt.asIntN(64, ctx.mem.u64(ptr));
  if (o === -2n) return f.sync ? f.position : STATUS.INVALID_PARAMETER;
  if (o === -1n) return BigInt(size);
  if (o < 0n) return STATUS.INVALID_PARAMETER;
  return o;
}

function signalEvent(ctx: ApiContext, event: bigint): void {
  if (event === 0n) return;
  const h = lookupHandle(ctx.kernel, event);
  if (h?.type === "Event" && h.object !== undefined) ctx.mem.setU32(h.object + 4n, 1);
}

function readWrite(ctx: ApiContext, write: boolean): number {
  const api = write ? "ZwWriteFile" : "ZwReadFile";
  requirePassive(ctx, api);
  const [handle, event, , , io, buf] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
  const length = ctx.u32(6);
  const offPtr = ctx.arg(7);
  ctx.describe([hex(handle), hex(event), hex(io), hex(buf), String(length), offPtr === 0n ? "NULL" : String(BigInt.asIntN(64, ctx.mem.u64(offPtr)))]);
  const dev = deviceFileOf(ctx, handle);
  if (dev) return deviceReadWrite(ctx, dev, write, event, io, buf, length, offPtr);
  const f = fileOf(ctx, handle);
  if (typeof f === "number") return f;
  if (f.dir) return iosb(ctx, io, STATUS.INVALID_DEVICE_REQUEST, 0);
  if ((f.access & (write ? WRITE_ACCESS : READ_ACCESS)) === 0) return iosb(ctx, io, STATUS.ACCESS_DENIED, 0);
  const v = volumeOf(ctx.kernel);
  const node = lookup(v, f.parts);
  if (!node || node.kind !== "file") return iosb(ctx, io, FS.DELETE_PENDING, 0);
  const data = contents(v, f.parts, node);
  const off = offsetOf(ctx, f, offPtr, data.length);
  if (typeof off === "number") return iosb(ctx, io, off, 0);
  const path = displayPath(f.parts);
  // Byte-range locks of other handles (api/filectl.ts): STATUS_FILE_LOCK_CONFLICT.
  const keyPtr = ctx.arg(8);
  if (lockConflict(ctx.kernel, f, off, BigInt(length), keyPtr === 0n ? 0 : ctx.mem.u32(keyPtr), write)) {
    fileEvent(ctx, write ? "write" : "read", path, 0xc0000054, { offset: Number(off), length });
    return iosb(ctx, io, 0xc0000054, 0);
  }
  if (!write) {
    if (off >= BigInt(data.length) && length > 0) {
      fileEvent(ctx, "read", path, FS.END_OF_FILE, { offset: Number(off), length });
      return iosb(ctx, io, FS.END_OF_FILE, 0);
    }
    const n = Math.min(length, data.length - Number(off));
    ctx.mem.write(buf, data.subarray(Number(off), Number(off) + n));
    f.position = off + B(n);
    signalEvent(ctx, event);
    fileEvent(ctx, "read", path, STATUS.SUCCESS, { offset: Number(off), length: n });
    return iosb(ctx, io, STATUS.SUCCESS, n);
  }
  const end = Number(off) + length;
  if (end > MAX_FILE) return iosb(ctx, io, 0xc000007f /* STATUS_DISK_FULL */, 0);
  const bytes = ctx.mem.read(buf, length);
  const next = new Uint8Array(Math.max(data.length, end));
  next.set(data);
  next.set(bytes, Number(off));
  put(v, f.parts, { ...node, data: next, written: clockOf(ctx).systemTime() });
  refreshStream(ctx, f.parts, B(next.length));
  f.position = B(end);
  signalEvent(ctx, event);
  fileEvent(ctx, "write", path, STATUS.SUCCESS, { offset: Number(off), length });
  return iosb(ctx, io, STATUS.SUCCESS, length);
}


export const apis: ApiDefinition[] = [
  nt("ZwCreateFile", 11, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4)), hex(ctx.u32(5)), hex(ctx.u32(6)), String(ctx.u32(7)), hex(ctx.u32(8))]);
    return create(ctx, "ZwCreateFile", ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.u32(5), ctx.u32(7), ctx.u32(8), ctx.u32(6));
  }),
  nt("IoCreateFile", 14, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4)), hex(ctx.u32(5)), hex(ctx.u32(6)), String(ctx.u32(7)), hex(ctx.u32(8))]);
    return create(ctx, "IoCreateFile", ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.u32(5), ctx.u32(7), ctx.u32(8), ctx.u32(6));
  }),
  nt("ZwOpenFile", 6, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.u32(4)), hex(ctx.u32(5))]);
    return create(ctx, "ZwOpenFile", ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), 0, 1, ctx.u32(5), ctx.u32(4));
  }),
  nt("ZwReadFile", 9, (ctx) => readWrite(ctx, false)),
  nt("ZwWriteFile", 9, (ctx) => readWrite(ctx, true)),
  nt("ZwFlushBuffersFile", 2, (ctx) => {
    const f = fileOf(ctx, ctx.arg(0));
    if (typeof f === "number") return f;
    return iosb(ctx, ctx.arg(1), STATUS.SUCCESS, 0);
  }),
  nt("ZwDeleteFile", 1, (ctx) => {
    requirePassive(ctx, "ZwDeleteFile");
    const p = pathOf(ctx, ctx.arg(0));
    if (typeof p === "number") return p;
    ctx.describe([q(p.text)]);
    const v = volumeOf(ctx.kernel);
    const node = lookup(v, p.parts);
    let st: number = STATUS.SUCCESS;
    if (!node) st = lookup(v, p.parts.slice(0, -1))?.kind === "dir" ? STATUS.OBJECT_NAME_NOT_FOUND : STATUS.OBJECT_PATH_NOT_FOUND;
    // The root directory itself cannot be deleted; a file in it can (a kernel caller runs as SYSTEM).
    else if (p.parts.length === 0) st = STATUS.ACCESS_DENIED;
    else if (node.kind === "dir" && children(v, p.parts).length) st = FS.DIRECTORY_NOT_EMPTY;
    else remove(v, p.parts);
    fileEvent(ctx, "delete", p.text, st);
    return st;
  }),
];
