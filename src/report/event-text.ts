/**
 * The text form of trace events (SPEC §9), shared by every output that shows events as text:
 * `kmdll sim` and `kmdll demo` (timeline layout), `kmdll call` (plain layout: DbgPrint text as the
 * driver printed it) and the rows of the HTML report. One function describes an event in one
 * line (`eventText`); `TextEventWriter` streams events as lines with the bookkeeping unbounded
 * output needs: repeated leaks folded by allocation site and an optional cap on events shown.
 * Pure: lines go to the caller's `write`; terminal escaping is the CLI's job (src/text/terminal.ts).
 */
import type { TraceEvent } from "../events.js";
import { parseStatus, statusName } from "../nt/status.js";
import { jsonText } from "../text/terminal.js";
import { LeakFolder, type LeakGroup } from "./event-stream.js";
import { EventCap } from "./event-stream.js";

function statusText(s: string | undefined): string {
  if (!s) return "";
  const n = parseStatus(s);
  const name = n === undefined ? undefined : statusName(n);
  return name ? `${s} ${name}` : s;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : jsonText(v);
}

/** Text a driver printed, on one line (a final newline dropped, inner ones shown as \n). */
export function printedLine(text: string): string {
  return text.replace(/\r?\n$/, "").replace(/\n/g, "\\n");
}

/** What a leak event says, after the verb ("mydriver.sys: pool still allocated when it unloaded: 24 bytes, ..."). */
function leakText(e: Extract<TraceEvent, { event: "leak" }>): string {
  if (typeof e["message"] === "string") return `${e.module}: ${e["message"]}`;
  const parts: string[] = [];
  if (e["size"] !== undefined) parts.push(`${str(e["size"])} bytes`);
  if (e["tag"] !== undefined) parts.push(`tag '${str(e["tag"])}'`);
  if (e["address"] !== undefined) parts.push(`at ${str(e["address"])}`);
  if (e["site"] !== undefined) parts.push(`allocated at ${str(e["site"])}${e["by"] !== undefined ? ` by ${str(e["by"])} (not tracked by Driver Verifier: a warning)` : ""}`);
  return `${e.module}: ${e.kind} still allocated when it unloaded${parts.length ? ": " + parts.join(", ") : ""}`;
}

