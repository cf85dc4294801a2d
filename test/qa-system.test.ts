/**
 * A booted system as real drivers find it (docs/qa.md, issue 12, helper "corpus"), on
 * examples/qa-system built from C: ksecdd.sys's CNG routines, the system images of the module
 * list with readable PE headers. Each Test* export checks results in C and returns the number of
 * failed checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

const TESTS = ["TestRandom", "TestHash", "TestSystemImages", "TestProcesses", "TestDumpHeader", "TestObjects"];

function run(tests: string[]) {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture("x64", "qasystem.sys")],
    steps: [
      { kind: "start", name: "qasystem" },
      ...tests.map((t) => ({ kind: "call" as const, module: "qasystem.sys", routine: t, args: [], expect: 0n })),
      { kind: "stop", name: "qasystem" },
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
  });
  return { events, r };
}

test("qasystem.sys: every check passes, and the driver stops cleanly", () => {
  const { events, r } = run(TESTS);
  assert.deepEqual(events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "warning" || e.event === "leak" || e.event === "fault"), []);
  assert.equal(r.ok, true);
});

test("qasystem.sys: it imports ksecdd.sys, which loads as a built-in module (never from the root)", () => {
  const { events } = run([]);
  assert.equal(events.some((e) => e.event === "fail"), false);
  assert.equal(events.some((e) => e.event === "load" && /ksecdd/i.test(e.module)), false);
});

test("qasystem.sys: win32k routines drivers resolve by name are exported; called, they find no window and say why", () => {
  const { events, r } = run(["TestWin32kRoutines"]);
  assert.deepEqual(events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
  assert.equal(r.ok, true);
  const warnings = events.filter((e) => e.event === "warning").map((e) => (e as { message: string }).message);
  assert.ok(warnings.some((m) => /^win32kbase\.sys!ValidateHwnd\(0x0*10010\): no window manager runs/.test(m)), warnings.join("\n"));
  assert.ok(warnings.some((m) => /^win32kfull\.sys!NtUserSetWindowDisplayAffinity\(0x0*10010\): no window manager runs/.test(m)), warnings.join("\n"));
  // Resolving a stand-in says so: a driver that then reads its code finds none of Windows's.
  assert.ok(warnings.some((m) => /RtlFindExportedRoutineByName: win32kfull\.sys!NtUserSetWindowDisplayAffinity is kmdll's stand-in .* holds none of Windows's machine code/.test(m)), warnings.join("\n"));
  assert.ok(warnings.some((m) => /RtlFindExportedRoutineByName: win32kbase\.sys!ValidateHwnd is kmdll's stand-in/.test(m)), warnings.join("\n"));
  assert.ok(warnings.some((m) => /win32kfull\.sys!NoSuchWin32kRoutine not found — kmdll's win32kfull\.sys exports only what `kmdll apis --module win32kfull\.sys` lists/.test(m)), warnings.join("\n"));
});
