/**
 * `.def` → import library in one pass for the plain form most .def files have (formats/def/plain-scan.ts;
 * off x86 in the WebAssembly module when there is one, ./wasm-archive.ts):
 * the exports are scanned into columns and written by the same archive writer as
 * `writeImportLibrary`, without a token, export or planned-import object per export. The bytes
 * are those `writeImportLibrary(parseDef(text).def, opts)` writes (test/implib-fast.test.ts);
 * any other .def gives null, and the caller takes that road, which reports diagnostics. Pure.
 */
import { Buffer } from "node:buffer";
import { scanPlainDef, PLAIN_CONSTANT, PLAIN_DATA, PLAIN_NONAME, PLAIN_PRIVATE } from "../def/plain-scan.js";
import { emptyDef, moduleFileName } from "../def/types.js";
import { writeImportArchive } from "./import-archive.js";
import { sortUniqueStrings } from "./archive.js";
import { DUPLICATE, NOT_PLAIN, OTHER, wasmPlainArchive } from "./wasm-archive.js";
import { IMPORT_NAME_TYPES, IMPORT_TYPES, MACHINE_NUMBERS } from "./types.js";
import { bytesOf, defaultNameType, descriptorObjects, importDllName, importSymbol, type WriteImportLibraryOptions } from "./write-import-library.js";

/** What `writeImportLibrary` returns, with the number of imports instead of their list. */
export interface PlainImportLibrary {
  bytes: Uint8Array;
  dll: string;
  /** How many imports the library has. */
  imports: number;
  /** Exports left out (PRIVATE). */
  skipped: string[];
}

const NAME_TYPE_SHIFT = 2;
/** Characters the plain form never has (plain-scan.ts's NOT_PLAIN). */
const NOT_PLAIN_TEXT = /[^\t\n\r\x20-\x7e]/;
const CODE = IMPORT_TYPES.indexOf("code");
const DATA = IMPORT_TYPES.indexOf("data");
const CONST = IMPORT_TYPES.indexOf("const");
const BY_ORDINAL = IMPORT_NAME_TYPES.indexOf("ordinal") << NAME_TYPE_SHIFT;
const BY_NAME = IMPORT_NAME_TYPES.indexOf("name") << NAME_TYPE_SHIFT;

/**
 * The import library of a plain .def (text, or bytes: ASCII is the only encoding the plain form
 * has), or null when the .def is not in the plain form. Throws KmdllError as writeImportLibrary
 * does (a bad --dll name, two exports with one import symbol).
 */
export function plainImportLibrary(input: string | Uint8Array, opts: WriteImportLibraryOptions): PlainImportLibrary | null {
  const machine = MACHINE_NUMBERS[opts.machine];
  if (machine === undefined) return null;
  const x86 = opts.machine === "x86";
  // Off x86 the WebAssembly module, when there is one, scans and writes in one go (the same
  // decisions and bytes as below).
  if (!x86) {
    if (typeof input === "string" && NOT_PLAIN_TEXT.test(input)) return null;
    let dll = "";
    const w = wasmPlainArchive(typeof input === "string" ? Buffer.from(input, "latin1") : input, machine, (library) => {
      dll = importDllName(opts.dll ?? moduleFileName({ ...emptyDef(), directive: "LIBRARY", name: library }));
      const dllB = bytesOf(dll);
      return { dll: dllB, head: descriptorObjects(machine, dllB) };
    });
    if (w === NOT_PLAIN || w === DUPLICATE) return null;
    if (w !== OTHER) return { bytes: w.bytes, dll, imports: w.imports, skipped: w.skipped };
  }
  const text = typeof input === "string" ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("latin1");
  const def = scanPlainDef(text);
  if (def === null) return null;
  const dll = importDllName(opts.dll ?? moduleFileName({ ...emptyDef(), directive: "LIBRARY", name: def.library }));
  const killAt = opts.killAt ?? true;
  const { names, ordinals, flags } = def;
  const count = names.length;
  let n = 0;
  for (let k = 0; k < count; k++) if ((flags[k]! & PLAIN_PRIVATE) === 0) n++;
  if (n + 3 > 65535) return null;
  // Duplicate names are the parser's errors. Off x86 the symbols are the names, so the sort that
  // finds duplicates gives the writer the symbols' order too.
  let bySymbol: Int32Array | undefined;
  if (!x86) {
    const order = sortUniqueStrings(names);
    if (order === null) return null;
    if (n === count) bySymbol = order;
    else {
      const importOf = new Int32Array(count);
      for (let k = 0, j = 0; k < count; k++) importOf[k] = (flags[k]! & PLAIN_PRIVATE) === 0 ? j++ : -1;
      bySymbol = new Int32Array(n);
      for (let i = 0, j = 0; i < count; i++) {
        const imp = importOf[order[i]!]!;
        if (imp >= 0) bySymbol[j++] = imp;
      }
    }
  } else if (new Set(names).size !== count) return null;
  const symbols = n === count && !x86 ? names : new Array<string>(n);
  const exports = x86 ? new Array<string>(n) : symbols;
  const typeInfo = new Uint8Array(n);
  const ordinalHint = new Uint16Array(n);
  const plain = new Uint8Array(n);
  const skipped: string[] = [];
  for (let k = 0, j = 0; k < count; k++) {
    const f = flags[k]!;
    const name = names[k]!;
    if ((f & PLAIN_PRIVATE) !== 0) {
      skipped.push(name);
      continue;
    }
    const type = (f & PLAIN_CONSTANT) !== 0 ? CONST : (f & PLAIN_DATA) !== 0 ? DATA : CODE;
    if (x86) {
      const symbol = importSymbol(name, true);
      symbols[j] = symbol;
      exports[j] = name;
      typeInfo[j] = ((f & PLAIN_NONAME) !== 0 ? BY_ORDINAL : IMPORT_NAME_TYPES.indexOf(defaultNameType(symbol, true, killAt)) << NAME_TYPE_SHIFT) | type;
    } else {
      symbols[j] = name;
      typeInfo[j] = ((f & PLAIN_NONAME) !== 0 ? BY_ORDINAL : BY_NAME) | type;
    }
    ordinalHint[j] = ordinals[k]!;
    plain[j++] = type === DATA ? 0 : 1;
  }
  const dllB = bytesOf(dll);
  const bytes = writeImportArchive({ machine, dll: dllB, head: descriptorObjects(machine, dllB), symbols, exports, typeInfo, ordinalHint, plain, exportAs: null, objects: null, bySymbol });
  return { bytes, dll, imports: n, skipped };
}
