/**
 * Per-file work of `kmdll scan` (runs inside a worker thread, or inline with --jobs 1):
 * read the file, detect a PE image by its MZ/PE magic, parse it, summarize it for the
 * dependency graph and run the single-image conformance checks.
 */
import { FormatError, KmdllError } from "../errors.js";
import { parsePe } from "../formats/pe/parse.js";
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

export function analyzeFile(req: AnalyzeRequest, modules: ScanModules): AnalyzeResult {
  let file: PartialFile;
  try {
    file = PartialFile.open(req.path);
  } catch (e) {
    return { rel: req.rel, status: "error", error: errorText(e) };
  }
  try {
    // Only the bytes the parse and the checks look at are read (see io/partial-file.ts).
    try {
      if (!isPeBuffer(file.bytes, file.load)) return { rel: req.rel, status: "not-pe", size: file.size };
    } catch (e) {
      return { rel: req.rel, status: "error", error: errorText(e) };
    }
    const bytes = file.bytes;
    let image: PeImage;
    let summary: ModuleSummary;
    try {
      image = parsePe(bytes, { lazyDirectories: true, loader: file.load });
      summary = summarizeImage(image, req.rel);
    } catch (e) {
      return { rel: req.rel, status: "error", error: errorText(e) };
    }
    let findings: ScanFinding[] = [];
    let checkError: string | undefined;
    try {
      findings = imageChecks(image, bytes, req.path, req.rel, modules, file.load);
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
  } finally {
    file.close();
  }
}
