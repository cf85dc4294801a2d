/**
 * A minimal reader for COFF relocatable objects (archive members of import libraries):
 * sections with their data and relocations, and the symbol table. Pure, bounds-checked.
 */
import { ByteView } from "../binary.js";
import { byteString, fieldString } from "./text.js";
import { FormatError } from "../../errors.js";

export const IMAGE_SCN_CNT_CODE = 0x20;
export const IMAGE_SYM_CLASS_EXTERNAL = 2;
export const IMAGE_SYM_CLASS_STATIC = 3;
export const IMAGE_SYM_CLASS_SECTION = 104;
export const IMAGE_SYM_CLASS_WEAK_EXTERNAL = 105;

export interface CoffRelocation {
  virtualAddress: number;
  symbolIndex: number;
  type: number;
}

export interface CoffSection {
  /** 1-based section number. */
  number: number;
  name: string;
  characteristics: number;
  /** Raw data (empty for uninitialized sections). */
  data: Uint8Array;
  relocations: CoffRelocation[];
}

export interface CoffSymbol {
  index: number;
  name: string;
  value: number;
  /** Section number: >0 defined in that section, 0 undefined/common, -1 absolute, -2 debug. */
  section: number;
  type: number;
  storageClass: number;
  /** The raw auxiliary records (18 bytes each). */
  aux: Uint8Array;
}

export interface CoffObject {
  machine: number;
  characteristics: number;
  sections: CoffSection[];
  /** Indexed by symbol-table index; auxiliary slots are undefined. */
  symbols: (CoffSymbol | undefined)[];
}

const KNOWN_MACHINES = new Set([0x0, 0x14c, 0x8664, 0xaa64, 0x1c4, 0x1c0, 0xa641, 0xa64e, 0x200]);

/** Whether the bytes plausibly start a COFF object (known machine, sane counts). */
export function looksLikeCoffObject(bytes: Uint8Array): boolean {
  if (bytes.length < 20) return false;
  const v = new ByteView(bytes);
  const machine = v.u16(0, "COFF header");
  const nsec = v.u16(2, "COFF header");
  return KNOWN_MACHINES.has(machine) && nsec > 0 && nsec < 0xff00;
}

/** Parse a COFF object. Throws FormatError (offsets relative to `bytes`) when malformed. */
export function readCoffObject(bytes: Uint8Array): CoffObject {
  const v = new ByteView(bytes);
  const s = "COFF header";
  const machine = v.u16(0, s);
  const nsec = v.u16(2, s);
  const symPtr = v.u32(8, s);
  const nsym = v.u32(12, s);
  const optSize = v.u16(16, s);
  const characteristics = v.u16(18, s);
  const secTable = 20 + optSize;
  v.need(secTable, nsec * 40, "COFF section table");
  let strtab: Uint8Array = new Uint8Array(0);
  if (nsym > 0) {
    v.need(symPtr, nsym * 18, "COFF symbol table");
    const strAt = symPtr + nsym * 18;
    if (v.has(strAt, 4)) {
      const size = v.u32(strAt, "COFF string table");
      if (size >= 4) strtab = v.slice(strAt, size, "COFF string table");
    }
  }
  const str = (off: number, at: number): string => {
    if (off < 4 || off >= strtab.length) throw new FormatError("COFF string table", `name offset ${off} outside the ${strtab.length}-byte string table`, at);
    let end = off;
    while (end < strtab.length && strtab[end] !== 0) end++;
    return byteString(strtab, off, end);
  };

  const sections: CoffSection[] = [];
  for (let k = 0; k < nsec; k++) {
    const at = secTable + k * 40;
    const ss = "COFF section header";
    v.need(at, 40, ss);
    let name = fieldString(v.bytes, at, 8, false);
    if (/^\/[0-9]+$/.test(name)) name = str(Number(name.slice(1)), at);
    const rawSize = v.u32(at + 16, ss);
    const rawPtr = v.u32(at + 20, ss);
    const relPtr = v.u32(at + 24, ss);
    const nrel = v.u16(at + 32, ss);
    const ch = v.u32(at + 36, ss);
    const data = rawPtr === 0 || rawSize === 0 ? new Uint8Array(0) : v.slice(rawPtr, rawSize, `COFF section ${name} data`);
    const relocations: CoffRelocation[] = [];
    if (nrel > 0) {
      v.need(relPtr, nrel * 10, `COFF section ${name} relocations`);
      for (let r = 0; r < nrel; r++) {
        const ra = relPtr + r * 10;
        const symbolIndex = v.u32(ra + 4, "COFF relocation");
        if (symbolIndex >= nsym) throw new FormatError("COFF relocation", `symbol index ${symbolIndex} outside the ${nsym}-entry symbol table`, ra);
        relocations.push({ virtualAddress: v.u32(ra, "COFF relocation"), symbolIndex, type: v.u16(ra + 8, "COFF relocation") });
      }
    }
    sections.push({ number: k + 1, name, characteristics: ch, data, relocations });
  }

  const symbols: (CoffSymbol | undefined)[] = new Array(nsym);
  for (let k = 0; k < nsym; ) {
    const at = symPtr + k * 18;
    const sy = "COFF symbol";
    const name = v.u32(at, sy) === 0 ? str(v.u32(at + 4, sy), at) : (v.need(at, 18, sy), fieldString(v.bytes, at, 8, false));
    const section = (v.u16(at + 12, sy) << 16) >> 16;
    const naux = v.u8(at + 17, sy);
    if (k + 1 + naux > nsym) throw new FormatError(sy, `${naux} auxiliary records run past the ${nsym}-entry symbol table`, at);
    symbols[k] = {
      index: k,
      name,
      value: v.u32(at + 8, sy),
      section,
      type: v.u16(at + 14, sy),
      storageClass: v.u8(at + 16, sy),
      aux: v.slice(at + 18, naux * 18, sy),
    };
    k += 1 + naux;
  }
  return { machine, characteristics, sections, symbols };
}
