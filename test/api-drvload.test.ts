/**
 * ZwLoadDriver / ZwUnloadDriver (src/emu/api/drvload.ts, src/kernel/guest-control.ts) on
 * examples/api-drvload and examples/api-drvload-target built from C for both arches: the loader
 * checks every status in C (names, missing keys, ImagePath forms inside and outside the system root,
 * already loaded, DriverEntry failure, reload, no DriverUnload); the test checks what the kernel
 * model did (the target's load/unload events, DriverUnload calls) and the misuses: a wild
 * DriverServiceName, a driver unloading itself, a crash in the loaded driver, a PnP driver.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRegistry, runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath } from "./helpers.js";

type Ev = TraceEvent & Record<string, unknown>;

function run(arch: "x64" | "x86", mode: number) {
  const registry = loadRegistry();
  if (mode) registry.setDword("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\apidrvld", "Mode", mode);
  const events: Ev[] = [];
  const r = runSimulation({
    install: [fixture(arch, "apidrvld.sys"), fixture(arch, "apidrvtg.sys")],
    steps: [{ kind: "start", name: "apidrvld" }],
    sink: (e) => void events.push(e as Ev),
    executor: emulatorExecutor,
    registry,
    trace: true,
  });
  const prints = events.filter((e) => e.event === "dbgprint").map((e) => `${String(e.module)}: ${String(e.text).trim()}`);
  return { r, events, prints, registry };
}

for (const arch of ["x64", "x86"] as const) {
  test(`apidrvld.sys (${arch}): ZwLoadDriver / ZwUnloadDriver return the documented statuses; the target is loaded, unloaded and loaded again by the kernel model's loader`, () => {
    const { r, events, prints, registry } = run(arch, 0);
    assert.deepEqual(r.results.map((x) => x.ok), [true], r.results.map((x) => x.detail).join("; "));
    assert.ok(prints.includes("apidrvld.sys: apidrvld: 0 failed check(s)"), prints.join("\n"));
    assert.ok(events.some((e) => e.event === "api" && String(e.api).endsWith("ZwLoadDriver")) && events.some((e) => e.event === "api" && String(e.api).endsWith("ZwUnloadDriver")));
    // Four loads of the image (load, reload, failed DriverEntry, no-DriverUnload), each by the loader's call.
    const loads = events.filter((e) => e.event === "load" && e.module === "apidrvtg.sys");
    assert.equal(loads.length, 4);
    for (const l of loads) assert.match(String(l.reason), /service apidrvtg started, loaded by apidrvld\.sys \(ZwLoadDriver\)/);
    assert.equal(prints.filter((p) => p === "apidrvtg.sys: apidrvtg: DriverEntry, registry path ok").length, 4);
    assert.equal(events.filter((e) => e.event === "call" && e.module === "apidrvtg.sys" && e.routine === "DriverUnload").length, 2);
    // The target's own records in its service key (written by its DriverEntry / DriverUnload).
    const key = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\apidrvtg";
    assert.equal(registry.getDword(key, "Entries"), 4);
    assert.equal(registry.getDword(key, "Unloads"), 2);
    // No ImagePath outside the root was tried: both were refused before any file access.
    assert.equal(events.filter((e) => e.event === "fail" && /is outside the simulated \\SystemRoot/.test(String(e.message))).length, 2);
    assert.deepEqual(events.filter((e) => e.event === "fault"), []);
  });

  test(`apidrvld.sys (${arch}): a wild DriverServiceName faults in ZwLoadDriver (kernel mode does not probe it)`, () => {
    const { r, events } = run(arch, 1);
    assert.equal(r.results[0]?.ok, false);
    const faults = events.filter((e) => e.event === "fault");
    assert.equal(faults.length, 1);
    assert.equal(faults[0]!.kind, "invalid-read");
    assert.match(String(faults[0]!.message), /at 0x28 in ntoskrnl!ZwLoadDriver called from apidrvld\.sys/);
  });

  test(`apidrvld.sys (${arch}): a driver that unloads itself is bug check 0xCE; its DriverUnload does not run`, () => {
    const { r, events, prints } = run(arch, 2);
    assert.equal(r.results[0]?.ok, false);
    const faults = events.filter((e) => e.event === "fault");
    assert.deepEqual(faults.map((f) => [f.kind, f.code]), [["bugcheck", "0x000000CE"]]);
    assert.ok(!prints.includes("apidrvld.sys: apidrvld: DriverUnload"));
  });

  test(`apidrvld.sys (${arch}): a crash in the DriverEntry ZwLoadDriver runs stops the machine with one fault report`, () => {
    const { r, events } = run(arch, 3);
    assert.equal(r.results[0]?.ok, false);
    const faults = events.filter((e) => e.event === "fault");
    assert.deepEqual(faults.map((f) => [f.kind, f.module]), [["invalid-write", "apidrvtg.sys"]]);
  });

  test(`apidrvld.sys (${arch}): ZwUnloadDriver refuses a PnP driver (it set AddDevice) with STATUS_INVALID_DEVICE_REQUEST`, () => {
    const { r, prints } = run(arch, 4);
    assert.deepEqual(r.results.map((x) => x.ok), [true]);
    assert.ok(prints.includes("apidrvld.sys: apidrvld: pnp load 0x00000000 unload 0xc0000010"), prints.join("\n"));
  });
}

const haveStrace = spawnSync("strace", ["-V"]).status === 0;

test("strace: ZwLoadDriver of ImagePaths outside the system root (\\??\\D:\\outside\\…, \\SystemRoot\\..\\..\\…) opens nothing outside --root", { skip: haveStrace ? false : "strace missing" }, () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "kmdll-drvload-")));
  try {
    const root = join(base, "root");
    const drivers = join(root, "System32", "drivers");
    mkdirSync(drivers, { recursive: true });
    for (const f of ["apidrvld.sys", "apidrvtg.sys"]) copyFileSync(fixture("x64", f), join(drivers, f));
    // A canary where "\SystemRoot\..\..\apidrvtg.sys" would land if the path were followed on the host.
    writeFileSync(join(base, "apidrvtg.sys"), "KMDLL-CANARY");
    const scenario = join(base, "s.json");
    writeFileSync(scenario, JSON.stringify({ root, steps: [{ start: "apidrvld" }] }));
    const log = join(base, "trace.txt");
    const r = spawnSync("strace", ["-f", "-qq", "-o", log, "-e", "trace=%file", process.execPath, repoPath("bin", "kmdll.js"), "sim", "--json", scenario], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr);
    assert.match(r.stdout, /apidrvld: 0 failed check\(s\)/);
    const trace = readFileSync(log, "utf8").split("\n");
    const target = trace.filter((l) => l.includes("apidrvtg.sys"));
    // The target image was opened from the root (so the check below can fail) …
    assert.ok(target.some((l) => l.includes(`${drivers}/apidrvtg.sys`)), "apidrvtg.sys was read from the root");
    // … and never from anywhere else.
    assert.deepEqual(target.filter((l) => !l.includes(`${root}/`)), [], "a host path outside the root");
    assert.deepEqual(trace.filter((l) => /outside/i.test(l)), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
