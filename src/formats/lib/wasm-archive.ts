/**
 * `kmdll implib`'s usual work as WebAssembly: native/wasm/ (C), which `npm run build` compiles to
 * dist/wasm/implib.wasm when clang can target wasm32 (scripts/build-wasm.mjs). A plain .def is
 * scanned (def-scan.c: the rules of ../def/plain-scan.ts), its names sorted (sort.c) and the
 * library of short imports written (implib.c) in the module's memory, in one call each;
 * `wasmImportArchive` writes the archive for imports given in columns (the parser's road). The
 * process runs this once, before V8 has optimized any JavaScript; compiled code does it from its
 * first call. The bytes are those of `writeImportArchive`, the decisions those of `scanPlainDef`
 * (test/implib-wasm.test.ts compares them). The module's bytes come from whoever calls
 * `setArchiveWasm` (the CLI: io/wasm.ts's implibWasm). Without them (not built, not handed over,
 * refused, KMDLL_NO_WASM=1), or when the module leaves a file to the TypeScript road (weak
 * aliases, EXPORTAS, a plain symbol starting with __imp_, a trap), the functions here answer OTHER
 * or null and the caller takes that road. Pure.
 */
import { Buffer } from "node:buffer";
import type { ImportArchivePlan } from "./import-archive.js";
import { PLAIN_PRIVATE } from "../def/plain-scan.js";

/** The part of the WebAssembly global used here (the project's TypeScript libraries do not declare it). */
declare const WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule; Instance: new (module: WasmModule) => { exports: unknown } };
interface WasmModule {
  readonly __wasmModule?: never;
}

interface ArchiveModule {
  memory: { readonly buffer: ArrayBuffer };
  take(size: number): number;
  output(): number;
  archive(count: number, names: number, namesLen: number, flags: number, type: number, plain: number, ord: number, h: number, headSyms: number, headData: number, headLen: number, dll: number, dllLen: number, machine: number): number;
  scan(text: number, length: number): number;
  scanned_archive(h: number, headSyms: number, headData: number, headLen: number, dll: number, dllLen: number, machine: number): number;
  library_at(): number;
  library_len(): number;
  privates(): number;
  flags_at(): number;
  names_at(): number;
  lengths_at(): number;
}

/** What the module answered: the archive, or why not (DUPLICATE: two equal names; OTHER: a plan it leaves to writeImportArchive). */
export type WasmArchive = Uint8Array | typeof DUPLICATE | typeof OTHER;
export const DUPLICATE = "duplicate";
export const OTHER = "other";
/** The .def is not in the plain form (native/wasm/def-scan.c, as src/formats/def/plain-scan.ts decides), or has too many imports: the parser's road. */
export const NOT_PLAIN = "not plain";

let source: (() => Uint8Array | null) | null = null;
let compiled: WasmModule | null | undefined;

/** Where the module's bytes come from (read when first needed), or null: the JavaScript writer alone. */
export function setArchiveWasm(load: (() => Uint8Array | null) | null): void {
  source = load;
  compiled = undefined;
}

/** The compiled module, or null when there is none (compiled once). */
function archiveModule(): WasmModule | null {
  if (process.env.KMDLL_NO_WASM === "1" || source === null) return null;
  if (compiled === undefined) {
    compiled = null;
    try {
      const bytes = source();
      if (bytes !== null) compiled = new WebAssembly.Module(bytes);
    } catch {
      // Refused (another engine's limits): the JavaScript writer serves.
    }
  }
  return compiled;
}

/** Whether the WebAssembly writer is there (tests: which road they check). */
export function wasmArchiveAvailable(): boolean {
  return archiveModule() !== null;
}

/** The columns the module reads; per name either `flags` (.def attribute bits, PLAIN_*) or `typeInfo` and `plain`. */
export interface WasmArchiveInput {
  machine: number;
  dll: string;
  head: ImportArchivePlan["head"];
  /** Byte strings (one char per byte). */
  names: readonly string[];
  ordinalHint: ArrayLike<number>;
  flags?: Uint8Array;
  typeInfo?: ArrayLike<number>;
  plain?: ArrayLike<boolean | number>;
}

/**
 * The archive of these imports (with `flags`: the names not PRIVATE), or DUPLICATE when two
 * names are equal (PRIVATE ones too), or OTHER when the module is missing or leaves the plan to
 * `writeImportArchive`. The bytes are a view of the module's memory (a fresh instance per call).
 */
export function wasmImportArchive(input: WasmArchiveInput): WasmArchive {
  const mod = archiveModule();
  if (mod === null) return OTHER;
  const { names, head, dll } = input;
  const count = names.length;
  const w = new WebAssembly.Instance(mod).exports as unknown as ArchiveModule;
  const text = count > 0 ? names.join("\0") + "\0" : "";
  // Every piece of memory first (growing the memory detaches earlier views), then the views.
  // 8 spare bytes: the module copies names 8 bytes at a time.
  const namesAt = w.take(text.length + 8);
  const flagsAt = input.flags ? w.take(count) : 0;
  const typeAt = input.flags ? 0 : w.take(count);
  const plainAt = input.flags ? 0 : w.take(count);
  const ordAt = w.take(2 * count);
  const at = placeHead(w, head, dll);
  if (at === null || namesAt === 0 || ordAt === 0 || (input.flags ? flagsAt === 0 : typeAt === 0 || plainAt === 0)) return OTHER;
  const mem = Buffer.from(w.memory.buffer);
  mem.write(text, namesAt, "latin1");
  if (input.flags) mem.set(input.flags, flagsAt);
  else {
    const type = input.typeInfo!;
    const plain = input.plain!;
    for (let k = 0; k < count; k++) {
      mem[typeAt + k] = type[k]!;
      mem[plainAt + k] = plain[k] ? 1 : 0;
    }
  }
  new Uint16Array(w.memory.buffer, ordAt, count).set(input.ordinalHint);
  fillHead(w, head, dll, at);
  return answer(w, () => w.archive(count, namesAt, text.length, flagsAt, typeAt, plainAt, ordAt, head.length, at.syms, at.data, at.lens, at.dll, dll.length, input.machine));
}

