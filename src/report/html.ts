/**
 * The self-contained HTML report (`kmdll sim --html`, `kmdll graph --format html`): the import
 * graph as inline SVG plus a lifecycle timeline of a simulation trace — loads, DllInitialize /
 * DllUnload and other entry-point calls, reference counts, IRPs, faults — one lane per module.
 * Everything is inline (CSS, SVG, a few lines of script): it reads offline, with no external URL.
 * Pure apart from the WebAssembly Graphviz used for the SVG.
 */
import type { TraceEvent } from "../events.js";
import type { DepGraph, ModuleKind } from "./graph.js";
import { KIND_LABEL, graphView, type ViewOptions } from "./graph.js";
import { KIND_STYLE } from "./dot.js";
import { inlineSvg, renderSvg } from "./svg.js";

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
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Events shown in the lifecycle timeline by default (api calls are behind a toggle). */
const QUIET = new Set(["api"]);

interface Row {
  e: TraceEvent;
  index: number;
  /** module → marker in that module's lane. */
  marks: Map<string, { sym: string; cls: string; title: string }>;
  text: string;
  cls: string;
}

/** JSON.stringify that writes bigints as hex strings (trace events carry addresses as bigint). */
function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? "0x" + x.toString(16) : x));
}

function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : jsonText(v);
}

/** The I/O manager's irp events name the device's driver and the dispatch routine ("portlib.sys+0x1160"). */
function irpDriver(e: TraceEvent): string | undefined {
  const d = (e as { driver?: unknown }).driver;
  return typeof d === "string" ? d : undefined;
}
function irpName(e: TraceEvent): string | undefined {
  const d = (e as { name?: unknown }).name;
  return typeof d === "string" ? d : undefined;
}
function irpDispatch(e: TraceEvent): string | undefined {
  const d = (e as { dispatch?: unknown }).dispatch;
  return typeof d === "string" ? d : undefined;
}

/** One-line description of an event. */
export function describeEvent(e: TraceEvent): string {
  switch (e.event) {
    case "load":
      return `load ${e.module}${e.by ? ` (imported by ${e.by})` : ""}${e.base ? ` at ${e.base}` : ""}  ${e.path}`;
    case "call":
      return `call ${e.module}!${e.routine}(${e.arg !== undefined ? e.arg : (e.args ?? []).join(", ")})`;
    case "return":
      return `${e.module}!${e.routine} returned ${e.status ?? e.value ?? ""}`;
    case "refcount":
      return `${e.module} LoadCount = ${e.count}${e.reason ? ` (${e.reason})` : ""}`;
    case "unload":
      return `unload ${e.module}${e.reason ? ` (${e.reason})` : ""}`;
    case "dbgprint":
      return `DbgPrint ${e.module}: ${String(e.text ?? "").replace(/\n$/, "")}`;
    case "fail":
      return `FAILED ${e.module}: ${e.status}${e.cause ? ` (cause ${e.cause})` : ""}${e.missing ? ` cannot find ${e.missing}` : ""}${e.message ? ` — ${e.message}` : ""}`;
    case "fault":
      return `FAULT ${e.kind}${e.module ? ` in ${e.module}` : ""}: ${e.message}${e.rip ? ` at ${e.rip}` : ""}`;
    case "leak":
      return `leak (${e.kind}) in ${e.module}${e["size"] !== undefined ? `: ${str(e["size"])} bytes` : ""}${e["tag"] !== undefined ? ` tag ${str(e["tag"])}` : ""}`;
    case "warning":
      return `warning${e.module ? ` ${e.module}` : ""}: ${e.message}`;
    case "api":
      return `${e.caller ?? e.module} → ${e.api}(${Array.isArray(e.args) ? e.args.join(", ") : ""})${e.ret !== undefined ? ` = ${e.ret}` : ""}`;
    case "irp":
      return `IRP ${irpName(e) ?? `major 0x${Number(e.major).toString(16)}${e.minor !== undefined ? ` minor 0x${e.minor.toString(16)}` : ""}`}${e.ioctl ? ` IOCTL ${e.ioctl}` : ""}${e.from ? ` from ${e.from}` : ""}${e.to ? ` to ${e.to}` : ""}${irpDispatch(e) ? ` (dispatch ${irpDispatch(e)})` : ""}${e.status ? ` → ${e.status}` : ""}`;
    case "interface":
      return `interface ${e.action} (count ${e.count})`;
    case "step": {
      const phase = e["phase"];
      if (phase === "end") {
        const detail = typeof e["detail"] === "string" ? `: ${e["detail"]}` : "";
        return `${e["ok"] === false ? "FAILED" : "ok"}  ${e.step}${e["result"] !== undefined ? ` → ${str(e["result"])}` : ""}${detail}`;
      }
      return `${e["index"] !== undefined ? `[${str(e["index"])}] ` : ""}${e.step}`;
    }
    case "end":
      return `end: ${(Array.isArray(e.modules) ? e.modules : []).map((m) => `${m.module}=${m.count}`).join(", ") || "no modules loaded"}`;
    default: {
      const x = e as { event?: string };
      return `${x.event ?? "event"} ${jsonText(e)}`;
    }
  }
}

