/**
 * The Windows 8.1–10 routines real ARM64/x64 drivers import and kmdll lacked (docs/qa.md,
 * "loadgaps"), on examples/api-loadgaps built from C (x64 and ARM64): PoFx performance states,
 * IoQueryFullDriverPath, ExIsManufacturingModeEnabled, IoGetIommuInterface (a stub), wcstoul and the
 * Windows 8.1 EX_TIMER routines on the emulated clock.
 * The driver checks every result in C (expected values from Microsoft Learn and the C runtime
 * reference) and prints its totals; the test reads them and runs the misuses the service key's
 * "Mode" selects. Without these routines the driver does not load (STATUS_DRIVER_ENTRYPOINT_NOT_FOUND).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRegistry, runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

const KEY = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\apiloadgaps";
const NEW = ["PoFxRegisterComponentPerfStates", "PoFxIssueComponentPerfStateChange", "PoFxIssueComponentPerfStateChangeMultiple", "PoFxQueryCurrentComponentPerfState", "IoQueryFullDriverPath", "ExIsManufacturingModeEnabled", "IoGetIommuInterface", "wcstoul", "ExAllocateTimer", "ExSetTimer", "ExCancelTimer", "ExDeleteTimer", "IoOpenDriverRegistryKey"];
const exercised = new Set<string>();

function run(arch: "x64" | "arm64", mode?: number) {
  const registry = loadRegistry();
  if (mode !== undefined) registry.setDword(KEY, "Mode", mode);
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "apiloadgaps.sys")],
    steps: [{ kind: "start", name: "apiloadgaps" }, { kind: "stop", name: "apiloadgaps" }],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    registry,
    trace: true,
  });
  for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  const prints = events.filter((e) => e.event === "dbgprint").map((e) => String((e as { text?: string }).text ?? ""));
  const fault = events.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
  return { r, prints, fault };
}

for (const arch of ["x64", "arm64"] as const) {
  test(`apiloadgaps.sys (${arch}): every check in C passes, at start and at unload`, () => {
    const { r, prints, fault } = run(arch);
    assert.equal(fault, undefined, fault?.message);
    assert.deepEqual(r.results.map((x) => x.ok), [true, true], r.results.map((x) => x.detail).join("; "));
    assert.deepEqual(prints.filter((p) => p.includes("FAILED")), []);
    const m = /apiloadgaps: (\d+) checks, (\d+) failures/.exec(prints.find((p) => /apiloadgaps: \d+ checks/.test(p)) ?? "");
    assert.ok(m && Number(m[1]) >= 60, prints.join("\n"));
    assert.equal(m![2], "0");
    // Blocking, failed and asynchronous changes: three completions.
    assert.ok(prints.some((p) => p.includes("perf callbacks 3")), prints.join("\n"));
    // The path the loaded-module list gives the image.
    assert.ok(prints.some((p) => /path \\SystemRoot\\System32\\drivers\\apiloadgaps\.sys/.test(p)), prints.join("\n"));
  });
}

test("apiloadgaps.sys: a perf-state change on a component without perf states is a bug check report", () => {
  const { r, fault } = run("x64", 1);
  assert.equal(r.results[0]?.ok, false);
  assert.equal(fault?.kind, "bugcheck");
  assert.match(fault!.message, /PoFxIssueComponentPerfStateChange\(0x[0-9a-f]+, component 0\): the component has no performance states/);
});

test("apiloadgaps.sys: a perf-state change with neither BLOCKING nor ASYNC_ONLY is a bug check report", () => {
  const { r, fault } = run("x64", 2);
  assert.equal(r.results[0]?.ok, false);
  assert.equal(fault?.kind, "bugcheck");
  assert.match(fault!.message, /Flags 0x0 is neither PO_FX_FLAG_BLOCKING nor PO_FX_FLAG_ASYNC_ONLY/);
});

for (const [mode, pattern] of [
  [3, /ExAllocateTimer: EX_TIMER_HIGH_RESOLUTION and EX_TIMER_NO_WAKE are mutually exclusive/],
  [4, /ExSetTimer\(0x[0-9a-f]+\): not a timer ExAllocateTimer returned \(or it was deleted\)/],
  [5, /ExDeleteTimer: Wait TRUE requires Cancel TRUE/],
] as const) {
  test(`apiloadgaps.sys: EX_TIMER misuse (Mode ${mode}) is a bug check report`, () => {
    const { r, fault } = run("x64", mode);
    assert.equal(r.results[0]?.ok, false);
    assert.equal(fault?.kind, "bugcheck");
    assert.match(fault!.message, pattern);
  });
}

test("apiloadgaps: the routines are in the export database (x64, ARM64) and listed, IoGetIommuInterface as a stub", () => {
  const all = Object.values(apisByComponent).flat();
  for (const name of NEW) {
    assert.ok(exercised.has(name), `${name} exercised by the example`);
    const def = all.find((a) => a.name === name);
    assert.ok(def, `${name} implemented`);
    assert.equal(Boolean(def!.stub), name === "IoGetIommuInterface", `${name} stub flag`);
    for (const arch of ["x64", "arm64"] as const)
      assert.ok((kernelModuleExportsFor("ntoskrnl.exe", arch) ?? []).some((e) => e.name === name), `${name} exported on ${arch}`);
  }
  // The x86 kernel exports the two whose prototypes kmdll's export database gives for it.
  for (const name of ["IoQueryFullDriverPath", "ExIsManufacturingModeEnabled", "ExAllocateTimer", "ExSetTimer", "ExCancelTimer", "ExDeleteTimer", "IoOpenDriverRegistryKey"])
    assert.ok((kernelModuleExportsFor("ntoskrnl.exe", "x86") ?? []).some((e) => e.name === name), `${name} exported on x86`);
});
