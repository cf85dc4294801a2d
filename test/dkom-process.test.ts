/**
 * DKOM process hiding as rootkit.com's FU does it (examples/dkom-process, issue 12, helper
 * "x86proc"): the EPROCESS offsets found by scanning the System process, ActiveProcessLinks walked
 * from PsInitialSystemProcess and coherent with PsGetProcessId / PsGetProcessImageFileName /
 * PsLookupProcessByProcessId / SystemProcessInformation, and an unlink seen — a `hardware` event
 * (kind "process-list") when the routine returns, a verifier finding when the driver unloads with
 * the process still hidden (error when its links are left corrupt, bug check 0x139 at the
 * process's exit on Windows 10; warning when self-linked). On x86 (Windows 10 22H2 x86 layout:
 * PID 0xE4, links 0xE8, ImageFileName 0x1AC) and x64 (0x440, 0x448, 0x5A8) alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures } from "./self-check.js";
import type { TraceEvent } from "../src/events.js";

type E = TraceEvent & { kind?: string; op?: string; process?: string; level?: string; rule?: string; bugcheck?: string; message?: string; site?: string };
const listEvents = (events: TraceEvent[]) => (events as E[]).filter((e) => e.event === "hardware" && e.kind === "process-list");
const findings = (events: TraceEvent[]) => (events as E[]).filter((e) => e.event === "verifier");

for (const arch of ["x86", "x64"] as const) {
  const run = (tests: string[], stop = true) => runSelfChecks("dkomproc", tests, arch, { stop, trace: false });

  test(`dkomproc.sys: the EPROCESS offsets found by scanning System for its name and PID agree with PsGetProcessImageFileName / PsGetProcessId, and ActiveProcessLinks follows UniqueProcessId (${arch})`, () => {
    const { events, r } = run(["TestFindOffsets"]);
    assert.deepEqual(failures(events), []);
    assert.equal(r.ok, true);
  });

  test(`dkomproc.sys: NtBuildNumber is the free build RtlGetVersion reports (${arch})`, () => {
    const { events, r } = run(["TestBuildNumber"]);
    assert.deepEqual(failures(events), []);
    assert.equal(r.ok, true);
  });

  test(`dkomproc.sys: ActiveProcessLinks from PsInitialSystemProcess lists every process, System first, each one PsLookupProcessByProcessId and SystemProcessInformation agree on (${arch})`, () => {
    const { events, r } = run(["TestWalkList"]);
    assert.deepEqual(failures(events), []);
    assert.equal(r.ok, true);
    assert.deepEqual(listEvents(events), []);
  });

  test(`dkomproc.sys: a process unlinked and put back within one call is hidden from walkers and SystemProcessInformation meanwhile, still found by PID; nothing is left to report (${arch})`, () => {
    const { events, r } = run(["TestHideAndRestore"]);
    assert.deepEqual(failures(events), []);
    assert.equal(r.ok, true);
    assert.deepEqual(listEvents(events), []);
    assert.deepEqual(findings(events), []);
  });

  test(`dkomproc.sys: FU's unlink is an event naming the routine; left at unload with the entry's links naming its old neighbours it is an error finding (0x139 when the process exits) (${arch})`, () => {
    const { events, r } = run(["TestHideFu"]);
    assert.deepEqual(failures(events), []);
    const ev = listEvents(events);
    assert.equal(ev.length, 1, JSON.stringify(ev));
    assert.equal(ev[0]!.op, "unlink");
    assert.equal(ev[0]!.process, "explorer.exe");
    assert.match(String(ev[0]!.site), /^dkomproc\.sys\+0x/);
    const f = findings(events);
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.equal(f[0]!.rule, "process-list-unlinked");
    assert.equal(f[0]!.level, "error");
    assert.equal(f[0]!.bugcheck, "0x00000139");
    assert.match(String(f[0]!.message), /explorer\.exe \(PID 3120, unlinked in dkomproc\.sys\+0x/);
    assert.equal(r.ok, false);
  });

  test(`dkomproc.sys: a self-linked unlink left at unload is a warning (hidden, exits cleanly) (${arch})`, () => {
    const { events } = run(["TestHideSelfLinked"]);
    assert.deepEqual(failures(events), []);
    assert.deepEqual(listEvents(events).map((e) => [e.op, e.process]), [["unlink", "dwm.exe"]]);
    const f = findings(events);
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.equal(f[0]!.level, "warning");
    assert.equal(f[0]!.bugcheck, undefined);
  });
}
