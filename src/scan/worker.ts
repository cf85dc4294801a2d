/**
 * Worker thread of `kmdll scan`. It may start before the scan is known (bin/kmdll.js starts one as
 * the process starts, so that its start-up overlaps the main thread's): it loads, then waits for
 * its one message, a WorkerJob. It claims files from the shared counter (work-queue.ts) until none
 * are left, posts their results by index in small batches, then `{ done: true }`.
 */
import { parentPort } from "node:worker_threads";
import { analyzeFile, type AnalyzeResult } from "./analyze.js";
import { ScanModules } from "./checks.js";
import { LIMIT, NEXT, packExportNames, STOP, type WorkerAnswer, type WorkerJob } from "./work-queue.js";
import { lowerThreadPriority } from "./priority.js";

/** Results are posted at least this often (ms), and whenever the worker is about to wait. */
const FLUSH_MS = 8;
/** The last files of the list: each result is posted as soon as it is ready (see threads.ts analyzeAll). */
const FLUSH_EACH_LAST = 32;

const port = parentPort;
if (port) {
  // The main thread goes first (priority.ts); done as the worker loads, before its work arrives.
  // Not in the build's code-cache training run: there the worker must take files, whatever the load.
  if (process.env.KMDLL_WRITE_CODE_CACHE !== "1") lowerThreadPriority();
  port.once("message", (job: WorkerJob) => {
    const modules = new ScanModules(new Map(job.index), job.root);
    const ctl = new Int32Array(job.control);
    const n = job.files.length;
    let batch: [number, AnalyzeResult, string][] = [];
    let since = performance.now();
    const flush = (): void => {
      if (batch.length) port.postMessage({ results: batch } satisfies WorkerAnswer);
      batch = [];
      since = performance.now();
    };
    for (;;) {
      if (Atomics.load(ctl, STOP)) break;
      const i = Atomics.add(ctl, NEXT, 1);
      if (i >= n) break;
      // Past the window: hand on what is done (the main thread may be waiting for it), then wait.
      for (let lim = Atomics.load(ctl, LIMIT); i >= lim && !Atomics.load(ctl, STOP); lim = Atomics.load(ctl, LIMIT)) {
        flush();
        Atomics.wait(ctl, LIMIT, lim, 100);
      }
      if (Atomics.load(ctl, STOP)) break;
      batch.push([i, ...packExportNames(analyzeFile(job.files[i]!, modules))]);
      // Near the end, each result at once: the main thread takes over files whose results it lacks.
      if (performance.now() - since >= FLUSH_MS || i + FLUSH_EACH_LAST >= n) flush();
    }
    flush();
    // A training run of the build (bin/load-bundle.js runWorkerBundle): the code cache of what this thread ran.
    ((globalThis as Record<symbol, unknown>)[Symbol.for("kmdll.writeCodeCache")] as (() => void) | undefined)?.();
    port.postMessage({ done: true } satisfies WorkerAnswer);
  });
}
