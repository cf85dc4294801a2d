/**
 * Lessons from hypervisor-style drivers (docs/qa.md session 12: HyperPlatform's GuardMon.sys in the
 * fresh6 set), on a driver of our own (examples/qa-hyperv): the PTE base found in
 * MmGetVirtualForPhysical's code is the page tables' self-map (checked in C against
 * MmGetPhysicalAddress), MmGetPhysicalMemoryRanges' array carries Windows' 'hPmM' tag, and
 * processor change callbacks are called for the existing processors as Learn describes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures } from "./self-check.js";
import type { TraceEvent } from "../src/events.js";

const run = (tests: string[], arch: "x64" | "x86", o: Parameters<typeof runSelfChecks>[3] = {}) => runSelfChecks("qahyperv", tests, arch, o);
const warnings = (events: TraceEvent[]) => events.filter((e) => e.event === "warning").map((e) => String((e as { message?: string }).message));

test("qahyperv.sys: the PTE base read out of MmGetVirtualForPhysical's code maps a pool block's PTE to the frame MmGetPhysicalAddress gives (x64); on x86 the pattern is absent", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestPteBase"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qahyperv.sys: MmGetPhysicalMemoryRanges' array is freed with Windows' tag 'hPmM' without a tag-mismatch warning (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestPhysicalRangesTag"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(warnings(events).filter((w) => /tag/.test(w)), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qahyperv.sys: KeRegisterProcessorChangeCallback calls nothing without KE_PROCESSOR_CHANGE_ADD_EXISTING, and with it a start then a completion notification per active processor; a failed start means no registration (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestProcessorChange", "TestProcessorChangeFails"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
    const cb = events.filter((e) => e.event === "callback" && (e as { kind?: string }).kind === "processor change") as (TraceEvent & { action?: string })[];
    assert.deepEqual(cb.map((e) => e.action), ["register", "register", "unregister", "unregister"], arch);
  }
});

test("qahyperv.sys: a processor change callback left registered is reported at unload; deregistering an unknown handle is a bug check report (x64)", () => {
  const kept = run(["TestProcessorChangeKept"], "x64");
  assert.deepEqual(failures(kept.events), []);
  assert.equal(kept.r.ok, false);
  const left = kept.events.filter((e) => e.event === "verifier" || e.event === "leak").map((e) => JSON.stringify(e));
  assert.ok(left.some((t) => /processor change/.test(t)), left.join("\n"));
  const bad = run(["TestProcessorChangeBadHandle"], "x64", { stop: false, expect: undefined });
  assert.equal(bad.r.ok, false);
  const f = bad.events.find((e) => e.event === "fault") as (TraceEvent & { kind?: string; message?: string }) | undefined;
  assert.equal(f?.kind, "bugcheck", JSON.stringify(f));
  assert.match(String(f?.message), /KeDeregisterProcessorChangeCallback\(0x0*1234\)/);
});
