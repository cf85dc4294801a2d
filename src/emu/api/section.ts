/**
 * Section objects backed by a file on the sandboxed volume or by the paging file: ZwCreateSection,
 * MmCreateSection, views in the process's user address space (ZwMapViewOfSection / MmMapViewOfSection,
 * ZwUnmapViewOfSection / MmUnmapViewOfSection — api/machine.ts routes a section handle that is not
 * \Device\PhysicalMemory here) and in system space (MmMapViewInSystemSpace / MmUnmapViewInSystemSpace).
 *
 * Semantics (Microsoft Learn: ZwCreateSection, ZwMapViewOfSection, ZwUnmapViewOfSection,
 * MmMapViewInSystemSpace; status codes as the NT memory manager returns them — ReactOS
 * ntoskrnl/mm/section.c, ARM3/section.c): a paging-file section needs a MaximumSize
 * (STATUS_INVALID_PARAMETER_4); a file section defaults to the file's size (an empty file:
 * STATUS_MAPPED_FILE_SIZE_ZERO) and a larger MaximumSize extends a file opened for writing
 * (STATUS_SECTION_TOO_BIG for a read-only section); a writable section needs write access to the
 * file (STATUS_ACCESS_DENIED); a protection that is not one PAGE_* value:
 * STATUS_INVALID_PAGE_PROTECTION. A view's offset is rounded down to 64 KiB and its size up to a
 * page (both written back); a view past the end: STATUS_INVALID_VIEW_SIZE; a view protection the
 * section does not allow: STATUS_SECTION_PROTECTION; a fixed base not 64 KiB aligned:
 * STATUS_MAPPED_ALIGNMENT; unmapping an address that is no view: STATUS_NOT_MAPPED_VIEW.
 * SEC_IMAGE sections hold the file's PE image laid out (api/section-image.ts).
 *
 * Views are copies kept in step with the section: mapping copies the section's bytes in (after
 * the other writable views' changes are copied back), unmapping a writable view copies the bytes
 * it changed back — to the paging-file section, or to the file (in the volume's in-memory overlay,
 * never the host). Two views mapped at the same time do not see each other's writes until one is
 * unmapped. Bounds (kmdll's, against drivers that map in a loop): 256 MiB of paging-file sections
 * alive, MAX_VADS user views, 1024 system views; beyond, STATUS_INSUFFICIENT_RESOURCES / NO_MEMORY.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { insertHandle, lookupHandle, objectManager, reference, registerObject, type HandleEntry } from "./ob.js";
import { holderOf } from "../obmgr/index.js";
import { MAX_NAMES, namespaceOf, nameHandleClosed } from "../obmgr/namespace.js";
import { directoryName, oaName } from "./objdir.js";
import { fileOf, fileEvent, volumeOf } from "./file.js";
import { contents, displayPath, lookup, MAX_FILE, put, volumePath } from "../volume/volume.js";
import { GRANULE, MAX_VADS, PAGE, findFree, perms, space, vmState, type Vad } from "./vm-pages.js";
import { processOfHandle } from "./process.js";
import { imageSectionBytes, SEC_IMAGE } from "./section-image.js";
import { refreshStream } from "./file-stream.js";

const B = (n: number) => BigInt(n);
const TAG_SECTION = 0x74636553; // 'Sect'
const ST = {
  INVALID_PARAMETER_4: 0xc00000f2,
  INVALID_PARAMETER_8: 0xc00000f6,
  INVALID_PARAMETER_9: 0xc00000f7,
  MAPPED_FILE_SIZE_ZERO: 0xc000011e,
  SECTION_TOO_BIG: 0xc0000040,
  INVALID_PAGE_PROTECTION: 0xc0000045,
  INVALID_VIEW_SIZE: 0xc000001f,
  SECTION_PROTECTION: 0xc000004e,
  MAPPED_ALIGNMENT: 0xc0000220,
  NOT_MAPPED_VIEW: 0xc0000019,
};
/** Paging-file sections alive at once, in bytes (kmdll's bound on memory a driver can make the host hold). */
const MAX_PAGEFILE_BYTES = 256n << 20n;
/** System-space views alive at once. */
const MAX_SYSTEM_VIEWS = 1024;
const WRITE_ACCESS = 0x2 | 0x4 | 0x40000000 | 0x10000000;
const READ_ACCESS = 0x1 | 0x20 | 0x80000000 | 0x10000000; // FILE_READ_DATA | FILE_EXECUTE | GENERIC_READ | GENERIC_ALL

