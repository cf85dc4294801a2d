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

/** What a worker thread answers: results by file index (several messages), then `done`. */
export type WorkerAnswer = { results: [number, AnalyzeResult][] } | { done: true };
