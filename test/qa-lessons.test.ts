/**
 * What 203 signed vendor drivers taught the emulator (docs/qa.md, issue 12), each lesson on a
 * driver of our own (examples/qa-lessons): DriverSection, RtlGetVersion without a size, system
 * information classes, ExFreePoolWithTag(P, 0), section object bodies, a booted system's driver
 * objects, and which pool leaks are Driver Verifier findings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";
import { archNeutralLine } from "./arch-compare.js";

const TESTS = ["TestDriverSection", "TestVersionWithoutSize", "TestSystemInformation", "TestFreeWithoutTag", "TestSectionObject", "TestSystemDrivers"];

function run(extra: string[], arch: "x64" | "x86" = "x64") {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "qalessons.sys")],
    steps: [
      { kind: "start", name: "qalessons" },
      ...[...TESTS, ...extra].map((t) => ({ kind: "call" as const, module: "qalessons.sys", routine: t, args: [], expect: 0n })),
      { kind: "stop", name: "qalessons" },
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
  });
  return { events, r };
}

test("qalessons.sys: each lesson holds, and the driver stops cleanly", () => {
  const { events, r } = run([]);
  assert.deepEqual(events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "warning" || e.event === "leak" || e.event === "fault"), []);
  assert.equal(r.ok, true);
});

test("qalessons.sys: a string a kernel routine allocated and the driver never freed is reported, not a finding; the driver's own pool is", () => {
  const a = run(["LeakKernelString"]);
  const leak = a.events.find((e) => e.event === "leak") as Record<string, unknown> | undefined;
  assert.equal(leak?.["tag"], "StrG");
  assert.equal(leak?.["by"], "ntoskrnl.exe!RtlAnsiStringToUnicodeString");
  assert.equal(leak?.["level"], "warning");
  assert.equal(a.r.ok, true);
  assert.equal(a.r.findings, 0);
  const b = run(["LeakOwnPool"]);
  const own = b.events.filter((e) => e.event === "leak") as Record<string, unknown>[];
  assert.equal(own.length, 1);
  assert.equal(own[0]!["by"], undefined);
  assert.equal(b.r.ok, false);
  assert.equal(b.r.findings, 1);
});

// The lessons are not arch-specific: the x86 build gives the x64 build's events (addresses aside).
test("qalessons.sys on x86: the same events as on x64, lessons and leaks included", () => {
  for (const extra of [[], ["LeakKernelString"], ["LeakOwnPool"]]) {
    const a = run(extra, "x64");
    const b = run(extra, "x86");
    assert.equal(b.r.ok, a.r.ok, extra.join());
    assert.deepEqual(b.events.filter((e) => e.event !== "api").map(archNeutralLine), a.events.filter((e) => e.event !== "api").map(archNeutralLine), extra.join());
  }
});
