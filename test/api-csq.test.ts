/**
 * The device IO timer, IoCancelIrp and the cancel-safe IRP queue (examples/api-csq, checked in C)
 * on x64 and on x86: the driver is started as a service (it needs its DRIVER_OBJECT for device
 * objects), then each test export runs and must return 0 with no FAIL line, fault, leak, warning
 * or Driver Verifier finding; misuse ends in a clean bugcheck report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

function run(arch: "x64" | "x86", routines: string[], expectFault?: string) {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "apicsq.sys")],
    steps: [
      { kind: "start", name: "apicsq" },
      ...routines.map((t) => (expectFault ? { kind: "call" as const, module: "apicsq.sys", routine: t, args: [], expectFault } : { kind: "call" as const, module: "apicsq.sys", routine: t, args: [], expect: 0n })),
      ...(expectFault ? [] : [{ kind: "stop" as const, name: "apicsq" }]),
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  return { r, events };
}

for (const arch of ["x64", "x86"] as const) {
  test(`apicsq.sys (${arch}): IO timer on the emulated clock, IoCancelIrp, IoCsq* with and without contexts, IoCsqInitializeEx`, () => {
    const { r, events } = run(arch, ["TestIoTimer", "TestCsq", "TestCsqEx", "TestCancel"]);
    const fails = events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
    assert.deepEqual(fails, []);
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
    assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "warning" || e.event === "verifier"), []);
    const apis = new Set(events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api.replace(/^.*!/, "")));
    for (const a of ["IoInitializeTimer", "IoStartTimer", "IoStopTimer", "IoCancelIrp", "IoCsqInitialize", "IoCsqInitializeEx", "IoCsqInsertIrp", "IoCsqInsertIrpEx", "IoCsqRemoveIrp", "IoCsqRemoveNextIrp"])
      assert.ok(apis.has(a), `${a} was called`);
  });

  test(`apicsq.sys (${arch}): IoStartTimer without IoInitializeTimer and IoCsqInsertIrp on an uninitialized IO_CSQ are bugcheck reports`, () => {
    for (const [exp, re] of [
      ["StartTimerUninitialized", /IoStartTimer\(0x[0-9a-f]+\): the device has no IO timer/],
      ["InsertUninitialized", /IoCsqInsertIrp\(0x[0-9a-f]+\): not an IO_CSQ initialized by IoCsqInitialize/],
    ] as const) {
      const { r, events } = run(arch, [exp], "bugcheck");
      assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), [], exp);
      const f = events.find((e) => e.event === "fault") as { message: string } | undefined;
      assert.match(f?.message ?? "", re);
    }
  });
}

test("every routine of the csq family is called by apicsq.sys and is a known export of its module", async () => {
  const { apisByComponent } = await import("../src/emu/api/index.js");
  const { kernelModuleExports } = await import("../src/nt/kernel-exports.js");
  const { events } = run("x64", ["TestIoTimer", "TestCsq", "TestCsqEx", "TestCancel"]);
  const called = new Set(events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api.replace(/^.*!/, "")));
  const mine = apisByComponent["csq"] ?? [];
  assert.ok(mine.length >= 10);
  assert.deepEqual(mine.filter((a) => !called.has(a.name)).map((a) => a.name), []);
  assert.deepEqual(mine.filter((a) => !(kernelModuleExports(a.module) ?? []).some((e) => e.name === a.name)).map((a) => a.name), []);
});
