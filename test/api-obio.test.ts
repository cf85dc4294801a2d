/**
 * The object manager by name, FsRtl name routines, device stacks and the volume's devices,
 * control requests and locks on files, sections and views, _local_unwind and _purecall — on
 * examples/api-obio built from C and started as a service (its DriverEntry makes \Device\ApiObIo,
 * which the tests open by name and send requests to). Each Test* export checks its results in C
 * and returns the number of failed checks; the Wild* exports pass bad pointers and must end in a
 * clean fault report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { apisByComponent } from "../src/emu/api/index.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { RANKED } from "./ranked.js";

const FAMILIES = ["obx", "fsrtl", "iostack", "filectl", "section", "sehHelpers", "fsnotify"];
const exercised = new Set<string>();

function run(routines: string[], expect: bigint | null = 0n, arch: "x64" | "x86" = "x64") {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "apiobio.sys")],
    steps: [{ kind: "start", name: "apiobio" }, ...routines.map((t) => ({ kind: "call" as const, module: "apiobio.sys", routine: t, args: [], ...(expect === null ? {} : { expect }) })), ...(expect === null ? [] : [{ kind: "stop" as const, name: "apiobio" }])],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return { r, events };
}

const TESTS = ["TestOpenByName", "TestCreateObjects", "TestHandleInfo", "TestNameRoutines", "TestDeviceStacks", "TestSystemDevices", "TestVolumeNames", "TestIrpHelpers", "TestFileControl", "TestFileLocks", "TestSections", "TestLocalUnwind", "TestFsRegistration"];

test("apiobio.sys: every Test* export passes its checks, started and stopped as a service, no leak", () => {
  const { r, events } = run(TESTS);
  assert.deepEqual(events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  // The file events name what the driver did on the volume: the section's write-back through its view.
  const files = events.filter((e): e is Extract<TraceEvent, { event: "file" }> => e.event === "file");
  assert.ok(files.some((e) => e.op === "write" && e["view"] === true && e.path === "C:\\obio-map.txt"), JSON.stringify(files.slice(-5)));
  assert.ok(files.some((e) => e.op === "fsctl" && e.status === "0xC0000022"));
  assert.ok(files.some((e) => e.op === "lock" && e.status === "0xC0000055"));
});

// x86: the same checks but _local_unwind's (RtlLookupFunctionEntry / RtlVirtualUnwind are x64 only, seh.c).
test("apiobio.sys on x86: every Test* export passes its checks, no leak", () => {
  const { r, events } = run(TESTS, 0n, "x86");
  assert.deepEqual(events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault"), []);
});

test("apiobio.sys: wild pointers, a pure virtual call and a lock no thread releases end in clean reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildOpenByName", "invalid-read", /0xffffa000dead00[0-9a-f]{2}/i],
    ["WildQueryObject", "invalid-write", /0xffffa000dead00[0-9a-f]{2}/i],
    ["WildDosName", "invalid-read", /0xffffa000dead00[0-9a-f]{2}/i],
    ["WildSectionSize", "invalid-read", /0xffffa000dead00[0-9a-f]{2}/i],
    ["PureCall", "bugcheck", /0xC0000002|STATUS_NOT_IMPLEMENTED|_purecall/i],
    ["WildFsRegistration", "bugcheck", /IoRegisterFsRegistrationChange\(0x[0-9a-f]+\): DriverObject is not a DRIVER_OBJECT/],
    ["LockDeadlock", "deadlock", /ZwLockFile: bytes 0\.\.0 of C:\\obio-dead\.bin overlap the exclusive lock on bytes 0\.\.9/],
  ];
  for (const [exp, kind, re] of cases) {
    const { events } = run([exp], null);
    const fault = events.find((e): e is Extract<TraceEvent, { event: "fault" }> => e.event === "fault");
    assert.ok(fault, `${exp}: no fault`);
    assert.equal(fault.kind, kind, `${exp}: ${fault.kind}: ${fault.message}`);
    assert.match(`${fault.message} ${String((fault as { address?: string }).address ?? "")}`, re, exp);
  }
});

test("every routine of the families was called by the example", () => {
  const mine = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !a.stub && !RANKED.has(a.name)).map((a) => a.name);
  const missing = [...new Set(mine)].filter((n) => !exercised.has(n)).sort();
  assert.deepEqual(missing, [], "implemented but never called by an example");
});