/** One line describing an event: a verb padded to 9 columns, then the details. */
export function eventText(e: TraceEvent): string {
  switch (e.event) {
    case "step": {
      if (e["phase"] === "end") {
        const detail = typeof e["detail"] === "string" ? `: ${e["detail"]}` : "";
        return `${e["ok"] === false ? "FAILED" : "ok"}  ${e.step} → ${typeof e["result"] === "string" && /^0x[0-9A-Fa-f]{8}$/.test(e["result"]) ? statusText(e["result"]) : str(e["result"])}${detail}`;
      }
      return `${e["index"] !== undefined ? `[${str(e["index"])}] ` : ""}${e.step}`;
    }
    case "load":
      return `load     ${e.module} from ${e.path}${e.base ? ` at ${e.base}` : ""}${e.reason ? ` — ${e.reason}` : e.by ? ` — imported by ${e.by}` : ""}`;
    case "refcount":
      return `count    ${e.module} = ${e.count}${e.reason ? `  (${e.reason})` : ""}`;
    case "call": {
      const arg = e.arg !== undefined ? `("${e.arg}")` : e.args ? `(${e.args.join(", ")})` : "()";
      return `call     ${e.module}!${e.routine}${arg}`;
    }
    case "return":
      return `return   ${e.module}!${e.routine}${e.status ? ` → ${statusText(e.status)}` : e.value !== undefined ? ` → ${e.value} (${BigInt.asIntN(32, BigInt(e.value))})` : ""}`;
    case "unload":
      return `unload   ${e.module}${e.reason ? ` — ${e.reason}` : ""}`;
    case "dbgprint":
      return `DbgPrint ${e.module}: ${printedLine(String(e.text ?? ""))}`;
    case "fail":
      return `fail     ${e.message ?? `${e.module} → ${e.status}`}`;
    case "fault":
      return `FAULT    ${e.module ? e.module + ": " : ""}${e.message}${e.rip && !e.message.includes(e.rip) ? ` at ${e.rip}` : ""}`;
    case "leak":
      return `leak     ${leakText(e)}`;
    case "warning":
      return `warning  ${e.message}`;
    case "verifier":
      return `verifier ${e.level}: [${e.rule}${e.bugcheck ? `, bug check ${e.bugcheck}` : ""}] ${e.message}`;
    case "api":
      return `api      ${e.caller ?? e.module} → ${e.api}(${Array.isArray(e.args) ? e.args.join(", ") : ""})${e.ret !== undefined ? ` = ${e.ret}` : ""}`;
    case "irp": {
      // I/O manager: one line per IoCallDriver, after the dispatch routine returned.
      const x = e as Record<string, unknown>;
      const what = typeof x["name"] === "string" ? x["name"] : `major 0x${e.major.toString(16)}${e.minor !== undefined ? ` minor 0x${e.minor.toString(16)}` : ""}`;
      const drv = typeof x["driver"] === "string" && !String(e.to).startsWith(String(x["driver"])) ? ` (${x["driver"]})` : "";
      const disp = typeof x["dispatch"] === "string" ? `, dispatch ${x["dispatch"]}` : "";
      return `irp      ${e.from ?? "?"} → ${e.to ?? "?"}${drv}: ${what}${e.ioctl ? ` ${e.ioctl}` : ""}${disp}${e.status ? ` → ${statusText(e.status)}` : ""}`;
    }
    case "io": {
      // A request of the simulation's user-mode program: where it went and how (the step line has the status).
      const x = e as Record<string, unknown>;
      const where = typeof x["device"] === "string" ? ` → ${x["device"]}` : "";
      const how = typeof x["transfer"] === "string" ? `, ${x["transfer"]}` : "";
      const at = typeof x["bufferAddress"] === "string" ? `, buffer at ${x["bufferAddress"]}` : typeof x["outputAddress"] === "string" ? `, input at ${x["inputAddress"]}, output at ${x["outputAddress"]}` : "";
      const msg = typeof x["message"] === "string" ? ` (${x["message"]})` : "";
      // An overlapped request left pending (ioctl ...,async) and what cancel:H did (docs/user-io.md).
      const extra = typeof x["outstanding"] === "string" ? `; outstanding ${x["outstanding"]}` : typeof x["cancelled"] === "string" ? `; cancelled ${x["cancelled"]}` : "";
      return `io       ${e.op} ${e.handle}${where}${how}${at}: IoStatus ${statusText(e.status)}, Information ${e.information}${e.completed ? "" : " (not completed)"}${msg}${extra}`;
    }
    case "interface": {
      const x = e as Record<string, unknown>;
      const who = typeof x["by"] === "string" ? `taken by ${str(x["module"] ?? "?")} for ${str(x["holder"] ?? "?")}` : `by ${str(x["module"] ?? "?")}`;
      return `iface    ${e.action === "reference" ? "reference  " : "dereference"} ${str(x["interface"] ?? "")} of ${str(x["provider"] ?? "?")} → count ${e.count}  (${who})`;
    }
    case "pnp": {
      const x = e as Record<string, unknown>;
      const bits: string[] = [];
      for (const k of ["service", "module", "routine", "parent", "pdo", "fdo", "hardwareIds", "capabilities", "state", "resources", "interface", "link", "status", "problem", "reason"]) {
        if (x[k] === undefined || x[k] === "") continue;
        const v = Array.isArray(x[k]) ? (x[k] as unknown[]).join(" ") : str(x[k]);
        bits.push(k === "status" ? `→ ${statusText(v)}` : `${k} ${v}`);
        // A devnode problem's CM_PROB_* code (src/emu/pnp/problems.ts), as Device Manager's "Code N".
        if (k === "problem" && typeof x["codeName"] === "string") bits.push(`${x["codeName"]} (code ${str(x["code"])})`);
      }
      return `pnp      ${str(x["action"])}${e.device ? ` ${e.device}` : ""}${bits.length ? `: ${bits.join(", ")}` : ""}`;
    }
    case "hardware":
      // x86 system service table and process-list events carry their own sentence (src/emu/ssdt-x86.ts, process-links.ts).
      if ((e.kind === "ssdt" || e.kind === "process-list") && typeof e["message"] === "string") return `hardware ${e.module}: ${e.kind} ${e.op}: ${e["message"]}${typeof e["site"] === "string" ? ` (in ${e["site"]})` : ""}`;
      return `hardware ${e.module}: ${e.kind} ${e.op} ${e.address}${e.size !== undefined ? ` (${e.size} bytes)` : ""}${e.value !== undefined ? ` = ${e.value}` : ""}`;
    case "callback":
      return `callback ${e.module}: ${e.action} ${e.kind} ${e.routine}`;
    case "errorlog":
      return `errorlog ${e.module}: error code ${e.errorCode}`;
    case "file":
      return `file     ${e.module}: ${e.op} ${e.path}${e.status ? ` → ${statusText(e.status)}` : ""}`;
    case "omitted":
      return `…        ${e.count} more event${e.count === 1 ? "" : "s"} not shown${e.reason ? ` (${e.reason})` : ""}`;
    case "end": {
      const mods = Array.isArray(e.modules) ? e.modules : [];
      return `end      ${mods.map((m) => `${m.module}=${m.count}`).join(", ") || "no modules loaded"}`;
    }
    default: {
      const x = e as { event?: unknown };
      return `${String(x.event ?? "event")}    ${jsonText(e)}`;
    }
  }
}

/** The line for a folded group of leaks (the leaks of one allocation site not shown one by one). */
export function leakGroupText(g: LeakGroup): string {
  return `leak     ${g.module}: ${g.count} more ${g.kind} block${g.count === 1 ? "" : "s"} allocated at ${g.site} still allocated when it unloaded${g.bytes ? ` (${g.bytes} bytes)` : ""}`;
}

