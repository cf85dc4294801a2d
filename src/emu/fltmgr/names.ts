/**
 * File names through the filter manager for a file object (fltKernel.h; Microsoft Learn):
 *   FltGetFileNameInformationUnsafe(FileObject, Instance, NameOptions, *FileNameInformation):
 *     an FLT_FILE_NAME_INFORMATION for a file object on the volume, Name the full name
 *     (\Device\HarddiskVolume1\Windows\...), Volume its volume prefix, NamesParsed 0 (the other
 *     members are FltParseFileNameInformation's), Format the requested format. Instance is
 *     optional. FileObject NULL, a FileNameInformation pointer NULL, or a format other than
 *     FLT_FILE_NAME_NORMALIZED / FLT_FILE_NAME_OPENED / FLT_FILE_NAME_SHORT: STATUS_INVALID_PARAMETER.
 *     kmdll makes no 8.3 names: FLT_FILE_NAME_SHORT is STATUS_NOT_SUPPORTED (a gap, said so).
 *     A file object that is not a file of the volume: STATUS_FLT_INVALID_NAME_REQUEST.
 *     The names of the volume model are already long and normalized, so NORMALIZED and OPENED
 *     give the same Name.
 *   FltParseFileNameInformation(FileNameInformation): fills ParentDir (between Volume and the final
 *     component, both backslashes kept), FinalComponent (with its stream), Extension (no dot) and
 *     Stream (with its colon) as pointers into Name's buffer, as FltParseFileName does, and sets
 *     the four FLTFL_FILE_NAME_PARSED_* bits; Share stays empty (no network names here). Learn's
 *     example: \Device\HarddiskVolume1\Documents and Settings\MyUser\My Documents\Test
 *     Results.txt:stream1 has ParentDir \Documents and Settings\MyUser\My Documents\.
 *   FltReferenceFileNameInformation / FltReleaseFileNameInformation: a reference count; the last
 *     release frees the block. A pointer the filter manager did not return: bug check report.
 * The structure and its strings are one pool block charged to the caller (an unreleased name is
 * reported as the caller's leak, as Driver Verifier would).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, putPtr } from "../../nt/arch-layout.js";
import { decodeUtf16, encodeUtf16, hex, readCounted, writeCounted } from "../api/util.js";
import { componentState } from "../api/state.js";
import { objectManager } from "../obmgr/index.js";
import { VOLUME_DEVICE } from "../volume/volume.js";
import { flt } from "./filter.js";

const B = (n: number) => BigInt(n);
const STATUS_FLT_INVALID_NAME_REQUEST = 0xc01c0005;
const STATUS_NOT_SUPPORTED = 0xc00000bb;
const IO_TYPE_FILE = 5;
const TAG_NAME = 0x6e664d46; // 'FMfn'
/** FLT_FILE_NAME_INFORMATION: Size, NamesParsed, Format, then seven UNICODE_STRINGs from offset 8. */
const US = () => LAYOUT.UNICODE_STRING.$size;
const infoSize = () => 8 + 7 * US();

const names = componentState("flt.names", () => ({ refs: new Map<bigint, number>() }));

function getUnsafe(ctx: ApiContext): number {
  const [fo, inst, options, out] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3)];
  ctx.describe([hex(fo), hex(inst), hex(options), hex(out)]);
  const format = options & 0xff;
  if (fo === 0n || out === 0n || format < 1 || format > 3) return STATUS.INVALID_PARAMETER;
  if (format === 3) return STATUS_NOT_SUPPORTED;
  if (ctx.mem.u16(fo) !== IO_TYPE_FILE) return STATUS.INVALID_PARAMETER;
  const o = objectManager(ctx.kernel).objects.get(fo);
  const full = o?.type === "File" ? o.name : undefined;
  if (!full || !full.toUpperCase().startsWith(VOLUME_DEVICE.toUpperCase())) return STATUS_FLT_INVALID_NAME_REQUEST;
  const text = encodeUtf16(full + "\0");
  const size = infoSize();
  const block = ctx.pool.allocate(size + text.length, TAG_NAME, 1, true);
  if (block === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  const buf = block + B(size);
  ctx.mem.write(buf, text);
  ctx.mem.setU16(block, size);
  ctx.mem.setU16(block + 2n, 0);
  ctx.mem.setU32(block + 4n, format);
  writeCounted(ctx.mem, block + 8n, { length: text.length - 2, maximumLength: text.length, buffer: buf });
  const vol = VOLUME_DEVICE.length * 2;
  writeCounted(ctx.mem, block + 8n + B(US()), { length: vol, maximumLength: vol, buffer: buf });
  names(ctx.kernel).refs.set(block, 1);
  putPtr(ctx.mem, out, block);
  return STATUS.SUCCESS;
}

const PARSED_ALL = 0x1 | 0x2 | 0x4 | 0x8;

function parseInformation(ctx: ApiContext): number {
  const info = ctx.arg(0);
  ctx.describe([hex(info)]);
  if (info === 0n) ctx.fault("invalid-read", "FltParseFileNameInformation(NULL): the structure is read", { address: "0x0" });
  const name = readCounted(ctx.mem, info + 8n);
  const volume = readCounted(ctx.mem, info + 8n + B(US()));
  const text = name.buffer === 0n ? "" : decodeUtf16(ctx.mem.read(name.buffer, name.length & ~1));
  const at = (i: number) => B(8 + i * US());
  const set = (member: number, start: number, end: number) => {
    const len = Math.max(0, end - start) * 2;
    writeCounted(ctx.mem, info + at(member), { length: len, maximumLength: len, buffer: len === 0 ? 0n : name.buffer + B(start * 2) });
  };
  const volEnd = Math.min(text.length, volume.length >> 1);
  const finalStart = Math.max(volEnd, text.lastIndexOf("\\") + 1);
  const colon = text.indexOf(":", finalStart);
  const nameEnd = colon < 0 ? text.length : colon;
  const dot = text.lastIndexOf(".", nameEnd - 1);
  // Members after Name: Volume 1, Share 2, Extension 3, Stream 4, FinalComponent 5, ParentDir 6.
  set(2, 0, 0);
  set(3, dot >= finalStart ? dot + 1 : nameEnd, nameEnd);
  set(4, colon < 0 ? text.length : colon, text.length);
  set(5, finalStart, text.length);
  set(6, volEnd, finalStart);
  ctx.mem.setU16(info + 2n, ctx.mem.u16(info + 2n) | PARSED_ALL);
  return STATUS.SUCCESS;
}

function refOrRelease(delta: 1 | -1) {
  const api = delta > 0 ? "FltReferenceFileNameInformation" : "FltReleaseFileNameInformation";
  return (ctx: ApiContext): void => {
    const p = ctx.arg(0);
    ctx.describe([hex(p)]);
    const refs = names(ctx.kernel).refs;
    const n = refs.get(p);
    if (n === undefined) {
      ctx.fault("bugcheck", `${api}(${hex(p)}): not a name the filter manager returned (or one already released)`, { code: "0x000000C2" });
      return;
    }
    if (n + delta > 0) refs.set(p, n + delta);
    else {
      refs.delete(p);
      ctx.pool.free(p, TAG_NAME);
    }
  };
}

export const apis: ApiDefinition[] = [
  flt("FltGetFileNameInformationUnsafe", 4, getUnsafe),
  flt("FltParseFileNameInformation", 1, parseInformation),
  flt("FltReferenceFileNameInformation", 1, refOrRelease(1)),
  flt("FltReleaseFileNameInformation", 1, refOrRelease(-1)),
];
