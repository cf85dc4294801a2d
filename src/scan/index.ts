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
import { looksLikePe, walkFiles, type WalkSkip } from "./walk.js";

export { analyzeFile, type AnalyzeResult, type ScanFinding } from "./analyze.js";
export { walkFiles, looksLikePe, isPeBuffer } from "./walk.js";

export interface ScanOptions {
  /** Worker threads (default: available parallelism, at most 8). 1 = run in this thread. */
  jobs?: number;
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
  /** "missing-module": the DLL is not in DIR and not known; "unresolved-import": names it does not export. */
  reason: "missing-module" | "unresolved-import";
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

async function runWorkers(reqs: AnalyzeRequest[], jobs: number, data: { root: string; index: [string, string][] }, onResult: (r: AnalyzeResult) => void): Promise<void> {
  const workerUrl = new URL("./worker.js", import.meta.url);
  let next = 0;
  const batch = Math.max(1, Math.min(16, Math.floor(reqs.length / (jobs * 8)) || 1));
  const one = () =>
    new Promise<void>((resolvePromise, reject) => {
      const w = new Worker(workerUrl, { workerData: data });
      let id = 0;
      let finished = false;
      const send = () => {
        if (next >= reqs.length) {
          finished = true;
          void w.terminate().then(() => resolvePromise());
          return;
        }
        const files = reqs.slice(next, next + batch);
        next += files.length;
        w.postMessage({ id: ++id, files });
      };
      w.on("message", (m: { id: number; result?: AnalyzeResult; done?: boolean }) => {
        if (m.result) onResult(m.result);
        if (m.done) send();
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
  await Promise.all(Array.from({ length: Math.min(jobs, reqs.length) }, one));
}

/** Scan a directory; see the module comment. */
export async function scanDirectory(dir: string, opts: ScanOptions = {}): Promise<ScanReport> {
  const started = performance.now();
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

  // The modules imports resolve to: PE images by base name (first in path order wins).
  const index = new Map<string, string>();
  for (const f of walk.files) {
    const k = baseName(f.rel).toLowerCase();
    if (index.has(k)) continue;
    let pe = false;
    try {
      pe = looksLikePe(f.path);
    } catch {
      pe = false; // unreadable: analyzeFile reports it
    }
    if (pe) index.set(k, f.path);
  }

  const results: AnalyzeResult[] = [];
  const onResult = (r: AnalyzeResult) => {
    results.push(r);
    opts.onProgress?.(results.length, reqs.length, r);
  };
  if (jobs === 1 || reqs.length < 2) {
    const modules = new ScanModules(index, root);
    for (const r of reqs) onResult(analyzeFile(r, modules));
  } else await runWorkers(reqs, jobs, { root, index: [...index.entries()] }, onResult);
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
