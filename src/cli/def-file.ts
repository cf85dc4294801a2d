/** Reading a .def file for the CLI (`kmdll def`, `kmdll implib`): its bytes, or its refusal when it is binary. */
import { readFileBytes } from "../io/file.js";
import { parseDef, type DefParseResult } from "../formats/def/index.js";

/**
 * The bytes of a .def file; or, when its first bytes hold a NUL (and no UTF-16 byte order mark),
 * the parser's result for those bytes (its diagnostic says it is binary), without reading a huge
 * binary file whole.
 */
export function readDefInput(file: string): { bytes: Uint8Array; binary: null } | { bytes: null; binary: DefParseResult } {
  let binary: DefParseResult | null = null;
  const bytes = readFileBytes(file, {
    head: (h) => {
      if (!(h[0] === 0xff && h[1] === 0xfe) && h.includes(0)) binary = parseDef(h);
    },
    stop: () => binary !== null,
  });
  return binary !== null ? { bytes: null, binary } : { bytes, binary: null };
}

/** Read and parse a .def file (diagnostics are returned, not thrown). */
export function readDef(file: string): DefParseResult {
  const r = readDefInput(file);
  return r.binary ?? parseDef(r.bytes);
}
