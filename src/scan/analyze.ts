/**
 * Per-file work of `kmdll scan` (runs inside a worker thread, or inline with --jobs 1):
 * read the file, detect a PE image by its MZ/PE magic, parse it, summarize it for the
 * dependency graph and run the single-image conformance checks.
 */
import { FormatError, KmdllError } from "../errors.js";
import { parsePe } from "../formats/pe/parse.js";
import { describeImageProblem, imageSectionProblems } from "../formats/pe/validate.js";
import type { PeImage } from "../formats/pe/types.js";
import { summarizeImage, type ModuleSummary } from "../graph/model.js";
import { isPeBuffer } from "./walk.js";
import { PartialFile } from "../io/partial-file.js";
import { imageChecks, type ScanModules } from "./checks.js";
import type { Finding } from "../check/types.js";

/** A finding of `kmdll check` (rule id, severity, message, location). */
export type ScanFinding = Finding;

export interface AnalyzeRequest {
  /** Absolute path to read. */
  path: string;
  /** Path relative to the scanned root ("/" separators). */
  rel: string;
}

export type AnalyzeResult =
  | { rel: string; status: "not-pe"; size: number }
  | { rel: string; status: "error"; error: string }
  | {
      rel: string;
      status: "ok";
      size: number;
      summary: ModuleSummary;
      sections: number;
      warnings: string[];
      findings: ScanFinding[];
      /** Why the checks could not run (an internal problem; the image itself was read). */
      checkError?: string;
    };

function errorText(e: unknown): string {
  if (e instanceof FormatError || e instanceof KmdllError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string") return `cannot read file: ${err.code}`;
  return `internal error: ${err?.message ?? String(e)}`;
}

/** File names drivers carry: such a file that is not a PE image is an error, not just "not a PE". */
const DRIVER_EXTENSION = /\.sys$/i;

function notPe(rel: string, size: number): AnalyzeResult {
  if (DRIVER_EXTENSION.test(rel))
    return { rel, status: "error", error: size === 0 ? "not a PE image: the .sys file is empty" : "not a PE image (no MZ/PE signature), although its .sys name says driver" };
  return { rel, status: "not-pe", size };
}

/** The bytes of one file as the analysis reads them: all of it, or a buffer filled on demand by `load`. */
export interface AnalyzeInput {
  bytes: Uint8Array;
  /** Fills [offset, offset+size) of `bytes` before it is read (absent: `bytes` holds the whole file). */
  load?: (offset: number, size: number) => void;
}

export function analyzeFile(req: AnalyzeRequest, modules: ScanModules): AnalyzeResult {
  let file: PartialFile;
  try {
    file = PartialFile.open(req.path);
  } catch (e) {
    return { rel: req.rel, status: "error", error: errorText(e) };
  }
  try {
    // Only the bytes the parse and the checks look at are read (see io/partial-file.ts).
    return analyzeBytes(req, file, modules);
  } finally {
    file.close();
  }
}

/**
 * The analysis of a file already open: what analyzeFile does once the file is opened (tests
 * compare a whole-file read with the piecewise read analyzeFile uses).
 */
export function analyzeBytes(req: AnalyzeRequest, file: AnalyzeInput, modules: ScanModules): AnalyzeResult {
  const bytes = file.bytes;
  const load = file.load;
  try {
    if (!isPeBuffer(bytes, load)) return notPe(req.rel, bytes.length);
  } catch (e) {
    return { rel: req.rel, status: "error", error: errorText(e) };
  }
  let image: PeImage;
  let summary: ModuleSummary;
  try {
    // The export table, if this thread already read it to resolve another image's imports.
    const exports = modules.parsedExports(req.path);
    image = parsePe(bytes, { lazyDirectories: true, ...(load ? { loader: load } : {}), ...(exports ? { exports } : {}) });
  } catch (e) {
    return { rel: req.rel, status: "error", error: errorText(e) };
  }
  // An image the kernel cannot map (truncated, overlapping sections, ...) is an error of the scan.
  const bad = imageSectionProblems(image, bytes.length)[0];
  if (bad) return { rel: req.rel, status: "error", error: `malformed image: ${describeImageProblem(bad)}` };
  try {
    summary = summarizeImage(image, req.rel);
  } catch (e) {
    return { rel: req.rel, status: "error", error: errorText(e) };
  }
  let findings: ScanFinding[] = [];
  let checkError: string | undefined;
  try {
    findings = imageChecks(image, bytes, req.path, req.rel, modules, load);
  } catch (e) {
    checkError = errorText(e);
  }
  return {
    rel: req.rel,
    status: "ok",
    size: bytes.length,
    summary,
    sections: image.sections.length,
    warnings: image.warnings.map((w) => `${w.structure}${w.offset !== undefined ? ` at 0x${w.offset.toString(16)}` : ""}: ${w.message}`),
    findings,
    ...(checkError !== undefined ? { checkError } : {}),
  };
}
