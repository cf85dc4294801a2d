/**
 * File information on the sandboxed volume (file.ts's handles and paths): ZwQueryInformationFile,
 * ZwSetInformationFile and ZwQueryFullAttributesFile, with FILE_BASIC_INFORMATION (40 bytes) and
 * FILE_NETWORK_OPEN_INFORMATION (56 bytes) images of a node. Layouts and FILE_INFORMATION_CLASS
 * values: wdm.h / ntifs.h (Microsoft Learn). Each operation is a `file` trace event.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { encodeUtf16, hex, nt, q } from "./util.js";
import { clockOf } from "./ke.js";
import { children, contents, displayPath, lookup, MAX_FILE, put, remove, volumePath, type Volume, type VolumeNode } from "../volume/volume.js";
import { FS, fileEvent, fileOf, iosb, pathOf, requirePassive, volumeOf, type FileHandleData } from "./file.js";
import { moveStream, refreshStream } from "./file-stream.js";

/** FILE_BASIC_INFORMATION (40 bytes) / FILE_NETWORK_OPEN_INFORMATION (56 bytes) of a node. */
export function basicInfo(node: VolumeNode): Uint8Array {
  const img = new Uint8Array(40);
  const dv = new DataView(img.buffer);
  for (let i = 0; i < 4; i++) dv.setBigUint64(i * 8, node.written, true);
  dv.setUint32(32, node.attributes, true);
  return img;
}
export function networkOpenInfo(v: Volume, parts: string[], node: VolumeNode): Uint8Array {
  const img = new Uint8Array(56);
  const dv = new DataView(img.buffer);
  const size = node.kind === "file" ? BigInt(contents(v, parts, node).length) : 0n;
  for (let i = 0; i < 4; i++) dv.setBigUint64(i * 8, node.written, true);
  dv.setBigUint64(32, (size + 0xfffn) & ~0xfffn, true);
  dv.setBigUint64(40, size, true);
  dv.setUint32(48, node.attributes, true);
  return img;
}

/** Zw{Query,Set}InformationFile(FileHandle, IoStatusBlock, FileInformation, Length, Class): the arguments and the handle's node, or a status. */
function infoRequest(ctx: ApiContext): { io: bigint; buf: bigint; length: number; cls: number; f: FileHandleData; v: Volume; node: VolumeNode } | number {
  const [handle, io, buf] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  const length = ctx.u32(3);
  const cls = ctx.u32(4);
  ctx.describe([hex(handle), hex(io), hex(buf), String(length), String(cls)]);
  const f = fileOf(ctx, handle);
  if (typeof f === "number") return f;
  const v = volumeOf(ctx.kernel);
  const node = lookup(v, f.parts);
  if (!node) return iosb(ctx, io, FS.DELETE_PENDING, 0);
  return { io, buf, length, cls, f, v, node };
}

function queryInfo(ctx: ApiContext): number {
  const req = infoRequest(ctx);
  if (typeof req === "number") return req;
  const { io, buf, length, cls, f, v, node } = req;
  let img: Uint8Array;
  let fixed: number;
  switch (cls) {
    case 4:
      img = basicInfo(node);
      fixed = 40;
      break;
    case 5: {
      img = new Uint8Array(24);
      const dv = new DataView(img.buffer);
      const size = node.kind === "file" ? BigInt(contents(v, f.parts, node).length) : 0n;
      dv.setBigUint64(0, (size + 0xfffn) & ~0xfffn, true);
      dv.setBigUint64(8, size, true);
      dv.setUint32(16, 1, true);
      img[20] = f.deleteOnClose ? 1 : 0;
      img[21] = node.kind === "dir" ? 1 : 0;
      fixed = 24;
      break;
    }
    case 14:
      img = new Uint8Array(8);
      new DataView(img.buffer).setBigUint64(0, f.position, true);
      fixed = 8;
      break;
    case 9: {
      // FILE_NAME_INFORMATION: the path on the volume without the drive letter.
      const name = encodeUtf16("\\" + f.parts.join("\\"));
      img = new Uint8Array(4 + name.length);
      new DataView(img.buffer).setUint32(0, name.length, true);
      img.set(name, 4);
      fixed = 4;
      break;
    }
    case 34:
      img = networkOpenInfo(v, f.parts, node);
      fixed = 56;
      break;
    default:
      return iosb(ctx, io, STATUS.INVALID_INFO_CLASS, 0);
  }
  if (length < fixed) return iosb(ctx, io, FS.INFO_LENGTH_MISMATCH, 0);
  const n = Math.min(length, img.length);
  ctx.mem.write(buf, img.subarray(0, n));
  return iosb(ctx, io, n < img.length ? STATUS.BUFFER_OVERFLOW : STATUS.SUCCESS, n);
}

