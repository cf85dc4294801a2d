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
  // Each fixed-size structure is checked (and read from the file) once with `need`; its fields
  // are then read straight from the DataView (a bounds check and a structure name per field made
  // this function large for the optimizing compiler, and it runs once per image).
  v.need(c, COFF_SIZE, "COFF file header");
  const dv = v.dv;
  const coff: CoffHeader = {
    machine: dv.getUint16(c, true),
    numberOfSections: dv.getUint16(c + 2, true),
    timeDateStamp: dv.getUint32(c + 4, true),
    pointerToSymbolTable: dv.getUint32(c + 8, true),
    numberOfSymbols: dv.getUint32(c + 12, true),
    sizeOfOptionalHeader: dv.getUint16(c + 16, true),
    characteristics: dv.getUint16(c + 18, true),
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
  // (The fixed part was checked by `need` above: every field below lies in it.)
  const wide = (off: number): bigint => (plus ? dv.getBigUint64(o + off, true) : BigInt(dv.getUint32(o + off, true)));
  const u32 = (off: number): number => dv.getUint32(o + off, true);
  const u16 = (off: number): number => dv.getUint16(o + off, true);
  const optional: OptionalHeader = {
    magic,
    pe32plus: plus,
    majorLinkerVersion: dv.getUint8(o + 2),
    minorLinkerVersion: dv.getUint8(o + 3),
    sizeOfCode: u32(4),
    addressOfEntryPoint: u32(16),
    baseOfCode: u32(20),
    imageBase: plus ? dv.getBigUint64(o + 24, true) : BigInt(u32(28)),
    sectionAlignment: u32(32),
    fileAlignment: u32(36),
    majorOperatingSystemVersion: u16(40),
    minorOperatingSystemVersion: u16(42),
    majorSubsystemVersion: u16(48),
    minorSubsystemVersion: u16(50),
    sizeOfImage: u32(56),
    sizeOfHeaders: u32(60),
    checkSum: u32(64),
    subsystem: u16(68),
    dllCharacteristics: u16(70),
    sizeOfStackReserve: wide(72),
    sizeOfStackCommit: wide(plus ? 80 : 76),
    sizeOfHeapReserve: wide(plus ? 88 : 80),
    sizeOfHeapCommit: wide(plus ? 96 : 84),
    numberOfRvaAndSizes: u32(plus ? 108 : 92),
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
  const dataDirectories = readDataDirectories(v, ddStart, nDirs);

  // Section table.
  const st = o + coff.sizeOfOptionalHeader;
  if (!v.has(st, coff.numberOfSections * SECTION_SIZE)) {
    throw new FormatError("section table", `${coff.numberOfSections} section headers (${coff.numberOfSections * SECTION_SIZE} bytes) do not fit in the file (size ${v.length})`, st);
  }
  const sections = readSections(v, st, coff.numberOfSections, stringTable(v, coff, w), w);
  checkSections(sections, v.length, w, st);
  return { peOffset, coff, optional, machine: machineName(coff.machine), dataDirectories, sections };
}

/** The 16 data directories (the first nDirs read at ddStart, the rest zero). */
function readDataDirectories(v: ByteView, ddStart: number, nDirs: number): DataDirectory[] {
  const dv = v.dv;
  const dataDirectories: DataDirectory[] = [];
  // All of them in the file (the usual case): read in place; else one by one, the first missing one an error naming it.
  const dirsInFile = v.has(ddStart, nDirs * 8);
  if (dirsInFile) v.load(ddStart, nDirs * 8);
  for (let i = 0; i < 16; i++) {
    let virtualAddress = 0;
    let size = 0;
    if (i < nDirs) {
      const at = ddStart + i * 8;
      virtualAddress = dirsInFile ? dv.getUint32(at, true) : v.u32(at, `data directory ${DIRECTORY_NAMES[i]}`);
      size = dirsInFile ? dv.getUint32(at + 4, true) : v.u32(at + 4, `data directory ${DIRECTORY_NAMES[i]}`);
    }
    dataDirectories.push({ index: i, name: DIRECTORY_NAMES[i]!, virtualAddress, size });
  }
  return dataDirectories;
}

/** The section table at st (in the file: the caller checked). */
function readSections(v: ByteView, st: number, count: number, strtab: StringTable | null, w: Warnings): Section[] {
  const dv = v.dv;
  const sections: Section[] = [];
  // (The whole table is in the file: checked above.)
  v.load(st, count * SECTION_SIZE);
  for (let i = 0; i < count; i++) {
    const at = st + i * SECTION_SIZE;
    const raw = v.fixedString(at, 8, "section header");
    sections.push({
      name: longName(raw, strtab, w, at),
      virtualSize: dv.getUint32(at + 8, true),
      virtualAddress: dv.getUint32(at + 12, true),
      sizeOfRawData: dv.getUint32(at + 16, true),
      pointerToRawData: dv.getUint32(at + 20, true),
      characteristics: dv.getUint32(at + 36, true),
    });
  }
  return sections;
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
  // Overlap check on virtual ranges (sorted sweep, O(n log n)): the sections with an extent, by
  // VirtualAddress (header order between equal ones), as indices (plain loops: this runs per image).
  const end = (s: Section): number => s.virtualAddress + (s.virtualSize !== 0 ? s.virtualSize : s.sizeOfRawData);
  const order: number[] = [];
  for (let i = 0; i < sections.length; i++) if (end(sections[i]!) > sections[i]!.virtualAddress) order.push(i);
  order.sort((a, b) => sections[a]!.virtualAddress - sections[b]!.virtualAddress || a - b);
  let reported = 0;
  for (let k = 1; k < order.length && reported < 8; k++) {
    const prev = sections[order[k - 1]!]!;
    const cur = sections[order[k]!]!;
    if (cur.virtualAddress < end(prev)) {
      w.add("section header", `sections ${prev.name} and ${cur.name} overlap in memory (0x${cur.virtualAddress.toString(16)} < 0x${end(prev).toString(16)})`, st + order[k]! * SECTION_SIZE);
      reported++;
    }
  }
}
