import { FormatError } from "../../errors.js";
import { ByteView, latin1Range } from "../binary.js";
import type { Section } from "./types.js";
import { hex } from "../../text/hex.js";

/** What RVA translation needs from a parsed image (a PeImage satisfies it). */
export interface RvaMapSource {
  sections: readonly Section[];
  optional: { sizeOfHeaders: number };
}

/** Where an RVA lands in the file. */
export interface RvaLocation {
  /** The section holding the RVA, or null for the headers. */
  section: Section | null;
  /** File offset of the RVA, or null when it lies in the zero-filled part of the section (beyond its raw data). */
  offset: number | null;
  /** Bytes backed by file data from offset to the end of the section's raw data (0 when offset is null). */
  fileBytes: number;
  /** Bytes from the RVA to the end of the section's virtual extent. */
  virtualBytes: number;
}

/** The mapped extent of a section: VirtualSize, or SizeOfRawData when VirtualSize is 0 (as the loader does). */
export function sectionExtent(s: Section): number {
  return s.virtualSize !== 0 ? s.virtualSize : s.sizeOfRawData;
}

/**
 * Translates RVAs through the section table, efficiently and defensively: sections are searched
 * by binary search over their start addresses (with the header order deciding between
 * overlapping sections, like the loader's first-match walk), so hostile tables with thousands
 * of sections do not make lookups quadratic.
 */
export class RvaMap {
  private readonly byVa: Section[];
  private readonly order: Map<Section, number>;
  private readonly fileLength: number;
  private readonly sizeOfHeaders: number;
  private last: Section | null = null;
  /** No two sections overlap (then every RVA of a section's extent maps into that section). */
  private readonly disjoint: boolean;

  constructor(src: RvaMapSource, fileLength: number) {
    this.fileLength = fileLength;
    this.sizeOfHeaders = src.optional.sizeOfHeaders;
    this.order = new Map(src.sections.map((s, i) => [s, i]));
    this.byVa = [...src.sections].sort((a, b) => a.virtualAddress - b.virtualAddress || this.order.get(a)! - this.order.get(b)!);
    let disjoint = true;
    for (let i = 1; i < this.byVa.length && disjoint; i++) {
      const prev = this.byVa[i - 1]!;
      if (prev.virtualAddress + sectionExtent(prev) > this.byVa[i]!.virtualAddress) disjoint = false;
    }
    this.disjoint = disjoint;
  }

  /**
   * File offset of a table [rva, rva+size) that lies in the file-backed part of one section that
   * no other section overlaps, else null. Every entry of such a table is at offset + (its RVA -
   * rva), which is what a lookup per entry would find: readers of long tables (export address
   * and name tables) read entries from there instead of translating each RVA.
   */
  tableOffset(rva: number, size: number): number | null {
    if (!this.disjoint) return null;
    const loc = this.locate(rva);
    if (!loc || loc.section === null || loc.offset === null || loc.fileBytes < size) return null;
    return loc.offset;
  }

  private contains(s: Section, rva: number): boolean {
    return rva >= s.virtualAddress && rva - s.virtualAddress < sectionExtent(s);
  }

