/**
 * The lifecycle timeline of the HTML report: one column per module (a lane), one row per event,
 * with markers for loads, entry-point calls, counts, IRPs, faults; and the summary cards. Row text
 * is the shared one-line event text (src/report/event-text.ts). Pure.
 */
import type { TraceEvent } from "../events.js";
import { eventText } from "./event-text.js";
import { escapeHtml } from "./html-escape.js";

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
    const mark = (m: string | null | undefined, sym: string, cls: string, title = eventText(e)) => {
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
      case "pnp": {
        // A devnode's life: the driver (module or service) it concerns gets a diamond.
        const x = e as Record<string, unknown>;
        const who = typeof x["module"] === "string" ? x["module"] : typeof x["service"] === "string" ? `${x["service"]}.sys` : undefined;
        mark(who, "◆", x["action"] === "problem" ? "m-warn" : "m-irp");
        if (x["action"] === "problem") cls += " ev-warn";
        break;
      }
      case "api":
        mark(e.module, "·", "m-api");
        break;
      case "step":
        if (e["phase"] === "end" && e["ok"] === false) cls += " ev-bad";
        break;
      default:
        mark(moduleOf(e), "•", "m-call");
    }
    rows.push({ e, index, marks, text: eventText(e), cls });
    alive.push(lanes.map((l) => loaded.has(l)));
    if (e.event === "unload") loaded.delete(laneOf(e.module) ?? e.module);
  });
  return { rows, alive };
}

export function summaryHtml(events: readonly TraceEvent[], counts?: Readonly<Record<string, number>>): string {
  const count = (kind: string, p: (e: TraceEvent) => boolean) => counts?.[kind] ?? events.filter(p).length;
  const cards: [string, number, string][] = [
    ["modules loaded", count("load", (e) => e.event === "load"), ""],
    ["DllInitialize calls", count("call:DllInitialize", (e) => e.event === "call" && e.routine === "DllInitialize"), ""],
    ["DllUnload calls", count("call:DllUnload", (e) => e.event === "call" && e.routine === "DllUnload"), ""],
    ["unloads", count("unload", (e) => e.event === "unload"), ""],
    ["IRPs", count("irp", (e) => e.event === "irp"), ""],
    ["PnP events", count("pnp", (e) => e.event === "pnp"), ""],
    ["failures", count("fail", (e) => e.event === "fail"), "bad"],
    ["faults", count("fault", (e) => e.event === "fault"), "bad"],
    ["leaks", count("leak", (e) => e.event === "leak"), "warn"],
    ["warnings", count("warning", (e) => e.event === "warning"), "warn"],
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

export function timelineHtml(events: readonly TraceEvent[]): string {
  const lanes = lanesOf(events);
  const { rows, alive } = buildRows(events, lanes);
  const head = `<tr><th class="idx">#</th>${lanes.map((l) => `<th class="lane-head" data-module="${escapeHtml(l.toLowerCase())}"><span>${escapeHtml(l)}</span></th>`).join("")}<th class="desc">event</th></tr>`;
  const body = rows
    .map((r, i) => {
      if (r.e.event === "omitted") {
        return `<tr class="ev-omitted"><td class="idx"></td><td colspan="${lanes.length + 1}" class="step">${escapeHtml(r.text)}</td></tr>`;
      }
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

