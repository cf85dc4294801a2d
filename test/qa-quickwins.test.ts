/**
 * What the held-out set fresh4 still stopped at (/work/wt/qa-quickwins.md, issue 12), each lesson
 * on a driver of our own (examples/qa-quickwins): locking a pageable section
 * (MmLockPagableDataSection — 110 of fresh4's drivers —, MmLockPagableSectionByHandle,
 * MmUnlockPagableImageSection), NdisWriteErrorLogEntry, the NDIS spin lock, NDIS uptime / sleep /
 * cancel IDs / NdisInitUnicodeString, and x86 ntoskrnl's fastcall Interlocked* exports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../src/events.js";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";

type Arch = "x64" | "x86";
const ARCHES = ["x64", "x86"] as const;

const run = (tests: string[], arch: Arch, expect: bigint | undefined = 0n) => runSelfChecks("qaquickwins", tests, arch, { expect });

const of = (events: TraceEvent[], kind: string) => events.filter((e) => e.event === kind).map((e) => JSON.stringify(e));

test("qaquickwins.sys: a locked PAGE/PAGEDATA section works at DISPATCH_LEVEL; one counted handle per section (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestLockPagable"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
    const called = apis(events);
    for (const n of ["MmLockPagableDataSection", "MmLockPagableSectionByHandle", "MmUnlockPagableImageSection"])
      assert.ok(called.includes(`ntoskrnl.exe!${n}`), `${arch}: ${n} in ${called.join(", ")}`);
  }
});

test("qaquickwins.sys: unlocked as often as locked, the section is pageable again: a read at DISPATCH_LEVEL is bug check 0xD1", () => {
  for (const arch of ARCHES) {
    const { events } = run(["TestLockPagableUnlocked"], arch, undefined);
    const f = of(events, "fault");
    assert.equal(f.length, 1, `${arch}: ${f.join("\n")}`);
    assert.match(f[0]!, /pageable memory.*PAGEDATA.*DRIVER_IRQL_NOT_LESS_OR_EQUAL/, arch);
  }
});

test("qaquickwins.sys: more unlocks than locks and a handle no lock returned are warnings", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestUnlockTooMany"], arch);
    assert.equal(r.ok, true, arch);
    const w = of(events, "warning");
    assert.equal(w.length, 2, `${arch}: ${w.join("\n")}`);
    assert.match(w[0]!, /MmUnlockPagableImageSection: section PAGEDATA of qaquickwins\.sys is not locked/, arch);
    assert.match(w[1]!, /MmLockPagableSectionByHandle\(0x[0-9a-f]+\): not a handle/, arch);
  }
});

test("qaquickwins.sys: MmLockPagableDataSection of an address in no driver image stops with bug check 0x1A", () => {
  for (const arch of ARCHES) {
    const { events } = run(["TestLockNoImage"], arch, undefined);
    const f = of(events, "fault");
    assert.equal(f.length, 1, `${arch}: ${f.join("\n")}`);
    assert.match(f[0]!, /MmLockPagableDataSection.*no section of a loaded driver image/, arch);
    assert.match(f[0]!, /0x0000001A/, arch);
  }
});

test("qaquickwins.sys: NDIS spin lock — acquire raises to DISPATCH_LEVEL keeping OldIrql, release restores it, Dpr forms keep the IRQL (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestNdisSpinLock"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
    for (const n of ["NdisAllocateSpinLock", "NdisAcquireSpinLock", "NdisReleaseSpinLock", "NdisDprAcquireSpinLock", "NdisDprReleaseSpinLock", "NdisFreeSpinLock"])
      assert.ok(apis(events).includes(`ndis.sys!${n}`), `${arch}: ${n}`);
  }
});

test("qaquickwins.sys: acquiring an NDIS spin lock already held is a deadlock", () => {
  for (const arch of ARCHES) {
    const { events } = run(["TestNdisSpinLockRecursive"], arch, undefined);
    const f = of(events, "fault");
    assert.equal(f.length, 1, `${arch}: ${f.join("\n")}`);
    assert.match(f[0]!, /NdisAcquireSpinLock: spin lock 0x[0-9a-f]+ is already held/, arch);
  }
});

test("qaquickwins.sys: NdisWriteErrorLogEntry writes an error log entry with its varargs values; a NULL handle writes nothing (warning)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestNdisErrorLog"], arch);
    assert.equal(r.ok, true, arch);
    const logs = events.filter((e) => e.event === "errorlog") as { errorCode: string; dump?: string[]; module: string }[];
    assert.equal(logs.length, 1, arch);
    assert.equal(logs[0]!.errorCode, "0xc000138a", arch);
    assert.deepEqual(logs[0]!.dump, ["0x1234", "0x5678"], arch);
    assert.equal(logs[0]!.module, "qaquickwins.sys", arch);
    const w = of(events, "warning");
    assert.equal(w.length, 1, arch);
    assert.match(w[0]!, /NdisWriteErrorLogEntry\(NULL, 0xc000138a\): MiniportAdapterHandle is NULL/, arch);
  }
});

test("qaquickwins.sys: NDIS uptime in milliseconds advances by NdisMSleep; partial cancel IDs differ; NdisInitUnicodeString as RtlInitUnicodeString (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestNdisMisc"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qaquickwins.sys: x86 ntoskrnl's fastcall InterlockedIncrement/Decrement/Exchange/CompareExchange exports", () => {
  const { events, r } = run(["TestInterlockedX86"], "x86");
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), []);
  assert.equal(r.ok, true);
  for (const n of ["InterlockedIncrement", "InterlockedDecrement", "InterlockedExchange", "InterlockedExchangeAdd", "InterlockedCompareExchange"])
    assert.ok(apis(events).includes(`ntoskrnl.exe!${n}`), n);
});

test("qaquickwins.sys: x86 ntoskrnl.exe exports `_chkstk` (the import resolves; a 12 KiB frame is probed and allocated) and the kernel export database lists it", async () => {
  const { events, r } = run(["TestChkstkX86"], "x86");
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), []);
  assert.equal(r.ok, true);
  assert.ok(apis(events).includes("ntoskrnl.exe!_chkstk"), apis(events).join(", "));
  const { kernelModuleExportsFor } = await import("../src/nt/kernel-exports.js");
  assert.ok((kernelModuleExportsFor("ntoskrnl.exe", "x86") ?? []).some((e) => e.name === "_chkstk" && e.call === "cdecl"));
  assert.ok(!(kernelModuleExportsFor("ntoskrnl.exe", "x64") ?? []).some((e) => e.name === "_chkstk"));
});

test("qaquickwins.sys: IoCreateUnprotectedSymbolicLink makes a link as IoCreateSymbolicLink does (collision, delete) (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestUnprotectedLink"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(apis(events).includes("ntoskrnl.exe!IoCreateUnprotectedSymbolicLink"), arch);
  }
});

test("qaquickwins.sys: NdisMRegisterDevice creates the wrapper driver's named device and link with the given dispatch routines; a name in use is a collision; NdisMDeregisterDevice removes them (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestNdisMRegisterDevice"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
    for (const n of ["NdisMRegisterDevice", "NdisMDeregisterDevice"]) assert.ok(apis(events).includes(`ndis.sys!${n}`), `${arch}: ${n}`);
  }
});

test("qaquickwins.sys: MmLockPagableDataSection above APC_LEVEL is the verifier's irql-max finding (0xC4 / 0xE5)", () => {
  for (const arch of ARCHES) {
    const { events } = run(["TestLockAtDispatch"], arch, undefined);
    const v = events.filter((e) => e.event === "verifier") as { rule: string; message: string; bugcheck?: string }[];
    assert.equal(v.length, 1, `${arch}: ${JSON.stringify(v)}`);
    assert.equal(v[0]!.rule, "irql-max", arch);
    assert.match(v[0]!.message, /MmLockPagableDataSection called at DISPATCH_LEVEL.*IRQL <= APC_LEVEL/, arch);
  }
});

test("qaquickwins.sys: every NDIS routine added here is an export of the synthetic ndis.sys on x64 and x86 and was called by the example", async () => {
  const { ndisMisc5Apis } = await import("../src/emu/ndis/misc5.js");
  const { ndisDevice5Apis } = await import("../src/emu/ndis/device5.js");
  const { ndisModuleExports } = await import("../src/emu/ndis/index.js");
  const called = new Set<string>();
  for (const arch of ARCHES) {
    const { events } = run(["TestNdisSpinLock", "TestNdisErrorLog", "TestNdisMisc", "TestNdisMRegisterDevice", "TestNdisStrings"], arch);
    for (const a of apis(events)) called.add(`${arch}:${a}`);
    const exported = new Set((ndisModuleExports(arch)["ndis.sys"] ?? []).map((e) => e.name));
    for (const { name } of [...ndisMisc5Apis, ...ndisDevice5Apis]) {
      assert.ok(exported.has(name), `${arch}: ${name} exported`);
      assert.ok(called.has(`${arch}:ndis.sys!${name}`), `${arch}: ${name} called`);
    }
  }
});

test("qaquickwins.sys: every routine of src/emu/api/mmlock.ts was called by the example (x86: all, with the fastcall Interlocked*)", async () => {
  const { apis: mmlock } = await import("../src/emu/api/mmlock.js");
  const { events } = run(["TestLockPagable", "TestInterlockedX86"], "x86");
  const called = new Set(apis(events));
  assert.deepEqual(mmlock.filter((a) => !called.has(`ntoskrnl.exe!${a.name}`)).map((a) => a.name), []);
});

test("qaquickwins.sys: NdisUnicodeStringToAnsiString / NdisUpcaseUnicodeString fill the caller's buffer; too small is STATUS_BUFFER_OVERFLOW (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestNdisStrings"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
  }
});
