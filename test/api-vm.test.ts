/**
 * Virtual memory of the user address space (ZwAllocateVirtualMemory, ZwProtectVirtualMemory,
 * ZwQueryVirtualMemory, ZwLockVirtualMemory, ZwFreeVirtualMemory) and driver objects made at run
 * time (IoCreateDriver / IoDeleteDriver), on examples/api-vm built from C: each Test* export
 * checks its results in C and returns the number of failed checks; the other exports misuse
 * memory and must end in a clean fault report. The protections are real: a PAGE_NOACCESS page
 * faults on a read and a PAGE_READONLY page on a write.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { allApis, apisByComponent } from "../src/emu/api/index.js";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

const FAMILIES = ["vm", "drvobj"];
const exercised = new Set<string>();

function call(exp: string): CallImageResult {
  const r = callImage(fixture("x64", "apivm.sys"), exp, [], { apis: allApis, trace: true });
  for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return r;
}

test("apivm.sys: reserve, commit, protect, query, lock, decommit and release user memory; copy between address spaces", () => {
  for (const exp of ["TestVirtualMemory", "TestVirtualMemoryArgs", "TestCopyVirtualMemory", "TestCreateDriver"]) {
    const r = call(exp);
    assert.equal(r.fault, null, `${exp}: ${r.fault?.kind}: ${r.fault?.message}`);
    const fails = r.events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
    assert.deepEqual(fails, [], `${exp} failed checks`);
    assert.equal(r.value, 0n, `${exp} returned ${r.value}`);
    assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  }
});

test("apivm.sys: wild pointers and page protections end in clean fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildProtectBase", "invalid-read", /0xffffa000dead0000 in ntoskrnl!ZwProtectVirtualMemory/],
    ["WildOldProtect", "invalid-write", /0xffffa000dead0000 in ntoskrnl!ZwProtectVirtualMemory/],
    ["TouchNoAccess", "invalid-read", /at 0x0*10000 \(protection\)/],
    ["WriteReadOnly", "invalid-write", /at 0x0*10000 \(protection\)/],
    ["WildDriverName", "invalid-read", /0xffffa000dead0000 in ntoskrnl!IoCreateDriver/],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call(exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message, re);
  }
});

test("a service whose DriverEntry only calls IoCreateDriver cannot be stopped, and the refusal says why", () => {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture("x64", "apidrv.sys")],
    steps: [{ kind: "start", name: "apidrv" }, { kind: "stop", name: "apidrv" }],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
  });
  assert.equal(r.results[0]?.ok, true, r.results[0]?.detail);
  assert.equal(r.results[1]?.ok, false);
  const fail = events.find((e) => e.event === "fail") as { status?: string; message: string } | undefined;
  assert.equal(fail?.status, "0xC0000010");
  assert.match(fail!.message, /apidrv\.sys set no DriverUnload routine in its driver object \\Driver\\apidrv: Windows refuses to unload it/);
  assert.match(fail!.message, /made \\Driver\\ApiDrvInner \(with a DriverUnload routine\) with IoCreateDriver/);
});

test("every routine of the vm and drvobj families was called by an example above", () => {
  const mine = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !a.stub);
  assert.ok(mine.length >= 9);
  const missing = [...new Set(mine.map((a) => a.name))].filter((n) => !exercised.has(n)).sort();
  assert.deepEqual(missing, [], "implemented but never called by an example");
});

test("every routine of the vm and drvobj families is a known x64 export of ntoskrnl (check and sim agree)", async () => {
  const { kernelModuleExports } = await import("../src/nt/kernel-exports.js");
  const unknown = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !(kernelModuleExports(a.module) ?? []).some((e) => e.name === a.name)).map((a) => `${a.module}!${a.name}`);
  assert.deepEqual(unknown, []);
});
