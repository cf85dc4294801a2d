import { FormatError } from "../../errors.js";
import { ByteView, latin1Range } from "../binary.js";
import type { CoffHeader, DataDirectory, MachineName, OptionalHeader, Section } from "./types.js";
import { MACHINE } from "./types.js";
import type { Warnings } from "./warnings.js";

export const DIRECTORY_NAMES = [
  "EXPORT", "IMPORT", "RESOURCE", "EXCEPTION", "SECURITY", "BASERELOC", "DEBUG", "ARCHITECTURE",
  "GLOBALPTR", "TLS", "LOAD_CONFIG", "BOUND_IMPORT", "IAT", "DELAY_IMPORT", "CLR", "RESERVED",
] as const;

export const DIR = {
  EXPORT: 0, IMPORT: 1, RESOURCE: 2, EXCEPTION: 3, SECURITY: 4, BASERELOC: 5, DEBUG: 6, ARCHITECTURE: 7,
  GLOBALPTR: 8, TLS: 9, LOAD_CONFIG: 10, BOUND_IMPORT: 11, IAT: 12, DELAY_IMPORT: 13, CLR: 14,
} as const;

export function machineName(machine: number): MachineName | number {
  if (machine === MACHINE.x86) return "x86";
  if (machine === MACHINE.x64) return "x64";
  if (machine === MACHINE.arm64) return "arm64";
  return machine;
}

export interface Headers {
  peOffset: number;
  coff: CoffHeader;
  optional: OptionalHeader;
  machine: MachineName | number;
  dataDirectories: DataDirectory[];
  sections: Section[];
}

const COFF_SIZE = 20;
const SECTION_SIZE = 40;
const SYMBOL_SIZE = 18;

