/**
 * The usual import library — short import members only, no weak-alias objects, no EXPORTAS
 * names — written by WebAssembly: native/wasm/implib.c, which `npm run build` compiles to
 * dist/wasm/implib.wasm when clang can target wasm32 (scripts/build-wasm.mjs). `kmdll implib`
 * runs the sort of 30,000 names and the writing of a 5 MB archive once per process, before V8 has
 * optimized any JavaScript; compiled code does it from its first call. The bytes are those of
 * `writeImportArchive` (test/implib-wasm.test.ts compares the two). The module's bytes come from
 * whoever calls `setArchiveWasm` (the CLI: io/wasm.ts's implibWasm). Without them (not built,
 * not handed over, refused, KMDLL_NO_WASM=1), or when the module leaves a plan to the general
 * writer, the functions here answer OTHER or null and the caller takes the JavaScript road. Pure.
 */
import { Buffer } from "node:buffer";
import type { ImportArchivePlan } from "./import-archive.js";

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
}

/** What the module answered: the archive, or why not (DUPLICATE: two equal names; OTHER: a plan it leaves to writeImportArchive). */
export type WasmArchive = Uint8Array | typeof DUPLICATE | typeof OTHER;
export const DUPLICATE = "duplicate";
export const OTHER = "other";

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
  const h = head.length;
  const w = new WebAssembly.Instance(mod).exports as unknown as ArchiveModule;
  const text = count > 0 ? names.join("\0") + "\0" : "";
  const headSyms = head.map((d) => d.symbol + "\0").join("");
  let headBytes = 0;
  for (const d of head) headBytes += d.data.length;
  // Every piece of memory first (growing the memory detaches earlier views), then the views.
  const namesAt = w.take(text.length);
  const flagsAt = input.flags ? w.take(count) : 0;
  const typeAt = input.flags ? 0 : w.take(count);
  const plainAt = input.flags ? 0 : w.take(count);
  const ordAt = w.take(2 * count);
  const headSymsAt = w.take(headSyms.length);
  const headDataAt = w.take(headBytes);
  const headLenAt = w.take(4 * h);
  const dllAt = w.take(dll.length);
  if ([namesAt, ordAt, headSymsAt, headDataAt, headLenAt, dllAt].includes(0) || (input.flags ? flagsAt === 0 : typeAt === 0 || plainAt === 0)) return OTHER;
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
  mem.write(headSyms, headSymsAt, "latin1");
  let at = headDataAt;
  const lens = new Uint32Array(w.memory.buffer, headLenAt, h);
  for (let m = 0; m < h; m++) {
    mem.set(head[m]!.data, at);
    at += head[m]!.data.length;
    lens[m] = head[m]!.data.length;
  }
  mem.write(dll, dllAt, "latin1");
  const size = w.archive(count, namesAt, text.length, flagsAt, typeAt, plainAt, ordAt, h, headSymsAt, headDataAt, headLenAt, dllAt, dll.length, input.machine);
  if (size === -1) return DUPLICATE;
  if (size < 0) return OTHER;
  // archive() grew the memory (its own pieces and the output): a view of the memory as it is now.
  return new Uint8Array(w.memory.buffer, w.output(), size);
}

/** `writeImportArchive`'s bytes for a plan of short imports only, or null (then use writeImportArchive). */
export function wasmPlanArchive(plan: ImportArchivePlan): Uint8Array | null {
  if (plan.objects !== null || plan.exportAs !== null) return null;
  const r = wasmImportArchive({ machine: plan.machine, dll: plan.dll, head: plan.head, names: plan.symbols, ordinalHint: plan.ordinalHint, typeInfo: plan.typeInfo, plain: plan.plain });
  return typeof r === "string" ? null : r;
}