function setInfo(ctx: ApiContext): number {
  const req = infoRequest(ctx);
  if (typeof req === "number") return req;
  const { io, buf, length, cls, f, v, node } = req;
  const need: Record<number, number> = { 4: 40, 13: 1, 14: 8, 19: 8, 20: 8, 10: 20 };
  if (need[cls] === undefined) return iosb(ctx, io, STATUS.INVALID_INFO_CLASS, 0);
  if (length < need[cls]!) return iosb(ctx, io, FS.INFO_LENGTH_MISMATCH, 0);
  const path = displayPath(f.parts);
  switch (cls) {
    case 4: {
      const attrs = ctx.mem.u32(buf + 32n);
      if (attrs) put(v, f.parts, { ...node, attributes: attrs });
      break;
    }
    case 13: {
      const del = ctx.mem.u8(buf) !== 0;
      if (del && node.kind === "dir" && children(v, f.parts).length) return iosb(ctx, io, FS.DIRECTORY_NOT_EMPTY, 0);
      f.deleteOnClose = del;
      break;
    }
    case 14:
      f.position = ctx.mem.u64(buf);
      break;
    case 19:
      break; // FileAllocationInformation: no allocation model
    case 20: {
      if (node.kind !== "file") return iosb(ctx, io, STATUS.INVALID_PARAMETER, 0);
      const size = Number(ctx.mem.u64(buf));
      if (size > MAX_FILE) return iosb(ctx, io, 0xc000007f, 0);
      const data = contents(v, f.parts, node);
      const next = new Uint8Array(size);
      next.set(data.subarray(0, Math.min(size, data.length)));
      put(v, f.parts, { ...node, data: next, written: clockOf(ctx).systemTime() });
      refreshStream(ctx, f.parts, BigInt(size));
      break;
    }
    case 10: {
      // FILE_RENAME_INFORMATION: ReplaceIfExists 0, RootDirectory 8, FileNameLength 16, FileName 20
      // (x86: RootDirectory 4, FileNameLength 8, FileName 12).
      const ps = ptrSize();
      const replace = ctx.mem.u8(buf) !== 0;
      const nameLen = ctx.mem.u32(buf + BigInt(2 * ps));
      if (2 * ps + 4 + nameLen > length) return iosb(ctx, io, FS.INFO_LENGTH_MISMATCH, 0);
      const target = new TextDecoder("utf-16le").decode(ctx.mem.read(buf + BigInt(2 * ps + 4), nameLen));
      const r = target.startsWith("\\") ? volumePath(target) : volumePath("\\??\\C:\\" + [...f.parts.slice(0, -1), target].join("\\"));
      if (!r.ok) return iosb(ctx, io, STATUS.OBJECT_NAME_INVALID, 0);
      const existing = lookup(v, r.parts);
      if (existing && !replace) return iosb(ctx, io, STATUS.OBJECT_NAME_COLLISION, 0);
      const parent = lookup(v, r.parts.slice(0, -1));
      if (!parent || parent.kind !== "dir") return iosb(ctx, io, STATUS.OBJECT_PATH_NOT_FOUND, 0);
      const moved: VolumeNode = node.kind === "file" ? { ...node, name: r.parts[r.parts.length - 1]!, data: contents(v, f.parts, node) } : { ...node, name: r.parts[r.parts.length - 1]! };
      if (node.kind === "dir" && children(v, f.parts).length) return iosb(ctx, io, STATUS.ACCESS_DENIED, 0);
      remove(v, f.parts);
      put(v, r.parts, moved);
      moveStream(ctx, f.parts, r.parts);
      fileEvent(ctx, "rename", path, STATUS.SUCCESS, { to: displayPath(r.parts) });
      f.parts = r.parts;
      break;
    }
  }
  return iosb(ctx, io, STATUS.SUCCESS, 0);
}

function attributesOf(ctx: ApiContext, full: boolean): number {
  requirePassive(ctx, full ? "ZwQueryFullAttributesFile" : "ZwQueryAttributesFile");
  const p = pathOf(ctx, ctx.arg(0));
  if (typeof p === "number") return p;
  ctx.describe([q(p.text), hex(ctx.arg(1))]);
  const v = volumeOf(ctx.kernel);
  const node = lookup(v, p.parts);
  if (!node) {
    const parent = lookup(v, p.parts.slice(0, -1));
    return parent && parent.kind === "dir" ? STATUS.OBJECT_NAME_NOT_FOUND : STATUS.OBJECT_PATH_NOT_FOUND;
  }
  ctx.mem.write(ctx.arg(1), full ? networkOpenInfo(v, p.parts, node) : basicInfo(node));
  return STATUS.SUCCESS;
}
export const infoApis: ApiDefinition[] = [
  nt("ZwQueryInformationFile", 5, (ctx) => queryInfo(ctx)),
  nt("ZwSetInformationFile", 5, (ctx) => setInfo(ctx)),
  nt("ZwQueryFullAttributesFile", 2, (ctx) => attributesOf(ctx, true)),
];
