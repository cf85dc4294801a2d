import type { DataDirectory, DelayImportModule, ImportedFunction, ImportModule } from "./types.js";
import type { RvaReader } from "./rva.js";
import type { Warnings } from "./warnings.js";

/** Limits that keep hostile import tables bounded in time and memory. */
export const IMPORT_LIMITS = {
  descriptors: 8192,
  functionsPerModule: 65536,
  functionsTotal: 262144,
};

/** Shared across the import and delay-import tables of one image. */
export interface ImportBudget {
  functions: number;
  /** Hint/name entries already read, by RVA (tables often share them; hostile ones repeat them). */
  names: Map<number, { hint: number; name: string }>;
}

export function importBudget(): ImportBudget {
  return { functions: IMPORT_LIMITS.functionsTotal, names: new Map() };
}

/** Read one ILT/INT (or IAT) thunk array: by-name (hint + name) or by-ordinal entries until the 0 terminator. */
function readThunks(
  r: RvaReader,
  lookupRva: number,
  iatRva: number,
  pe32plus: boolean,
  w: Warnings,
  budget: ImportBudget,
  dll: string,
  structure: string,
  /** For old-style delay imports, name pointers are VAs: subtract this. */
  vaBias = 0n,
): ImportedFunction[] {
  const out: ImportedFunction[] = [];
  const size = pe32plus ? 8 : 4;
  for (let i = 0; ; i++) {
    if (i >= IMPORT_LIMITS.functionsPerModule || budget.functions <= 0) {
      w.add(structure, `${dll}: stopped after ${i} functions (thunk array too long or not terminated)`);
      break;
    }
    const at = lookupRva + i * size;
    const off = r.map.offsetOf(at, size);
    if (off === null) {
      w.add(structure, `${dll}: thunk array not terminated inside its section (entry #${i} at RVA 0x${at.toString(16)} is not in the file)`);
      break;
    }
    // The thunk as two 32-bit halves (no BigInt per entry; hi is 0 in a PE32 image).
    const lo = r.view.u32(off, structure);
    const hi = pe32plus ? r.view.u32(off + 4, structure) : 0;
    if (lo === 0 && hi === 0) break;
    budget.functions--;
    const iat = (iatRva + i * size) >>> 0;
    if ((pe32plus ? hi : lo) & 0x80000000) {
      out.push({ name: null, hint: null, ordinal: lo & 0xffff, iatRva: iat });
      continue;
    }
    const nameRva = vaBias === 0n ? lo & 0x7fffffff : Number((((BigInt(hi) << 32n) | BigInt(lo)) - vaBias) & 0x7fffffffn);
    let hn = budget.names.get(nameRva);
    if (!hn) {
      const at = r.map.offsetOf(nameRva, 2);
      const name = at === null ? null : r.tryCstring(nameRva + 2, "import hint/name", w, `${dll}: function #${i}`);
      if (at === null) w.add("import hint/name", `${dll}: function #${i}: RVA 0x${nameRva.toString(16)} is not in the file`);
      if (at === null || name === null) {
        out.push({ name: null, hint: null, ordinal: null, iatRva: iat });
        continue;
      }
      r.view.load(at, 2);
      hn = { hint: r.view.bytes[at]! | (r.view.bytes[at + 1]! << 8), name };
      budget.names.set(nameRva, hn);
    }
    out.push({ name: hn.name, hint: hn.hint, ordinal: null, iatRva: iat });
  }
  return out;
}

function dllName(r: RvaReader, rva: number, w: Warnings, structure: string): string {
  try {
    return r.cstring(rva, structure, 1024);
  } catch (e) {
    w.fromError(e);
    return "";
  }
}

