/**
 * Shared by the lifecycle test suites: run a scenario file of examples/scenarios on the emulator,
 * and the one-line projections of trace events that every suite writes the same way. Each suite
 * projects the remaining events (calls, prints, failures, IRPs) with the detail it asserts on.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { TraceEvent } from "../src/events.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { parseScenario, runSimulation } from "../src/kernel/index.js";
import { repoPath } from "./helpers.js";

/** load / refcount / unload / step / end as one line each; undefined for every other event. */
export function compactCommon(e: TraceEvent): string | undefined {
  switch (e.event) {
    case "load":
      return `load ${e.module}${e.by ? " by " + e.by : ""}`;
    case "refcount":
      return `count ${e.module}=${e.count}`;
    case "unload":
      return `unload ${e.module}`;
    case "step":
      return e["phase"] === "begin" ? `== ${e.step}` : `=> ${e["ok"] ? "ok" : "FAILED"} ${String(e["result"])}`;
    case "end":
      return `end ${e.modules.map((m) => `${m.module}=${m.count}`).join(" ")}`.trim();
    default:
      return undefined;
  }
}

/** Run examples/scenarios/NAME.json on the emulator; lines = the projected events (nulls dropped). */
export function runScenarioFile(
  name: string,
  project: (e: TraceEvent) => string | null,
): { ok: boolean; lines: string[]; events: TraceEvent[] } {
  const file = repoPath("examples", "scenarios", name + ".json");
  const s = parseScenario(JSON.parse(readFileSync(file, "utf8")), (p) => resolve(dirname(file), p));
  const events: TraceEvent[] = [];
  const r = runSimulation({ ...s, sink: (e) => events.push(e), executor: emulatorExecutor });
  return { ok: r.ok, lines: events.map(project).filter((l): l is string => l !== null), events };
}
