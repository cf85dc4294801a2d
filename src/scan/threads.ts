/**
 * The threads of `kmdll scan`: how many worker threads a scan uses, the workers bin/kmdll.js
 * starts ahead, and analyzeAll, which runs this thread and the workers over one shared work list
 * (work-queue.ts) and hands the results on in path order.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { analyzeFile, type AnalyzeRequest, type AnalyzeResult } from "./analyze.js";
import { ScanModules } from "./checks.js";
import { CONTROL_SLOTS, LIMIT, NEXT, packExportNames, STOP, unpackExportNames, WINDOW, type WorkerAnswer, type WorkerJob } from "./work-queue.js";

/**
 * Fewest files per worker thread: a worker first loads the scan modules (tens of milliseconds),
 * which a handful of files does not pay back. Smaller corpora are scanned in this thread.
 */
export const MIN_FILES_PER_WORKER = 48;

/**
 * Fewest files per worker thread on a machine with at most 2 logical CPUs. V8 optimizes hot code
 * on background threads, and a thread's first few hundred files keep them busy: a single-threaded
 * scan already uses the second CPU, and a worker adds its own compilation on top. Measured with
 * per-thread CPU times (docs/qa.md, "Scan and implib on real inputs"): one worker made scans of
 * 694 and 2,082 files slower, not faster. Still so with the shared work counter and the worker
 * started with the process (session 6, perf per-thread samples of `scan --json` on wine64's 694
 * files, docs/qa.md "Scan threads"): this thread alone ≈ 1.2 s plus ≈ 0.8 s of V8 background
 * threads; with a worker ≈ 1.1 s + 0.7 s (worker) + 1.3 s (background) — more CPU time than two
 * CPUs give back.
 */
export const MIN_FILES_PER_WORKER_2_CPUS = 8192;

/** How long this thread, held at the window's end, waits for a worker's result before analyzing that file itself. */
const TAKE_OVER_AFTER_MS = 20;

/** While the consumer of the results is backed up: a promise that resolves when it can take more. */
type Backpressure = () => Promise<void> | null;

/** Where bin/kmdll.js leaves the workers it started as the process started (see takeWorker). */
const PRESTARTED = Symbol.for("kmdll.scanWorkers");

/** A worker started ahead of the scan by bin/kmdll.js (with whether it failed or exited meanwhile). */
interface Prestarted {
  worker: Worker;
  failed?: unknown;
  exited?: boolean;
}

function prestarted(): Prestarted[] {
  return ((globalThis as Record<symbol, unknown>)[PRESTARTED] as Prestarted[] | undefined) ?? [];
}

/** A worker thread: one bin/kmdll.js started (already loading or loaded) if there is one, else a new one. */
function takeWorker(): Worker {
  for (let p = prestarted().shift(); p; p = prestarted().shift()) {
    if (p.failed === undefined && !p.exited) {
      p.worker.ref();
      return p.worker;
    }
  }
  // bin/kmdll.js (the bundled CLI) starts worker.cjs with its code cache (bin/load-bundle.js).
  const factory = (globalThis as Record<symbol, unknown>)[WORKER_FACTORY] as (() => Worker) | undefined;
  return factory ? factory() : new Worker(new URL("./worker.js", import.meta.url));
}

/** How bin/kmdll.js makes scan workers (see takeWorker). */
const WORKER_FACTORY = Symbol.for("kmdll.scanWorkerFactory");

/** Workers started ahead but not needed (a small corpus): stopped. */
function dropPrestarted(): void {
  for (let p = prestarted().shift(); p; p = prestarted().shift()) void p.worker.terminate();
}

/**
 * Whether this thread waits for every worker to finish its files rather than taking over what a
 * worker still holds (analyzeAll): in the build's code-cache training run, where each worker
 * writes its cache when its work is done (src/scan/worker.ts).
 */
function waitForWorkers(): boolean {
  return process.env.KMDLL_WRITE_CODE_CACHE === "1";
}

/** How many worker threads a scan of `files` files with `jobs` threads uses (see MIN_FILES_PER_WORKER). */
export function workerCount(files: number, jobs: number, minFilesPerWorker?: number): number {
  const min = Math.max(1, minFilesPerWorker ?? (availableParallelism() <= 2 ? MIN_FILES_PER_WORKER_2_CPUS : MIN_FILES_PER_WORKER));
  return Math.max(0, Math.min(jobs - 1, Math.floor(files / min)));
}

/**
 * Analyze every file, handing the results to onResult in path order: this thread and up to
 * jobs-1 worker threads (none for small corpora) claim files from one shared counter
 * (work-queue.ts). Returns the number of worker threads used.
 */
