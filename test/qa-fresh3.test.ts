/**
 * What a third held-out set of real drivers taught the emulator (/work/wt/qa-fresh3.md, issue 12,
 * helper "fresh3"), each lesson on a driver of our own (examples/qa-fresh3): NDIS 6 read/write
 * locks (Npcap's npcap.sys allocates one beside its filter registration and takes it for write
 * when it unloads), sidt storing the kernel's IDT (Rainware.sys), and the CentralProcessor\0
 * registry key agreeing with CPUID (CpuTempMonitor.sys).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ndisRwLockApis } from "../src/emu/ndis/rwlock.js";
import { NDIS_EXPORTS } from "../src/emu/ndis/exports.js";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";

type Arch = "x64" | "x86";

const run = (tests: string[], arch: Arch) => runSelfChecks("qafresh3", tests, arch);


test("qafresh3.sys: NDIS read/write locks — recursive read and write, the IRQL raised to DISPATCH_LEVEL and restored from LOCK_STATE_EX (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestNdisRwLock"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    const called = apis(events);
    assert.equal(ndisRwLockApis.length, 5);
    for (const { name } of ndisRwLockApis) {
      assert.ok(NDIS_EXPORTS.includes(name), `${name} is an ndis.sys export`);
      assert.ok(called.some((c) => c === `ndis.sys!${name}`), `${arch}: ${name} in ${called.join(", ")}`);
    }
  }
});

test("qafresh3.sys: asking for write while holding the NDIS lock for read is a deadlock (no upgrade), on x64 and x86", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestNdisRwLockUpgrade"], arch);
    assert.equal(r.ok, false, arch);
    const fault = events.find((e) => e.event === "fault") as { kind?: string; message?: string } | undefined;
    assert.equal(fault?.kind, "deadlock", arch);
    assert.match(fault?.message ?? "", /NdisAcquireRWLockWrite.*holds the lock for read/, arch);
  }
});

test("qafresh3.sys: an NDIS read/write lock never freed is a pool leak charged to the driver at unload", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events } = run(["TestNdisRwLockLeak"], arch);
    const leaks = events.filter((e) => e.event === "leak") as unknown as { message?: string; text?: string }[];
    assert.equal(leaks.length, 1, arch);
    assert.match(JSON.stringify(leaks[0]), /NdisAllocateRWLock/, arch);
  }
});

test("qafresh3.sys: sidt stores the IDT the KPCR points to (256 gates; x64 IdtBase limit 0xfff, x86 IDT limit 0x7ff), not a zero base", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestSidt"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
    // The instruction itself is still reported (a driver reading a privileged table register).
    assert.ok(events.some((e) => e.event === "verifier" && JSON.stringify(e).includes("sidt")), arch);
  }
});

test("qafresh3.sys: the CentralProcessor\\0 key agrees with CPUID — VendorIdentifier is leaf 0's vendor, Identifier leaf 1's family, model and stepping (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["TestCpuIdentity"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});
