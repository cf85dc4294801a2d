/**
 * Import libraries for ntoskrnl.exe and hal.dll written from kmdll's kernel export database and
 * the symbols the objects of one link leave undefined. mingw-w64's kernel import libraries lack
 * routines (its i686 libntoskrnl.a much more than the x64 one) and state a decoration of their
 * own; the objects state the decoration their prototypes give (`__imp__KeDelayExecutionThread@12`,
 * `__imp_@ExfAcquirePushLockExclusive@4`, a direct `call __alldiv`), so an import whose routine
 * the database lists for the module is written with exactly the symbol the object needs and the
 * undecorated import name Windows' export table has (name type UNDECORATE / NOPREFIX, Microsoft
 * "PE Format" § "Import Name Type"). Linked after mingw-w64's libraries: it fills their gaps.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { readArchive, isShortImport, readCoffObject, writeImportLibrary, type CoffObject } from "../formats/lib/index.js";
import { emptyDef, newExport, type DefExport, type DefFile } from "../formats/def/index.js";
import { kernelModuleExportsFor, type KernelExport } from "../nt/kernel-exports.js";
import type { Arch } from "./sources.js";
import { FLTMGR_EXPORTS, FWPKCLNT_EXPORTS } from "../emu/fltmgr/exports.js";

const IMAGE_SYM_CLASS_EXTERNAL = 2;
/** The modules every WDK driver links (ntoskrnl.lib, hal.lib); hal first so x86's HAL routines bind there. */
const MODULES = ["hal.dll", "ntoskrnl.exe"] as const;

/** Undefined external symbols and defined ones of a COFF object. */
function scan(obj: CoffObject, undef: Set<string>, defined: Set<string>): void {
  for (const s of obj.symbols) {
    if (!s || s.storageClass !== IMAGE_SYM_CLASS_EXTERNAL) continue;
    if (s.section > 0) defined.add(s.name);
    else if (s.section === 0 && s.value === 0) undef.add(s.name);
  }
}

/**
 * The symbols objects and static libraries (their COFF members) leave undefined. Unreadable inputs
 * are skipped (the linker reports them). `firstUse`, when given, gets for each symbol the first
 * input file that references it (for messages).
 */
export function undefinedSymbols(files: string[], firstUse?: Map<string, string>): string[] {
  const undef = new Set<string>();
  const defined = new Set<string>();
  for (const f of files) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(f);
    } catch {
      continue;
    }
    const before = firstUse ? new Set(undef) : undefined;
    try {
      if (Buffer.from(bytes.subarray(0, 8)).toString("latin1") === "!<arch>\n") {
        for (const m of readArchive(bytes).members) if (!isShortImport(m.data)) scan(readCoffObject(m.data), undef, defined);
      } else scan(readCoffObject(bytes), undef, defined);
    } catch {
      /* not COFF: the linker says why */
    }
    if (firstUse && before) for (const u of undef) if (!before.has(u) && !firstUse.has(u)) firstUse.set(u, f);
  }
  return [...undef].filter((s) => !defined.has(s)).sort();
}

/** The routine name behind a symbol: `__imp_` dropped; on x86 the `_`/`@` prefix and `@N` suffix too. */
export function routineOfSymbol(symbol: string, arch: Arch): { name: string; defName: string; imported: boolean } | null {
  const imported = symbol.startsWith("__imp_");
  const s = imported ? symbol.slice(6) : symbol;
  if (arch !== "x86") return s ? { name: s, defName: s, imported } : null;
  if (s.startsWith("@")) {
    const m = /^@([^@]+)@\d+$/.exec(s);
    return m ? { name: m[1]!, defName: s, imported } : null;
  }
  if (!s.startsWith("_") || s.length < 2) return null;
  const bare = s.slice(1);
  return { name: bare.replace(/@\d+$/, ""), defName: bare, imported };
}

function lookup(module: string, arch: Arch, name: string): KernelExport | undefined {
  // (On x86 the database's list includes the x64 routines mingw-w64's i686 libraries lack.)
  return kernelModuleExportsFor(module, arch)?.find((e) => e.name === name);
}

/**
 * A system module whose import library the WDK has and mingw-w64 lacks (FltMgr.lib, fwpkclnt.lib):
 * its routine names, from the public reference (src/emu/fltmgr/exports.ts). Its import library is
 * written, like ntoskrnl's, with the symbols the objects need, only when TARGETLIBS names it.
 */
export interface SystemModule {
  module: string;
  names: readonly string[];
}

