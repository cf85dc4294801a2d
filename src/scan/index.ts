/**
 * `kmdll scan DIR`: every PE image under DIR (found by its MZ/PE magic, not its extension) is
 * parsed and checked in parallel worker threads; then the imports of every image are resolved
 * against the other images of DIR (and the kernel export database for ntoskrnl/hal and system
 * export drivers). Unreadable or malformed files are reported and skipped.
 */
import { availableParallelism } from "node:os";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { KmdllError } from "../errors.js";
import { kernelModuleExports } from "../nt/kernel-exports.js";
import { buildGraph, type DepGraph, type KnownExports, type ModuleKind } from "../graph/model.js";
import { analyzeFile, type AnalyzeRequest, type AnalyzeResult, type ScanFinding } from "./analyze.js";
import { ScanModules } from "./checks.js";
import { walkFiles, type WalkSkip } from "./walk.js";
import { CONTROL_SLOTS, LIMIT, NEXT, STOP, WINDOW, type WorkerAnswer, type WorkerJob } from "./work-queue.js";

export { analyzeFile, type AnalyzeResult, type ScanFinding } from "./analyze.js";
export { walkFiles, looksLikePe, isPeBuffer } from "./walk.js";

export interface ScanOptions {
  /**
   * Threads analyzing files (default: available parallelism, at most 8): this one plus jobs-1
   * workers, fewer for small corpora (see MIN_FILES_PER_WORKER and MIN_FILES_PER_WORKER_2_CPUS).
   * 1 = this thread only.
   */
  jobs?: number;
  /**
   * Fewest files per worker thread (default MIN_FILES_PER_WORKER, MIN_FILES_PER_WORKER_2_CPUS on a machine
   * with at most 2 logical CPUs; tests set 1 to exercise the workers on a small folder).
   */
  minFilesPerWorker?: number;
  /** Called once the files are listed, before any is analyzed: how many, and how many worker threads help. */
  onStart?: (info: { files: number; workers: number }) => void;
  /** Called after each file (in path order). */
  onProgress?: (done: number, total: number, result: AnalyzeResult) => void;
  /** Exports of modules that are not in DIR (default: kmdll's kernel export database). */
  knownExports?: KnownExports;
}

export interface ScannedImage {
  path: string;
  name: string;
  size: number;
  machine: string;
  subsystem: number;
  kind: ModuleKind;
  sections: number;
  exports: number;
  imports: { dll: string; delay: boolean; names: string[] }[];
  findings: ScanFinding[];
  warnings: string[];
}

export interface UnresolvedImport {
  importer: string;
  dll: string;
  /**
   * "missing-module": the DLL is not in DIR and not known; "system-module": not in DIR, but a
   * Windows system module every installation has (wdfldr.sys, fltmgr.sys, ...) whose exports kmdll
   * cannot check; "unresolved-import": names it does not export.
   */
  reason: "missing-module" | "system-module" | "unresolved-import";
  names: string[];
  delay: boolean;
}

export interface ScanReport {
  root: string;
  /** Regular files visited. */
  files: number;
  images: ScannedImage[];
  /** Files that are not PE images (by magic). */
  notPe: number;
  /** Unreadable or malformed files (skipped). */
  errors: { path: string; error: string }[];
  /** Paths not visited (symbolic links out of DIR, unreadable directories). */
  skipped: WalkSkip[];
  /** Same base name in several folders: only the first is used for dependency resolution. */
  duplicates: { name: string; paths: string[] }[];
  graph: DepGraph;
  /** Findings per rule id (error and warning severities alike). */
  ruleCounts: Record<string, number>;
  kindCounts: Record<ModuleKind, number>;
  exportDrivers: { name: string; path: string; importers: string[] }[];
  unresolved: UnresolvedImport[];
  jobs: number;
  /** Worker threads that helped this one (not in the JSON report: it depends on the machine). */
  workers: number;
  durationMs: number;
}

function defaultKnown(name: string) {
  return kernelModuleExports(name);
}

function baseName(rel: string): string {
  return rel.slice(rel.lastIndexOf("/") + 1);
}

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
  return new Worker(new URL("./worker.js", import.meta.url));
}