  /** The section holding rva (first in header order when sections overlap), or null. */
  sectionOf(rva: number): Section | null {
    if (this.last && this.contains(this.last, rva)) return this.last;
    // Last section whose start is <= rva.
    let lo = 0;
    let hi = this.byVa.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.byVa[mid]!.virtualAddress <= rva) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best: Section | null = null;
    // Look back over a bounded number of candidates (overlapping sections are malformed anyway).
    for (let i = idx, n = 0; i >= 0 && n < 32; i--, n++) {
      const s = this.byVa[i]!;
      if (this.contains(s, rva) && (best === null || this.order.get(s)! < this.order.get(best)!)) best = s;
    }
    if (best) this.last = best;
    return best;
  }

  /** Where rva lands, or null when no section (and not the headers) maps it. */
  locate(rva: number): RvaLocation | null {
    if (!Number.isSafeInteger(rva) || rva < 0) return null;
    const s = this.sectionOf(rva);
    if (s) {
      const delta = rva - s.virtualAddress;
      const virtualBytes = sectionExtent(s) - delta;
      const rawSize = Math.min(s.sizeOfRawData, Math.max(0, this.fileLength - s.pointerToRawData));
      if (delta >= rawSize) return { section: s, offset: null, fileBytes: 0, virtualBytes };
      return { section: s, offset: s.pointerToRawData + delta, fileBytes: Math.min(rawSize - delta, virtualBytes), virtualBytes };
    }
    if (rva < this.sizeOfHeaders && rva < this.fileLength) {
      const end = Math.min(this.sizeOfHeaders, this.fileLength);
      return { section: null, offset: rva, fileBytes: end - rva, virtualBytes: this.sizeOfHeaders - rva };
    }
    return null;
  }

  /** File offset of [rva, rva+size) when the whole range is file-backed, else null. */
  offsetOf(rva: number, size = 1): number | null {
    const off = this.span(rva);
    return off < 0 || this.spanBytes < size ? null : off;
  }

  /** File-backed bytes from the offset the last span() returned (to the end of its section's raw data or the headers). */
  spanBytes = 0;

  /**
   * locate(rva)'s offset and fileBytes without making its object (readers call this per table
   * entry and per name): the file offset, with `spanBytes` set, or -1 when rva is not file-backed.
   */
  span(rva: number): number {
    if (!Number.isSafeInteger(rva) || rva < 0) return -1;
    const s = this.sectionOf(rva);
    if (s) {
      const delta = rva - s.virtualAddress;
      const rawSize = Math.min(s.sizeOfRawData, Math.max(0, this.fileLength - s.pointerToRawData));
      if (delta >= rawSize) return -1;
      this.spanBytes = Math.min(rawSize - delta, sectionExtent(s) - delta);
      return s.pointerToRawData + delta;
    }
    if (rva < this.sizeOfHeaders && rva < this.fileLength) {
      this.spanBytes = Math.min(this.sizeOfHeaders, this.fileLength) - rva;
      return rva;
    }
    return -1;
  }

  /** Like offsetOf, but throws a FormatError naming the structure when the range is not file-backed. */
  need(rva: number, size: number, structure: string): number {
    const loc = this.locate(rva);
    if (!loc) throw new FormatError(structure, `RVA ${hex(rva)} is outside every section`);
    if (loc.offset === null) throw new FormatError(structure, `RVA ${hex(rva)} lies beyond the raw data of section ${loc.section?.name ?? "(headers)"}`);
    if (loc.fileBytes < size) {
      throw new FormatError(structure, `RVA ${hex(rva)}: needs ${size} bytes but only ${loc.fileBytes} are in the file there`, loc.offset);
    }
    return loc.offset;
  }
}

