/**
 * The harness of the example drivers that check themselves from C (examples/qa-fresh*, qa-quickwins):
 * start the service, call each test export (expecting STATUS_SUCCESS unless told otherwise), stop
 * it; the C code prints "FAIL ..." for every check that did not hold. `failures`, `bad` and `apis`
 * read what a run printed and reported.
 */
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

export interface SelfCheckOptions {
  /** Send stop:NAME after the calls (default true). */
  stop?: boolean;
  /** The value each call must return (default 0n); undefined: any. */
  expect?: bigint | undefined;
  /** api events in the trace (default true). */
  trace?: boolean;
}

/** start:NAME, a call of each export of NAME.sys, stop:NAME, on the fixture built for `arch`. */
export function runSelfChecks(name: string, tests: string[], arch: "x64" | "x86" | "arm64", o: SelfCheckOptions = {}) {
  const events: TraceEvent[] = [];
  const expect = "expect" in o ? o.expect : 0n;
  const r = runSimulation({
    install: [fixture(arch, `${name}.sys`)],
    steps: [
      { kind: "start", name },
      ...tests.map((t) => ({ kind: "call" as const, module: `${name}.sys`, routine: t, args: [], ...(expect === undefined ? {} : { expect }) })),
      ...(o.stop ?? true ? [{ kind: "stop" as const, name }] : []),
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    ...(o.trace ?? true ? { trace: true } : {}),
  });
  return { events, r };
}

/** The "FAIL ..." lines the C checks printed. */
export const failures = (events: TraceEvent[]) => events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
/** Leaks, faults, warnings and verifier findings. */
export const bad = (events: TraceEvent[]) => events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "warning" || e.event === "verifier");
/** The kernel routines called, as "module!name". */
export const apis = (events: TraceEvent[]) => events.filter((e) => e.event === "api").map((e) => (e as { api?: string }).api ?? "");
