/**
 * Import library writer (SPEC §3.3): a .def model → a Microsoft short-import library, laid
 * out member for member as llvm-dlltool / lib /DEF do (import descriptor, null import
 * descriptor, null thunk, one short import per non-PRIVATE export), in a COFF-style archive
 * with both linker members and a longnames member. Deterministic. Pure.
 *
 * Naming follows llvm-dlltool (MinGW .def conventions): on x86 an undecorated name gets a
 * leading `_` (names starting with `@` or `?`, or containing `@@`, are taken as decorated);
 * with killAt (the default on x86, like `llvm-dlltool -k`), a stdcall `_F@N` symbol imports the
 * undecorated `F` (name type UNDECORATE), as kernel-mode modules export undecorated names.
 */
import { ByteWriter } from "../binary.js";
import { KmdllError } from "../../errors.js";
import type { DefExport, DefFile } from "../def/types.js";
import { moduleFileName } from "../def/types.js";
import { writeImportArchive, type ImportArchivePlan } from "./import-archive.js";
import { wasmPlanArchive } from "./wasm-archive.js";
import { applyNameType, IMPORT_NAME_TYPES, IMPORT_TYPES, MACHINE_NUMBERS, type ImportNameType, type ImportType } from "./types.js";

export type ImplibMachine = "x64" | "x86" | "arm64";

export interface WriteImportLibraryOptions {
  machine: ImplibMachine;
  /** The DLL name importers bind to; default: the .def's LIBRARY name (".dll" appended when it has no extension). */
  dll?: string;
  /** x86 only: import stdcall `_F@N` symbols by the undecorated name `F` (default true). */
  killAt?: boolean;
}

/** What one export turned into. */
export interface PlannedImport {
  export: string;
  symbol: string;
  type: ImportType;
  nameType: ImportNameType;
  /** What the importer's import table will name (null for an ordinal import). */
  importName: string | null;
  ordinal: number | null;
  /** When the import is a weak alias onto another import of the library: that import's symbol. */
  aliasOf: string | null;
}

export interface ImportLibraryResult {
  bytes: Uint8Array;
  dll: string;
  imports: PlannedImport[];
  /** Exports left out (PRIVATE). */
  skipped: string[];
  warnings: string[];
}

const SCN_DATA_RW = 0x00000040 | 0x40000000 | 0x80000000; // CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE
const ALIGN_2 = 0x00200000;
const ALIGN_4 = 0x00300000;
const ALIGN_8 = 0x00400000;
const IMAGE_FILE_32BIT_MACHINE = 0x0100;
const SYM_EXTERNAL = 2;
const SYM_STATIC = 3;
const SYM_SECTION = 104;
const SYM_WEAK_EXTERNAL = 105;
const LNK_INFO = 0x200;
const LNK_REMOVE = 0x800;
const WEAK_EXTERN_SEARCH_ALIAS = 3;

function rel32nb(machine: number): number {
  switch (machine) {
    case 0x8664: return 3; // IMAGE_REL_AMD64_ADDR32NB
    case 0x14c: return 7; // IMAGE_REL_I386_DIR32NB
    case 0xaa64: return 2; // IMAGE_REL_ARM64_ADDR32NB
    default: throw new KmdllError(`unsupported machine 0x${machine.toString(16)}`);
  }
}

const enc = new TextEncoder();
/** Names are written as UTF-8 bytes (ASCII in practice); the byte writer takes Latin-1 code units. */
export function bytesOf(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      let out = "";
      for (const b of enc.encode(s)) out += String.fromCharCode(b);
      return out;
    }
  }
  return s;
}

class Coff {
  readonly w = new ByteWriter(256);
  header(machine: number, nsec: number, symPtr: number, nsym: number, characteristics: number): void {
    this.w.u16(machine).u16(nsec).u32(0).u32(symPtr).u32(nsym).u16(0).u16(characteristics);
  }
  section(name: string, rawSize: number, rawPtr: number, relPtr: number, nrel: number, ch: number): void {
    this.w.ascii(name.padEnd(8, "\0")).u32(0).u32(0).u32(rawSize).u32(rawPtr).u32(relPtr).u32(0).u16(nrel).u16(0).u32(ch);
  }
  /** A symbol whose name is either short (≤ 8 bytes, inline) or a string-table offset. */
  symbol(name: string | number, value: number, section: number, cls: number, naux = 0): void {
    if (typeof name === "number") this.w.u32(0).u32(name);
    else this.w.ascii(name.padEnd(8, "\0"));
    this.w.u32(value).u16(section & 0xffff).u16(0).u8(cls).u8(naux);
  }
  strings(list: string[]): void {
    const size = 4 + list.reduce((n, s) => n + s.length + 1, 0);
    this.w.u32(size);
    for (const s of list) this.w.ascii(s, true);
  }
}

