/**
 * What a held-out set of real drivers taught the emulator (docs/qa.md, issue 12, helper "fresh"),
 * each lesson on a driver of our own (examples/qa-fresh): IoReportResourceUsage, the legacy
 * resource claim port I/O drivers make before touching their ports; ksecdd.sys's CNG hashing for
 * x86 drivers (pointer-sized handles).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../src/events.js";
import { spawnSync } from "node:child_process";
import { fixture } from "./helpers.js";
import { archNeutralLine } from "./arch-compare.js";
import { runSelfChecks, failures } from "./self-check.js";

const run = (tests: string[], arch: "x64" | "x86" = "x64") => runSelfChecks("qafresh", tests, arch, { trace: false });


test("qafresh.sys: IoReportResourceUsage claims, conflicts, overrides and releases as documented; the claimed ports are the driver's", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestReportResourceUsage"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), [], arch);
    // Its own port accesses after the claim draw no port-rule warning, and nothing leaks.
    assert.deepEqual(events.filter((e) => e.event === "warning" || e.event === "leak" || e.event === "fault" || e.event === "verifier"), [], arch);
    // The refused overlap is reported with the driver that holds the range.
    const conflicts = events.filter((e) => e.event === "pnp" && (e as { action?: string }).action === "resource-conflict") as unknown as Record<string, string>[];
    assert.equal(conflicts.length, 2, arch);
    assert.equal(conflicts[0]!["claimedBy"], "qafresh.sys", arch);
    assert.equal(conflicts[0]!["resources"], "port 0x2e4+0x2", arch);
    // The hardware model saw the write to the claimed port.
    assert.ok(events.some((e) => e.event === "hardware" && /0x2e0/.test(JSON.stringify(e)) && /0x5a/.test(JSON.stringify(e))), arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh.sys: without a claim the same port access is outside the driver's resources (the claim is what grants them)", () => {
  const { events } = run(["PortsWithoutClaim"]);
  const w = events.filter((e) => (e.event === "warning" || e.event === "verifier") && /port/i.test(JSON.stringify(e)));
  assert.ok(w.length >= 1, JSON.stringify(events.filter((e) => e.event === "warning" || e.event === "verifier")));
});

test("qafresh.sys on x86: the same events as on x64", () => {
  const a = run(["TestReportResourceUsage"], "x64");
  const b = run(["TestReportResourceUsage"], "x86");
  const keep = (e: TraceEvent) => e.event !== "api" && e.event !== "load" && e.event !== "refcount";
  assert.deepEqual(b.events.filter(keep).map(archNeutralLine), a.events.filter(keep).map(archNeutralLine));
});

test("qafresh.sys: ksecdd.sys CNG hashing on x64 and x86 — SHA-1 and MD5 test vectors, 4-byte handles on x86", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestCngHash"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), [], arch);
    assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "warning"), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh.sys: KeFlushIoBuffers is an x64 export that leaves the MDL and its data as they were", () => {
  const { events, r } = run(["TestFlushIoBuffers"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "warning"), []);
  assert.equal(r.ok, true);
  // The x64 build imports it from ntoskrnl.exe (llvm-readobj, independently of kmdll's PE reader).
  const ro = spawnSync("llvm-readobj", ["--coff-imports", fixture("x64", "qafresh.sys")], { encoding: "utf8" });
  assert.match(ro.stdout, /Name: ntoskrnl\.exe[\s\S]*Symbol: KeFlushIoBuffers/);
});