/** Parse the import directory (IMAGE_IMPORT_DESCRIPTOR array). */
export function parseImports(r: RvaReader, dir: DataDirectory, pe32plus: boolean, w: Warnings, budget: ImportBudget): ImportModule[] {
  const mods: ImportModule[] = [];
  if (dir.virtualAddress === 0) return mods;
  const S = "import directory";
  for (let i = 0; ; i++) {
    if (i >= IMPORT_LIMITS.descriptors) {
      w.add(S, `more than ${IMPORT_LIMITS.descriptors} import descriptors: the chain is not terminated; stopped`);
      break;
    }
    const at = dir.virtualAddress + i * 20;
    let ilt: number, tds: number, fwd: number, name: number, iat: number;
    try {
      r.map.need(at, 20, S);
      ilt = r.u32(at, S);
      tds = r.u32(at + 4, S);
      fwd = r.u32(at + 8, S);
      name = r.u32(at + 12, S);
      iat = r.u32(at + 16, S);
    } catch (e) {
      w.fromError(e, i === 0 ? "descriptor #0" : `descriptor #${i}: the descriptor chain is not terminated inside its section`);
      break;
    }
    if (name === 0 || iat === 0) {
      // The loader stops at the first descriptor without a name or IAT; normally it is all zero.
      if (ilt || tds || fwd || name || iat) w.add(S, `descriptor #${i} has Name or FirstThunk 0 but other fields set; treated as the terminator`);
      break;
    }
    const dll = dllName(r, name, w, "import DLL name");
    const lookup = ilt !== 0 ? ilt : iat;
    const functions = readThunks(r, lookup, iat, pe32plus, w, budget, dll, "import lookup table");
    if (functions.length === 0 && r.map.offsetOf(lookup, pe32plus ? 8 : 4) !== null) {
      // The loader maps the DLL but binds nothing; code that calls through this descriptor jumps to
      // an unrelocated RVA. GNU ld produces this from a short-format (LLVM/MSVC) import library.
      w.add(
        "import lookup table",
        `descriptor #${i} (${dll || "?"}) imports no function: its lookup table is empty, so the loader binds nothing` +
          ` (GNU ld linked against an LLVM/MSVC short-format import library? use GNU dlltool's library, or lld-link)`,
        r.map.offsetOf(at, 20) ?? undefined,
      );
    }
    mods.push({ dll, iltRva: lookup, iatRva: iat, functions });
  }
  return mods;
}

/** Parse the delay-load import directory (ImgDelayDescr array). */
export function parseDelayImports(r: RvaReader, dir: DataDirectory, pe32plus: boolean, imageBase: bigint, w: Warnings, budget: ImportBudget): DelayImportModule[] {
  const mods: DelayImportModule[] = [];
  if (dir.virtualAddress === 0) return mods;
  const S = "delay import directory";
  for (let i = 0; ; i++) {
    if (i >= IMPORT_LIMITS.descriptors) {
      w.add(S, `more than ${IMPORT_LIMITS.descriptors} delay import descriptors: the chain is not terminated; stopped`);
      break;
    }
    const at = dir.virtualAddress + i * 32;
    let f: number[];
    try {
      r.map.need(at, 32, S);
      f = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => r.u32(at + k * 4, S));
    } catch (e) {
      w.fromError(e, i === 0 ? "descriptor #0" : `descriptor #${i}: the descriptor chain is not terminated inside its section`);
      break;
    }
    const [attributes, nameF, handleF, iatF, intF] = f as [number, number, number, number, number];
    if (nameF === 0) {
      if (f.some((x) => x !== 0)) w.add(S, `descriptor #${i} has DllNameRVA 0 but other fields set; treated as the terminator`);
      break;
    }
    // Attributes bit 0 clear: an old (VC6) descriptor whose fields are VAs, not RVAs.
    const rvaBased = (attributes & 1) !== 0;
    const toRva = (x: number): number => {
      if (rvaBased || x === 0) return x;
      const rv = BigInt(x) - imageBase;
      return rv >= 0n && rv < 0x100000000n ? Number(rv) : 0;
    };
    const dll = dllName(r, toRva(nameF), w, "delay import DLL name");
    const iat = toRva(iatF);
    const int = toRva(intF);
    let functions: ImportedFunction[] = [];
    if (int !== 0) {
      functions = readThunks(r, int, iat, pe32plus, w, budget, dll, "delay import name table", rvaBased ? 0n : imageBase);
    } else {
      w.add(S, `${dll}: no import name table`);
    }
    mods.push({ dll, iltRva: int, iatRva: iat, functions, attributes, moduleHandleRva: toRva(handleF) });
  }
  return mods;
}
