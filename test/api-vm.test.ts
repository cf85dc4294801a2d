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
import { RANKED } from "./ranked.js";

const FAMILIES = ["vm", "drvobj"];
const exercised = new Set<string>();
// ZwLoadDriver / ZwUnloadDriver (drvobj family) are called by examples/api-drvload and checked in test/api-drvload.test.ts.
const ELSEWHERE = new Set(["ZwLoadDriver", "ZwUnloadDriver"]);

// Both arches: x86's user space is 2 GiB (MmHighestUserAddress 0x7FFEFFFF), x64's 128 TiB.
const ARCHES = ["x64", "x86"] as const;

function call(exp: string, arch: (typeof ARCHES)[number] = "x64"): CallImageResult {
  const r = callImage(fixture(arch, "apivm.sys"), exp, [], { apis: allApis, trace: true });
  for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return r;
}

for (const arch of ARCHES) test(`apivm.sys (${arch}): reserve, commit, protect, query, lock, decommit and release user memory; the user space's layout; copy between address spaces`, () => {
  for (const exp of ["TestVirtualMemory", "TestVirtualMemoryArgs", "TestUserSpaceLayout", "TestCopyVirtualMemory", "TestCreateDriver"]) {
    const r = call(exp, arch);
    assert.equal(r.fault, null, `${exp}: ${r.fault?.kind}: ${r.fault?.message}`);
    const fails = r.events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
    assert.deepEqual(fails, [], `${exp} failed checks`);
    assert.equal(r.value, 0n, `${exp} returned ${r.value}`);
    assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  }
});

for (const arch of ARCHES) test(`apivm.sys (${arch}): wild pointers and page protections end in clean fault reports`, () => {
  // The wild pointer is 0xFFFFA000DEAD0000 in C: 0xDEAD0000 on x86.
  const cases: [string, string, RegExp][] = [
    ["WildProtectBase", "invalid-read", /0x(ffffa000)?dead0000 in ntoskrnl!ZwProtectVirtualMemory/],
    ["WildOldProtect", "invalid-write", /0x(ffffa000)?dead0000 in ntoskrnl!ZwProtectVirtualMemory/],
    ["TouchNoAccess", "invalid-read", /at 0x0*10000 \(protection\)/],
    ["WriteReadOnly", "invalid-write", /at 0x0*10000 \(protection\)/],
    ["WildDriverName", "invalid-read", /0x(ffffa000)?dead0000 in ntoskrnl!IoCreateDriver/],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call(exp, arch);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message, re);
  }
});

for (const arch of ARCHES) test(`a service whose DriverEntry only calls IoCreateDriver cannot be stopped, and the refusal says why (${arch})`, () => {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "apidrv.sys")],
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
  const mine = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !a.stub && !RANKED.has(a.name));
  assert.ok(mine.length >= 9);
  const missing = [...new Set(mine.map((a) => a.name))].filter((n) => !exercised.has(n) && !ELSEWHERE.has(n)).sort();
  assert.deepEqual(missing, [], "implemented but never called by an example");
});

test("every routine of the vm and drvobj families is a known x64 export of ntoskrnl (check and sim agree)", async () => {
  const { kernelModuleExports } = await import("../src/nt/kernel-exports.js");
  const unknown = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !(kernelModuleExports(a.module) ?? []).some((e) => e.name === a.name)).map((a) => `${a.module}!${a.name}`);
  assert.deepEqual(unknown, []);
});