function moduleOf(e: TraceEvent): string | undefined {
  const m = (e as { module?: unknown }).module;
  return typeof m === "string" ? m : undefined;
}

/** Lane order: modules in order of first appearance. */
function lanesOf(events: readonly TraceEvent[]): string[] {
  const lanes: string[] = [];
  const add = (m: string | undefined | null) => {
    if (m && !lanes.some((l) => l.toLowerCase() === m.toLowerCase())) lanes.push(m);
  };
  for (const e of events) {
    if (e.event === "api") continue;
    add(moduleOf(e));
    if (e.event === "load") add(e.by);
    if (e.event === "irp") {
      add(e.from);
      add(irpDriver(e) ?? e.to);
    }
    if (e.event === "end" && Array.isArray(e.modules)) for (const m of e.modules) add(m.module);
  }
  return lanes;
}

const ENTRY_ROUTINES = new Set(["DllInitialize", "DllUnload", "DriverEntry", "DriverUnload"]);

function buildRows(events: readonly TraceEvent[], lanes: string[]): { rows: Row[]; alive: boolean[][] } {
  const laneOf = (m: string | null | undefined) => (m ? lanes.find((l) => l.toLowerCase() === m.toLowerCase()) : undefined);
  const loaded = new Set<string>();
  const rows: Row[] = [];
  const alive: boolean[][] = [];
  events.forEach((e, index) => {
    const marks: Row["marks"] = new Map();
    const mark = (m: string | null | undefined, sym: string, cls: string, title = describeEvent(e)) => {
      const l = laneOf(m);
      if (l) marks.set(l, { sym, cls, title });
    };
    let cls = `ev-${e.event}`;
    switch (e.event) {
      case "load":
        loaded.add(laneOf(e.module) ?? e.module);
        mark(e.module, "●", "m-load");
        break;
      case "unload":
        mark(e.module, "■", "m-unload");
        break;
      case "call":
        mark(e.module, "▶", ENTRY_ROUTINES.has(e.routine) ? "m-entry" : "m-call", `${e.routine}`);
        if (ENTRY_ROUTINES.has(e.routine)) cls += " ev-entry";
        break;
      case "return": {
        const ok = e.status === undefined || /^0x[0-7]/i.test(e.status);
        mark(e.module, "◀", ok ? "m-return" : "m-return-bad");
        if (!ok) cls += " ev-bad";
        break;
      }
      case "refcount":
        mark(e.module, String(e.count), "m-refcount");
        break;
      case "fail":
        mark(e.module, "✖", "m-bad");
        cls += " ev-bad";
        break;
      case "fault":
        mark(e.module, "⚠", "m-bad");
        cls += " ev-bad";
        break;
      case "leak":
        mark(e.module, "◌", "m-warn");
        cls += " ev-warn";
        break;
      case "warning":
        mark(e.module, "!", "m-warn");
        cls += " ev-warn";
        break;
      case "dbgprint":
        mark(e.module, "✎", "m-print");
        break;
      case "irp": {
        mark(e.from, "⇢", "m-irp");
        mark(irpDriver(e) ?? e.to, "⇠", "m-irp");
        // A dispatch routine in another module (a port driver's code serving a miniport's device).
        const code = irpDispatch(e)?.replace(/\+0x[0-9a-f]+$/i, "");
        if (code && code.toLowerCase() !== (irpDriver(e) ?? "").toLowerCase()) mark(code, "⚙", "m-irp");
        break;
      }
      case "interface":
        mark(moduleOf(e), "⟳", "m-irp");
        break;
      case "api":
        mark(e.module, "·", "m-api");
        break;
      case "step":
        if (e["phase"] === "end" && e["ok"] === false) cls += " ev-bad";
        break;
      default:
        mark(moduleOf(e), "•", "m-call");
    }
    rows.push({ e, index, marks, text: describeEvent(e), cls });
    alive.push(lanes.map((l) => loaded.has(l)));
    if (e.event === "unload") loaded.delete(laneOf(e.module) ?? e.module);
  });
  return { rows, alive };
}