export interface SectionData {
  body: bigint;
  size: bigint;
  protect: number;
  /** Paging-file sections: the contents. File sections: the path on the volume. */
  bytes?: Uint8Array;
  file?: string[];
  name?: string;
}

export interface View {
  section: SectionData;
  /** The bytes as mapped (or last copied back): only bytes that differ are copied back. */
  snapshot: Uint8Array;
  base: bigint;
  size: bigint;
  offset: bigint;
  protect: number;
  system: boolean;
}

const sections = (ctx: ApiContext) => ctx.kernel.state("mm.sections", () => new Map<bigint, SectionData>());
export const views = (ctx: ApiContext) => ctx.kernel.state("mm.views", () => [] as View[]);

/** The protection's base value when it is one a section or view accepts, else null. */
function baseProtect(p: number): number | null {
  const base = p & 0xff;
  if (p & ~0x7ff || ![0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80].includes(base)) return null;
  return base;
}
const writable = (p: number) => p === 0x04 || p === 0x40;
/** Whether a view of protection `view` is allowed on a section of protection `sec`. */
function allows(sec: number, view: number): boolean {
  const w = (p: number) => p === 0x04 || p === 0x40;
  const wc = (p: number) => p === 0x08 || p === 0x80;
  if (w(view)) return w(sec);
  if (wc(view)) return w(sec) || wc(sec);
  return true;
}

/** The section's current bytes (a file section reads the file as it is now). */
function sectionBytes(ctx: ApiContext, s: SectionData): Uint8Array {
  if (s.bytes) return s.bytes;
  const v = volumeOf(ctx.kernel);
  const node = s.file ? lookup(v, s.file) : null;
  const data = node && node.kind === "file" ? contents(v, s.file!, node) : new Uint8Array(0);
  const out = new Uint8Array(Number(s.size));
  out.set(data.subarray(0, out.length));
  return out;
}

/** Copy a writable view's bytes back into its section (and its file). */
/** Copies the view's changed bytes (those at view offsets [lo, hi) — ZwFlushVirtualMemory's range — or all) back. */
export function flush(ctx: ApiContext, view: View, lo = 0, hi = Infinity): void {
  if (!writable(view.protect) || !writable(view.section.protect)) return;
  const s = view.section;
  const n = Number(view.size < s.size - view.offset ? view.size : s.size - view.offset);
  const bytes = ctx.mem.read(view.base, n);
  const changed: number[] = [];
  for (let i = lo; i < Math.min(n, hi); i++) if (bytes[i] !== view.snapshot[i]) (changed.push(i), (view.snapshot[i] = bytes[i]!));
  if (!changed.length) return;
  const off = Number(view.offset);
  if (s.bytes) {
    for (const i of changed) s.bytes[off + i] = bytes[i]!;
    return;
  }
  const v = volumeOf(ctx.kernel);
  const node = s.file ? lookup(v, s.file) : null;
  if (!node || node.kind !== "file") return;
  const data = contents(v, s.file!, node);
  const next = new Uint8Array(Math.max(data.length, off + changed[changed.length - 1]! + 1));
  next.set(data);
  for (const i of changed) next[off + i] = bytes[i]!;
  put(v, s.file!, { ...node, data: next });
  refreshStream(ctx, s.file!, BigInt(next.length));
  fileEvent(ctx, "write", displayPath(s.file!), STATUS.SUCCESS, { offset: off + changed[0]!, length: changed[changed.length - 1]! - changed[0]! + 1, view: true });
}