/** Reads structures at RVAs, bounds-checked against sections and the file. */
export class RvaReader {
  readonly view: ByteView;
  readonly map: RvaMap;
  /**
   * Bytes of string data the reader may still scan. Hostile tables can point thousands of
   * entries at long unterminated runs; this bounds the time and memory strings can take.
   */
  stringBudget: number;
  constructor(view: ByteView, map: RvaMap, stringBudget = 1 << 24) {
    this.view = view;
    this.map = map;
    this.stringBudget = stringBudget;
  }
  u16(rva: number, structure: string): number {
    return this.view.u16(this.map.need(rva, 2, structure), structure);
  }
  u32(rva: number, structure: string): number {
    return this.view.u32(this.map.need(rva, 4, structure), structure);
  }
  u64(rva: number, structure: string): bigint {
    return this.view.u64(this.map.need(rva, 8, structure), structure);
  }
  /** A NUL-terminated string inside one section's raw data. */
  cstring(rva: number, structure: string, maxLen = 4096): string {
    const loc = this.map.locate(rva);
    const off = this.map.need(rva, 1, structure);
    if (this.stringBudget <= 0) throw new FormatError(structure, "too much string data in this image's tables; further strings skipped", off);
    const limit = Math.min(maxLen, loc!.fileBytes);
    const b = this.view.bytes;
    const end = off + limit;
    this.view.load(off, limit);
    for (let i = off; i < end; i++) {
      if (b[i] === 0) {
        this.stringBudget -= i - off + 1;
        return bytesToString(b, off, i);
      }
    }
    this.stringBudget -= limit;
    throw new FormatError(structure, `string is not NUL-terminated within ${limit} bytes`, off);
  }
  /**
   * Like cstring, but without exceptions (hostile tables can make hundreds of thousands of bad
   * entries; building an Error for each is slow): returns null after recording a warning.
   */
  tryCstring(rva: number, structure: string, w: { add(structure: string, message: string, offset?: number): void }, context: string, maxLen = 4096): string | null {
    const off = this.map.span(rva);
    if (off < 0 || this.map.spanBytes < 1) {
      w.add(structure, `${context}: RVA ${hex(rva)} is not in the file`);
      return null;
    }
    if (this.stringBudget <= 0) {
      w.add(structure, `${context}: too much string data in this image's tables; further strings skipped`, off);
      return null;
    }
    const limit = Math.min(maxLen, this.map.spanBytes);
    const b = this.view.bytes;
    const end = off + limit;
    this.view.load(off, limit);
    for (let i = off; i < end; i++) {
      if (b[i] === 0) {
        this.stringBudget -= i - off + 1;
        return bytesToString(b, off, i);
      }
    }
    this.stringBudget -= limit;
    w.add(structure, `${context}: string is not NUL-terminated within ${limit} bytes`, off);
    return null;
  }
  /**
   * A table of `size` bytes at rva, loaded and readable at the returned file offset through
   * `view.bytes` (see RvaMap.tableOffset), or null when entries must be read one by one.
   */
  table(rva: number, size: number): number | null {
    if (size <= 0) return null;
    const off = this.map.tableOffset(rva, size);
    if (off === null) return null;
    this.view.load(off, size);
    return off;
  }
  /** File-backed bytes available from rva to the end of its section's raw data (0 if unmapped). */
  available(rva: number): number {
    const loc = this.map.locate(rva);
    return loc && loc.offset !== null ? loc.fileBytes : 0;
  }
}

/**
 * File offset of the RVA range [rva, rva+size), or null when the range is not entirely backed
 * by file data (outside every section, or in the zero-filled tail beyond a section's raw data).
 * For repeated lookups on one image, build an RvaMap once instead.
 */
export function rvaToOffset(image: RvaMapSource, rva: number, size = 1, fileLength = Number.MAX_SAFE_INTEGER): number | null {
  return new RvaMap(image, fileLength).offsetOf(rva, size);
}

/**
 * The bytes of the image at [rva, rva+size) as the loader would map them: a view into the file
 * when file-backed, a zero-padded copy when the range runs into a section's zero-filled tail.
 * Throws a FormatError when the range is not inside one mapped section (or the headers).
 */
export function readAtRva(bytes: Uint8Array, image: RvaMapSource, rva: number, size: number, structure = "data at RVA"): Uint8Array {
  const map = new RvaMap(image, bytes.length);
  const loc = map.locate(rva);
  if (!loc) throw new FormatError(structure, `RVA ${hex(rva)} is outside every section`);
  if (!Number.isSafeInteger(size) || size < 0 || size > loc.virtualBytes) {
    throw new FormatError(structure, `RVA ${hex(rva)}: ${size} bytes run past the end of ${loc.section ? "section " + loc.section.name : "the headers"}`);
  }
  if (loc.offset !== null && loc.fileBytes >= size) return bytes.subarray(loc.offset, loc.offset + size);
  const out = new Uint8Array(size);
  if (loc.offset !== null) out.set(bytes.subarray(loc.offset, loc.offset + Math.min(size, loc.fileBytes)));
  return out;
}

/** Latin-1 decode of bytes[start, end) (one flat string; see latin1). */
export function bytesToString(b: Uint8Array, start: number, end: number): string {
  return latin1Range(b, start, end);
}
