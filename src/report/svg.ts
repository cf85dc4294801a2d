/**
 * SVG rendering of an import graph through Graphviz compiled to WebAssembly (@viz-js/viz):
 * no system Graphviz needed. The Graphviz instance is created once and reused.
 */
import type { DepGraph } from "../graph/model.js";
import { renderDot, type DotOptions } from "./dot.js";

type VizInstance = { renderString(input: string, options?: { format?: string; engine?: string }): string };
let vizPromise: Promise<VizInstance> | undefined;

async function viz(): Promise<VizInstance> {
  if (!vizPromise) vizPromise = import("@viz-js/viz").then((m) => m.instance() as Promise<VizInstance>);
  return vizPromise;
}

export type LayoutEngine = "dot" | "sfdp" | "neato" | "fdp" | "circo" | "twopi";

/** Graphviz engines kmdll offers. */
export const LAYOUT_ENGINES: readonly LayoutEngine[] = ["dot", "sfdp", "neato", "fdp", "circo", "twopi"];

/**
 * The layout for a graph of this size: the layered `dot` layout reads best but grows much faster
 * than linearly (minutes for a few thousand edges); large graphs get the force-directed `sfdp`.
 */
export function chooseEngine(g: DepGraph): LayoutEngine {
  return g.edges.length > 400 || g.nodes.length > 200 ? "sfdp" : "dot";
}

/** Render DOT text to SVG (throws when Graphviz reports an error). */
export async function dotToSvg(dot: string, engine: LayoutEngine = "dot"): Promise<string> {
  return (await viz()).renderString(dot, { format: "svg", engine });
}

export interface SvgOptions extends DotOptions {
  /** Layout engine; "auto" (default) picks by size (see chooseEngine). */
  engine?: LayoutEngine | "auto";
}

/** Render the graph as a standalone SVG document. Large graphs (sfdp) lose their edge labels, not their tooltips. */
export async function renderSvg(g: DepGraph, opts: SvgOptions = {}): Promise<string> {
  const engine = !opts.engine || opts.engine === "auto" ? chooseEngine(g) : opts.engine;
  // Force-directed layouts: nodes pushed apart by scaling (the other overlap removals take minutes
  // or need a triangulation library this Graphviz build lacks); no labels unless asked for.
  const dotOpts: DotOptions = engine === "dot" ? opts : { overlap: "scale", ...opts, edgeLabels: opts.edgeLabels ?? false };
  return dotToSvg(renderDot(g, dotOpts), engine);
}

/** The SVG without its XML declaration and DOCTYPE, ready to inline in HTML. */
export function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, "").replace(/^<!DOCTYPE[^>]*>\s*/, "").replace(/^<!--[\s\S]*?-->\s*/g, "").trim();
}
