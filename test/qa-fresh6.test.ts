/**
 * What a sixth held-out set of real drivers taught the emulator (/work/wt/qa-fresh6.md, issue 12,
 * helper "fresh6"), each lesson on a driver of our own (examples/qa-fresh6): enumerating WFP
 * sublayers (the NetFilter SDK driver netch ships, nfdriver.sys / Win-7/8/10.sys, enumerates them
 * one at a time from DriverEntry to choose its own sublayer weight).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";
import { FWPKCLNT_EXPORTS } from "../src/emu/fltmgr/exports.js";
import { apis as wfpApis } from "../src/emu/fltmgr/fwp.js";

const run = (tests: string[], arch: "x64" | "x86") => runSelfChecks("qafresh6", tests, arch);

test("qafresh6.sys: FwpmSubLayerCreateEnumHandle0 / FwpmSubLayerEnum0 / FwpmSubLayerDestroyEnumHandle0 return copies of the added sublayers in blocks FwpmFreeMemory0 frees, one or two at a time, skipping deleted ones (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestSubLayerEnum"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    const called = apis(events);
    for (const n of ["FwpmSubLayerCreateEnumHandle0", "FwpmSubLayerEnum0", "FwpmSubLayerDestroyEnumHandle0"]) {
      assert.ok(FWPKCLNT_EXPORTS.includes(n), `${n} is an fwpkclnt.sys export`);
      assert.ok(called.includes(`fwpkclnt.sys!${n}`), `${arch}: ${n}`);
    }
  }
});

test("qafresh6.sys: an enumeration template with a provider key returns only that provider's sublayers (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestSubLayerEnumByProvider"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh6.sys: unknown or destroyed enumeration handles are STATUS_FWP_INVALID_ENUMERATOR, NULL outputs STATUS_FWP_NULL_POINTER, an unknown engine STATUS_INVALID_HANDLE (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestSubLayerEnumBadHandles"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh6.sys: an enumeration handle still open when its engine session closes goes with it — no handle leak at unload (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestSubLayerEnumEngineClose"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh6.sys: FwpmSubLayerAdd0 with a zero subLayerKey succeeds with a key BFE makes, distinct per sublayer and usable to delete it (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestSubLayerZeroKey"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh6.sys: FwpmProviderContextDeleteByKey0 of a context nobody added is STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND; NULL key STATUS_FWP_NULL_POINTER; listed as a stub (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestProviderContextDeleteUnknown"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
  const def = wfpApis.find((d) => d.name === "FwpmProviderContextDeleteByKey0");
  assert.equal(def?.stub, true);
});

test("qafresh6.sys: RtlSuffixUnicodeString — TRUE when String1 ends String2 (case-insensitive on request), FALSE for a longer or non-matching String1 (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestRtlSuffixUnicodeString"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(apis(events).includes("ntoskrnl.exe!RtlSuffixUnicodeString"), arch);
  }
});

test("qafresh6.sys: ExEnterCriticalRegionAndAcquireResourceExclusive/Shared and ExReleaseResourceAndLeaveCriticalRegion enter and leave the critical region with the resource (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestExCriticalRegionResource"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    const called = apis(events);
    for (const n of ["ExEnterCriticalRegionAndAcquireResourceExclusive", "ExEnterCriticalRegionAndAcquireResourceShared", "ExReleaseResourceAndLeaveCriticalRegion"])
      assert.ok(called.includes(`ntoskrnl.exe!${n}`), `${arch}: ${n}`);
  }
});

test("qafresh6.sys: ExReleaseResourceAndLeaveCriticalRegion on a resource nobody holds is a RESOURCE_NOT_OWNED (0xE3) bug check report", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events } = runSelfChecks("qafresh6", ["TestExReleaseAndLeaveNotOwned"], arch, { expect: undefined });
    const f = events.filter((e) => e.event === "fault").map((e) => JSON.stringify(e));
    assert.equal(f.length, 1, arch);
    assert.match(f[0]!, /RESOURCE_NOT_OWNED/, arch);
  }
});

test("qafresh6.sys: MmQuerySystemSize is MmLargeSystem on the 4 GB machine; KdRefreshDebuggerNotPresent is TRUE like KD_DEBUGGER_NOT_PRESENT (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestPlatformQueries"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh6.sys: an image importing ntoskrnl!IoSetDeviceInterfacePropertyData loads (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestIoSetDeviceInterfacePropertyDataResolves"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qafresh6.sys: \\Device\\Beep exists (FILE_DEVICE_BEEP, buffered I/O) — IoAttachDevice by name attaches to it; an unknown name is STATUS_OBJECT_NAME_NOT_FOUND (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestBeepDeviceAttach"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});