function is64(machine: number): boolean {
  return machine === 0x8664 || machine === 0xaa64;
}

function importDescriptor(machine: number, dll: string, descSym: string, nullDesc: string, nullThunk: string): Uint8Array {
  const c = new Coff();
  const hdrs = 20 + 2 * 40;
  const symPtr = hdrs + 20 + 3 * 10 + dll.length + 1;
  c.header(machine, 2, symPtr, 7, is64(machine) ? 0 : IMAGE_FILE_32BIT_MACHINE);
  c.section(".idata$2", 20, hdrs, hdrs + 20, 3, ALIGN_4 | SCN_DATA_RW);
  c.section(".idata$6", dll.length + 1, hdrs + 20 + 30, 0, 0, ALIGN_2 | SCN_DATA_RW);
  c.w.zeros(20);
  const t = rel32nb(machine);
  // Name RVA (+12) → .idata$6, ILT RVA (+0) → .idata$4, IAT RVA (+16) → .idata$5.
  c.w.u32(12).u32(2).u16(t);
  c.w.u32(0).u32(3).u16(t);
  c.w.u32(16).u32(4).u16(t);
  c.w.ascii(dll, true);
  c.symbol(4, 0, 1, SYM_EXTERNAL);
  c.symbol(".idata$2", 0, 1, SYM_SECTION);
  c.symbol(".idata$6", 0, 2, SYM_STATIC);
  c.symbol(".idata$4", 0, 0, SYM_SECTION);
  c.symbol(".idata$5", 0, 0, SYM_SECTION);
  c.symbol(4 + descSym.length + 1, 0, 0, SYM_EXTERNAL);
  c.symbol(4 + descSym.length + 1 + nullDesc.length + 1, 0, 0, SYM_EXTERNAL);
  c.strings([descSym, nullDesc, nullThunk]);
  return c.w.toBytes();
}

function nullImportDescriptor(machine: number, nullDesc: string): Uint8Array {
  const c = new Coff();
  const hdrs = 20 + 40;
  c.header(machine, 1, hdrs + 20, 1, is64(machine) ? 0 : IMAGE_FILE_32BIT_MACHINE);
  c.section(".idata$3", 20, hdrs, 0, 0, ALIGN_4 | SCN_DATA_RW);
  c.w.zeros(20);
  c.symbol(4, 0, 1, SYM_EXTERNAL);
  c.strings([nullDesc]);
  return c.w.toBytes();
}

function nullThunkData(machine: number, nullThunk: string): Uint8Array {
  const c = new Coff();
  const hdrs = 20 + 2 * 40;
  const word = is64(machine) ? 8 : 4;
  const align = is64(machine) ? ALIGN_8 : ALIGN_4;
  c.header(machine, 2, hdrs + 2 * word, 1, is64(machine) ? 0 : IMAGE_FILE_32BIT_MACHINE);
  c.section(".idata$5", word, hdrs, 0, 0, align | SCN_DATA_RW);
  c.section(".idata$4", word, hdrs + word, 0, 0, align | SCN_DATA_RW);
  c.w.zeros(2 * word);
  c.symbol(4, 0, 1, SYM_EXTERNAL);
  c.strings([nullThunk]);
  return c.w.toBytes();
}

