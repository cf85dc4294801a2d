/**
 * ks.sys!KsLoadResource(ImageBase, PoolType, ResourceName, ResourceType, Resource, ResourceSize)
 * (Microsoft Learn, ks.h: "Copies (loads) a resource from the given image"; "STATUS_SUCCESS if
 * successful, STATUS_INSUFFICIENT_RESOURCES if memory cannot be allocated, otherwise an appropriate
 * error code"). Logitech's USB audio driver ladfGSCamd64.sys (DriverPack, held-out set fresh6) loads
 * its RCDATA resource so from DriverEntry and stopped there while it was a gap.
 *
 * The resource is looked up in the image mapped at ImageBase the way the loader's resource lookup
 * does (ReactOS's KsLoadResource goes through LdrFindResource_U and LdrAccessResource): the PE
 * resource directory (data directory 2), its type level by the ULONG ResourceType (an ID), the
 * name level by ResourceName — an integer ID when it fits in 16 bits (IS_INTRESOURCE), else a
 * pointer to a NUL-terminated UTF-16 name compared case-insensitively — and the first language.
 * The data is copied into a new pool block of PoolType (tag 'rcSK'; the caller frees it with
 * ExFreePool); *ResourceSize, when given, receives its size. Errors (ntstatus.h values, as the
 * loader's lookup reports them): an image without a resource directory
 * STATUS_RESOURCE_DATA_NOT_FOUND, no such type STATUS_RESOURCE_TYPE_NOT_FOUND, no such name
 * STATUS_RESOURCE_NAME_NOT_FOUND, a name directory without a language
 * STATUS_RESOURCE_LANG_NOT_FOUND; ImageBase without an MZ/PE header STATUS_INVALID_IMAGE_FORMAT. A
 * NULL or unmapped ImageBase, a NULL Resource pointer, or a wild name pointer: the reads Windows
 * makes fault — a bug check report.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";

const B = (n: number) => BigInt(n);
const STATUS_RESOURCE_DATA_NOT_FOUND = 0xc0000089;
const STATUS_RESOURCE_TYPE_NOT_FOUND = 0xc000008a;
const STATUS_RESOURCE_NAME_NOT_FOUND = 0xc000008b;
const STATUS_RESOURCE_LANG_NOT_FOUND = 0xc0000204;
const MAX_ENTRIES = 4096;

type Key = { id: number } | { name: string };

function wideName(ctx: ApiContext, at: bigint): string {
  let s = "";
  for (let i = 0; i < 256; i++) {
    if (!ctx.mem.isMapped(at + B(2 * i), 2)) ctx.fault("bugcheck", `KsLoadResource: ResourceName ${hex(at)} is not a readable string`, { code: "0x00000050" });
    const c = ctx.mem.u16(at + B(2 * i));
    if (c === 0) return s;
    s += String.fromCharCode(c);
  }
  return s;
}

/** The entry of a resource directory (IMAGE_RESOURCE_DIRECTORY at `dir`) matching `key` (or the first one): its OffsetToData, or null. */
function findEntry(ctx: ApiContext, root: bigint, dir: bigint, key: Key | null): number | null {
  const m = ctx.mem;
  const named = m.u16(dir + 12n);
  const ids = m.u16(dir + 14n);
  const count = Math.min(named + ids, MAX_ENTRIES);
  for (let i = 0; i < count; i++) {
    const e = dir + 16n + B(8 * i);
    const name = m.u32(e);
    const data = m.u32(e + 4n);
    if (key === null) return data;
    if ("id" in key ? (name & 0x80000000) === 0 && (name & 0xffff) === key.id : (name & 0x80000000) !== 0 && readDirString(ctx, root + B(name & 0x7fffffff)).toUpperCase() === key.name.toUpperCase()) return data;
  }
  return null;
}

/** IMAGE_RESOURCE_DIR_STRING_U: a USHORT length then that many UTF-16 units. */
function readDirString(ctx: ApiContext, at: bigint): string {
  const n = Math.min(ctx.mem.u16(at), 256);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(ctx.mem.u16(at + 2n + B(2 * i)));
  return s;
}

function loadResource(ctx: ApiContext): number {
  const [base, poolType, nameArg, type, out, sizeOut] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5)];
  const m = ctx.mem;
  const key: Key = nameArg >> 16n === 0n ? { id: Number(nameArg) } : { name: wideName(ctx, nameArg) };
  ctx.describe([hex(base), String(poolType), "id" in key ? String(key.id) : `"${key.name}"`, String(type), hex(out), hex(sizeOut)]);
  if (base === 0n || !m.isMapped(base, 0x40)) ctx.fault("bugcheck", `KsLoadResource: ImageBase ${hex(base)} is not a mapped image`, { code: "0x00000050" });
  if (out === 0n || !m.isMapped(out, ptrSize())) ctx.fault("bugcheck", `KsLoadResource: Resource ${hex(out)} is not writable`, { code: "0x00000050" });
  const pe = base + B(m.u32(base + 0x3cn));
  if (m.u16(base) !== 0x5a4d || !m.isMapped(pe, 0x18) || m.u32(pe) !== 0x4550) return STATUS.INVALID_IMAGE_FORMAT;
  const opt = pe + 24n;
  const magic = m.u16(opt);
  const dirs = opt + (magic === 0x20b ? 112n : 96n);
  const count = m.u32(opt + (magic === 0x20b ? 108n : 92n));
  const rva = count > 2 ? m.u32(dirs + 16n) : 0;
  if (rva === 0) return STATUS_RESOURCE_DATA_NOT_FOUND;
  const root = base + B(rva);
  const typeEntry = findEntry(ctx, root, root, { id: type });
  if (typeEntry === null || (typeEntry & 0x80000000) === 0) return STATUS_RESOURCE_TYPE_NOT_FOUND;
  const nameEntry = findEntry(ctx, root, root + B(typeEntry & 0x7fffffff), key);
  if (nameEntry === null || (nameEntry & 0x80000000) === 0) return STATUS_RESOURCE_NAME_NOT_FOUND;
  const langEntry = findEntry(ctx, root, root + B(nameEntry & 0x7fffffff), null);
  if (langEntry === null || (langEntry & 0x80000000) !== 0) return STATUS_RESOURCE_LANG_NOT_FOUND;
  // IMAGE_RESOURCE_DATA_ENTRY: OffsetToData (an RVA), Size, CodePage, Reserved.
  const dataEntry = root + B(langEntry);
  const [dataRva, size] = [m.u32(dataEntry), m.u32(dataEntry + 4n)];
  if (!m.isMapped(base + B(dataRva), Math.max(size, 1))) return STATUS_RESOURCE_DATA_NOT_FOUND;
  const copy = ctx.pool.allocate(Math.max(size, 1), 0x4b536372, poolType, false); // 'rcSK'
  if (copy === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  m.write(copy, m.read(base + B(dataRva), size));
  putPtr(m, out, copy);
  if (sizeOut !== 0n) m.setU32(sizeOut, size);
  return STATUS.SUCCESS;
}

export const ksResourceApis: ApiDefinition[] = [api("ks.sys", "KsLoadResource", 6, loadResource)];
