/**
 * Text rendering of a lifecycle trace (the events of SPEC §9): one line per event, indented by
 * step and by nested guest calls, followed by the module table. Used by `kmdll sim` and `kmdll demo`.
 */
import type { TraceEvent } from "../events.js";
import { parseStatus, statusName } from "../nt/status.js";

function statusText(s: string | undefined): string {
  if (!s) return "";
  const n = parseStatus(s);
  const name = n === undefined ? undefined : statusName(n);
  return name ? `${s} ${name}` : s;
}

/** Streams trace events as readable lines. */
export class TimelineWriter {
  private depth = 0;

  constructor(private readonly write: (line: string) => void) {}

  private line(text: string, extra = 0): void {
    this.write("  ".repeat(1 + this.depth + extra) + text);
  }

  event(e: TraceEvent): void {
    switch (e.event) {
      case "step": {
        const phase = e["phase"];
        if (phase === "begin") {
          this.depth = 0;
          this.write(`[${String(e["index"])}] ${e.step}`);
        } else if (phase === "end") {
          this.depth = 0;
          const ok = e["ok"] === true;
          const detail = typeof e["detail"] === "string" ? `: ${e["detail"]}` : "";
          this.line(`${ok ? "ok" : "FAILED"}  ${e.step} → ${String(e["result"] ?? "")}${detail}`);
        }
        break;
      }
      case "load":
        this.line(`load     ${e.module} from ${e.path}${e.base ? ` at ${e.base}` : ""} — ${e.reason ?? (e.by ? `imported by ${e.by}` : "service start")}`);
        break;
      case "refcount":
        this.line(`count    ${e.module} = ${e.count}${e.reason ? `  (${e.reason})` : ""}`);
        break;
      case "call": {
        const arg = e.arg !== undefined ? `("${e.arg}")` : e.args ? `(${e.args.join(", ")})` : "()";
        this.line(`call     ${e.module}!${e.routine}${arg}`);
        this.depth++;
        break;
      }
      case "return":
        this.depth = Math.max(0, this.depth - 1);
        this.line(`return   ${e.module}!${e.routine}${e.status ? ` → ${statusText(e.status)}` : e.value !== undefined ? ` → ${e.value} (${BigInt.asIntN(32, BigInt(e.value))})` : ""}`);
        break;
      case "unload":
        this.line(`unload   ${e.module}${e.reason ? ` — ${e.reason}` : ""}`);
        break;
      case "dbgprint":
        this.line(`DbgPrint ${e.module}: ${e.text.replace(/\r?\n$/, "").replace(/\n/g, "\\n")}`);
        break;
      case "fail":
        this.line(`fail     ${e.message ?? `${e.module} → ${e.status}`}`);
        break;
      case "fault":
        this.line(`FAULT    ${e.module ? e.module + ": " : ""}${e.message}${e.rip ? ` at ${e.rip}` : ""}`);
        break;
      case "leak":
        this.line(`leak     ${e.module}: ${String(e["message"] ?? e.kind)}`);
        break;
      case "warning":
        this.line(`warning  ${e.message}`);
        break;
      case "api":
        this.line(`api      ${e.module} → ${e.api}(${e.args.join(", ")})${e.ret ? ` = ${e.ret}` : ""}`);
        break;
      case "end":
        break;
      default:
        this.line(`${e.event}    ${JSON.stringify(e)}`);
    }
  }
}

/** All events as text lines. */
export function renderTimeline(events: TraceEvent[]): string {
  const lines: string[] = [];
  const w = new TimelineWriter((l) => lines.push(l));
  for (const e of events) w.event(e);
  return lines.join("\n") + (lines.length ? "\n" : "");
}

export interface ModuleTableRow {
  module: string;
  count: number;
  path?: string;
  service?: string | null;
  loadedBy?: string | null;
  pinned?: boolean;
}

/** The module table after the run (ntoskrnl.exe and hal.dll are always loaded and not counted). */
export function renderModuleTable(rows: ModuleTableRow[]): string {
  const out = ["Loaded modules (besides ntoskrnl.exe and hal.dll, never counted):"];
  if (rows.length === 0) return out.concat("  (none)").join("\n") + "\n";
  const width = Math.max(6, ...rows.map((r) => r.module.length));
  out.push(`  ${"module".padEnd(width)}  count  role`);
  for (const r of rows) {
    const role: string[] = [];
    if (r.service) role.push(`service ${r.service}`);
    if (r.loadedBy) role.push(`loaded for ${r.loadedBy}`);
    if (r.pinned) role.push("pinned (count 0, stays loaded)");
    out.push(`  ${r.module.padEnd(width)}  ${String(r.count).padStart(5)}  ${role.join(", ")}`);
  }
  return out.join("\n") + "\n";
}
