/**
 * The work list `kmdll scan` shares between this thread and its worker threads. Every thread
 * claims the next file with one atomic increment of a counter in shared memory, so a worker never
 * waits for this thread (busy with its own file) to hand out work, and the threads balance
 * themselves whatever the files cost. Results are handed on in path order: a thread does not start
 * a file more than WINDOW places past the first result not yet handed on, so what is held back
 * (a streamed scan whose reader is slow, a worker's unsent results) stays bounded.
 */
import type { AnalyzeRequest, AnalyzeResult } from "./analyze.js";

/** Int32 slots of the control block. */
export const NEXT = 0;
/** Files at this index or later wait (the window's end). */
export const LIMIT = 1;
/** Non-zero: stop claiming files (a failure elsewhere). */
export const STOP = 2;
export const CONTROL_SLOTS = 3;

/** Files a thread may run ahead of the first result not yet handed on. */
export const WINDOW = 1024;

/** The one message a worker thread receives. */
export interface WorkerJob {
  root: string;
  /** The name index of ScanModules (lower-case base name → absolute paths). */
  index: [string, string[]][];
  files: AnalyzeRequest[];
  /** CONTROL_SLOTS Int32 slots. */
  control: SharedArrayBuffer;
}

/**
 * What a worker thread answers: results by file index (several messages), then `done`. A result's
 * export names travel packed (see packExportNames): one string per image instead of an array of
 * thousands of strings for the structured clone to copy one by one.
 */
export type WorkerAnswer = { results: [number, AnalyzeResult, string][] } | { done: true };

/**
 * The result with its summary's export names taken out, and those names as one string
 * (NUL-separated: names in a PE export table are NUL-terminated, so none contains a NUL).
 */
export function packExportNames(r: AnalyzeResult): [AnalyzeResult, string] {
  if (r.status !== "ok" || r.summary.exportNames.length === 0) return [r, ""];
  return [{ ...r, summary: { ...r.summary, exportNames: [] } }, r.summary.exportNames.join("\0")];
}

/** The names packExportNames packed. */
export function unpackNames(packed: string): string[] {
  return packed === "" ? [] : packed.split("\0");
}

/** The result as packExportNames took it apart. */
export function unpackExportNames(r: AnalyzeResult, packed: string): AnalyzeResult {
  if (r.status !== "ok" || packed === "") return r;
  return { ...r, summary: { ...r.summary, exportNames: unpackNames(packed) } };
}