/** Workers started ahead but not needed (a small corpus): stopped. */
function dropPrestarted(): void {
  for (let p = prestarted().shift(); p; p = prestarted().shift()) void p.worker.terminate();
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
async function analyzeAll(reqs: AnalyzeRequest[], jobs: number, root: string, index: Map<string, string[]>, onResult: (r: AnalyzeResult) => void, paused?: Backpressure, minFilesPerWorker?: number, onStart?: ScanOptions["onStart"]): Promise<number> {
  const n = reqs.length;
  const workers = workerCount(n, jobs, minFilesPerWorker);
  if (workers === 0) dropPrestarted();
  onStart?.({ files: n, workers });
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  ctl[LIMIT] = WINDOW;
  // Results not handed on yet (an earlier file is still being analyzed), by index.
  const pending = new Map<number, AnalyzeResult>();
  let emitted = 0;
  // Hands on what is ready, in order, until the consumer backs up (then the window stops moving, and the workers with it).
  const drain = (): void => {
    for (let r = pending.get(emitted); r !== undefined && !paused?.(); r = pending.get(emitted)) {
      pending.delete(emitted);
      emitted++;
      onResult(r);
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
  if (workers) {
    const job: WorkerJob = { root, index: [...index.entries()], files: reqs, control: ctl.buffer as SharedArrayBuffer };
    for (let k = 0; k < workers; k++) {
      running.push(
        new Promise<void>((resolveDone) => {
          const w = takeWorker();
          let done = false;
          w.on("message", (m: WorkerAnswer) => {
            if ("done" in m) {
              done = true;
              void w.terminate();
              resolveDone();
            } else {
              for (const [i, r] of m.results) pending.set(i, r);
              drain();
            }
            wake();
          });
          w.on("error", (e) => {
            fail(new Error(`scan worker failed: ${e instanceof Error ? e.message : String(e)}`));
            resolveDone();
          });
          w.on("exit", (code) => {
            if (!done) fail(new Error(`scan worker stopped unexpectedly (exit code ${code})`));
            resolveDone();
          });
          w.postMessage(job);
        }),
      );
    }
  }
  const modules = new ScanModules(index, root);
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
    // Too far ahead of a result a worker still holds: wait for its messages.
    while (i >= emitted + WINDOW && failed === undefined) {
      const held = paused?.();
      if (held) {
        await held;
        drain();
        continue;
      }
      rearm();
      await woken;
    }
    if (failed !== undefined) break;
    pending.set(i, analyzeFile(reqs[i]!, modules));
    drain();
    // Let the workers' results in now and then.
    if (workers && performance.now() - lastYield >= 4) {
      await new Promise<void>((r) => setImmediate(r));
      lastYield = performance.now();
    }
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

/** What every scan starts from: the directory's files, the name index for module lookups, the thread count. */
function prepare(dir: string, opts: ScanOptions): { root: string; walk: ReturnType<typeof walkFiles>; reqs: AnalyzeRequest[]; index: Map<string, string[]>; jobs: number } {
  const root = resolve(dir);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new KmdllError(`${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new KmdllError(`${dir}: not a directory`);
  const walk = walkFiles(root);
  const reqs: AnalyzeRequest[] = walk.files.map((f) => ({ path: f.path, rel: f.rel }));
  const jobs = Math.max(1, Math.floor(opts.jobs ?? Math.min(8, availableParallelism())));
  // The modules imports resolve to: PE images by base name (the first in path order that is a PE image).
  const index = new Map<string, string[]>();
  for (const f of walk.files) {
    const k = baseName(f.rel).toLowerCase();
    const list = index.get(k);
    if (list) list.push(f.path);
    else index.set(k, [f.path]);
  }
  return { root, walk, reqs, index, jobs };
}

export interface ScanStreamOptions extends ScanOptions {
  /** Each file's result, in path order, as soon as it and every file before it are analyzed. */
  onResult: (result: AnalyzeResult) => void;
  /**
   * Backpressure: a promise while the consumer of the results is backed up (this thread starts no
   * new file until it resolves; a worker stops at the window, WINDOW files past the last result handed on).
   */
  paused?: () => Promise<void> | null;
}

/** The totals of a streamed scan (the per-file results went to onResult). */
export interface ScanStreamSummary {
  root: string;
  files: number;
  images: number;
  notPe: number;
  errors: number;
  skipped: WalkSkip[];
  ruleCounts: Record<string, number>;
  jobs: number;
  durationMs: number;
}

/**
 * Scan a directory without keeping the results: each file's result is handed to onResult and
 * dropped, so memory stays bounded by the file list and a bounded cache of imported modules,
 * whatever the size of the corpus. Imports are resolved per image by the checks (missing-module,
 * unresolved-import findings); the cross-image graph of scanDirectory is not built.
 */
export async function scanStream(dir: string, opts: ScanStreamOptions): Promise<ScanStreamSummary> {
  const started = performance.now();
  const { root, walk, reqs, index, jobs } = prepare(dir, opts);
  let done = 0;
  let images = 0;
  let notPe = 0;
  let errors = 0;
  const ruleCounts: Record<string, number> = {};
  await analyzeAll(
    reqs,
    jobs,
    root,
    index,
    (r) => {
      done++;
      if (r.status === "ok") {
        images++;
        for (const f of r.findings) ruleCounts[f.rule] = (ruleCounts[f.rule] ?? 0) + 1;
      } else if (r.status === "error") errors++;
      else notPe++;
      opts.onProgress?.(done, reqs.length, r);
      opts.onResult(r);
    },
    opts.paused,
    opts.minFilesPerWorker,
    opts.onStart,
  );
  return {
    root,
    files: walk.files.length,
    images,
    notPe,
    errors,
    skipped: walk.skipped,
    ruleCounts: Object.fromEntries(Object.entries(ruleCounts).sort(([a], [b]) => (a < b ? -1 : 1))),
    jobs,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Scan a directory; see the module comment. */
export async function scanDirectory(dir: string, opts: ScanOptions = {}): Promise<ScanReport> {
  const started = performance.now();
  const { root, walk, reqs, index, jobs } = prepare(dir, opts);

  const results: AnalyzeResult[] = [];
  const onResult = (r: AnalyzeResult) => {
    results.push(r);
    opts.onProgress?.(results.length, reqs.length, r);
  };
  const workers = await analyzeAll(reqs, jobs, root, index, onResult, undefined, opts.minFilesPerWorker, opts.onStart);
  // Already in path order (analyzeAll hands results on in the walk's order, which is sorted by
  // path per directory level); sorted again by the full relative path, which can differ.
  results.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));

  const ok = results.filter((r): r is Extract<AnalyzeResult, { status: "ok" }> => r.status === "ok");
  const errors = results.flatMap((r) => (r.status === "error" ? [{ path: r.rel, error: r.error }] : []));
  const notPe = results.filter((r) => r.status === "not-pe").length;

  // Dependency resolution by base name, case-insensitively (first path wins on duplicates).
  const byName = new Map<string, string[]>();
  for (const r of ok) {
    const k = baseName(r.rel).toLowerCase();
    byName.set(k, [...(byName.get(k) ?? []), r.rel]);
  }
  const duplicates = [...byName.entries()].filter(([, p]) => p.length > 1).map(([name, paths]) => ({ name, paths }));
  const summaries = ok.map((r) => ({ ...r.summary, name: baseName(r.rel) }));
  const graph = buildGraph(summaries, { knownExports: opts.knownExports ?? defaultKnown });
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));

  // Unresolved imports, from the graph (the per-image findings come from the checks).
  const unresolved: UnresolvedImport[] = [];
  for (const e of graph.edges) {
    const to = nodeById.get(e.to)!;
    const importer = nodeById.get(e.from)!;
    const rel = importer.path ?? importer.name;
    if (to.kind === "missing") unresolved.push({ importer: rel, dll: e.dll, reason: "missing-module", names: e.names, delay: e.delay });
    else if (to.external && to.kind === "export-driver" && !e.resolved) unresolved.push({ importer: rel, dll: e.dll, reason: "system-module", names: e.names, delay: e.delay });
    else if (e.unresolved.length) unresolved.push({ importer: rel, dll: e.dll, reason: "unresolved-import", names: e.unresolved, delay: e.delay });
  }

  const images: ScannedImage[] = ok.map((r) => {
    const node = nodeById.get(baseName(r.rel).toLowerCase());
    return {
      path: r.rel,
      name: baseName(r.rel),
      size: r.size,
      machine: r.summary.machine,
      subsystem: r.summary.subsystem,
      kind: node && node.path === r.rel ? node.kind : node?.kind ?? "driver",
      sections: r.sections,
      exports: r.summary.exportOrdinals.length,
      imports: r.summary.imports,
      findings: r.findings,
      warnings: r.checkError ? [...r.warnings, `checks not run: ${r.checkError}`] : r.warnings,
    };
  });

  const ruleCounts: Record<string, number> = {};
  for (const im of images) for (const f of im.findings) ruleCounts[f.rule] = (ruleCounts[f.rule] ?? 0) + 1;
  const kindCounts: Record<ModuleKind, number> = { driver: 0, "export-driver": 0, kernel: 0, missing: 0 };
  for (const n of graph.nodes) kindCounts[n.kind]++;
  // importersOf for every node at once (one pass over the edges instead of one per export driver).
  const importerSets = new Map<string, Set<string>>();
  for (const e of graph.edges) {
    const set = importerSets.get(e.to);
    if (set) set.add(e.from);
    else importerSets.set(e.to, new Set([e.from]));
  }
  const importers = new Map([...importerSets].map(([id, set]) => [id, [...set].sort()]));
  const exportDrivers = graph.nodes
    .filter((n) => n.kind === "export-driver" && !n.external)
    .map((n) => ({ name: n.name, path: n.path ?? n.name, importers: (importers.get(n.id) ?? []).map((id) => nodeById.get(id)?.path ?? id) }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));

  return {
    root,
    files: walk.files.length,
    images,
    notPe,
    errors,
    skipped: walk.skipped,
    duplicates,
    graph,
    ruleCounts: Object.fromEntries(Object.entries(ruleCounts).sort(([a], [b]) => (a < b ? -1 : 1))),
    kindCounts,
    exportDrivers,
    unresolved,
    jobs,
    workers,
    durationMs: Math.round(performance.now() - started),
  };
}
