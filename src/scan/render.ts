/** Text and JSON forms of a scan report. Pure. */
import { widest } from "../text/width.js";
import type { ScanReport, UnresolvedImport } from "./index.js";
import type { ModuleKind } from "../graph/model.js";

export interface ScanTextOptions {
  /** Lines per list before "... and N more" (default 25; 0 = unlimited). */
  limit?: number;
}

function plural(n: number, word: string, pl = word + "s"): string {
  return `${n} ${n === 1 ? word : pl}`;
}

export function renderScanText(r: ScanReport, opts: ScanTextOptions = {}): string {
  const limit = opts.limit ?? 25;
  const out: string[] = [];
  const list = <T>(items: T[], line: (x: T) => string) => {
    const shown = limit > 0 ? items.slice(0, limit) : items;
    for (const x of shown) out.push("  " + line(x));
    if (shown.length < items.length) out.push(`  ... and ${items.length - shown.length} more (--json lists all)`);
  };
  out.push(
    `scanned ${r.root}: ${plural(r.files, "file")}, ${plural(r.images.length, "PE image")}, ${r.notPe} not PE, ${plural(r.errors.length, "unreadable or malformed file")}` +
      (r.skipped.length ? `, ${r.skipped.length} skipped` : "") +
      ` (${(r.durationMs / 1000).toFixed(2)} s, ${plural(r.jobs, "thread")})`,
  );
  const given = (k: ModuleKind) => r.images.filter((i) => i.kind === k).length;
  out.push(
    `images: ${plural(given("driver"), "standard driver")}, ${plural(given("export-driver"), "export driver")}, ${plural(given("kernel"), "kernel image")}; ` +
      `imported but not in the directory: ${plural(r.graph.nodes.filter((n) => n.kind === "missing").length, "unknown module")}`,
  );
  out.push("");
  const rules = Object.entries(r.ruleCounts);
  const severities = new Map<string, Set<string>>();
  for (const im of r.images) for (const f of im.findings) severities.set(f.rule, (severities.get(f.rule) ?? new Set()).add(f.severity));
  out.push(rules.length ? "findings per rule:" : "findings per rule: none");
  const w = widest(rules.map(([k]) => k));
  for (const [rule, n] of rules) {
    const files = r.images.filter((i) => i.findings.some((f) => f.rule === rule)).length;
    out.push(`  ${rule.padEnd(w)}  ${String(n).padStart(5)} in ${plural(files, "file")} (${[...(severities.get(rule) ?? [])].join("/")})`);
  }
  out.push("");
  out.push(r.exportDrivers.length ? "export drivers and their importers:" : "export drivers: none");
  list(r.exportDrivers, (d) => {
    const shown = d.importers.slice(0, 8).join(", ") + (d.importers.length > 8 ? `, +${d.importers.length - 8} more` : "");
    return `${d.path} ← ${d.importers.length ? shown : "(no importer in this directory)"}`;
  });
  out.push("");
  if (r.unresolved.length === 0) out.push("unresolved imports: none");
  else {
    // Group missing modules by DLL (one line per DLL), names per importer for the rest.
    const byDll = (reason: UnresolvedImport["reason"]) => {
      const m = new Map<string, string[]>();
      for (const u of r.unresolved) if (u.reason === reason) m.set(u.dll.toLowerCase(), [...(m.get(u.dll.toLowerCase()) ?? []), u.importer]);
      return [...m.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    };
    const importersOf = (importers: string[]) => importers.slice(0, 4).join(", ") + (importers.length > 4 ? `, +${importers.length - 4}` : "");
    const missing = byDll("missing-module");
    const system = byDll("system-module");
    const notExported = r.unresolved.filter((u) => u.reason === "unresolved-import");
    out.push(`unresolved imports: ${plural(missing.length, "missing module")}, ${plural(notExported.reduce((s, u) => s + u.names.length, 0), "name")} not exported` +
      (system.length ? `; ${plural(system.length, "Windows system module")} not in the directory (present on every installation, names not checked)` : ""));
    list(missing, ([dll, importers]) => `${dll} (missing) ← ${importersOf(importers)}`);
    list(system, ([dll, importers]) => `${dll} (system module) ← ${importersOf(importers)}`);
    list(notExported, (u) => `${u.importer} → ${u.dll}!${u.names.slice(0, 6).join(", ")}${u.names.length > 6 ? `, +${u.names.length - 6}` : ""} (not exported)${u.delay ? " [delay]" : ""}`);
  }
  if (r.errors.length) {
    out.push("");
    out.push("unreadable or malformed (skipped):");
    list(r.errors, (e) => `${e.path}: ${e.error}`);
  }
  if (r.skipped.length) {
    out.push("");
    out.push("not visited:");
    list(r.skipped, (s) => `${s.rel}: ${s.reason}`);
  }
  if (r.duplicates.length) {
    out.push("");
    out.push("same name in several folders (the first is used to resolve imports):");
    list(r.duplicates, (d) => `${d.name}: ${d.paths.join(", ")}`);
  }
  return out.join("\n") + "\n";
}

/** The JSON document of `kmdll scan --json`. */
export function scanJson(r: ScanReport): unknown {
  return {
    root: r.root,
    files: r.files,
    images: r.images.length,
    notPe: r.notPe,
    durationMs: r.durationMs,
    jobs: r.jobs,
    ruleCounts: r.ruleCounts,
    kindCounts: r.kindCounts,
    exportDrivers: r.exportDrivers,
    unresolved: r.unresolved,
    errors: r.errors,
    skipped: r.skipped,
    duplicates: r.duplicates,
    modules: r.images,
    graph: r.graph,
  };
}