export const SYSTEM_IMPORT_LIBRARIES: Record<string, SystemModule> = {
  fltmgr: { module: "fltmgr.sys", names: FLTMGR_EXPORTS },
  fwpkclnt: { module: "fwpkclnt.sys", names: FWPKCLNT_EXPORTS },
};

/** Per kernel module, the .def model of the imports the undefined symbols need (empty modules left out). */
export function kernelImportDefs(undefinedSyms: string[], arch: Arch, extra: SystemModule[] = []): Map<string, DefFile> {
  const out = new Map<string, DefExport[]>();
  const seen = new Set<string>();
  for (const sym of undefinedSyms) {
    const r = routineOfSymbol(sym, arch);
    if (!r || seen.has(r.defName)) continue;
    for (const module of MODULES) {
      const e = lookup(module, arch, r.name);
      if (!e || e.type === "const") continue;
      // A data export referenced by its bare name (`extern PULONG InitSafeBootMode;`, as drivers
      // declare it for the WDK's ntoskrnl.lib) is a CONSTANT import: the name is the import slot,
      // which holds the variable's address (and __imp_ names the same slot).
      const direct = e.type === "data" && (!r.imported || undefinedSyms.includes(arch === "x86" ? `_${r.defName}` : r.defName));
      seen.add(r.defName);
      if (!out.has(module)) out.set(module, []);
      out.get(module)!.push(newExport(r.defName, direct ? { constant: true } : { data: e.type === "data" }));
      break;
    }
    if (seen.has(r.defName)) continue;
    // Every routine of these modules is code (functions declared FLTAPI/NTAPI).
    const sys = extra.find((m) => m.names.includes(r.name));
    if (!sys) continue;
    seen.add(r.defName);
    if (!out.has(sys.module)) out.set(sys.module, []);
    out.get(sys.module)!.push(newExport(r.defName, {}));
  }
  const defs = new Map<string, DefFile>();
  for (const [module, exports] of out) {
    defs.set(module, { ...emptyDef(), directive: "LIBRARY", name: module, exports });
  }
  return defs;
}

/**
 * An x86 reference whose convention is not the one the kernel exports the routine with: the
 * object names `_F` (cdecl: the caller pops the arguments) where the export database says
 * ntoskrnl.exe/hal.dll exports F stdcall or fastcall (the routine pops them), or `_F@N` (stdcall)
 * where F is a cdecl export. The WDK's ntoskrnl.lib has only the export's own decoration, so
 * link.exe reports such a reference unresolved; kmdll's import library binds it (mingw-w64's
 * headers need it: problem 9 in docs/build.md) and the build reports it.
 */
export interface ConventionMismatch {
  symbol: string;
  module: string;
  routine: string;
  /** How the object calls it. */
  referenced: "cdecl" | "stdcall";
  /** How the kernel exports it, and the bytes of arguments a stdcall/fastcall export pops. */
  exported: "stdcall" | "fastcall" | "cdecl";
  argBytes?: number;
}

export function x86ConventionMismatches(undefinedSyms: string[]): ConventionMismatch[] {
  const out: ConventionMismatch[] = [];
  const seen = new Set<string>();
  for (const sym of undefinedSyms) {
    const r = routineOfSymbol(sym, "x86");
    // `@F@N` (fastcall) names say their convention; compiler helpers (`__alldiv` → _alldiv) are
    // called undecorated by design (stdcall, cl.exe's and clang's own calls).
    if (!r || r.defName.startsWith("@") || seen.has(r.defName)) continue;
    const referenced = r.defName === r.name ? "cdecl" : "stdcall";
    // (Only the undecorated calls: `__snprintf@0`, an undeclared CRT routine under /Gz, is reported.)
    if (referenced === "cdecl" && r.name.startsWith("_")) continue;
    for (const module of MODULES) {
      const e = lookup(module, "x86", r.name);
      if (!e || e.type !== "code" || !e.call) continue;
      const mismatch = referenced === "cdecl" ? e.call !== "cdecl" : e.call === "cdecl";
      if (mismatch) {
        seen.add(r.defName);
        out.push({ symbol: sym, module, routine: r.name, referenced, exported: e.call, ...(e.argBytes !== undefined ? { argBytes: e.argBytes } : {}) });
      }
      break;
    }
  }
  return out;
}