/** A COFF object whose weak external `weak` resolves to `target` (search-alias). */
function weakExternal(machine: number, target: string, weak: string): Uint8Array {
  const c = new Coff();
  c.header(machine, 1, 20 + 40, 5, 0);
  c.section(".drectve", 0, 0, 0, 0, LNK_INFO | LNK_REMOVE);
  c.symbol("@comp.id", 0, -1, SYM_STATIC);
  c.symbol("@feat.00", 0, -1, SYM_STATIC);
  c.symbol(4, 0, 0, SYM_EXTERNAL);
  c.symbol(4 + target.length + 1, 0, 0, SYM_WEAK_EXTERNAL, 1);
  c.w.u32(2).u32(WEAK_EXTERN_SEARCH_ALIAS).zeros(10);
  c.strings([target, weak]);
  return c.w.toBytes();
}

/** Whether a .def name is already decorated (MinGW rules, as llvm-dlltool applies them). */
export function isDecoratedName(name: string): boolean {
  return name.startsWith("@") || name.startsWith("?") || name.includes("@@");
}

/** The linker symbol of an export's import (without `__imp_`): on x86 an undecorated name gets a leading `_`. */
export function importSymbol(name: string, x86: boolean): string {
  return x86 && !isDecoratedName(name) ? "_" + name : name;
}

/**
 * How an import by name (no `==`, EXPORTAS or NONAME) names what it imports: with killAt, a
 * stdcall `_F@N` imports `F` (undecorate); another x86 `_F` imports `F` (noprefix); else the symbol.
 */
export function defaultNameType(symbol: string, x86: boolean, killAt: boolean): ImportNameType {
  if (!x86) return "name";
  const at = symbol.indexOf("@", 1);
  if (killAt && !symbol.startsWith("?") && at >= 0) return "undecorate";
  return symbol.startsWith("_") ? "noprefix" : "name";
}

/** The file name part of a path-like DLL name, and its stem (for __IMPORT_DESCRIPTOR_<stem>). */
function stemOf(dll: string): string {
  const dot = dll.lastIndexOf(".");
  return dot > 0 ? dll.slice(0, dot) : dll;
}

/** Decide, for each export, the symbol and how the import is named (no bytes yet). */
export function planImports(def: DefFile, machine: ImplibMachine, killAt = true): { imports: PlannedImport[]; skipped: string[]; warnings: string[] } {
  const x86 = machine === "x86";
  const imports: PlannedImport[] = [];
  const skipped: string[] = [];
  const warnings: string[] = [];
  const deferred: { e: DefExport; p: PlannedImport }[] = [];
  for (const e of def.exports) {
    if (e.private) {
      skipped.push(e.name);
      continue;
    }
    const type: ImportType = e.constant ? "const" : e.data ? "data" : "code";
    const symbol = importSymbol(e.name, x86);
    const p: PlannedImport = { export: e.name, symbol, type, nameType: "name", importName: null, ordinal: e.ordinal, aliasOf: null };
    if (e.noname) {
      if (e.ordinal === null) throw new KmdllError(`export '${e.name}' is NONAME without an ordinal`);
      p.nameType = "ordinal";
    } else if (e.exportAs !== null) {
      p.nameType = "exportas";
      p.importName = e.exportAs;
    } else if (e.importName !== null) {
      if (x86 && applyNameType("undecorate", symbol) === e.importName) p.nameType = "undecorate";
      else if (x86 && applyNameType("noprefix", symbol) === e.importName) p.nameType = "noprefix";
      else if (symbol === e.importName) p.nameType = "name";
      else {
        // Resolved below, once every regular import is known; keeps its place in the order.
        deferred.push({ e, p });
        imports.push(p);
        continue;
      }
      p.importName = e.importName;
    } else {
      p.nameType = defaultNameType(symbol, x86, killAt);
      p.importName = applyNameType(p.nameType, symbol);
    }
    imports.push(p);
  }
  // `==importname` that no name type expresses: alias onto a regular import of that name, else EXPORTAS.
  if (deferred.length) {
    const byImportName = new Map<string, PlannedImport>();
    const isDeferred = new Set(deferred.map((d) => d.p));
    for (const p of imports) if (!isDeferred.has(p) && p.importName !== null && !byImportName.has(p.importName)) byImportName.set(p.importName, p);
    for (const { e, p } of deferred) {
      const target = byImportName.get(e.importName!);
      if (target) {
        p.aliasOf = target.symbol;
        p.nameType = target.nameType;
        p.importName = target.importName;
        p.ordinal = target.ordinal;
      } else {
        p.nameType = "exportas";
        p.importName = e.importName;
      }
    }
  }
  if (imports.some((p) => p.nameType === "exportas")) {
    warnings.push("EXPORTAS imports (name type 4) need a recent linker (LLVM 18+ or MSVC); older lld-link cannot bind them");
  }
  return { imports, skipped, warnings };
}