/** The file a section is created on: a file handle (Zw) or a FILE_OBJECT (Mm) on the volume. */
function fileParts(ctx: ApiContext, handle: bigint, fileObject: bigint): { parts: string[]; access: number } | number {
  if (handle !== 0n) {
    const f = fileOf(ctx, handle);
    if (typeof f === "number") return f;
    if (f.dir) return STATUS.INVALID_PARAMETER;
    return { parts: f.parts, access: f.access };
  }
  const o = objectManager(ctx.kernel).objects.get(fileObject);
  if (!o || o.type !== "File") {
    ctx.mem.u16(fileObject); // a wild pointer faults
    return STATUS.INVALID_PARAMETER;
  }
  const r = o.name ? volumePath(o.name) : null;
  if (!r?.ok) return STATUS.INVALID_PARAMETER;
  // A FILE_OBJECT's ReadAccess / WriteAccess flags.
  const fo = LAYOUT.FILE_OBJECT;
  const access = (ctx.mem.u8(fileObject + B(fo.ReadAccess)) ? 1 : 0) | (ctx.mem.u8(fileObject + B(fo.WriteAccess)) ? 2 : 0);
  return { parts: r.parts, access };
}

/** ZwCreateSection / MmCreateSection: the section object (one reference for the caller) or a status. */
function createSection(ctx: ApiContext, oa: bigint, sizePtr: bigint, protect: number, attributes: number, fileHandle: bigint, fileObject: bigint): { data: SectionData; attributes: number; nsName?: string } | number {
  const { name, attributes: oaAttributes, status } = oaName(ctx, oa);
  if (status !== undefined) return status;
  const base = baseProtect(protect);
  if (base === null) return ST.INVALID_PAGE_PROTECTION;
  const want = sizePtr === 0n ? 0n : BigInt.asIntN(64, ctx.mem.u64(sizePtr));
  if (want < 0n) return ST.INVALID_PARAMETER_4;
  let data: SectionData;
  const alloc = () => ctx.kernel.kernelPool?.allocate(0x30, TAG_SECTION) ?? 0n;
  if (fileHandle === 0n && fileObject === 0n) {
    if (attributes & SEC_IMAGE) return 0xc0000020; // STATUS_INVALID_FILE_FOR_SECTION: an image needs its file
    if (want === 0n) return ST.INVALID_PARAMETER_4;
    let live = 0n;
    for (const x of sections(ctx).values()) if (x.bytes) live += x.size;
    if (want > BigInt(MAX_FILE) || live + want > MAX_PAGEFILE_BYTES) return STATUS.INSUFFICIENT_RESOURCES;
    const body = alloc();
    if (body === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    data = { body, size: want, protect: base, bytes: new Uint8Array(Number(want)) };
  } else {
    const f = fileParts(ctx, fileHandle, fileObject);
    if (typeof f === "number") return f;
    // An image section is copy-on-write: it needs no write access to the file.
    if (!(f.access & READ_ACCESS) || (writable(base) && !(attributes & SEC_IMAGE) && !(f.access & WRITE_ACCESS))) return STATUS.ACCESS_DENIED;
    const v = volumeOf(ctx.kernel);
    const node = lookup(v, f.parts);
    if (!node || node.kind !== "file") return STATUS.INVALID_PARAMETER;
    const image = attributes & SEC_IMAGE ? imageSectionBytes(contents(v, f.parts, node), displayPath(f.parts)) : null;
    if (typeof image === "number") return image;
    const have = BigInt(image ? image.length : contents(v, f.parts, node).length);
    const size = want === 0n || image ? have : want;
    if (size === 0n) return ST.MAPPED_FILE_SIZE_ZERO;
    if (size > have) {
      if (!writable(base)) return ST.SECTION_TOO_BIG;
      if (size > BigInt(MAX_FILE)) return 0xc000007f; // STATUS_DISK_FULL
      const grown = new Uint8Array(Number(size));
      grown.set(contents(v, f.parts, node));
      put(v, f.parts, { ...node, data: grown });
      refreshStream(ctx, f.parts, size);
    }
    const body = alloc();
    if (body === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    data = image ? { body, size, protect: base, bytes: image } : { body, size, protect: base, file: f.parts };
  }
  ctx.mem.write(data.body, new Uint8Array(0x30));
  let nsName: string | undefined;
  if (name) {
    if (!name.startsWith("\\")) {
      ctx.kernel.kernelPool?.free(data.body);
      return STATUS.OBJECT_PATH_SYNTAX_BAD;
    }
    nsName = directoryName(name);
    const ns = namespaceOf(ctx.kernel);
    if (ns.named.has(nsName) || ns.named.size >= MAX_NAMES) {
      ctx.kernel.kernelPool?.free(data.body);
      return ns.named.has(nsName) ? STATUS.OBJECT_NAME_COLLISION : STATUS.INSUFFICIENT_RESOURCES;
    }
    ns.named.set(nsName, { type: "Section", object: data.body, name });
    if (!(oaAttributes & 0x10)) ns.temporary.add(nsName);
    data.name = name;
  }
  const table = sections(ctx);
  table.set(data.body, data);
  registerObject(ctx.kernel, data.body, { type: "Section", ...(name ? { name } : {}), onDelete: () => (table.delete(data.body), ctx.kernel.kernelPool?.free(data.body)) });
  if (sizePtr !== 0n) ctx.mem.setU64(sizePtr, data.size);
  return nsName ? { data, attributes: oaAttributes, nsName } : { data, attributes: oaAttributes };
}

/** A handle onto a section (ZwCreateSection, ZwOpenSection of a named one): holds one reference. */
export function sectionHandle(ctx: ApiContext, data: SectionData, access: number, attributes: number, nsName?: string): bigint {
  const kernel = ctx.kernel;
  const entry: HandleEntry = { type: "Section", object: data.body, data: { section: data, ...(nsName ? { nsName } : {}) }, access, kernelHandle: (attributes & 0x200) !== 0 };
  if (nsName) entry.onClose = () => nameHandleClosed(kernel, nsName);
  return insertHandle(kernel, entry);
}

/** The section a named object is, when it is one this file made. */
export function sectionByBody(ctx: ApiContext, body: bigint): SectionData | undefined {
  return sections(ctx).get(body);
}

/** Map a view (Zw/MmMapViewOfSection): arguments after the section and process. */
function mapView(ctx: ApiContext, s: SectionData, basePtr: bigint, zeroBits: bigint, offsetPtr: bigint, sizePtr: bigint, inherit: number, type: number, protect: number): number {
  const base = baseProtect(protect);
  if (base === null) return ST.INVALID_PAGE_PROTECTION;
  if (inherit !== 1 && inherit !== 2) return ST.INVALID_PARAMETER_8;
  if (type & ~(0x100000 | 0x20000000 | 0x2000 | 0x400000)) return ST.INVALID_PARAMETER_9; // MEM_TOP_DOWN, MEM_LARGE_PAGES, MEM_RESERVE, MEM_DOS_LIM
  if (!allows(s.protect, base)) return ST.SECTION_PROTECTION;
  const want = readPtr(ctx.mem, basePtr);
  const offIn = offsetPtr === 0n ? 0n : BigInt.asUintN(64, ctx.mem.u64(offsetPtr));
  const sizeIn = BigInt.asUintN(64, readPtr(ctx.mem, sizePtr));
  const offset = offIn & ~(GRANULE - 1n);
  if (offIn >= s.size) return ST.INVALID_VIEW_SIZE;
  const end = sizeIn === 0n ? s.size : offIn + sizeIn;
  if (end > s.size) return ST.INVALID_VIEW_SIZE;
  const size = (end - offset + PAGE - 1n) & ~(PAGE - 1n);
  if (want !== 0n && want % GRANULE !== 0n) return ST.MAPPED_ALIGNMENT;
  const sp = space(ctx);
  const st = vmState(ctx.kernel);
  if (st.vads.length >= MAX_VADS) return STATUS.NO_MEMORY;
  let at: bigint;
  if (want !== 0n) {
    if (want + size - 1n > sp.highest || st.vads.some((v) => want < v.base + v.size && v.base < want + size) || sp.isMapped(want, size)) return STATUS.CONFLICTING_ADDRESSES;
    at = want;
  } else {
    const limit = zeroBits === 0n ? sp.highest + 1n : zeroBits <= 21n ? 1n << BigInt(32 - Number(zeroBits)) : sp.highest + 1n;
    const found = findFree(ctx, size, (type & 0x100000) !== 0, limit);
    if (found === null) return STATUS.NO_MEMORY;
    at = found;
  }
  // Copy the other writable views back first, then this view's bytes in.
  for (const v of views(ctx)) if (v.section === s) flush(ctx, v);
  sp.map(at, Number(size), 3);
  const bytes = sectionBytes(ctx, s);
  const initial = bytes.slice(Number(offset), Number(offset + size < s.size ? offset + size : s.size));
  ctx.mem.write(at, initial);
  sp.protect(at, Number(size), perms(base));
  const vad: Vad = { base: at, size, allocProtect: base, pages: Array.from({ length: Number(size / PAGE) }, () => ({ committed: true, protect: base, locked: false })), view: true };
  st.vads.push(vad);
  views(ctx).push({ section: s, snapshot: initial, base: at, size, offset, protect: base, system: false });
  reference(ctx, s.body, "MapViewOfSection");
  writePtr(ctx.mem, basePtr, at);
  if (offsetPtr !== 0n) ctx.mem.setU64(offsetPtr, offset);
  writePtr(ctx.mem, sizePtr, size);
  return STATUS.SUCCESS;
}

/** Unmap the process view containing `va`; false when there is none. */
export function unmapView(ctx: ApiContext, va: bigint): boolean {
  const all = views(ctx);
  const i = all.findIndex((v) => !v.system && va >= v.base && va < v.base + v.size);
  if (i < 0) return false;
  const v = all[i]!;
  flush(ctx, v);
  all.splice(i, 1);
  space(ctx).unmap(v.base, Number(v.size));
  const st = vmState(ctx.kernel);
  const k = st.vads.findIndex((x) => x.base === v.base);
  if (k >= 0) st.vads.splice(k, 1);
  dereferenceSection(ctx, v.section);
  return true;
}

function dereferenceSection(ctx: ApiContext, s: SectionData): void {
  const o = objectManager(ctx.kernel).objects.get(s.body);
  if (!o) return;
  if (--o.pointerCount === 0) {
    objectManager(ctx.kernel).objects.delete(s.body);
    o.onDelete?.(ctx);
  }
}

/** The section of a handle ZwCreateSection (or ZwOpenSection of a named section) returned. */
export function sectionOfHandle(h: HandleEntry | undefined): SectionData | undefined {
  return (h?.data as { section?: SectionData } | undefined)?.section;
}

/** ZwMapViewOfSection for a section this file made (api/machine.ts calls it for such handles). */
export function zwMapView(ctx: ApiContext, s: SectionData): number {
  const process = ctx.arg(1);
  const p = processOfHandle(ctx, process);
  if (typeof p === "number") return p;
  return mapView(ctx, s, ctx.arg(2), ctx.arg(3), ctx.arg(5), ctx.arg(6), ctx.u32(7), ctx.u32(8), ctx.u32(9));
}

export const apis: ApiDefinition[] = [
  nt("ZwCreateSection", 7, (ctx) => {
    const [out, oa, sizePtr, fileHandle] = [ctx.arg(0), ctx.arg(2), ctx.arg(3), ctx.arg(6)];
    const [protect, attributes] = [ctx.u32(4), ctx.u32(5)];
    ctx.describe([hex(out), hex(ctx.u32(1)), hex(oa), sizePtr === 0n ? "NULL" : String(ctx.mem.u64(sizePtr)), hex(protect), hex(attributes), hex(fileHandle)]);
    const r = createSection(ctx, oa, sizePtr, protect, attributes, fileHandle, 0n);
    if (typeof r === "number") return r;
    writePtr(ctx.mem, out, sectionHandle(ctx, r.data, ctx.u32(1), r.attributes, r.nsName));
    // The handle takes over the creation reference.
    objectManager(ctx.kernel).objects.get(r.data.body)!.pointerCount--;
    return STATUS.SUCCESS;
  }),
  // MmCreateSection(*SectionObject, DesiredAccess, ObjectAttributes, MaximumSize, SectionPageProtection,
  // AllocationAttributes, FileHandle, FileObject): the section object, referenced (ObDereferenceObject frees it).
  nt("MmCreateSection", 8, (ctx) => {
    const [out, oa, sizePtr, fileHandle, fileObject] = [ctx.arg(0), ctx.arg(2), ctx.arg(3), ctx.arg(6), ctx.arg(7)];
    const [protect, attributes] = [ctx.u32(4), ctx.u32(5)];
    ctx.describe([hex(out), hex(ctx.u32(1)), hex(oa), sizePtr === 0n ? "NULL" : String(ctx.mem.u64(sizePtr)), hex(protect), hex(attributes), hex(fileHandle), hex(fileObject)]);
    const r = createSection(ctx, oa, sizePtr, protect, attributes, fileHandle, fileObject);
    if (typeof r === "number") return r;
    const holder = holderOf(ctx);
    if (holder) {
      // The creation reference is the caller's to drop.
      reference(ctx, r.data.body, "MmCreateSection", holder);
      objectManager(ctx.kernel).objects.get(r.data.body)!.pointerCount--;
    }
    writePtr(ctx.mem, out, r.data.body);
    return STATUS.SUCCESS;
  }),
  nt("MmMapViewOfSection", 10, (ctx) => {
    const [sec, process] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(sec), hex(process), hex(ctx.arg(2)), hex(ctx.arg(5)), hex(ctx.arg(6)), hex(ctx.u32(9))]);
    const s = sections(ctx).get(sec);
    if (!s) return ctx.fault("bugcheck", `MmMapViewOfSection(${hex(sec)}): not a section object kmdll made`, { code: "0x00000189" });
    if (process !== ctx.kernel.currentProcess) ctx.mem.u16(process); // a wild process pointer faults
    return mapView(ctx, s, ctx.arg(2), ctx.arg(3), ctx.arg(5), ctx.arg(6), ctx.u32(7), ctx.u32(8), ctx.u32(9));
  }),
  nt("MmUnmapViewOfSection", 2, (ctx) => {
    const [process, va] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(process), hex(va)]);
    if (process !== ctx.kernel.currentProcess) ctx.mem.u16(process);
    return unmapView(ctx, va) ? STATUS.SUCCESS : ST.NOT_MAPPED_VIEW;
  }),
  // MmMapViewInSystemSpace(Section, *MappedBase, *ViewSize): the whole section (ViewSize 0) or its
  // first *ViewSize bytes, at a system address.
  nt("MmMapViewInSystemSpace", 3, (ctx) => {
    const [sec, basePtr, sizePtr] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(sec), hex(basePtr), hex(sizePtr)]);
    const s = sections(ctx).get(sec);
    if (!s) return ctx.fault("bugcheck", `MmMapViewInSystemSpace(${hex(sec)}): not a section object kmdll made`, { code: "0x00000189" });
    const want = BigInt.asUintN(64, readPtr(ctx.mem, sizePtr));
    ctx.mem.u8(basePtr);
    if (want > s.size) return ST.INVALID_VIEW_SIZE;
    const size = ((want === 0n ? s.size : want) + PAGE - 1n) & ~(PAGE - 1n);
    if (views(ctx).filter((v) => v.system).length >= MAX_SYSTEM_VIEWS) return STATUS.NO_MEMORY;
    for (const v of views(ctx)) if (v.section === s) flush(ctx, v);
    const at = ctx.kernel.kernelPool?.allocate(Number(size), TAG_SECTION) ?? 0n;
    if (at === 0n) return STATUS.NO_MEMORY;
    const initial = sectionBytes(ctx, s).slice(0, Number(size < s.size ? size : s.size));
    ctx.mem.write(at, new Uint8Array(Number(size)));
    ctx.mem.write(at, initial);
    views(ctx).push({ section: s, snapshot: initial, base: at, size, offset: 0n, protect: s.protect, system: true });
    reference(ctx, s.body, "MmMapViewInSystemSpace");
    writePtr(ctx.mem, basePtr, at);
    writePtr(ctx.mem, sizePtr, size);
    return STATUS.SUCCESS;
  }),
  nt("MmUnmapViewInSystemSpace", 1, (ctx) => {
    const va = ctx.arg(0);
    ctx.describe([hex(va)]);
    const all = views(ctx);
    const i = all.findIndex((v) => v.system && v.base === va);
    if (i < 0) return ST.NOT_MAPPED_VIEW;
    const v = all[i]!;
    flush(ctx, v);
    all.splice(i, 1);
    ctx.kernel.kernelPool?.free(v.base);
    dereferenceSection(ctx, v.section);
    return STATUS.SUCCESS;
  }),
];