function legendHtml(): string {
  const kinds = (Object.keys(KIND_STYLE) as ModuleKind[])
    .map((k) => `<span class="legend-item"><span class="swatch" style="background:${KIND_STYLE[k].fill};border-color:${KIND_STYLE[k].stroke}"></span>${escapeHtml(KIND_LABEL[k])}</span>`)
    .join("");
  return `<div class="legend">${kinds}</div>`;
}

function summaryHtml(events: readonly TraceEvent[]): string {
  const count = (p: (e: TraceEvent) => boolean) => events.filter(p).length;
  const cards: [string, number, string][] = [
    ["modules loaded", count((e) => e.event === "load"), ""],
    ["DllInitialize calls", count((e) => e.event === "call" && e.routine === "DllInitialize"), ""],
    ["DllUnload calls", count((e) => e.event === "call" && e.routine === "DllUnload"), ""],
    ["unloads", count((e) => e.event === "unload"), ""],
    ["IRPs", count((e) => e.event === "irp"), ""],
    ["failures", count((e) => e.event === "fail"), "bad"],
    ["faults", count((e) => e.event === "fault"), "bad"],
    ["leaks", count((e) => e.event === "leak"), "warn"],
    ["warnings", count((e) => e.event === "warning"), "warn"],
  ];
  const end = [...events].reverse().find((e) => e.event === "end");
  let endHtml = "";
  if (end && end.event === "end" && Array.isArray(end.modules)) {
    endHtml = `<p class="end">Still loaded at the end: ${
      end.modules.length ? end.modules.map((m) => `<code>${escapeHtml(m.module)}</code> (LoadCount ${m.count})`).join(", ") : "none"
    }</p>`;
  }
  return `<div class="cards">${cards
    .map(([label, n, cls]) => `<div class="card ${n > 0 ? cls : ""}" data-count="${escapeHtml(label)}"><div class="n">${n}</div><div class="l">${escapeHtml(label)}</div></div>`)
    .join("")}</div>${endHtml}`;
}

