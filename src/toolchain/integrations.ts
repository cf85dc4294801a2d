/**
 * The two places where the build uses other parts of kmdll: the export library written from
 * DLLDEF (kmdll's own import-library writer) and the conformance check run on every image.
 * Each is one function so the build does not depend on how they are implemented.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { makeDirectory } from "../io/dirs.js";
import { readFileBytes } from "../io/file.js";
import { basename, dirname, relative } from "node:path";
import { parseDef, defFromImage, ENTRY_POINTS_PRIVATE, formatDiagnostic as formatDefDiagnostic, type DefExport, type DefFile } from "../formats/def/index.js";
import { parsePe } from "../formats/pe/index.js";
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
  const parsed = parseDef(readFileBytes(defFile));
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new BuildInputError(parsed.diagnostics.map((d) => ({ ...d, file: defFile })));
  return parsed;
}

/**
 * Write `<name>.lib` for an EXPORT_DRIVER with kmdll's own import-library writer. With `image`,
 * the library lists what the image really exports merged with the .def: the .def's entries
 * first (PRIVATE ones get no member; ordinals, NONAME, DATA honoured), then the image's named
 * exports the .def does not list (routines exported with `__declspec(dllexport)`), each warned
 * about; a .def entry the image does not export is warned about too. The DLL name importers bind
 * to is the .def's LIBRARY name, as with link.exe (warned about when it is not the file's name),
 * or the image's file name when the .def has none. Returns
 * warnings as `file: warning:` lines; errors in the .def throw a BuildInputError (exit 2).
 * `model`: the .def as the writer should see it (on x86, with the importers' decorated symbols
 * bound from the objects, see x86-exports.ts); default: the file as written.
 */
export function writeExportLibrary(defFile: string, arch: Arch, outFile: string, opts: { image?: string; model?: DefFile } = {}): string[] {
  const parsed = readDefOrThrow(defFile);
  const shown = relative(process.cwd(), defFile) || defFile;
  const warnings: string[] = parsed.diagnostics.map((d) => formatDefDiagnostic(d, shown));
  let def = opts.model ?? parsed.def;
  let dll: string | undefined;
  if (opts.image) {
    const file = basename(opts.image);
    // As link.exe: the .def's LIBRARY name (".dll" added when it has no extension) is what
    // importers bind to; without one, the image's file name.
    const declared = def.name ? (/\.[^.]+$/.test(def.name) ? def.name : `${def.name}.dll`) : null;
    if (!declared) dll = file;
    else if (declared.toLowerCase() !== file.toLowerCase()) {
      warnings.push(`${shown}: warning: LIBRARY ${def.name} makes importers look for ${declared}, but the built file is ${file}`);
    }
    const image = parsePe(readFileSync(opts.image));
    const real = defFromImage(image, file).def.exports;
    const realNames = new Set(real.filter((e) => !e.noname).map((e) => e.name));
    const undecorate = (n: string) => n.replace(/^[_@]/, "").replace(/@\d+$/, "");
    const listed = new Set(def.exports.flatMap((e) => [e.name, undecorate(e.name), ...(e.internalName ? [e.internalName] : [])]));
    const missing = def.exports.filter((e) => !e.noname && !e.forward && !realNames.has(e.name) && ![...realNames].some((n) => undecorate(n) === undecorate(e.name)));
    if (missing.length) warnings.push(`${shown}: warning: listed in the .def but not exported by ${file}: ${missing.map((e) => e.name).join(", ")}`);
    // x86: a routine exported under a decorated name (`_F@N`, as link.exe exports a stdcall
    // `__declspec(dllexport)` routine; `F@N` from GNU objects; fastcall `@F@N`) is imported by
    // exactly that name, and importers' compilers reference `__imp__F@N` (`__imp_@F@N`).
    const decoratedImport = (n: string): Partial<DefExport> => {
      if (arch !== "x86" || !/@\d+$/.test(n)) return {};
      return { name: /^_[^_@]/.test(n) ? n.slice(1) : n, importName: n };
    };
    const extraReal = real.filter((e) => !e.noname && !listed.has(e.name) && !listed.has(undecorate(e.name)) && !ENTRY_POINTS_PRIVATE.has(e.name));
    const extra: DefExport[] = extraReal.map((e) => ({ ...e, ordinal: null, noname: false, private: false, ...decoratedImport(e.name) }));
    if (extra.length) {
      warnings.push(`${shown}: warning: ${file} also exports ${extraReal.map((e) => e.name).join(", ")} (declared __declspec(dllexport)), which the .def does not list; added to the import library`);
      def = { ...def, exports: [...def.exports, ...extra] };
    }
  }
  const lib = writeImportLibrary(def, { machine: arch, ...(dll ? { dll } : {}) });
  makeDirectory(dirname(outFile));
  writeFileSync(outFile, lib.bytes);
  return [...warnings, ...lib.warnings.map((w) => `${shown}: warning: ${w}`)];
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
