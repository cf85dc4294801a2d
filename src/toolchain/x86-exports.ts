/**
 * The x86 step of a link: read the objects' symbol tables and `.drectve` sections, bind the
 * DLLDEF's undecorated names to the stdcall/fastcall routines the objects define (as link.exe
 * does), and return what lld-link and the import-library writer need for that (see
 * formats/def/x86-names.ts for the rules).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { isShortImport, readArchive, readCoffObject, readShortImport, type CoffObject } from "../formats/lib/index.js";
import { writeDef, type DefFile } from "../formats/def/index.js";
import { bindX86Exports, bindX86Forwarders, directiveExportNames, parseX86Symbol, x86DirectiveAliases, x86ImportDef, x86LinkerDef, type X86Binding } from "../formats/def/x86-names.js";

const IMAGE_SYM_CLASS_EXTERNAL = 2;

/** The external symbols an object defines, and the names its `.drectve` exports. */
export function objectNames(obj: CoffObject): { defined: string[]; directiveExports: string[] } {
  const defined: string[] = [];
  for (const s of obj.symbols) if (s && s.storageClass === IMAGE_SYM_CLASS_EXTERNAL && s.section > 0) defined.push(s.name);
  const directiveExports: string[] = [];
  for (const sec of obj.sections) {
    if (sec.name !== ".drectve") continue;
    directiveExports.push(...directiveExportNames(Buffer.from(sec.data).toString("latin1")));
  }
  return { defined, directiveExports };
}

/**
 * A PE image's COFF symbol table (GNU ld keeps one unless stripped; lld-link and link.exe write
 * none) as a section-less COFF object, or null when the bytes are not a PE image. A PE image
 * without a symbol table yields an object with no symbols.
 */
export function imageSymbolTable(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 0x40 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pe = dv.getUint32(0x3c, true);
  if (pe + 24 > bytes.length || dv.getUint32(pe, true) !== 0x4550) return null;
  const machine = dv.getUint16(pe + 4, true);
  const symPtr = dv.getUint32(pe + 12, true);
  const nsym = dv.getUint32(pe + 16, true);
  const header = new Uint8Array(20);
  const hv = new DataView(header.buffer);
  hv.setUint16(0, machine, true);
  if (nsym === 0 || symPtr === 0 || symPtr >= bytes.length) return header;
  hv.setUint32(8, 20, true);
  hv.setUint32(12, Math.min(nsym, Math.floor((bytes.length - symPtr) / 18)), true);
  const out = new Uint8Array(20 + bytes.length - symPtr);
  out.set(header);
  out.set(bytes.subarray(symPtr), 20);
  return out;
}

/**
 * Names of object files, static libraries (their COFF members; short imports define no
 * routine) and PE images with a COFF symbol table. Unreadable or non-COFF inputs contribute nothing: the linker reports them.
 */
export function readObjectNames(files: string[]): { defined: string[]; directiveExports: string[]; imports: Map<string, string> } {
  const defined: string[] = [];
  const directiveExports: string[] = [];
  const imports = new Map<string, string>();
  const add = (bytes: Uint8Array) => {
    try {
      const n = objectNames(readCoffObject(bytes));
      defined.push(...n.defined);
      directiveExports.push(...n.directiveExports);
    } catch {
      /* not a COFF object */
    }
  };
  // Short imports: "module!exportname" → the importer's symbol (forwarders take its convention).
  const addImport = (data: Uint8Array) => {
    try {
      const imp = readShortImport(data);
      if (imp.nameType === "ordinal") return;
      const name = imp.nameType === "exportas" ? imp.exportAs! : imp.nameType === "name" ? imp.symbol : imp.nameType === "noprefix" ? imp.symbol.replace(/^[_@?]/, "") : parseX86Symbol(imp.symbol).name;
      const key = `${imp.dll.replace(/\.[^.]*$/, "").toLowerCase()}!${name}`;
      if (!imports.has(key)) imports.set(key, imp.symbol);
    } catch {
      /* a broken member: lld-link says why */
    }
  };
  for (const f of files) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(f);
    } catch {
      continue;
    }
    const image = imageSymbolTable(bytes);
    if (image) add(image);
    else if (Buffer.from(bytes.subarray(0, 8)).toString("latin1") === "!<arch>\n") {
      try {
        for (const m of readArchive(bytes).members) {
          if (!isShortImport(m.data)) add(m.data);
          else addImport(m.data);
        }
      } catch {
        /* a broken archive: lld-link says why */
      }
    } else add(bytes);
  }
  return { defined, directiveExports, imports };
}

export interface X86LinkPlan {
  /** The `.def` file to pass to lld-link (written next to the objects), when there is a DLLDEF. */
  linkerDef?: string;
  /** Extra lld-link arguments (`/export:` forwarders, `/alternatename:` for GNU directives). */
  args: string[];
  /** The DLLDEF as the import-library writer needs it (decorated importer symbols). */
  importDef?: DefFile;
  bindings: X86Binding[];
}

/** Plan the x86 link of objects with an optional parsed DLLDEF; writes the linker's .def to linkerDefPath. */
export function planX86Link(objects: string[], def: DefFile | undefined, linkerDefPath: string): X86LinkPlan {
  const names = readObjectNames(objects);
  const args = x86DirectiveAliases(names.directiveExports, names.defined);
  if (!def) return { args, bindings: [] };
  const bindings = [...bindX86Exports(def, names.defined).bindings, ...bindX86Forwarders(def, names.imports)];
  const linker = x86LinkerDef(def, bindings);
  writeFileSync(linkerDefPath, writeDef(linker.def));
  return { linkerDef: linkerDefPath, args: [...linker.exportArgs, ...args], importDef: x86ImportDef(def, bindings), bindings };
}

/**
 * x86 calls to a routine declared stdcall without a prototype (`extern BOOLEAN __stdcall F();`, or
 * a parameter list clang reads as an identifier list: msvc-fixups.ts): clang decorates them
 * `_F@0`, while the definition is `_F@N`. cl.exe decorates such a call by the bytes of arguments
 * the call passes (WinVBlock's x86 build links with the WDK), and a stdcall caller leaves the
 * popping to the routine, so the call works whatever N is. For each undefined `_F@0` (or
 * `__imp__F@0`) whose routine the objects, static libraries and import libraries (`defined`)
 * define once as `_F@N` (N > 0) and never as `_F@0`: `/alternatename:_F@0=_F@N`.
 */
export function unprototypedStdcallAliases(undefinedSyms: readonly string[], defined: readonly string[]): { from: string; to: string }[] {
  const byName = new Map<string, string[]>();
  for (const d of defined) {
    const m = /^_([^@]+)@(\d+)$/.exec(d);
    if (m) byName.set(m[1]!, [...(byName.get(m[1]!) ?? []), d]);
  }
  const out: { from: string; to: string }[] = [];
  for (const u of undefinedSyms) {
    // `__imp__F@0`: the same call through a dllimport declaration.
    const m = /^(__imp_)?_([^@]+)@0$/.exec(u);
    if (!m) continue;
    const defs = [...new Set(byName.get(m[2]!) ?? [])];
    if (defs.length === 1 && `_${m[2]}@0` !== defs[0]) out.push({ from: u, to: `${m[1] ?? ""}${defs[0]!}` });
  }
  return out;
}
