/** File helpers shared by the commands (kept free of parsers: `kmdll implib` loads little). */
import { writeFileSync } from "node:fs";
import { KmdllError } from "../errors.js";
import { readFileBytes } from "../io/file.js";
import { parseDef } from "../formats/def/parser.js";
import type { DefParseResult } from "../formats/def/types.js";

/** Write an output file, turning file-system errors into a one-line KmdllError. */
export function writeOutput(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new KmdllError(`${path}: cannot write file: ${err.code === "ENOENT" ? "no such directory" : err.code === "EISDIR" ? "is a directory" : err.code === "EACCES" ? "permission denied" : (err.code ?? err.message)}`);
  }
}

/** Read and parse a .def file (diagnostics are returned, not thrown). */
export function readDef(file: string): DefParseResult {
  return parseDef(readFileBytes(file));
}
