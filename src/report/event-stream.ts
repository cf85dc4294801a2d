/**
 * Bounded handling of unbounded event streams (a driver that prints or leaks without end):
 * - `EventCap`: show at most N events; later ones are counted, except the events that tell what
 *   happened (steps, loads, counts, unloads, entry-point calls and returns, failures, faults, end);
 * - `LeakFolder`: the first few leaks of each allocation site shown, the rest folded into one line;
 * - `NdjsonEventWriter`: events as NDJSON lines, written as they happen;
 * - `EventLog`: an in-memory record for the HTML report and summaries, capped, with the count of
 *   every kind of event and an `omitted` marker where events were left out.
 * Pure: nothing here writes anywhere but through the caller's function.
 */
import type { TraceEvent } from "../events.js";
import { jsonText } from "../text/terminal.js";

/** Events that say what the loader and the drivers did: never dropped by a cap. */
export function isEssentialEvent(e: TraceEvent): boolean {
  switch (e.event) {
    case "step":
    case "load":
    case "unload":
    case "refcount":
    case "call":
    case "return":
    case "fail":
    case "fault":
    case "end":
    case "omitted":
      return true;
    default:
      return false;
  }
}

/** Admits the first `max` events (all when max is undefined), then only essential ones, counting the rest. */
export class EventCap {
  private shown = 0;
  private omitted = 0;
  constructor(readonly max?: number) {}

  admit(e: TraceEvent): boolean {
    if (this.max === undefined) return true;
    if (this.shown < this.max) {
      this.shown++;
      return true;
    }
    if (isEssentialEvent(e)) return true;
    this.omitted++;
    return false;
  }

  /** Events refused since the last call. */
  takeOmitted(): number {
    const n = this.omitted;
    this.omitted = 0;
    return n;
  }
}

/** Leaks of one allocation site beyond the first few. */
export interface LeakGroup {
  module: string;
  kind: string;
  site: string;
  count: number;
  bytes: number;
}

/** Leaks shown one by one per allocation site before the rest are folded. */
export const LEAKS_SHOWN_PER_SITE = 3;
/** Distinct sites tracked per run of leaks; leaks of further sites are folded into one group. */
const MAX_SITES = 1000;

/**
 * Folds repeated leaks: per (module, kind, allocation site), the first LEAKS_SHOWN_PER_SITE are
 * shown, the others counted. `flush()` ends a run of leaks (the next non-leak event) and returns
 * the groups with folded leaks. Leaks without a site are always shown.
 */
export class LeakFolder {
  private groups = new Map<string, LeakGroup & { shown: number }>();

  /** Whether this leak is shown on its own (false: counted in its site's group). */
  add(e: Extract<TraceEvent, { event: "leak" }>): boolean {
    const site = e["site"];
    if (typeof site !== "string" || site === "") return true;
    let key = `${e.module}\0${e.kind}\0${site}`;
    let g = this.groups.get(key);
    if (!g && this.groups.size >= MAX_SITES) {
      key = `${e.module}\0${e.kind}\0*`;
      g = this.groups.get(key);
      if (!g) this.groups.set(key, (g = { module: e.module, kind: e.kind, site: "other sites", count: 0, bytes: 0, shown: LEAKS_SHOWN_PER_SITE }));
    }
    if (!g) this.groups.set(key, (g = { module: e.module, kind: e.kind, site, count: 0, bytes: 0, shown: 0 }));
    if (g.shown < LEAKS_SHOWN_PER_SITE) {
      g.shown++;
      return true;
    }
    g.count++;
    const size = e["size"];
    if (typeof size === "number") g.bytes += size;
    return false;
  }

  flush(): LeakGroup[] {
    if (this.groups.size === 0) return [];
    const out = [...this.groups.values()].filter((g) => g.count > 0).map(({ module, kind, site, count, bytes }) => ({ module, kind, site, count, bytes }));
    this.groups.clear();
    return out;
  }
}

/** Streams events as NDJSON lines (exact JSON, one event per line), holding none of them. */
export class NdjsonEventWriter {
  private readonly cap: EventCap;
  constructor(
    private readonly write: (line: string) => void,
    private readonly o: { maxEvents?: number } = {},
  ) {
    this.cap = new EventCap(o.maxEvents);
  }

  event(e: TraceEvent): void {
    if (e.event === "end") this.writeOmitted();
    if (this.cap.admit(e)) this.write(jsonText(e) + "\n");
  }

  private writeOmitted(): void {
    const n = this.cap.takeOmitted();
    if (n > 0) this.write(jsonText({ event: "omitted", count: n, reason: `--max-events ${this.o.maxEvents}` }) + "\n");
  }

  /** After the last event: the `omitted` line, when events were left out. */
  finish(): void {
    this.writeOmitted();
  }
}

/** Default number of events an EventLog keeps (HTML report rows). */
export const DEFAULT_LOG_EVENTS = 5000;

/**
 * The events of a run kept in memory for the HTML report and summaries: at most `max` events
 * (then only essential ones), with an `omitted` marker where events were left out, and the
 * number of events of every kind (so summaries count everything).
 */
export class EventLog {
  readonly events: TraceEvent[] = [];
  /** Events seen, by kind ("dbgprint", "leak", ...; "call:DllInitialize" for entry calls). */
  readonly counts: Record<string, number> = {};
  private kept = 0;
  omitted = 0;

  constructor(readonly max: number = DEFAULT_LOG_EVENTS) {}

  add(e: TraceEvent): void {
    this.counts[e.event] = (this.counts[e.event] ?? 0) + 1;
    if (e.event === "call") this.counts[`call:${e.routine}`] = (this.counts[`call:${e.routine}`] ?? 0) + 1;
    if (this.kept < this.max || isEssentialEvent(e)) {
      this.kept++;
      this.events.push(e);
      return;
    }
    this.omitted++;
    const last = this.events[this.events.length - 1];
    if (last && last.event === "omitted") last.count++;
    else this.events.push({ event: "omitted", count: 1, reason: `more than ${this.max} events` });
  }
}