/** Parse the DOS stub pointer, PE signature, COFF header, optional header, data directories and section table. */
export function parseHeaders(v: ByteView, w: Warnings): Headers {
  v.load(0, 2);
  if (v.length < 2 || v.bytes[0] !== 0x4d || v.bytes[1] !== 0x5a) {
    throw new FormatError("DOS header", "not a PE image (no MZ signature)", 0);
  }
  const peOffset = v.u32(0x3c, "DOS header (e_lfanew)");
  if (!v.has(peOffset, 4)) {
    throw new FormatError("PE signature", `e_lfanew 0x${peOffset.toString(16)} points outside the file (size ${v.length})`, peOffset);
  }
  if (v.u32(peOffset, "PE signature") !== 0x00004550) {
    throw new FormatError("PE signature", "not a PE image (no \"PE\\0\\0\" signature at e_lfanew)", peOffset);
  }
  const c = peOffset + 4;
  v.need(c, COFF_SIZE, "COFF file header");
  const coff: CoffHeader = {
    machine: v.u16(c, "COFF file header"),
    numberOfSections: v.u16(c + 2, "COFF file header"),
    timeDateStamp: v.u32(c + 4, "COFF file header"),
    pointerToSymbolTable: v.u32(c + 8, "COFF file header"),
    numberOfSymbols: v.u32(c + 12, "COFF file header"),
    sizeOfOptionalHeader: v.u16(c + 16, "COFF file header"),
    characteristics: v.u16(c + 18, "COFF file header"),
  };
  const o = c + COFF_SIZE;
  if (coff.sizeOfOptionalHeader < 2) {
    throw new FormatError("optional header", `SizeOfOptionalHeader is ${coff.sizeOfOptionalHeader}: an image needs an optional header`, c + 16);
  }
  const magic = v.u16(o, "optional header");
  if (magic !== 0x10b && magic !== 0x20b) {
    throw new FormatError("optional header", `unknown magic 0x${magic.toString(16)} (expected 0x10b PE32 or 0x20b PE32+)`, o);
  }
  const plus = magic === 0x20b;
  const S = "optional header";
  // The fixed part must be present in the file (a truncation inside it is an error).
  const fixed = plus ? 112 : 96;
  v.need(o, fixed, S);
  if (coff.sizeOfOptionalHeader < fixed) {
    w.add("optional header", `SizeOfOptionalHeader ${coff.sizeOfOptionalHeader} is smaller than the ${plus ? "PE32+" : "PE32"} fixed part (${fixed})`, c + 16);
  }
  const wide = (off: number): bigint => (plus ? v.u64(o + off, S) : BigInt(v.u32(o + off, S)));
  const optional: OptionalHeader = {
    magic,
    pe32plus: plus,
    majorLinkerVersion: v.u8(o + 2, S),
    minorLinkerVersion: v.u8(o + 3, S),
    sizeOfCode: v.u32(o + 4, S),
    addressOfEntryPoint: v.u32(o + 16, S),
    baseOfCode: v.u32(o + 20, S),
    imageBase: plus ? v.u64(o + 24, S) : BigInt(v.u32(o + 28, S)),
    sectionAlignment: v.u32(o + 32, S),
    fileAlignment: v.u32(o + 36, S),
    majorOperatingSystemVersion: v.u16(o + 40, S),
    minorOperatingSystemVersion: v.u16(o + 42, S),
    majorSubsystemVersion: v.u16(o + 48, S),
    minorSubsystemVersion: v.u16(o + 50, S),
    sizeOfImage: v.u32(o + 56, S),
    sizeOfHeaders: v.u32(o + 60, S),
    checkSum: v.u32(o + 64, S),
    subsystem: v.u16(o + 68, S),
    dllCharacteristics: v.u16(o + 70, S),
    sizeOfStackReserve: wide(72),
    sizeOfStackCommit: wide(plus ? 80 : 76),
    sizeOfHeapReserve: wide(plus ? 88 : 80),
    sizeOfHeapCommit: wide(plus ? 96 : 84),
    numberOfRvaAndSizes: v.u32(o + (plus ? 108 : 92), S),
    checkSumOffset: o + 64,
  };

  // Data directories: NumberOfRvaAndSizes of them (at most 16), inside SizeOfOptionalHeader.
  const ddStart = o + fixed;
  const roomInOptional = Math.max(0, Math.floor((coff.sizeOfOptionalHeader - fixed) / 8));
  let nDirs = optional.numberOfRvaAndSizes;
  if (nDirs > 16) {
    w.add("data directories", `NumberOfRvaAndSizes is ${nDirs}; only the 16 defined directories are read`, o + (plus ? 108 : 92));
    nDirs = 16;
  }
  if (nDirs > roomInOptional) {
    w.add("data directories", `${nDirs} directories do not fit in SizeOfOptionalHeader ${coff.sizeOfOptionalHeader}; reading ${roomInOptional}`, ddStart);
    nDirs = roomInOptional;
  }
  const dataDirectories: DataDirectory[] = [];
  for (let i = 0; i < 16; i++) {
    let virtualAddress = 0;
    let size = 0;
    if (i < nDirs) {
      const at = ddStart + i * 8;
      virtualAddress = v.u32(at, `data directory ${DIRECTORY_NAMES[i]}`);
      size = v.u32(at + 4, `data directory ${DIRECTORY_NAMES[i]}`);
    }
    dataDirectories.push({ index: i, name: DIRECTORY_NAMES[i]!, virtualAddress, size });
  }

  // Section table.
  const st = o + coff.sizeOfOptionalHeader;
  if (!v.has(st, coff.numberOfSections * SECTION_SIZE)) {
    throw new FormatError("section table", `${coff.numberOfSections} section headers (${coff.numberOfSections * SECTION_SIZE} bytes) do not fit in the file (size ${v.length})`, st);
  }
  const strtab = stringTable(v, coff, w);
  const sections: Section[] = [];
  for (let i = 0; i < coff.numberOfSections; i++) {
    const at = st + i * SECTION_SIZE;
    const S2 = "section header";
    const raw = v.fixedString(at, 8, S2);
    sections.push({
      name: longName(raw, strtab, w, at),
      virtualSize: v.u32(at + 8, S2),
      virtualAddress: v.u32(at + 12, S2),
      sizeOfRawData: v.u32(at + 16, S2),
      pointerToRawData: v.u32(at + 20, S2),
      characteristics: v.u32(at + 36, S2),
    });
  }
  checkSections(sections, v.length, w, st);
  return { peOffset, coff, optional, machine: machineName(coff.machine), dataDirectories, sections };
}