const IMP = "__imp_";

/** The DLL name an import library binds to: the file name part of --dll or the LIBRARY name. */
export function importDllName(dllRaw: string | null | undefined): string {
  if (!dllRaw) throw new KmdllError("no DLL name: the .def has no LIBRARY name; pass --dll NAME");
  const dll = dllRaw.replace(/^.*[\\/]/, "");
  if (dll === "" || dll.includes("\0")) throw new KmdllError(`bad DLL name ${JSON.stringify(dllRaw)}`);
  return dll;
}

/** Build the import library for a .def model. Throws KmdllError when there is no DLL name or names clash. */
export function writeImportLibrary(def: DefFile, opts: WriteImportLibraryOptions): ImportLibraryResult {
  const machine = MACHINE_NUMBERS[opts.machine];
  if (machine === undefined) throw new KmdllError(`unsupported machine '${opts.machine}' (x64, x86 or arm64)`);
  const dll = importDllName(opts.dll ?? moduleFileName(def));
  const { imports, skipped, warnings } = planImports(def, opts.machine, opts.killAt ?? true);
  if (imports.length + 3 > 65535) throw new KmdllError(`too many imports (${imports.length}): an archive's second linker member indexes at most 65535 members`);

  const plan = archivePlan(machine, dll, imports);
  return { bytes: wasmPlanArchive(plan) ?? writeImportArchive(plan), dll, imports, skipped, warnings };
}

/** The three descriptor objects every import library starts with, for a DLL name (a byte string). */
export function descriptorObjects(machine: number, dllB: string): ImportArchivePlan["head"] {
  const stem = stemOf(dllB);
  const descSym = "__IMPORT_DESCRIPTOR_" + stem;
  const nullDesc = "__NULL_IMPORT_DESCRIPTOR";
  const nullThunk = "\x7f" + stem + "_NULL_THUNK_DATA";
  return [
    { data: importDescriptor(machine, dllB, descSym, nullDesc, nullThunk), symbol: descSym },
    { data: nullImportDescriptor(machine, nullDesc), symbol: nullDesc },
    { data: nullThunkData(machine, nullThunk), symbol: nullThunk },
  ];
}

/** The archive writer's columns for planned imports. */
function archivePlan(machine: number, dll: string, imports: PlannedImport[]): ImportArchivePlan {
  const n = imports.length;
  const dllB = bytesOf(dll);
  const symbols = new Array<string>(n);
  const exports = new Array<string>(n);
  const typeInfo = new Uint8Array(n);
  const ordinalHint = new Uint16Array(n);
  const plain = new Uint8Array(n);
  let exportAs: (string | null)[] | null = null;
  let objects: ImportArchivePlan["objects"] = null;
  for (let k = 0; k < n; k++) {
    const p = imports[k]!;
    const sym = bytesOf(p.symbol);
    symbols[k] = sym;
    exports[k] = p.export;
    if (p.aliasOf !== null) {
      const target = bytesOf(p.aliasOf);
      objects ??= new Array<null>(n).fill(null);
      objects[k] = { plain: p.type === "code" ? weakExternal(machine, target, sym) : null, imp: weakExternal(machine, IMP + target, IMP + sym) };
      continue;
    }
    typeInfo[k] = (IMPORT_NAME_TYPES.indexOf(p.nameType) << 2) | IMPORT_TYPES.indexOf(p.type);
    ordinalHint[k] = p.ordinal ?? 0;
    // A DATA import has only its __imp_ symbol; CODE and CONST have the plain one too (as llvm-dlltool).
    plain[k] = p.type !== "data" ? 1 : 0;
    if (p.nameType === "exportas") {
      exportAs ??= new Array<null>(n).fill(null);
      exportAs[k] = bytesOf(p.importName!);
    }
  }
  return { machine, dll: dllB, head: descriptorObjects(machine, dllB), symbols, exports, typeInfo, ordinalHint, plain, exportAs, objects };
}
