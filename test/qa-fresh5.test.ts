/**
 * What a fifth held-out set of real drivers taught the emulator (/work/wt/qa-fresh5.md, issue 12,
 * helper "fresh5": the shipped binaries of well-known open-source driver projects), each lesson on
 * a driver of our own (examples/qa-fresh5): NDIS 5's NdisAllocateMemoryWithTag (SoftEther's
 * SeLow.sys and ZeroTier's zttap300.sys allocate so from DriverEntry) and the NDIS 5 read/write
 * lock in the caller's storage (zttap300.sys initializes one in DriverEntry).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../src/events.js";
import { ndisRwLock5Apis } from "../src/emu/ndis/rwlock5.js";
import { NDIS_EXPORTS } from "../src/emu/ndis/exports.js";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";

type Arch = "x64" | "x86";

const run = (tests: string[], arch: Arch) => runSelfChecks("qafresh5", tests, arch);


test("qafresh5.sys: NdisAllocateMemoryWithTag gives nonpaged memory and NDIS_STATUS_SUCCESS; a request the pool cannot meet is NDIS_STATUS_FAILURE with NULL stored (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestNdisMemoryWithTag"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(apis(events).includes("ndis.sys!NdisAllocateMemoryWithTag"), arch);
    assert.ok(NDIS_EXPORTS.includes("NdisAllocateMemoryWithTag"));
  }
});

test("qafresh5.sys: NDIS memory never freed is a pool leak with the caller's tag at unload", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events } = run(["TestNdisMemoryWithTagLeak"], arch);
    const leaks = events.filter((e) => e.event === "leak");
    assert.equal(leaks.length, 1, arch);
    assert.match(JSON.stringify(leaks[0]), /Qf5c/, arch);
  }
});

test("qafresh5.sys: the NDIS 5 read/write lock — initialization zeroes exactly sizeof(NDIS_RW_LOCK), acquisitions raise to DISPATCH_LEVEL and releases restore LOCK_STATE's OldIrql (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestNdisReadWriteLock", "TestNdisReadWriteLockDpc"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    const called = apis(events);
    assert.equal(ndisRwLock5Apis.length, 5);
    for (const { name } of ndisRwLock5Apis) {
      assert.ok(NDIS_EXPORTS.includes(name), `${name} is an ndis.sys export`);
      assert.ok(called.includes(`ndis.sys!${name}`), `${arch}: ${name} in ${called.join(", ")}`);
    }
  }
});

test("qafresh5.sys: acquiring an NDIS_RW_LOCK NdisInitializeReadWriteLock never initialized is a warning naming the rule", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestNdisReadWriteLockUninitialized"], arch);
    assert.equal(r.ok, true, arch);
    const w = events.filter((e) => e.event === "warning").map((e) => JSON.stringify(e));
    assert.equal(w.length, 1, arch);
    assert.match(w[0]!, /NdisAcquireReadWriteLock.*not initialized with NdisInitializeReadWriteLock/, arch);
  }
});

const unloadRan = (events: TraceEvent[]) => events.some((e) => e.event === "dbgprint" && (e as { text: string }).text.startsWith("qafresh5: Unload("));

test("qafresh5.sys: HidRegisterMinidriver — STATUS_SUCCESS, hidclass owns the dispatch table, AddDevice and DriverUnload, and the stop reaches the minidriver's own unload through hidclass's (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestHidRegister"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(unloadRan(events), `${arch}: the minidriver's Unload ran at stop`);
    assert.ok(apis(events).includes("hidclass.sys!HidRegisterMinidriver"), arch);
    // The driver's unload is reached through hidclass's own routine, not directly.
    assert.ok(events.some((e) => e.event === "api" && /HidpDriverUnload/.test(JSON.stringify(e))), arch);
  }
});

test("qafresh5.sys: HidRegisterMinidriver with a revision other than HID_REVISION is STATUS_REVISION_MISMATCH with a warning; the driver object stays the driver's (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestHidRevisionMismatch"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(unloadRan(events), arch);
    const w = events.filter((e) => e.event === "warning").map((e) => JSON.stringify(e));
    assert.equal(w.length, 1, arch);
    assert.match(w[0]!, /Revision is 2, not HID_REVISION \(1\): STATUS_REVISION_MISMATCH/, arch);
  }
});

test("qafresh5.sys: HidRegisterMinidriver with a DriverObject that is not a driver object is a bug check report", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestHidBadDriverObject"], arch);
    assert.equal(r.ok, false, arch);
    const f = events.find((e) => e.event === "fault") as { kind?: string; message?: string } | undefined;
    assert.equal(f?.kind, "bugcheck", arch);
    assert.match(f?.message ?? "", /MinidriverRegistration->DriverObject 0x[0-9a-f]+ is not a DRIVER_OBJECT/, arch);
  }
});

test("qafresh5.sys: PcInitializeAdapterDriver — PortCls's handler in exactly the eleven major functions Learn lists, the adapter's AddDevice kept, PortCls's unload reached from the driver's own (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestPcInitializeAdapterDriver"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(unloadRan(events), arch);
    assert.ok(apis(events).includes("portcls.sys!PcInitializeAdapterDriver"), arch);
    assert.ok(events.some((e) => e.event === "api" && /PcUnload/.test(JSON.stringify(e))), `${arch}: PortCls's unload ran`);
  }
});

test("qafresh5.sys: PcInitializeAdapterDriver with a DriverObject that is not a driver object is a bug check report", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestPcBadDriverObject"], arch);
    assert.equal(r.ok, false, arch);
    const f = events.find((e) => e.event === "fault") as { kind?: string; message?: string } | undefined;
    assert.equal(f?.kind, "bugcheck", arch);
    assert.match(f?.message ?? "", /PcInitializeAdapterDriver: DriverObject 0x[0-9a-f]+ is not a DRIVER_OBJECT/, arch);
  }
});

test("qafresh5.sys: fwpkclnt.sys exports FwpmProviderContextAdd1..3 (Learn, fwpmk.h), so a driver importing them loads (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestFwpmProviderContextAddResolves"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});