interface StringTable {
  offset: number;
  size: number;
  view: ByteView;
}

/** The COFF string table after the symbol table (images built by mingw/ld keep one for long section names). */
function stringTable(v: ByteView, coff: CoffHeader, w: Warnings): StringTable | null {
  if (coff.pointerToSymbolTable === 0) return null;
  const at = coff.pointerToSymbolTable + coff.numberOfSymbols * SYMBOL_SIZE;
  if (!v.has(at, 4)) {
    w.add("COFF string table", "the symbol table pointer or count points outside the file; long section names stay unresolved", at);
    return null;
  }
  const size = v.u32(at, "COFF string table");
  if (size < 4 || !v.has(at, size)) {
    w.add("COFF string table", `size ${size} does not fit in the file`, at);
    return { offset: at, size: v.length - at, view: v };
  }
  return { offset: at, size, view: v };
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function longName(raw: string, strtab: StringTable | null, w: Warnings, at: number): string {
  if (!raw.startsWith("/") || raw.length < 2) return raw;
  let off: number;
  if (raw.startsWith("//")) {
    // "//" + base64 offset (for string tables larger than 10^7 bytes).
    off = 0;
    for (const ch of raw.slice(2)) {
      const d = B64.indexOf(ch);
      if (d < 0) return raw;
      off = off * 64 + d;
    }
  } else {
    if (!/^\/[0-9]+$/.test(raw)) return raw;
    off = Number(raw.slice(1));
  }
  if (!strtab) return raw;
  if (off < 4 || off >= strtab.size) {
    w.add("section header", `long name ${raw} points outside the COFF string table`, at);
    return raw;
  }
  const start = strtab.offset + off;
  const end = Math.min(strtab.offset + strtab.size, start + 1024);
  const b = strtab.view.bytes;
  strtab.view.load(start, end - start);
  let i = start;
  while (i < end && b[i] !== 0) i++;
  return latin1Range(b, start, i);
}

function checkSections(sections: Section[], fileLength: number, w: Warnings, st: number): void {
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    const at = st + i * SECTION_SIZE;
    if (s.sizeOfRawData > 0 && s.pointerToRawData + s.sizeOfRawData > fileLength) {
      w.add("section header", `section ${s.name}: raw data 0x${s.pointerToRawData.toString(16)}+0x${s.sizeOfRawData.toString(16)} runs past the end of the file (size 0x${fileLength.toString(16)})`, at);
    }
  }
  // Overlap check on virtual ranges (sorted sweep, O(n log n)).
  const sorted = sections
    .map((s, i) => ({ s, i, end: s.virtualAddress + (s.virtualSize !== 0 ? s.virtualSize : s.sizeOfRawData) }))
    .filter((x) => x.end > x.s.virtualAddress)
    .sort((a, b) => a.s.virtualAddress - b.s.virtualAddress);
  let reported = 0;
  for (let k = 1; k < sorted.length && reported < 8; k++) {
    const prev = sorted[k - 1]!;
    const cur = sorted[k]!;
    if (cur.s.virtualAddress < prev.end) {
      w.add("section header", `sections ${prev.s.name} and ${cur.s.name} overlap in memory (0x${cur.s.virtualAddress.toString(16)} < 0x${prev.end.toString(16)})`, st + cur.i * SECTION_SIZE);
      reported++;
    }
  }
}
