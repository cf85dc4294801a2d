/**
 * The self-contained HTML report (`kmdll sim --html`, `kmdll graph --format html`): the import
 * graph as inline SVG plus a lifecycle timeline of a simulation trace — loads, DllInitialize /
 * DllUnload and other entry-point calls, reference counts, IRPs, faults — one lane per module.
 * Everything is inline (CSS, SVG, a few lines of script): it reads offline, with no external URL.
 * Pure apart from the WebAssembly Graphviz used for the SVG.
 */
import type { TraceEvent } from "../events.js";
import type { DepGraph, ModuleKind } from "../graph/model.js";
import { KIND_LABEL, graphView, type ViewOptions } from "../graph/model.js";
import { KIND_STYLE } from "./dot.js";
import { inlineSvg, renderSvg } from "./svg.js";
import { jsonText } from "../text/terminal.js";
import { CSS, SCRIPT } from "./html-assets.js";
import { escapeHtml } from "./html-escape.js";
import { summaryHtml, timelineHtml } from "./html-timeline.js";

export { escapeHtml } from "./html-escape.js";
export { eventText as describeEvent } from "./event-text.js";

export interface HtmlReportInput {
  /** Simulation trace events (SPEC §9); omit for a graph-only page. */
  events?: readonly TraceEvent[];
  /** The import graph of the modules involved; omit for a timeline-only page. */
  graph?: DepGraph;
  title?: string;
  /** How to show ntoskrnl/hal in the graph (default: collapse). */
  view?: ViewOptions;
  /** A pre-rendered SVG to use instead of rendering `graph`. */
  svg?: string;
  /**
   * Events seen by kind, when `events` is a capped record (EventLog.counts): the summary counts
   * every event, the timeline shows the kept ones with "N more events not shown" rows.
   */
  counts?: Readonly<Record<string, number>>;
  /** Sections rendered by the caller (already escaped HTML), shown first (e.g. `kmdll surface`'s findings). */
  sections?: readonly string[];
}

function legendHtml(): string {
  const kinds = (Object.keys(KIND_STYLE) as ModuleKind[])
    .map((k) => `<span class="legend-item"><span class="swatch" style="background:${KIND_STYLE[k].fill};border-color:${KIND_STYLE[k].stroke}"></span>${escapeHtml(KIND_LABEL[k])}</span>`)
    .join("");
  return `<div class="legend">${kinds}</div>`;
}

/** JSON safe to embed in a <script type="application/json"> element. */
function embedJson(v: unknown): string {
  return jsonText(v)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
}

function omittedCount(events: readonly TraceEvent[]): number {
  let n = 0;
  for (const e of events) if (e.event === "omitted") n += e.count;
  return n;
}

/** Render the report. Async because the SVG comes from WebAssembly Graphviz. */
export async function renderHtmlReport(input: HtmlReportInput): Promise<string> {
  const title = input.title ?? "kmdll report";
  const events = input.events;
  let graphSection = "";
  if (input.svg !== undefined || input.graph) {
    const svg = input.svg ?? (await renderSvg(graphView(input.graph!, input.view), {}));
    const n = input.graph ? graphView(input.graph, input.view).nodes.length : 0;
    graphSection = `<section id="graph"><h2>Dependency graph</h2>${legendHtml()}
<p class="hint">Hover a node or edge for details (imported names, paths); click a node to highlight its timeline lane.${n ? ` ${n} module${n === 1 ? "" : "s"}.` : ""}</p>
<div class="graph">${inlineSvg(svg)}</div></section>`;
  }
  const parts: string[] = [...(input.sections ?? [])];
  if (events) parts.push(`<section id="summary">${summaryHtml(events, input.counts)}</section>`);
  parts.push(graphSection);
  if (events) {
    parts.push(timelineHtml(events));
    parts.push(
      `<details><summary>${omittedCount(events) ? `The ${events.length} events kept` : `All ${events.length} events`} (NDJSON)</summary><pre class="events">${escapeHtml(
        events.map((e) => jsonText(e)).join("\n"),
      )}</pre></details>`,
    );
  }
  const data = embedJson({ title, events: events ?? [], graph: input.graph ?? null });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kmdll">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><div class="sub">kmdll report</div></header>
<main>
${parts.join("\n")}
</main>
<script type="application/json" id="kmdll-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
