/**
 * The two places where the build uses other parts of kmdll: the export library written from
 * DLLDEF (kmdll's own import-library writer) and the conformance check run on every image.
 * Each is one function so the build does not depend on how they are implemented.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { makeDirectory } from "../io/dirs.js";
import { dirname, relative } from "node:path";
import { parseDef, formatDiagnostic as formatDefDiagnostic, type DefFile } from "../formats/def/index.js";
import { writeImportLibrary } from "../formats/lib/index.js";
import { BuildInputError } from "./input-error.js";
import type { Finding } from "../check/index.js";
import { KmdllError } from "../errors.js";
import type { Arch } from "./sources.js";

/** Identifies the import-library writer in cache keys (bump when its output changes). */
export const EXPORT_LIBRARY_WRITER = "kmdll-implib-2";

/**
 * Write `<name>.lib` for an EXPORT_DRIVER from its DLLDEF with kmdll's own import-library writer
 * (PRIVATE exports get no member). Returns the .def's warnings as `file:line:col: warning:` lines;
 * errors in the .def throw a BuildInputError (exit 2).
 */
/** Parse a .def; its errors throw a BuildInputError (exit 2) with their positions. */
export function readDefOrThrow(defFile: string): ReturnType<typeof parseDef> {
  const parsed = parseDef(readFileSync(defFile));
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new BuildInputError(parsed.diagnostics.map((d) => ({ ...d, file: defFile })));
  return parsed;
}

/**
 * `model`: the .def as the writer should see it (on x86, with the importers' decorated symbols
 * bound from the objects, see x86-exports.ts); default: the file as written.
 */
export function writeExportLibrary(defFile: string, arch: Arch, outFile: string, model?: DefFile): string[] {
  const parsed = readDefOrThrow(defFile);
  const lib = writeImportLibrary(model ?? parsed.def, { machine: arch });
  makeDirectory(dirname(outFile));
  writeFileSync(outFile, lib.bytes);
  const shown = relative(process.cwd(), defFile) || defFile;
  return [
    ...parsed.diagnostics.map((d) => formatDefDiagnostic(d, shown)),
    ...lib.warnings.map((w) => `${shown}: warning: ${w}`),
  ];
}

export type BuildFinding = Finding;

/**
 * Run `kmdll check` on a built image. root: a SystemRoot whose System32/drivers holds the
 * drivers built so far (so imports of export drivers of the same tree resolve).
 */
export async function checkBuiltImage(image: string, opts: { def?: string; lib?: string; root: string }): Promise<Finding[]> {
  // Loaded on first use: a build without checks (the fixtures script) needs only the toolchain
  // and the .def/.lib formats.
  const { checkFile } = await import("../check/index.js");
  try {
    return checkFile(image, opts).findings;
  } catch (e) {
    if (!(e instanceof KmdllError)) throw e;
    return [{ rule: "check-failed" as Finding["rule"], severity: "warning", message: `kmdll check could not examine ${image}: ${e.message}`, location: { kind: "file", file: image } }];
  }
}
