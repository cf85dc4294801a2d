/**
 * `kmdll scan DIR`: every PE image under DIR (found by its MZ/PE magic, not its extension) is
 * parsed and checked in parallel worker threads; then the imports of every image are resolved
 * against the other images of DIR (and the kernel export database for ntoskrnl/hal and system
 * export drivers). Unreadable or malformed files are reported and skipped.
 */
import { availableParallelism } from "node:os";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { KmdllError } from "../errors.js";
import { kernelModuleExports } from "../nt/kernel-exports.js";
import { buildGraph, type DepGraph, type KnownExports, type ModuleKind } from "../graph/model.js";
import type { AnalyzeRequest, AnalyzeResult, ScanFinding } from "./analyze.js";
import { walkFiles, type WalkSkip } from "./walk.js";
import { analyzeAll } from "./threads.js";
import { unpackExportNames, unpackNames } from "./work-queue.js";

/** The exports buildGraph looks for in every module (the export-driver entry points). */
const ENTRY_POINT_EXPORTS = ["DllInitialize", "DllUnload"];

export { analyzeFile, type AnalyzeResult, type ScanFinding } from "./analyze.js";
export { walkFiles, looksLikePe, isPeBuffer } from "./walk.js";
export { MIN_FILES_PER_WORKER, MIN_FILES_PER_WORKER_2_CPUS, workerCount } from "./threads.js";

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
  // Each image's export names as one string until the graph needs them (see below): tens of
  // thousands of small strings kept to the end of a scan are what the garbage collector copies.
  const exportNames = new Map<string, string>();
  const onResult = (r: AnalyzeResult, packed: string) => {
    results.push(r);
    if (packed !== "") exportNames.set(r.rel, packed);
    opts.onProgress?.(results.length, reqs.length, packed === "" ? r : unpackExportNames(r, packed));
  };
  const workers = await analyzeAll(reqs, jobs, root, index, onResult, undefined, opts.minFilesPerWorker, opts.onStart, true);
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
  // The graph resolves imports against the export names of the modules something imports; of the
  // others it only asks whether they export DllInitialize / DllUnload.
  const imported = new Set<string>();
  for (const r of ok) for (const m of r.summary.imports) imported.add(m.dll.toLowerCase());
  const summaries = ok.map((r) => {
    const name = baseName(r.rel);
    const packed = exportNames.get(r.rel);
    if (packed === undefined) return { ...r.summary, name };
    const names = imported.has(name.toLowerCase()) ? unpackNames(packed) : ENTRY_POINT_EXPORTS.filter((n) => packed.startsWith(n + "\0") || packed.endsWith("\0" + n) || packed === n || packed.includes("\0" + n + "\0"));
    return { ...r.summary, name, exportNames: names };
  });
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