/** A fault report as the emulator gives it (structural: report does not depend on emu). */
export interface FaultView {
  kind: string;
  message: string;
  rip: string;
  symbol?: string;
  registers: Record<string, string>;
  backtrace: string[];
}

/** A fault report as text: the message, RIP, registers and the backtrace (recursion folded). */
export function faultText(f: FaultView): string {
  const lines = [`fault: ${f.kind}: ${f.message}`];
  lines.push(`  rip: ${f.rip}${f.symbol ? ` (${f.symbol})` : ""}`);
  const regs = Object.entries(f.registers);
  for (let i = 0; i < regs.length; i += 4) lines.push("  " + regs.slice(i, i + 4).map(([k, v]) => `${k.padEnd(6)}=${v}`).join("  "));
  if (f.backtrace.length) {
    // x86 code has no unwind data: its frames come from the EBP chain.
    lines.push("EIP" in f.registers ? "  backtrace (x86: the EBP chain, best effort — a function built without a frame pointer is missing):" : "  backtrace:");
    // Runs of the same frame (deep recursion) are shown once with a count.
    for (let i = 0; i < f.backtrace.length; ) {
      let j = i + 1;
      while (j < f.backtrace.length && f.backtrace[j] === f.backtrace[i]) j++;
      lines.push(`    #${i} ${f.backtrace[i]}${j - i > 2 ? `  (×${j - i}, frames #${i}-#${j - 1})` : ""}`);
      if (j - i === 2) lines.push(`    #${i + 1} ${f.backtrace[i]}`);
      i = j;
    }
  }
  return lines.join("\n") + "\n";
}

export interface TextWriterOptions {
  /**
   * "timeline" (sim, demo): every event, indented by step and by nested guest calls.
   * "plain" (call): DbgPrint text exactly as printed, other events as `eventText` lines.
   */
  layout?: "timeline" | "plain";
  /** Which events to show (default all). Hidden events are not counted against `maxEvents`. */
  show?: (e: TraceEvent) => boolean;
  /** Show at most this many events; later ones are counted (loader events, failures and faults still shown). */
  maxEvents?: number;
}

/**
 * Streams trace events as text lines, holding no event: memory stays bounded however much a
 * driver prints or leaks. Call `finish()` after the last event (it writes the pending leak
 * groups and the "N more events not shown" line).
 */
export class TextEventWriter {
  private depth = 0;
  private readonly layout: "timeline" | "plain";
  private readonly cap: EventCap;
  private readonly leaks = new LeakFolder();

  constructor(
    private readonly write: (line: string) => void,
    private readonly o: TextWriterOptions = {},
  ) {
    this.layout = o.layout ?? "timeline";
    this.cap = new EventCap(o.maxEvents);
  }

  /** A line of the command's own (e.g. "X returned 42"), at the current position. */
  note(text: string): void {
    this.flushLeaks();
    this.write(text);
  }

  private line(text: string): void {
    this.write(this.layout === "plain" ? text : "  ".repeat(1 + this.depth) + text);
  }

  private flushLeaks(): void {
    for (const g of this.leaks.flush()) this.line(leakGroupText(g));
  }

  event(e: TraceEvent): void {
    if (this.o.show && !this.o.show(e)) return;
    if (e.event === "leak") {
      if (!this.leaks.add(e)) return; // folded into its site's group
    } else this.flushLeaks();
    if (e.event === "end") this.writeOmitted();
    if (!this.cap.admit(e)) return;
    this.render(e);
  }

  private render(e: TraceEvent): void {
    if (this.layout === "plain") {
      this.write(e.event === "dbgprint" ? printedLine(String(e.text ?? "")) : eventText(e));
      return;
    }
    switch (e.event) {
      case "step":
        this.depth = 0;
        if (e["phase"] === "begin") this.write(eventText(e));
        else if (e["phase"] === "end") this.line(eventText(e));
        break;
      case "call":
        this.line(eventText(e));
        this.depth++;
        break;
      case "return":
        this.depth = Math.max(0, this.depth - 1);
        this.line(eventText(e));
        break;
      case "end":
        break;
      default:
        this.line(eventText(e));
    }
  }

  private writeOmitted(): void {
    const n = this.cap.takeOmitted();
    if (n > 0) this.line(eventText({ event: "omitted", count: n, reason: `--max-events ${this.o.maxEvents}` }));
  }

  /** After the last event: pending leak groups and the count of events not shown. */
  finish(): void {
    this.flushLeaks();
    this.writeOmitted();
  }
}

/** All events as text lines (timeline layout). */
export function renderTimeline(events: readonly TraceEvent[]): string {
  const lines: string[] = [];
  const w = new TextEventWriter((l) => lines.push(l));
  for (const e of events) w.event(e);
  w.finish();
  return lines.join("\n") + (lines.length ? "\n" : "");
}
