/**
 * SVG rendering of an import graph through Graphviz compiled to WebAssembly (@viz-js/viz):
 * no system Graphviz needed. The Graphviz instance is created once and reused.
 */
import type { DepGraph } from "./graph.js";
import { renderDot, type DotOptions } from "./dot.js";

type VizInstance = { renderString(input: string, options?: { format?: string; engine?: string }): string };
let vizPromise: Promise<VizInstance> | undefined;

async function viz(): Promise<VizInstance> {
  if (!vizPromise) vizPromise = import("@viz-js/viz").then((m) => m.instance() as Promise<VizInstance>);
  return vizPromise;
}

/** Render DOT text to SVG (throws when Graphviz reports an error). */
export async function dotToSvg(dot: string): Promise<string> {
  return (await viz()).renderString(dot, { format: "svg", engine: "dot" });
}

/** Render the graph as a standalone SVG document. */
export async function renderSvg(g: DepGraph, opts: DotOptions = {}): Promise<string> {
  return dotToSvg(renderDot(g, opts));
}

/** The SVG without its XML declaration and DOCTYPE, ready to inline in HTML. */
export function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, "").replace(/^<!DOCTYPE[^>]*>\s*/, "").replace(/^<!--[\s\S]*?-->\s*/g, "").trim();
}
