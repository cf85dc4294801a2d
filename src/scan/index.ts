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
import { buildGraph, importersOf, type DepGraph, type KnownExports, type ModuleKind } from "../graph/model.js";
import { analyzeFile, type AnalyzeRequest, type AnalyzeResult, type ScanFinding } from "./analyze.js";
import { ScanModules } from "./checks.js";
import { walkFiles, type WalkSkip } from "./walk.js";

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
  /** Called after each file. */
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
 * 694 and 2,082 files slower, not faster.
 */
export const MIN_FILES_PER_WORKER_2_CPUS = 8192;

interface WorkerData {
  root: string;
  index: [string, string[]][];
}

/** While the consumer of the results is backed up: a promise that resolves when it can take more. */
type Backpressure = () => Promise<void> | null;

/** One worker thread taking batches from `take` until it is empty. */
function runWorker(data: WorkerData, take: () => AnalyzeRequest[], onResult: (r: AnalyzeResult) => void, paused?: Backpressure): Promise<void> {
  return new Promise<void>((resolvePromise, reject) => {
    const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: data });
    let finished = false;
    // Two batches in flight: the worker never waits for this thread (busy with its own batch) to hand out the next.
    let inFlight = 0;
    const send = (): void => {
      const gate = paused?.();
      if (gate) {
        void gate.then(send);
        return;
      }
      const files = take();
      if (files.length) {
        inFlight++;
        w.postMessage({ files });
      } else if (inFlight === 0 && !finished) {
        finished = true;
        void w.terminate().then(() => resolvePromise());
      }
    };
    w.on("message", (m: { results: AnalyzeResult[] }) => {
      inFlight--;
      for (const r of m.results) onResult(r);
      send();
    });
    w.on("error", (e) => {
      finished = true;
      reject(new Error(`scan worker failed: ${e instanceof Error ? e.message : String(e)}`));
    });
    w.on("exit", (code) => {
      if (!finished) reject(new Error(`scan worker stopped unexpectedly (exit code ${code})`));
    });
    send();
  });
}

/**
 * Analyze every file: this thread works through the list in batches, helped by up to jobs-1
 * worker threads (none for small corpora) that take batches from the same list.
 */
async function analyzeAll(reqs: AnalyzeRequest[], jobs: number, root: string, index: Map<string, string[]>, onResult: (r: AnalyzeResult) => void, paused?: Backpressure, minFilesPerWorker?: number): Promise<void> {
  const workers = Math.max(0, Math.min(jobs - 1, Math.floor(reqs.length / Math.max(1, minFilesPerWorker ?? (availableParallelism() <= 2 ? MIN_FILES_PER_WORKER_2_CPUS : MIN_FILES_PER_WORKER)))));
  const batch = Math.max(1, Math.min(16, Math.floor(reqs.length / (jobs * 16))));
  let next = 0;
  const take = (): AnalyzeRequest[] => {
    const files = reqs.slice(next, next + batch);
    next += files.length;
    return files;
  };
  let failed: unknown;
  const running = workers ? Array.from({ length: workers }, () => runWorker({ root, index: [...index.entries()] }, take, onResult, paused).catch((e) => void (failed ??= e))) : [];
  const modules = new ScanModules(index, root);
  while (next < reqs.length && failed === undefined) {
    const gate = paused?.();
    if (gate) {
      await gate;
      continue;
    }
    for (const r of take()) onResult(analyzeFile(r, modules));
    // Let the workers' answers in (and hand them their next batch).
    if (workers) await new Promise<void>((r) => setImmediate(r));
  }
  await Promise.all(running);
  if (failed !== undefined) throw failed;
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
  /** Each file's result, as soon as it is analyzed (completion order, not path order). */
  onResult: (result: AnalyzeResult) => void;
  /** Backpressure: a promise while the consumer of the results is backed up (no new files are started until it resolves). */
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
  await analyzeAll(reqs, jobs, root, index, onResult, undefined, opts.minFilesPerWorker);
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
  const exportDrivers = graph.nodes
    .filter((n) => n.kind === "export-driver" && !n.external)
    .map((n) => ({ name: n.name, path: n.path ?? n.name, importers: importersOf(graph, n.id).map((id) => nodeById.get(id)?.path ?? id) }))
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
    durationMs: Math.round(performance.now() - started),
  };
}