export async function analyzeAll(
  reqs: AnalyzeRequest[],
  jobs: number,
  root: string,
  index: Map<string, string[]>,
  onResult: (r: AnalyzeResult, packedExportNames: string) => void,
  paused?: Backpressure,
  minFilesPerWorker?: number,
  onStart?: (info: { files: number; workers: number }) => void,
  /** Hand results on with their export names packed (packExportNames), else whole ("" as the second argument). */
  packed = false,
): Promise<number> {
  const n = reqs.length;
  const workers = workerCount(n, jobs, minFilesPerWorker);
  if (workers === 0) dropPrestarted();
  onStart?.({ files: n, workers });
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  ctl[LIMIT] = WINDOW;
  // Results not handed on yet (an earlier file is still being analyzed), by index.
  const pending = new Map<number, [AnalyzeResult, string]>();
  let emitted = 0;
  // Hands on what is ready, in order, until the consumer backs up (then the window stops moving, and the workers with it).
  const drain = (): void => {
    for (let r = pending.get(emitted); r !== undefined && !paused?.(); r = pending.get(emitted)) {
      pending.delete(emitted);
      emitted++;
      if (packed || r[1] === "") onResult(r[0], r[1]);
      else onResult(unpackExportNames(r[0], r[1]), "");
    }
    Atomics.store(ctl, LIMIT, emitted + WINDOW);
    if (workers) Atomics.notify(ctl, LIMIT);
  };
  let failed: unknown;
  // Resolved at every worker message (this thread waits on it for a result it needs to go on).
  let wake: () => void = () => {};
  let woken = Promise.resolve();
  const rearm = (): void => void (woken = new Promise<void>((r) => (wake = r)));
  rearm();
  const fail = (e: unknown): void => {
    failed ??= e;
    Atomics.store(ctl, STOP, 1);
    Atomics.notify(ctl, LIMIT);
    wake();
  };
  const running: Promise<void>[] = [];
  const started: Worker[] = [];
  // Set once this thread has every result: the workers are stopped, not waited for.
  let stopping = false;
  if (workers) {
    const job: WorkerJob = { root, index: [...index.entries()], files: reqs, control: ctl.buffer as SharedArrayBuffer };
    for (let k = 0; k < workers; k++) {
      running.push(
        new Promise<void>((resolveDone) => {
          const w = takeWorker();
          started.push(w);
          let done = false;
          w.on("message", (m: WorkerAnswer) => {
            if ("done" in m) {
              done = true;
              void w.terminate();
              resolveDone();
            } else {
              // A result this thread already has (it took the file over, below) is dropped.
              for (const [i, r, names] of m.results) if (i >= emitted && !pending.has(i)) pending.set(i, [r, names]);
              drain();
            }
            wake();
          });
          w.on("error", (e) => {
            fail(new Error(`scan worker failed: ${e instanceof Error ? e.message : String(e)}`));
            resolveDone();
          });
          w.on("exit", (code) => {
            if (!done && !stopping) fail(new Error(`scan worker stopped unexpectedly (exit code ${code})`));
            resolveDone();
          });
          w.postMessage(job);
        }),
      );
    }
  }
  const modules = new ScanModules(index, root);
  // A file analyzed in this thread: its result waits in `pending` for its turn.
  const analyzeHere = (i: number): void => {
    const r = analyzeFile(reqs[i]!, modules);
    pending.set(i, packed ? packExportNames(r) : [r, ""]);
  };
  let lastYield = performance.now();
  while (failed === undefined) {
    const gate = paused?.();
    if (gate) {
      await gate;
      drain();
      continue;
    }
    const i = Atomics.add(ctl, NEXT, 1);
    if (i >= n) break;
    // Too far ahead of a result a worker still holds: wait for its messages — and if none comes
    // for a while (a worker at nice 19 on a busy machine), analyze that file here (see below).
    while (i >= emitted + WINDOW && failed === undefined) {
      const held = paused?.();
      if (held) {
        await held;
        drain();
        continue;
      }
      rearm();
      const answered = await Promise.race([woken.then(() => true), new Promise<boolean>((r) => setTimeout(r, TAKE_OVER_AFTER_MS, false))]);
      if (!answered && !waitForWorkers() && !pending.has(emitted) && !paused?.()) {
        analyzeHere(emitted);
        drain();
      }
    }
    if (failed !== undefined) break;
    analyzeHere(i);
    drain();
    // Let the workers' results in now and then.
    if (workers && performance.now() - lastYield >= 4) {
      await new Promise<void>((r) => setImmediate(r));
      lastYield = performance.now();
    }
  }
  if (workers && !waitForWorkers()) {
    // No file left to claim, but a worker may still hold some it claimed: it runs at nice 19
    // (priority.ts), so on a busy machine it may not get a CPU for a while. This thread takes
    // them over in order (letting in first what the workers have sent) instead of waiting.
    while (failed === undefined && emitted < n) {
      await new Promise<void>((r) => setImmediate(r));
      const gate = paused?.();
      if (gate) {
        await gate;
        drain();
        continue;
      }
      if (emitted < n && !pending.has(emitted)) analyzeHere(emitted);
      drain();
    }
    stopping = true;
    Atomics.store(ctl, STOP, 1);
    Atomics.notify(ctl, LIMIT);
    for (const w of started) void w.terminate();
  }
  await Promise.all(running);
  if (failed !== undefined) throw failed;
  for (let gate = paused?.(); emitted < n && pending.has(emitted); gate = paused?.()) {
    if (gate) await gate;
    drain();
  }
  if (emitted !== n) throw new Error(`scan: ${n - emitted} of ${n} results missing`);
  return workers;
}
