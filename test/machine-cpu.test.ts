/**
 * The machine file's "cpu" (docs/machine.md, issue 12): CPUID's vendor, family/model/stepping and
 * brand string and the registry's CentralProcessor\0 values agree for either processor — checked
 * by our own driver (examples/qa-fresh3: TestCpuIdentity, TestCpuBrand read CPUID and the key),
 * and the Intel thermal MSRs read documented-plausible values (TestIntelThermal), each an event.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor, emulatorExecutorWith } from "../src/sim/emulator.js";
import { parseMachine } from "../src/emu/machine/index.js";
import { openEngine } from "../src/emu/machine/engine-cpu.js";
import { loadAddon, type NativeAddon } from "../src/emu/native.js";
import type { TraceEvent } from "../src/events.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, runCli } from "./helpers.js";

type Arch = "x64" | "x86";

function run(arch: Arch, cpu: "amd" | "intel" | undefined, tests: string[], extra: Record<string, unknown> = {}) {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "qafresh3.sys")],
    steps: [
      { kind: "start", name: "qafresh3" },
      ...tests.map((t) => ({ kind: "call" as const, module: "qafresh3.sys", routine: t, args: [] })),
      { kind: "stop" as const, name: "qafresh3" },
    ],
    sink: (e) => void events.push(e),
    executor: cpu === undefined ? emulatorExecutor : emulatorExecutorWith({}, parseMachine({ cpu, ...extra })),
    trace: true,
  });
  const returns = new Map<string, bigint>();
  for (const e of events) if (e.event === "return" && typeof e.routine === "string" && e.value !== undefined) returns.set(e.routine, BigInt(e.value));
  return { events, r, returns };
}

const failures = (events: TraceEvent[]) => events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);

for (const arch of ["x64", "x86"] as const) {
  for (const cpu of [undefined, "amd", "intel"] as const) {
    test(`cpu ${cpu ?? "(default)"} on ${arch}: CentralProcessor\\0 VendorIdentifier, Identifier and ProcessorNameString agree with CPUID`, () => {
      const { events, r, returns } = run(arch, cpu, ["TestCpuIdentity", "TestCpuBrand"]);
      assert.deepEqual(failures(events), []);
      assert.equal(returns.get("TestCpuIdentity"), 0n);
      assert.equal(returns.get("TestCpuBrand"), 0n);
      assert.equal(r.ok, true);
      assert.equal(events.some((e) => e.event === "fault"), false);
    });
  }
  test(`cpu intel on ${arch}: the thermal MSRs read TjMax 100 and 50 °C by default, the machine file's msrs override them, every rdmsr an event`, () => {
    const a = run(arch, "intel", ["TestIntelThermal"]);
    assert.deepEqual(failures(a.events), []);
    // TjMax − readout: the default machine's core at 50 °C (TjMax 100, readout 50).
    assert.equal(a.returns.get("TestIntelThermal"), 50n << 16n);
    const reads = a.events.filter((e) => e.event === "hardware" && e.kind === "msr" && e.op === "read").map((e) => Number((e as { address: string }).address));
    assert.deepEqual(reads, [0x1a2, 0x19c, 0x1b1]);
    assert.equal(a.events.filter((e) => e.event === "warning" && (e as { rule?: string }).rule === "privileged-rdmsr").length, 3);
    // 0x1A2: TjMax 90; 0x19C: readout 25 → 65 °C.
    const b = run(arch, "intel", ["TestIntelThermal"], { msrs: { "0x1a2": "0x5a0000", "0x19c": "0x88190000" } });
    assert.deepEqual(failures(b.events), []);
    assert.equal(b.returns.get("TestIntelThermal"), 65n << 16n);
  });
}

test("cpu amd: TestIntelThermal fails on the AMD processor (the check can fail)", () => {
  const { events } = run("x64", "amd", ["TestIntelThermal"]);
  assert.ok(failures(events).length > 0);
});

test("machine file: cpu must be \"amd\" or \"intel\"; the Intel thermal MSRs only on intel", () => {
  assert.throws(() => parseMachine({ cpu: "via" }), /cpu: expected "amd" or "intel"/);
  assert.equal(parseMachine({}).cpu, "amd");
  assert.equal(parseMachine({}).msrs.has(0x19c), false);
  assert.equal(parseMachine({ cpu: "intel" }).msrs.get(0x1a2), 0x640000n);
  assert.equal(parseMachine({ cpu: "intel", msrs: { "0x1a2": "0x10" } }).msrs.get(0x1a2), 0x10n);
});

test("an addon built before CPU models: the CPU stays qemu64 (amd) with a warning naming the rebuild", () => {
  const real = loadAddon();
  const seen: unknown[] = [];
  const old = { ...real, constants: { ...real.constants, features: (real.constants.features ?? []).filter((f) => f !== "cpuModel") } } as NativeAddon;
  const Engine = real.Engine;
  const spy = { ...old, Engine: function (this: unknown, ...a: unknown[]) { seen.push(a); return new (Engine as new (...x: unknown[]) => object)(...a); } } as unknown as NativeAddon;
  const warnings: TraceEvent[] = [];
  const { uc, cpu } = openEngine(spy, "x64", "intel", (e) => void warnings.push(e));
  uc.close();
  assert.equal(cpu, "amd");
  assert.deepEqual(seen, [["x64"]]);
  assert.equal(warnings.length, 1);
  assert.match((warnings[0] as { message: string }).message, /rebuild it \(npm run build:native/);
  const withModel = openEngine(real, "x64", "intel");
  withModel.uc.close();
  assert.equal(withModel.cpu, "intel");
});

test("kmdll sim --machine: the machine file's cpu reaches the driver (CPUID and registry); a bad cpu is exit 2 naming the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-cpu-"));
  try {
    const good = join(dir, "intel.json");
    writeFileSync(good, JSON.stringify({ cpu: "intel" }));
    const r = await runCli(["sim", "--json", "--machine", good, "--install", fixture("x64", "qafresh3.sys"), "--", "start:qafresh3", "call:qafresh3.sys!TestIntelThermal", "stop:qafresh3"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"routine":"TestIntelThermal"[^\n]*"value":"0x320000"/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ cpu: "pentium" }));
    const b = await runCli(["sim", "--machine", bad, "--install", fixture("x64", "qafresh3.sys"), "--", "start:qafresh3"]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /bad\.json: machine: cpu: expected "amd" or "intel"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
