/**
 * Mermaid flowchart rendering of an import graph (`kmdll graph --format mermaid`), for
 * Markdown that GitHub/GitLab render. Pure.
 */
import type { DepGraph, GraphNode, ModuleKind } from "../graph/model.js";
import { KIND_LABEL } from "../graph/model.js";
import { KIND_STYLE, edgeLabel } from "./dot.js";

export interface MermaidOptions {
  /** At most this many names on an edge label (default 3). */
  maxLabelNames?: number;
  direction?: "LR" | "TB";
}

/** Escape text for a quoted Mermaid label (entity codes; line breaks as <br/>). */
function text(s: string): string {
  return s
    .replace(/&/g, "#amp;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\r?\n/g, "<br/>");
}

const SHAPE: Record<ModuleKind, [string, string]> = {
  driver: ["(", ")"],
  "export-driver": ["[[", "]]"],
  kernel: ["[(", ")]"],
  missing: ["[/", "/]"],
};

export function renderMermaid(g: DepGraph, opts: MermaidOptions = {}): string {
  const max = opts.maxLabelNames ?? 3;
  const ids = new Map<string, string>();
  g.nodes.forEach((n, i) => ids.set(n.id, `m${i}`));
  const out: string[] = [`flowchart ${opts.direction ?? "LR"}`];
  const label = (n: GraphNode) => `${n.name}\n${n.userMode ? "user-mode DLL" : KIND_LABEL[n.kind]}`;
  for (const n of g.nodes) {
    const [a, b] = SHAPE[n.kind];
    out.push(`  ${ids.get(n.id)}${a}"${text(label(n))}"${b}:::${n.kind.replace("-", "_")}`);
  }
  for (const e of g.edges) {
    const arrow = e.delay ? "-.->" : "-->";
    out.push(`  ${ids.get(e.from)} ${arrow}|"${text(edgeLabel(e, max))}"| ${ids.get(e.to)}`);
  }
  for (const [kind, s] of Object.entries(KIND_STYLE) as [ModuleKind, (typeof KIND_STYLE)[ModuleKind]][]) {
    const dash = s.style.includes("dashed") ? ",stroke-dasharray:4 3" : "";
    out.push(`  classDef ${kind.replace("-", "_")} fill:${s.fill},stroke:${s.stroke},color:#111827${dash}`);
  }
  g.edges.forEach((e, i) => {
    if (e.unresolved.length) out.push(`  linkStyle ${i} stroke:#b91c1c,color:#b91c1c`);
  });
  return out.join("\n") + "\n";
}
