/**
 * The top of the import ranking of real drivers (issue 12; src/emu/api/wmireg.ts, ntforms.ts, vm-secure.ts, dos83.ts, vsnprintf-s.ts, mutant.ts, runonce.ts, backtrace.ts): WMI
 * registration, the requestor's session, ZwFlushInstructionCache, NtQueryInformationProcess,
 * NtWaitForSingleObject and RTL_RUN_ONCE, checked in C by examples/api-rank on x64 and x86. The
 * driver is started as a service (it needs its DRIVER_OBJECT for a device), each Test* export
 * must return 0 with no FAIL line, fault, leak or warning; the misuse (RtlRunOnceExecuteOnce
 * entered again from its own InitFn) must end in a clean deadlock report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";
import { RANKED } from "./ranked.js";

const TESTS = ["TestWmi", "TestRequestorSession", "TestNative", "TestRunOnce", "TestFlushVirtualMemory", "TestSecureVirtualMemory", "TestNames", "TestFormat", "TestMutant", "TestBackTrace"];

function run(arch: "x64" | "x86", routines: string[], expectFault?: string) {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "apirank.sys")],
    steps: [
      { kind: "start", name: "apirank" },
      ...routines.map((t) => (expectFault ? { kind: "call" as const, module: "apirank.sys", routine: t, args: [], expectFault } : { kind: "call" as const, module: "apirank.sys", routine: t, args: [], expect: 0n })),
      ...(expectFault ? [] : [{ kind: "stop" as const, name: "apirank" }]),
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  return { r, events };
}

for (const arch of ["x64", "x86"] as const) {
  test(`apirank.sys (${arch}): IoWMIRegistrationControl, IoGetRequestorSessionId, ZwFlushInstructionCache, Nt forms, RtlRunOnce* as Learn documents them`, () => {
    const { r, events } = run(arch, TESTS);
    const fails = events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
    assert.deepEqual(fails, []);
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
    assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "warning" || e.event === "verifier"), []);
    // TestRunOnce calls RtlRunOnceExecuteOnce five times (a failing InitFn, a misaligned context, a
    // success, two calls after it); the C counted three InitFn calls, the trace shows the five.
    const calls = events.filter((e) => e.event === "api" && (e as { api: string }).api.endsWith("!RtlRunOnceExecuteOnce"));
    assert.equal(calls.length, 5);
  });

  test(`apirank.sys (${arch}): RtlRunOnceExecuteOnce entered again from its own InitFn is a deadlock report`, () => {
    const { r, events } = run(arch, ["RunOnceReentered"], "deadlock");
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
    const f = events.find((e) => e.event === "fault") as { message: string } | undefined;
    assert.match(f?.message ?? "", /RtlRunOnceExecuteOnce\(0x[0-9a-f]+\): the structure's initialisation is running/);
  });

  test(`apirank.sys (${arch}): a mutant KeInitializeMutant gave the caller, released once too often, is a bug check report`, () => {
    const { r, events } = run(arch, ["MutantReleasedTooOften"], "bugcheck");
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
    const f = events.find((e) => e.event === "fault") as { message: string } | undefined;
    assert.match(f?.message ?? "", /KeReleaseMutex\(0x[0-9a-f]+\): the mutex is not owned by the current thread/);
  });
}


test("every ranked routine is implemented, called by apirank.sys and a known export of its module", async () => {
  const { allApis } = await import("../src/emu/api/index.js");
  const { kernelModuleExports } = await import("../src/nt/kernel-exports.js");
  const { events } = run("x64", TESTS);
  const called = new Set(events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api.replace(/^.*!/, "")));
  const mine = allApis.filter((x) => RANKED.has(x.name) && x.module === "ntoskrnl.exe");
  assert.deepEqual([...RANKED].filter((n) => !mine.some((x) => x.name === n)), [], "ranked routines not implemented");
  assert.deepEqual(mine.filter((a) => !called.has(a.name)).map((a) => a.name), []);
  assert.deepEqual(mine.filter((a) => !(kernelModuleExports(a.module) ?? []).some((e) => e.name === a.name)).map((a) => a.name), []);
});