function timelineHtml(events: readonly TraceEvent[]): string {
  const lanes = lanesOf(events);
  const { rows, alive } = buildRows(events, lanes);
  const head = `<tr><th class="idx">#</th>${lanes.map((l) => `<th class="lane-head" data-module="${escapeHtml(l.toLowerCase())}"><span>${escapeHtml(l)}</span></th>`).join("")}<th class="desc">event</th></tr>`;
  const body = rows
    .map((r, i) => {
      if (r.e.event === "step" && r.e["phase"] !== "end") {
        return `<tr class="ev-step"><td class="idx">${r.index}</td><td colspan="${lanes.length + 1}" class="step">${escapeHtml(r.text)}</td></tr>`;
      }
      const cells = lanes
        .map((l, j) => {
          const m = r.marks.get(l);
          const a = alive[i]![j] ? " alive" : "";
          const inner = m ? `<span class="mark ${m.cls}" title="${escapeHtml(m.title)}">${escapeHtml(m.sym)}</span>` : "";
          return `<td class="lane${a}" data-module="${escapeHtml(l.toLowerCase())}">${inner}</td>`;
        })
        .join("");
      const quiet = QUIET.has(r.e.event) ? " quiet" : "";
      return `<tr class="${r.cls}${quiet}" data-event="${escapeHtml(r.e.event)}"><td class="idx">${r.index}</td>${cells}<td class="desc">${escapeHtml(r.text)}</td></tr>`;
    })
    .join("\n");
  const apiCount = events.filter((e) => QUIET.has(e.event)).length;
  const toggle = apiCount
    ? `<label class="toggle"><input type="checkbox" id="show-api"> show ${apiCount} kernel API call${apiCount === 1 ? "" : "s"}</label>`
    : "";
  return `<section id="timeline"><h2>Lifecycle timeline</h2>
<p class="hint">One column per module, in order of first appearance; the shaded bar is the time the module is loaded.
● load, ▶ entry point / call, ◀ return, <b>n</b> LoadCount, ■ unload, ✎ DbgPrint, ⇢⇠ IRP, ⚠ fault, ✖ failure, ◌ leak.</p>
${toggle}
<div class="scroll"><table class="timeline" id="timeline-table"><thead>${head}</thead><tbody>
${body}
</tbody></table></div></section>`;
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #111827; background: #fafafa; }
header { background: #1f2937; color: #f9fafb; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .sub { color: #d1d5db; font-size: 12px; }
main { padding: 8px 24px 40px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 6px 12px; min-width: 90px; }
.card .n { font-size: 20px; font-weight: 600; }
.card .l { font-size: 11px; color: #6b7280; }
.card.bad { border-color: #fca5a5; background: #fef2f2; }
.card.warn { border-color: #fcd34d; background: #fffbeb; }
.graph { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px; overflow: auto; }
.graph svg { max-width: 100%; height: auto; }
.graph g.node { cursor: pointer; }
.graph g.node.selected polygon, .graph g.node.selected path, .graph g.node.selected ellipse { stroke-width: 3px; }
.legend { display: flex; gap: 14px; font-size: 12px; margin: 6px 0; color: #374151; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1.5px solid; border-radius: 2px; margin-right: 4px; vertical-align: -2px; }
.hint { color: #6b7280; font-size: 12px; }
.scroll { overflow: auto; max-height: 80vh; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; }
table.timeline { border-collapse: collapse; font-size: 12px; }
table.timeline th { position: sticky; top: 0; background: #f3f4f6; z-index: 1; font-weight: 600; padding: 4px 6px; border-bottom: 1px solid #d1d5db; }
table.timeline th.lane-head span { display: inline-block; max-width: 130px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.timeline td { padding: 1px 6px; border-bottom: 1px solid #f3f4f6; white-space: nowrap; }
td.idx, th.idx { color: #9ca3af; text-align: right; font-variant-numeric: tabular-nums; }
td.desc { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; }
td.lane { text-align: center; min-width: 70px; }
td.lane.alive { background: linear-gradient(90deg, transparent 44%, #bbf7d0 44%, #bbf7d0 56%, transparent 56%); }
td.lane.hl, th.lane-head.hl { background-color: #fef9c3; }
.mark { display: inline-block; min-width: 16px; border-radius: 8px; font-weight: 700; background: #fff; }
.m-load { color: #15803d; } .m-unload { color: #6b7280; } .m-entry { color: #1d4ed8; } .m-call { color: #2563eb; }
.m-return { color: #1d4ed8; } .m-return-bad, .m-bad { color: #b91c1c; } .m-warn { color: #b45309; }
.m-refcount { color: #fff; background: #7c3aed; padding: 0 4px; } .m-print { color: #6b7280; } .m-irp { color: #0f766e; } .m-api { color: #9ca3af; }
tr.ev-bad td.desc { color: #b91c1c; font-weight: 600; }
tr.ev-warn td.desc { color: #b45309; }
tr.ev-entry td.desc { color: #1d4ed8; }
tr.ev-step td.step { background: #eef2ff; color: #3730a3; font-weight: 600; padding: 3px 8px; }
tr.quiet { display: none; }
table.show-api tr.quiet { display: table-row; color: #6b7280; }
.toggle { font-size: 12px; display: block; margin: 4px 0; }
details { margin-top: 16px; }
pre.events { background: #fff; border: 1px solid #e5e7eb; padding: 8px; font-size: 11px; max-height: 50vh; overflow: auto; }
.end { font-size: 13px; }
`;

// Progressive enhancement only: the page is complete without it.
const SCRIPT = `
(function () {
  var box = document.getElementById("show-api");
  var table = document.getElementById("timeline-table");
  if (box && table) box.addEventListener("change", function () { table.classList.toggle("show-api", box.checked); });
  var svg = document.querySelector(".graph svg");
  if (!svg) return;
  svg.querySelectorAll("g.node").forEach(function (g) {
    g.addEventListener("click", function () {
      var id = (g.getAttribute("id") || "").replace(/^node-/, "");
      var was = g.classList.contains("selected");
      svg.querySelectorAll("g.node.selected").forEach(function (x) { x.classList.remove("selected"); });
      document.querySelectorAll(".hl").forEach(function (x) { x.classList.remove("hl"); });
      if (was) return;
      g.classList.add("selected");
      document.querySelectorAll('[data-module]').forEach(function (c) {
        if (c.getAttribute("data-module") === id) c.classList.add("hl");
      });
    });
  });
})();
`;

/** JSON safe to embed in a <script type="application/json"> element. */
function embedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? "0x" + x.toString(16) : x))
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
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
  const parts: string[] = [];
  if (events) parts.push(`<section id="summary">${summaryHtml(events)}</section>`);
  parts.push(graphSection);
  if (events) {
    parts.push(timelineHtml(events));
    parts.push(
      `<details><summary>All ${events.length} events (NDJSON)</summary><pre class="events">${escapeHtml(
        events.map((e) => JSON.stringify(e, (_k, x) => (typeof x === "bigint" ? "0x" + x.toString(16) : x))).join("\n"),
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
