/**
 * Maps a PE image into the emulated kernel address space: headers and one Unicorn region per
 * section with the section's protection, base relocations applied for the chosen base (images
 * are always relocated, as the kernel does).
 */
import type { PeImage, Section } from "../formats/pe/types.js";
import { IMAGE_SCN } from "../formats/pe/types.js";
import { ImageLoadError, KmdllError, ResourceLimitError } from "../errors.js";
import { describeImageProblem, imageSectionProblems } from "../formats/pe/validate.js";
import type { NativeEngine } from "./native.js";
import { PAGE, alignUp } from "./layout.js";

export interface MappedRegion {
  name: string;
  base: bigint;
  size: number;
  perms: number;
}

export interface LoadedModule {
  /** Base name as given ("mydriver.sys"). */
  name: string;
  /** Lower-case key. */
  key: string;
  base: bigint;
  size: number;
  image: PeImage;
  regions: MappedRegion[];
  /** True for the built-in ntoskrnl.exe / hal.dll. */
  builtin: boolean;
}

const PROT = { READ: 1, WRITE: 2, EXEC: 4 };

export function sectionPerms(s: Section): number {
  const c = s.characteristics >>> 0;
  let p = 0;
  if (c & IMAGE_SCN.MEM_READ) p |= PROT.READ;
  if (c & IMAGE_SCN.MEM_WRITE) p |= PROT.WRITE | PROT.READ;
  if (c & IMAGE_SCN.MEM_EXECUTE) p |= PROT.EXEC | PROT.READ;
  if (c & IMAGE_SCN.CNT_CODE) p |= PROT.EXEC | PROT.READ;
  if (p === 0) p = PROT.READ;
  return p;
}

/** STATUS_CONFLICTING_ADDRESSES (ntstatus.h): the image cannot be placed where it must go. */
const STATUS_CONFLICTING_ADDRESSES = 0xc0000018;

/** The /GS cookie values the compiler stores before the loader initialises it (MSVC gs_support.c, documented in "/GS (Buffer Security Check)"). */
export const DEFAULT_SECURITY_COOKIE_64 = 0x00002b992ddfa232n;
export const DEFAULT_SECURITY_COOKIE_32 = 0xbb40e64en;

/**
 * Can the image run at a base other than its preferred one? As LdrRelocateImageWithBias
 * (ReactOS): without a relocation directory it can only when IMAGE_FILE_RELOCS_STRIPPED is clear.
 */
export function relocatable(image: PeImage): boolean {
  const dir = image.dataDirectories[5];
  const hasDir = image.relocations.length > 0 || (dir !== undefined && dir.virtualAddress !== 0 && dir.size !== 0);
  return hasDir || !image.relocsStripped;
}

/**
 * Where the image's /GS security cookie lives and whether the loader initialises it: the load
 * config directory's SecurityCookie VA (relative to the preferred base), when it lies in the
 * image and still holds the compiler's default value (an image that set its own is left alone).
 */
export function securityCookieSlot(image: PeImage, mem: Uint8Array): { rva: number; width: 4 | 8; bits16: boolean } | null {
  const va = image.loadConfig?.securityCookie;
  if (va === null || va === undefined || va === 0n) return null;
  const width = image.optional.pe32plus ? 8 : 4;
  const off = va - image.optional.imageBase;
  if (off < 0n || off + BigInt(width) > BigInt(mem.length)) return null;
  const rva = Number(off);
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.length);
  const value = width === 8 ? dv.getBigUint64(rva, true) : BigInt(dv.getUint32(rva, true));
  if (value !== (width === 8 ? DEFAULT_SECURITY_COOKIE_64 : DEFAULT_SECURITY_COOKIE_32) && value !== DEFAULT_SECURITY_COOKIE_16) return null;
  return { rva, width, bits16: value === DEFAULT_SECURITY_COOKIE_16 };
}

/**
 * The 16-bit default of older x86 kernel images (WDK 7 era): their __security_check_cookie also
 * fails when the cookie's top 16 bits are set (`test ecx, 0FFFF0000h`), so the loader gives such an
 * image a 16-bit cookie ("make the cookie 16bit if necessary": ReactOS ntdll LdrpInitSecurityCookie).
 * A 32-bit cookie there is DRIVER_OVERRAN_STACK_BUFFER (0xF7) at the first check (fresh6 xnacc.sys).
 */
export const DEFAULT_SECURITY_COOKIE_16 = 0xbb40n;

