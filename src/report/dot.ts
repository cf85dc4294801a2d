/**
 * Graphviz DOT rendering of an import graph (`kmdll graph --format dot`). Pure.
 * Node shape/colour by kind; edge labels show the first imported names, the tooltip all of them.
 */
import type { DepGraph, GraphEdge, GraphNode, ModuleKind } from "../graph/model.js";
import { KIND_LABEL } from "../graph/model.js";

export interface DotOptions {
  /** Graph title (a label at the top). */
  title?: string;
  /** At most this many names on an edge label before "+N more" (default 4; 0 = counts only). */
  maxLabelNames?: number;
  /** Layout direction (default "LR"). */
  rankdir?: "LR" | "TB";
  /** Draw edge labels (default true; the full list stays in the tooltip either way). */
  edgeLabels?: boolean;
  /** Graphviz `overlap` for force-directed layouts (e.g. "scale"); unset for dot. */
  overlap?: string;
}

/** Colours and shapes per kind, shared with the HTML legend. */
export const KIND_STYLE: Record<ModuleKind, { fill: string; stroke: string; shape: string; style: string }> = {
  driver: { fill: "#dbeafe", stroke: "#1d4ed8", shape: "box", style: "rounded,filled" },
  "export-driver": { fill: "#dcfce7", stroke: "#15803d", shape: "component", style: "filled" },
  kernel: { fill: "#f3f4f6", stroke: "#4b5563", shape: "box3d", style: "filled" },
  missing: { fill: "#fee2e2", stroke: "#b91c1c", shape: "box", style: "dashed,filled" },
};

/** Quote a DOT ID (a double-quoted string with `"` and `\` escaped, newlines as \n). */
export function dotQuote(s: string): string {
  return '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n") + '"';
}

/** The label shown for an edge: a few names, then "+N more"; kernel edges show a count. */
export function edgeLabel(e: GraphEdge, maxNames = 4): string {
  const n = e.names.length;
  let label: string;
  if (maxNames <= 0 || (e.to === "kernel" && n > maxNames)) label = `${n} import${n === 1 ? "" : "s"}`;
  else if (n <= maxNames) label = e.names.join("\n");
  else label = e.names.slice(0, maxNames).join("\n") + `\n+${n - maxNames} more`;
  if (e.unresolved.length) label += `\n(${e.unresolved.length} unresolved)`;
  if (e.delay) label = `[delay] ${label}`;
  return label;
}

/** The tooltip of an edge: every imported name, unresolved ones marked. */
export function edgeTooltip(e: GraphEdge): string {
  const unresolved = new Set(e.unresolved);
  const head = `${e.from} imports from ${e.dll}${e.delay ? " (delay-load)" : ""}: ${e.names.length} name${e.names.length === 1 ? "" : "s"}`;
  return [head, ...e.names.map((n) => (unresolved.has(n) ? `${n}  (NOT EXPORTED)` : n))].join("\n");
}

/** Why a missing module stops its importers, with the status the kernel returns (as check and sim say). */
export function missingText(n: GraphNode): string {
  const status = n.loadStatus ?? "0xC0000034";
  if (n.userMode) {
    return status === "0xC000007A"
      ? `a user-mode DLL: the kernel refuses to load it, so its importers fail to load (STATUS_PROCEDURE_NOT_FOUND ${status})`
      : `a user-mode DLL: not in System32\\drivers, so its importers fail to load (STATUS_OBJECT_NAME_NOT_FOUND ${status})`;
  }
  return `not among the given images: the kernel would fail to load its importers (${status})`;
}

export function nodeLabel(n: GraphNode): string {
  const lines = [n.name, (n.userMode ? "user-mode DLL" : KIND_LABEL[n.kind]) + (n.kind === "export-driver" && n.external ? " (system)" : "")];
  if (n.exportCount !== undefined && n.exportCount > 0) lines.push(`${n.exportCount} export${n.exportCount === 1 ? "" : "s"}`);
  return lines.join("\n");
}

export function nodeTooltip(n: GraphNode): string {
  const lines = [`${n.name}: ${KIND_LABEL[n.kind]}`];
  if (n.members) lines.push(`stands for ${n.members.join(", ")}`);
  if (n.path) lines.push(n.path);
  if (n.machine) lines.push(`machine ${n.machine}, subsystem ${n.subsystem}`);
  if (n.dllInitialize !== undefined) lines.push(`DllInitialize: ${n.dllInitialize ? "yes" : "no"}, DllUnload: ${n.dllUnload ? "yes" : "no"}`);
  if (n.kind === "missing") lines.push(missingText(n));
  return lines.join("\n");
}

export function renderDot(g: DepGraph, opts: DotOptions = {}): string {
  const max = opts.maxLabelNames ?? 4;
  const out: string[] = [];
  out.push("digraph imports {");
  out.push(`  graph [rankdir=${opts.rankdir ?? "LR"}, fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=0.7${opts.title ? `, label=${dotQuote(opts.title)}, labelloc=t` : ""}${opts.overlap ? `, overlap=${dotQuote(opts.overlap)}` : ""}];`);
  out.push(`  node [fontname="Helvetica", fontsize=11, penwidth=1.4, margin="0.16,0.06"];`);
  out.push(`  edge [fontname="Helvetica", fontsize=9, color="#6b7280", fontcolor="#374151", arrowsize=0.7];`);
  const kernel = g.nodes.filter((n) => n.kind === "kernel");
  const line = (n: GraphNode) => {
    const s = KIND_STYLE[n.kind];
    return `${dotQuote(n.id)} [label=${dotQuote(nodeLabel(n))}, tooltip=${dotQuote(nodeTooltip(n))}, shape=${s.shape}, style=${dotQuote(s.style)}, fillcolor=${dotQuote(s.fill)}, color=${dotQuote(s.stroke)}, id=${dotQuote("node-" + n.id)}, class=${dotQuote("kind-" + n.kind)}];`;
  };
  for (const n of g.nodes) if (n.kind !== "kernel") out.push("  " + line(n));
  if (kernel.length > 1) {
    out.push(`  subgraph cluster_kernel {`);
    out.push(`    label="kernel"; style="rounded,dashed"; color="#9ca3af"; fontcolor="#4b5563";`);
    for (const n of kernel) out.push("    " + line(n));
    out.push("  }");
  } else {
    for (const n of kernel) out.push("  " + line(n));
  }
  const kindOf = new Map(g.nodes.map((n) => [n.id, n.kind]));
  for (const e of g.edges) {
    const attrs = [
      ...(opts.edgeLabels === false ? [] : [`label=${dotQuote(edgeLabel(e, max))}`]),
      `tooltip=${dotQuote(edgeTooltip(e))}`,
      `labeltooltip=${dotQuote(edgeTooltip(e))}`,
      `id=${dotQuote(`edge-${e.from}->${e.to}${e.delay ? "-delay" : ""}`)}`,
    ];
    if (e.delay) attrs.push(`style=dashed`);
    if (e.unresolved.length) attrs.push(`color="#b91c1c"`, `fontcolor="#b91c1c"`, `penwidth=1.6`);
    else if (kindOf.get(e.to) === "kernel") attrs.push(`color="#9ca3af"`);
    out.push(`  ${dotQuote(e.from)} -> ${dotQuote(e.to)} [${attrs.join(", ")}];`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}
