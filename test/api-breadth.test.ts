/**
 * Kernel breadth (issue 12): the machine model, MDLs, the scheduler, files, processes, callbacks
 * and the rest, on example drivers built from C (examples/api-hw, ...). Each Test* export checks
 * its results in C and returns the number of failed checks; the Wild* exports pass bad pointers
 * and must end in a clean fault report. The hardware events are checked against what the C code did.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { allApis, apisByComponent } from "../src/emu/api/index.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

/** Families whose examples run in this file. */
const FAMILIES = ["machine", "mdl", "sched"];
const exercised = new Set<string>();

function call(file: string, exp: string, opts: Record<string, unknown> = {}): CallImageResult {
  const r = callImage(fixture("x64", file), exp, [], { apis: allApis, trace: true, ...opts });
  for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return r;
}
const texts = (r: CallImageResult) => r.events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);

function selfCheck(file: string, exp: string, opts: Record<string, unknown> = {}): CallImageResult {
  const r = call(file, exp, opts);
  assert.equal(r.fault, null, `${exp}: ${r.fault?.kind}: ${r.fault?.message}`);
  assert.deepEqual(texts(r).filter((t) => t.startsWith("FAIL")), [], `${exp} failed checks`);
  assert.equal(r.value, 0n, `${exp} returned ${r.value}`);
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  return r;
}
const hardware = (r: CallImageResult) => r.events.filter((e): e is Extract<TraceEvent, { event: "hardware" }> => e.event === "hardware");

test("apihw.sys: physical memory, MMIO mappings and \\Device\\PhysicalMemory views", () => {
  const r = selfCheck("apihw.sys", "TestPhysicalMemory");
  const hw = hardware(r);
  // The write through the BIOS mapping is reported at unmap with its physical address and value.
  assert.ok(hw.some((e) => e.kind === "mmio" && e.op === "write" && e.address === "0xf0100" && e.value === "0x42" && e.size === 1), JSON.stringify(hw));
  assert.ok(hw.some((e) => e.kind === "mmio" && e.op === "map" && e.address === "0xf0000" && e.size === 0x1000));
  assert.equal(hw.filter((e) => e.op === "map").length, hw.filter((e) => e.op === "unmap").length);
  assert.ok(hw.every((e) => e.module === "apihw.sys"));
  const s = selfCheck("apihw.sys", "TestSection");
  assert.ok(hardware(s).some((e) => e.kind === "physical" && e.op === "map" && e.address === "0xf0000" && e.size === 0x1000));
});

test("apihw.sys: PCI configuration space, CMOS, bus translation, interrupts", () => {
  const r = selfCheck("apihw.sys", "TestPci");
  const hw = hardware(r);
  // 32 slots scanned on bus 0; the BAR sizing write is an event with the value written.
  assert.ok(hw.filter((e) => e.kind === "pci" && e.op === "read").length >= 32);
  assert.ok(hw.some((e) => e.kind === "pci" && e.op === "write" && e["device"] === 3 && e.value === "0xffffffff" && e.size === 4));
  assert.ok(hw.some((e) => e.kind === "port" && e.op === "write" && e.address === "0x70" && e.value === "0x20"));
  const i = selfCheck("apihw.sys", "TestInterrupt");
  assert.deepEqual(hardware(i).filter((e) => e.kind === "interrupt").map((e) => e.op), ["connect", "disconnect"]);
});

test("apihw.sys: MDLs, locked and mapped pages, pages for MDLs, contiguous and non-cached memory", () => {
  selfCheck("apihw.sys", "TestMdl");
  selfCheck("apihw.sys", "TestContiguous");
});

test("apihw.sys: wild pointers and misuse end in clean fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildMdlFree", "invalid-read", /0xffffa000dead/i],
    ["WildBuildMdl", "invalid-read", /MmBuildMdlForNonPagedPool: page 0xffffa000dead0000/],
    ["UnmapUnknown", "bugcheck", /MmUnmapIoSpace\(0x[0-9a-f]+\): not an address MmMapIoSpace returned/],
    ["WildBusBuffer", "invalid-write", /0xdead0000/i],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call("apihw.sys", exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message + " " + String(r.fault?.address ?? ""), re);
  }
});

test("apisched.sys: DPCs, timers, work items, system threads and events on the emulated clock", () => {
  for (const e of ["TestDpc", "TestTimers", "TestWorkItems", "TestThreads", "TestEvents"]) selfCheck("apisched.sys", e);
  // Deterministic: the same run gives the same events.
  const a = call("apisched.sys", "TestTimers").events.filter((e) => e.event === "api");
  const b = call("apisched.sys", "TestTimers").events.filter((e) => e.event === "api");
  assert.deepEqual(a, b);
});

test("apisched.sys: scheduler misuse ends in clean fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["DoubleQueue", "bugcheck", /IoQueueWorkItem\(0x[0-9a-f]+\): the work item is already queued \(WORKER_INVALID\)/],
    ["ThreadWaitsForever", "deadlock", /KeWaitForSingleObject: waiting forever/],
    ["WildDpc", "invalid-read", /0xffffa000dead0000/i],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call("apisched.sys", exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message + " " + String(r.fault?.address ?? ""), re);
  }
});

test("every routine of the new families was called by an example driver above", () => {
  const mine = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !a.stub);
  const missing = [...new Set(mine.map((a) => a.name))].filter((n) => !exercised.has(n)).sort();
  assert.deepEqual(missing, [], "implemented but never called by an example");
});

test("every routine of the new families is a known x64 export of its module (check and sim agree)", async () => {
  const { kernelModuleExports } = await import("../src/nt/kernel-exports.js");
  const unknown = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !(kernelModuleExports(a.module) ?? []).some((e) => e.name === a.name)).map((a) => `${a.module}!${a.name}`);
  assert.deepEqual(unknown, [], "add them to data/kernel-exports-documented.json (with their Microsoft Learn page) and run npm run kernel-db");
});