/**
 * A fresh cookie from a seed (the loader's per-load entropy): like the Windows loader's, an x64
 * cookie keeps its top 16 bits clear, a cookie replacing the 16-bit default has 16 bits, and it is
 * never 0 or a default value.
 */
export function cookieValue(seed: bigint, width: 4 | 8, bits16 = false): bigint {
  // splitmix64 finaliser: well spread, deterministic for a given seed.
  let z = BigInt.asUintN(64, seed + 0x9e3779b97f4a7c15n);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  z ^= z >> 31n;
  const mask = bits16 ? 0xffffn : width === 8 ? 0x0000ffffffffffffn : 0xffffffffn;
  let v = z & mask;
  if (v === 0n || v === DEFAULT_SECURITY_COOKIE_64 || v === DEFAULT_SECURITY_COOKIE_32 || v === DEFAULT_SECURITY_COOKIE_16) v ^= 0x5a5a5a5a5an & mask;
  return v;
}

/**
 * Build the in-memory image (headers + sections) and apply relocations for `base`. Refuses a
 * malformed layout first (STATUS_INVALID_IMAGE_FORMAT), as image-section creation does, and an
 * image that must move but cannot be relocated (STATUS_CONFLICTING_ADDRESSES). With `cookieSeed`
 * the /GS security cookie is initialised as the kernel loader does for drivers.
 */
/** The largest image kmdll maps (its in-memory image is one host buffer). */
export const MAX_IMAGE_SIZE = 0x10000000;

export function layoutImage(image: PeImage, bytes: Uint8Array, base: bigint, name: string, cookieSeed?: bigint): Uint8Array {
  const bad = imageSectionProblems(image, bytes.length)[0];
  if (bad) throw new ImageLoadError(`${name}: malformed image: ${describeImageProblem(bad)}`, bad.status);
  const size = alignUp(image.optional.sizeOfImage, PAGE);
  if (size <= 0) throw new ImageLoadError(`${name}: SizeOfImage 0x${image.optional.sizeOfImage.toString(16)} cannot be mapped`, 0xc000007b);
  // Windows maps large images (Intel's iaVROC.sys has 104 MiB of zero-initialised .data); kmdll
  // builds each image in host memory, so it stops at a cap of its own: an emulator limit
  // (STATUS_INSUFFICIENT_RESOURCES, `kmdll triage`: kmdll-gap), not a refusal of Windows.
  if (size > MAX_IMAGE_SIZE) throw new ResourceLimitError(`${name}: SizeOfImage 0x${image.optional.sizeOfImage.toString(16)} is larger than the ${MAX_IMAGE_SIZE / 0x100000} MiB kmdll maps per image`);
  const mem = new Uint8Array(size);
  mem.set(bytes.subarray(0, Math.min(image.optional.sizeOfHeaders, bytes.length, size)));
  for (const s of image.sections) {
    const raw = Math.min(s.sizeOfRawData, s.virtualSize || s.sizeOfRawData);
    if (raw > 0 && s.pointerToRawData < bytes.length) {
      const src = bytes.subarray(s.pointerToRawData, Math.min(bytes.length, s.pointerToRawData + raw));
      if (s.virtualAddress + src.length > size) throw new ImageLoadError(`${name}: section ${s.name} lies outside SizeOfImage`, 0xc000007b);
      mem.set(src, s.virtualAddress);
    }
  }
  const delta = BigInt.asUintN(64, base - image.optional.imageBase);
  if (delta !== 0n) {
    if (!relocatable(image))
      throw new ImageLoadError(
        `${name}: relocations are stripped and its preferred base 0x${image.optional.imageBase.toString(16)} is not available (STATUS_CONFLICTING_ADDRESSES, 0xC0000018)`,
        STATUS_CONFLICTING_ADDRESSES,
      );
    const dv = new DataView(mem.buffer);
    for (const r of image.relocations) {
      if (r.type === 10 /* DIR64 */) {
        if (r.rva + 8 > size) continue;
        dv.setBigUint64(r.rva, BigInt.asUintN(64, dv.getBigUint64(r.rva, true) + delta), true);
      } else if (r.type === 3 /* HIGHLOW */) {
        if (r.rva + 4 > size) continue;
        dv.setUint32(r.rva, Number(BigInt.asUintN(32, BigInt(dv.getUint32(r.rva, true)) + delta)), true);
      }
    }
  }
  if (cookieSeed !== undefined) {
    const slot = securityCookieSlot(image, mem);
    if (slot) {
      const dv = new DataView(mem.buffer);
      const v = cookieValue(cookieSeed, slot.width, slot.bits16);
      if (slot.width === 8) dv.setBigUint64(slot.rva, v, true);
      else dv.setUint32(slot.rva, Number(v), true);
    }
  }
  // ImageBase in the mapped headers reflects the actual base, as after MiRelocateImage.
  if (image.optional.pe32plus && image.peOffset + 24 + 32 <= size) {
    new DataView(mem.buffer).setBigUint64(image.peOffset + 24 + 24, base, true);
  }
  return mem;
}

