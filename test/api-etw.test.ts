/**
 * Event tracing and WMI data blocks (examples/api-etw, built from C): providers register and
 * write with no trace session running, activity IDs per thread, WMI blocks open and answer
 * STATUS_WMI_GUID_NOT_FOUND; a wild EVENT_DESCRIPTOR is a clean fault report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { allApis, apisByComponent } from "../src/emu/api/index.js";
import { fixture } from "./helpers.js";

const exercised = new Set<string>();
function call(exp: string, arch: "x64" | "x86" = "x64"): CallImageResult {
  const r = callImage(fixture(arch, "apietw.sys"), exp, [], { apis: allApis, trace: true });
  for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return r;
}

for (const arch of ["x64", "x86"] as const)
test(`apietw.sys (${arch}): ETW providers, writes and activity IDs; WMI data blocks`, () => {
  for (const exp of ["TestEtw", "TestActivityId", "TestWmi"]) {
    const r = call(exp, arch);
    assert.equal(r.fault, null, `${exp}: ${r.fault?.kind}: ${r.fault?.message}`);
    assert.deepEqual(r.events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
    assert.equal(r.value, 0n, `${exp} returned ${r.value}`);
    // No verifier finding either: IoWMIOpenBlock's data block is the caller's to ObDereferenceObject.
    assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault" || (e.event === "verifier" && e.level === "error")), []);
  }
});

for (const arch of ["x64", "x86"] as const)
test(`apietw.sys (${arch}): a wild EVENT_DESCRIPTOR is a clean fault report (REGHANDLE is 64-bit by value on x86 too)`, () => {
  const r = call("WildEventDescriptor", arch);
  assert.equal(r.value, null);
  assert.equal(r.fault?.kind, "invalid-read");
  // The C's pointer keeps its low 32 bits on x86.
  assert.match(r.fault!.message, arch === "x64" ? /0xffffa000dead0000 in ntoskrnl!EtwWrite/ : /at 0xdead0000 in ntoskrnl!EtwWrite/);
});

test("every etw routine was called by the example and is a known x64 ntoskrnl export", async () => {
  const mine = (apisByComponent["etw"] ?? []).filter((a) => !a.stub);
  assert.ok(mine.length >= 12);
  // EtwSetInformation: examples/qa-fresh7 calls it (test/qa-fresh7.test.ts).
  const elsewhere = new Set(["EtwSetInformation"]);
  assert.deepEqual(mine.map((a) => a.name).filter((n) => !exercised.has(n) && !elsewhere.has(n)).sort(), []);
  const { kernelModuleExports } = await import("../src/nt/kernel-exports.js");
  assert.deepEqual(mine.filter((a) => !(kernelModuleExports(a.module) ?? []).some((e) => e.name === a.name)).map((a) => a.name), []);
});
