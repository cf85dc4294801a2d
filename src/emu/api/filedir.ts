/**
 * Directory enumeration and volume queries on the sandboxed volume: ZwQueryDirectoryFile
 * (FileDirectoryInformation 1, FileFullDirectoryInformation 2, FileBothDirectoryInformation 3,
 * FileNamesInformation 12; wildcard pattern on the first call, RestartScan, ReturnSingleEntry;
 * "." and ".." first as NTFS lists them) and ZwQueryVolumeInformationFile
 * (FileFsSizeInformation 3, FileFsDeviceInformation 4, FileFsAttributeInformation 5).
 *
 * Entry layouts (ntifs.h): NextEntryOffset 0, FileIndex 4, then for classes 1-3 CreationTime 8,
 * LastAccessTime 16, LastWriteTime 24, ChangeTime 32, EndOfFile 40, AllocationSize 48,
 * FileAttributes 56, FileNameLength 60, FileName 64 (class 2: EaSize 64, FileName 68; class 3:
 * EaSize 64, ShortNameLength 68, ShortName 70 (24 bytes), FileName 94); class 12: FileNameLength
 * 8, FileName 12. Entries are 8-byte aligned.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { encodeUtf16, hex, nt, unicodeText } from "./util.js";
import { children, contents, displayPath, lookup, wildcard, type VolumeNode } from "../volume/volume.js";
import { FS, fileEvent, fileOf, iosb, volumeOf } from "./file.js";

const B = (n: number) => BigInt(n);
const NAME_AT: Record<number, number> = { 1: 64, 2: 68, 3: 94, 12: 12 };

function entry(ctx: ApiContext, cls: number, node: VolumeNode, parts: string[], index: number): Uint8Array {
  const v = volumeOf(ctx.kernel);
  const name = encodeUtf16(node.name);
  const at = NAME_AT[cls]!;
  const img = new Uint8Array(at + name.length);
  const dv = new DataView(img.buffer);
  dv.setUint32(4, index, true);
  if (cls === 12) dv.setUint32(8, name.length, true);
  else {
    const size = node.kind === "file" ? BigInt(contents(v, [...parts, node.name], node).length) : 0n;
    for (let i = 0; i < 4; i++) dv.setBigUint64(8 + i * 8, node.written, true);
    dv.setBigUint64(40, size, true);
    dv.setBigUint64(48, (size + 0xfffn) & ~0xfffn, true);
    dv.setUint32(56, node.attributes, true);
    dv.setUint32(60, name.length, true);
  }
  img.set(name, at);
  return img;
}

export const apis: ApiDefinition[] = [
  nt("ZwQueryDirectoryFile", 11, (ctx) => {
    const [handle, event, , , io, buf] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
    const length = ctx.u32(6);
    const cls = ctx.u32(7);
    const single = (ctx.u32(8) & 0xff) !== 0;
    const patternPtr = ctx.arg(9);
    const restart = (ctx.u32(10) & 0xff) !== 0;
    ctx.describe([hex(handle), hex(event), hex(io), hex(buf), String(length), String(cls), single ? "TRUE" : "FALSE", patternPtr === 0n ? "NULL" : JSON.stringify(unicodeText(ctx.mem, patternPtr)), restart ? "TRUE" : "FALSE"]);
    if (ctx.kernel.irql !== 0) ctx.fault("bugcheck", "ZwQueryDirectoryFile above PASSIVE_LEVEL", { code: "0x0000000A" });
    const f = fileOf(ctx, handle);
    if (typeof f === "number") return f;
    if (!f.dir) return iosb(ctx, io, STATUS.INVALID_PARAMETER, 0);
    if (NAME_AT[cls] === undefined) return iosb(ctx, io, STATUS.INVALID_INFO_CLASS, 0);
    if (length < NAME_AT[cls]!) return iosb(ctx, io, FS.INFO_LENGTH_MISMATCH, 0);
    const v = volumeOf(ctx.kernel);
    const first = !f.search;
    if (!f.search || restart) {
      const here = lookup(v, f.parts)!;
      const dots: VolumeNode[] = f.parts.length ? [{ ...here, name: "." }, { ...here, name: ".." }] : [];
      const pattern = patternPtr === 0n ? (f.search?.pattern ?? null) : unicodeText(ctx.mem, patternPtr);
      const names = [...dots, ...children(v, f.parts)].filter((n) => pattern === null || pattern === "*" || wildcard(pattern, n.name));
      f.search = { names, next: 0, pattern };
    }
    const s = f.search;
    if (s.next >= s.names.length) {
      const st = first || (restart && s.names.length === 0) ? FS.NO_SUCH_FILE : FS.NO_MORE_FILES;
      fileEvent(ctx, "list", displayPath(f.parts), st);
      return iosb(ctx, io, st, 0);
    }
    let used = 0;
    let prev = -1;
    let count = 0;
    while (s.next < s.names.length) {
      const img = entry(ctx, cls, s.names[s.next]!, f.parts, s.next);
      const start = (used + 7) & ~7;
      if (start + img.length > length) {
        if (count === 0) {
          // Not even the first name fits: the fixed part and as much of the name as fits, STATUS_BUFFER_OVERFLOW.
          ctx.mem.write(buf, img.subarray(0, length));
          s.next++;
          return iosb(ctx, io, STATUS.BUFFER_OVERFLOW, length);
        }
        break;
      }
      if (prev >= 0) ctx.mem.setU32(buf + B(prev), start - prev);
      ctx.mem.write(buf + B(start), img);
      prev = start;
      used = start + img.length;
      s.next++;
      count++;
      if (single) break;
    }
    fileEvent(ctx, "list", displayPath(f.parts), STATUS.SUCCESS, { entries: count });
    return iosb(ctx, io, STATUS.SUCCESS, used);
  }),
  nt("ZwQueryVolumeInformationFile", 5, (ctx) => {
    const [handle, io, buf] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    const length = ctx.u32(3);
    const cls = ctx.u32(4);
    const f = fileOf(ctx, handle);
    if (typeof f === "number") return f;
    let img: Uint8Array;
    let fixed: number;
    if (cls === 3) {
      img = new Uint8Array(24); // FILE_FS_SIZE_INFORMATION: 1 GiB total, 512 MiB free, 8 sectors of 512 bytes per unit
      const dv = new DataView(img.buffer);
      dv.setBigUint64(0, 0x40000n, true);
      dv.setBigUint64(8, 0x20000n, true);
      dv.setUint32(16, 8, true);
      dv.setUint32(20, 512, true);
      fixed = 24;
    } else if (cls === 4) {
      img = new Uint8Array(8); // FILE_FS_DEVICE_INFORMATION: FILE_DEVICE_DISK (7)
      new DataView(img.buffer).setUint32(0, 7, true);
      fixed = 8;
    } else if (cls === 5) {
      const name = encodeUtf16("NTFS");
      img = new Uint8Array(12 + name.length); // FILE_FS_ATTRIBUTE_INFORMATION
      const dv = new DataView(img.buffer);
      dv.setUint32(0, 0x0000001f, true); // case-sensitive search, case preserved, unicode, ACLs, compression
      dv.setUint32(4, 255, true);
      dv.setUint32(8, name.length, true);
      img.set(name, 12);
      fixed = 12;
    } else return iosb(ctx, io, STATUS.INVALID_INFO_CLASS, 0);
    if (length < fixed) return iosb(ctx, io, FS.INFO_LENGTH_MISMATCH, 0);
    const n = Math.min(length, img.length);
    ctx.mem.write(buf, img.subarray(0, n));
    return iosb(ctx, io, n < img.length ? STATUS.BUFFER_OVERFLOW : STATUS.SUCCESS, n);
  }),
];