/** A page-aligned span of an image and its protection (what becomes one Unicorn region). */
export interface ImageSpan {
  name: string;
  start: number;
  end: number;
  perms: number;
}

/**
 * The protection spans of an image of `size` bytes: headers read-only, each section with its
 * rights (a page belongs to the section that starts in or covers it; overlapping sections share
 * a span with the union of their rights), gaps read-only — and neighbours with equal rights
 * coalesced into one span, so an image of 5000 data sections needs a handful of regions.
 */
export function imageSpans(image: PeImage, size: number): ImageSpan[] {
  const spans: ImageSpan[] = [];
  const hdrEnd = alignUp(Math.max(image.optional.sizeOfHeaders, 1), PAGE);
  spans.push({ name: "headers", start: 0, end: Math.min(hdrEnd, size), perms: PROT.READ });
  const secs = [...image.sections].sort((a, b) => a.virtualAddress - b.virtualAddress);
  for (const s of secs) {
    const start = Math.floor(s.virtualAddress / PAGE) * PAGE;
    const end = Math.min(size, alignUp(s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData, 1), PAGE));
    if (end <= start) continue;
    const last = spans[spans.length - 1]!;
    if (start < last.end) {
      // Overlapping/unaligned sections: merge into the previous region with combined rights.
      last.end = Math.max(last.end, end);
      last.perms |= sectionPerms(s);
      last.name += "+" + s.name;
      continue;
    }
    if (start > last.end) spans.push({ name: "(gap)", start: last.end, end: start, perms: PROT.READ });
    spans.push({ name: s.name, start, end, perms: sectionPerms(s) });
  }
  const tail = spans[spans.length - 1]!;
  if (tail.end < size) spans.push({ name: "(tail)", start: tail.end, end: size, perms: PROT.READ });
  const out: ImageSpan[] = [];
  for (const sp of spans) {
    const prev = out[out.length - 1];
    if (prev && prev.end === sp.start && prev.perms === sp.perms) {
      prev.end = sp.end;
      if (!prev.name.endsWith("...")) prev.name = prev.name.length > 40 ? prev.name + "+..." : prev.name + "+" + sp.name;
    } else out.push({ ...sp });
  }
  return out;
}

/**
 * Place the laid-out image in a soft-protected region of the engine (the driver image area, see
 * NativeEngine.softMap): each span's pages get its rights, then the image is copied in. No Unicorn
 * region is created, so loading n images costs O(n) (Unicorn's own regions cost O(n²) each).
 */
export function placeLayout(uc: NativeEngine, name: string, image: PeImage, mem: Uint8Array, base: bigint, spans = imageSpans(image, mem.length)): MappedRegion[] {
  const regions: MappedRegion[] = [];
  try {
    for (const sp of spans) {
      const at = base + BigInt(sp.start);
      uc.softProtect(at, sp.end - sp.start, sp.perms);
      regions.push({ name: sp.name, base: at, size: sp.end - sp.start, perms: sp.perms });
    }
    uc.write(base, mem);
  } catch (e) {
    uc.softProtect(base, mem.length, -1);
    throw new KmdllError(`${name}: cannot map its sections: ${(e as Error).message}`);
  }
  return regions;
}

/** Map the laid-out image: one region per protection span (page-rounded, neighbours with equal rights coalesced). */
export function mapLayout(uc: NativeEngine, name: string, image: PeImage, mem: Uint8Array, base: bigint, spans = imageSpans(image, mem.length)): MappedRegion[] {
  const regions: MappedRegion[] = [];
  try {
    for (const sp of spans) {
      const at = base + BigInt(sp.start);
      uc.mapMemory(at, sp.end - sp.start, sp.perms);
      regions.push({ name: sp.name, base: at, size: sp.end - sp.start, perms: sp.perms });
      uc.write(at, mem.subarray(sp.start, sp.end));
    }
  } catch (e) {
    for (const r of regions) uc.unmapMemory(r.base, r.size);
    throw new KmdllError(`${name}: cannot map its sections: ${(e as Error).message}`);
  }
  return regions;
}