/** Where the descriptor objects and the DLL name go in the module's memory. */
interface HeadAt {
  syms: number;
  symsText: string;
  data: number;
  lens: number;
  dll: number;
}

/** Memory for the descriptor objects (symbols, data, sizes) and the DLL name, or null. */
function placeHead(w: ArchiveModule, head: ImportArchivePlan["head"], dll: string): HeadAt | null {
  const symsText = head.map((d) => d.symbol + "\0").join("");
  let bytes = 0;
  for (const d of head) bytes += d.data.length;
  const at = { syms: w.take(symsText.length), symsText, data: w.take(bytes), lens: w.take(4 * head.length), dll: w.take(dll.length) };
  return at.syms === 0 || at.data === 0 || at.lens === 0 || at.dll === 0 ? null : at;
}

/** Write the descriptor objects and the DLL name where placeHead put them (after the last take). */
function fillHead(w: ArchiveModule, head: ImportArchivePlan["head"], dll: string, at: HeadAt): void {
  const mem = Buffer.from(w.memory.buffer);
  mem.write(at.symsText, at.syms, "latin1");
  const lens = new Uint32Array(w.memory.buffer, at.lens, head.length);
  let p = at.data;
  for (let m = 0; m < head.length; m++) {
    mem.set(head[m]!.data, p);
    p += head[m]!.data.length;
    lens[m] = head[m]!.data.length;
  }
  mem.write(dll, at.dll, "latin1");
}

/** Call the module: its answer, or -6 when it trapped (out of memory or stack: the TypeScript road then). */
function call(f: () => number): number {
  try {
    return f();
  } catch {
    return -6;
  }
}

/** archive()'s answer: the bytes (a view of the memory as it is after the call: archive() grew it), or why not. */
function answer(w: ArchiveModule, write: () => number): WasmArchive {
  const size = call(write);
  if (size === -1) return DUPLICATE;
  if (size < 0) return OTHER;
  return new Uint8Array(w.memory.buffer, w.output(), size);
}

/** The library of a plain .def as `wasmPlainArchive` read and wrote it. */
export interface WasmPlainLibrary {
  bytes: Uint8Array;
  /** The LIBRARY name as written. */
  library: string;
  /** How many imports (the exports not PRIVATE). */
  imports: number;
  /** The PRIVATE exports, in .def order. */
  skipped: string[];
}

/**
 * A plain .def (its bytes) scanned and written by the module in one go, the names never becoming
 * strings: `head(library)` gives the DLL name (a byte string) and the descriptor objects for the
 * LIBRARY name (it may throw, as the caller's own road would). NOT_PLAIN when the file is not in
 * the plain form or has too many imports, DUPLICATE for two equal names, OTHER when the module is
 * missing or leaves the file to the TypeScript road.
 */
export function wasmPlainArchive(def: Uint8Array, machine: number, head: (library: string) => { dll: string; head: ImportArchivePlan["head"] }): WasmPlainLibrary | typeof NOT_PLAIN | typeof DUPLICATE | typeof OTHER {
  const mod = archiveModule();
  if (mod === null) return OTHER;
  const w = new WebAssembly.Instance(mod).exports as unknown as ArchiveModule;
  const textAt = w.take(def.length + 8);
  if (textAt === 0) return OTHER;
  new Uint8Array(w.memory.buffer).set(def, textAt);
  const count = call(() => w.scan(textAt, def.length));
  if (count === -1) return NOT_PLAIN;
  if (count < 0) return OTHER;
  const src = Buffer.from(def.buffer, def.byteOffset, def.byteLength);
  const library = src.toString("latin1", w.library_at(), w.library_at() + w.library_len());
  const { dll, head: objects } = head(library);
  const at = placeHead(w, objects, dll);
  if (at === null) return OTHER;
  fillHead(w, objects, dll, at);
  const privates = w.privates();
  const skipped: string[] = [];
  if (privates > 0) {
    const flags = new Uint8Array(w.memory.buffer, w.flags_at(), count);
    const starts = new Uint32Array(w.memory.buffer, w.names_at(), count);
    const lengths = new Uint32Array(w.memory.buffer, w.lengths_at(), count);
    for (let e = 0; e < count; e++) if ((flags[e]! & PLAIN_PRIVATE) !== 0) skipped.push(src.toString("latin1", starts[e]!, starts[e]! + lengths[e]!));
  }
  let tooMany = false;
  const bytes = answer(w, () => {
    const size = w.scanned_archive(objects.length, at.syms, at.data, at.lens, at.dll, dll.length, machine);
    tooMany = size === -3;
    return size;
  });
  if (tooMany) return NOT_PLAIN;
  return typeof bytes === "string" ? bytes : { bytes, library, imports: count - privates, skipped };
}

/** `writeImportArchive`'s bytes for a plan of short imports only, or null (then use writeImportArchive). */
export function wasmPlanArchive(plan: ImportArchivePlan): Uint8Array | null {
  if (plan.objects !== null || plan.exportAs !== null) return null;
  const r = wasmImportArchive({ machine: plan.machine, dll: plan.dll, head: plan.head, names: plan.symbols, ordinalHint: plan.ordinalHint, typeInfo: plan.typeInfo, plain: plan.plain });
  return typeof r === "string" ? null : r;
}