/** The warning text for a mismatch (without the position). */
export function conventionMismatchMessage(m: ConventionMismatch): string {
  const exp = m.exported === "cdecl" ? `_${m.routine}` : m.exported === "fastcall" ? `@${m.routine}@${m.argBytes ?? "N"}` : `_${m.routine}@${m.argBytes ?? "N"}`;
  if (m.referenced === "cdecl") {
    const effect = m.argBytes === 0 ? "it takes no arguments, so only the names differ" : `the routine pops ${m.argBytes ?? "its"} bytes of arguments, so the caller's stack is off after the call`;
    return `${m.symbol} calls ${m.module}'s ${m.routine} as cdecl, but it is exported ${m.exported} (${exp}: ${effect}); ` +
      `declare it ${m.exported === "fastcall" ? "FASTCALL" : "NTAPI"} as the WDK's headers do, or build with the WDK's default /Gz (not 386_STDCALL=0 or /Gd). Linked anyway; link.exe with the WDK's ntoskrnl.lib would report it unresolved`;
  }
  return `${m.symbol} calls ${m.module}'s ${m.routine} as stdcall, but it is exported cdecl (${exp}: the caller pops the arguments, so the stack is off after the call); ` +
    `declare it __cdecl as the WDK's headers do. Linked anyway; link.exe with the WDK's ntoskrnl.lib would report it unresolved`;
}

/** Write the kernel import libraries one link needs into `dir`-based paths; returns their paths (possibly none) and, on x86, the references whose convention is not the export's. */
export function writeKernelImportLibraries(inputs: string[], arch: Arch, pathFor: (module: string) => string, extra: SystemModule[] = []): { paths: string[]; mismatches: (ConventionMismatch & { file?: string })[] } {
  const firstUse = new Map<string, string>();
  const undef = undefinedSymbols(inputs, firstUse);
  const defs = kernelImportDefs(undef, arch, extra);
  const mismatches = arch === "x86" ? x86ConventionMismatches(undef).map((m) => ({ ...m, ...(firstUse.has(m.symbol) ? { file: firstUse.get(m.symbol)! } : {}) })) : [];
  const written: string[] = [];
  for (const module of [...MODULES, ...extra.map((m) => m.module)]) {
    const def = defs.get(module);
    if (!def) continue;
    const lib = writeImportLibrary(def, { machine: arch, dll: module });
    const path = pathFor(module);
    // Unchanged bytes keep the file (and so an incremental build's link step) as it was.
    if (!existsSync(path) || !readFileSync(path).equals(lib.bytes)) writeFileSync(path, lib.bytes);
    written.push(path);
  }
  return { paths: written, mismatches };
}

/**
 * x86 KMDLL_DEFLIBS: a `.def` that names an imported routine undecorated (`WdfVersionBind`) gets,
 * for the objects' reference to it (`_WdfVersionBind@16` called through the import thunk,
 * `__imp__WdfVersionBind@16` through the import address table, `__imp_@F@8`), the decorated
 * symbol with the undecorated import name, as for the kernel imports above. Names the objects do
 * not reference, already decorated ones and forwarders stay as written.
 */
export function bindX86DefImports(def: DefFile, undefinedSyms: string[]): DefFile {
  const decorated = new Map<string, string>();
  for (const sym of undefinedSyms) {
    const r = routineOfSymbol(sym, "x86");
    if (r && r.defName !== r.name && !decorated.has(r.name)) decorated.set(r.name, r.defName);
  }
  if (decorated.size === 0) return def;
  const exports = def.exports.map((e) => {
    const d = e.forward || e.internalName || /[@?]/.test(e.name) ? undefined : decorated.get(e.name);
    return d ? { ...e, name: d } : e;
  });
  return { ...def, exports };
}

/**
 * Where a C source first calls `routine(` (1-based line and column), for a message about the
 * object's reference to it; undefined when the text does not show the call (a macro or an inline
 * routine of a header calls it).
 */
export function firstCall(file: string, routine: string): { line: number; col: number } | undefined {
  if (!/\.(c|cc|cpp|cxx)$/i.test(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "latin1");
  } catch {
    return undefined;
  }
  const re = new RegExp(`(^|[^A-Za-z0-9_])${routine.replace(/[^A-Za-z0-9_]/g, "")}\\s*\\(`);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]!);
    if (m) return { line: i + 1, col: m.index + m[1]!.length + 1 };
  }
  return undefined;
}

/** The build's warning line for a mismatch: at the source's first mention of the routine when the object is one of the project's sources, else at the object (or the image). */
export function conventionMismatchWarning(m: ConventionMismatch & { file?: string }, sourceOf: ReadonlyMap<string, string>, shown: (f: string) => string, image: string): string {
  const src = m.file ? sourceOf.get(m.file) : undefined;
  const call = src ? firstCall(src, m.routine) : undefined;
  const at = src ? `${shown(src)}${call ? `:${call.line}:${call.col}` : ""}` : m.file ? shown(m.file) : image;
  return `${at}: warning: ${conventionMismatchMessage(m)}\n`;
}
