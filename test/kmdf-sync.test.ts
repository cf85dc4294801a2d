// KMDF objects real drivers use for their own bookkeeping (examples/kmdf-sync, built against
// examples/include/kmdfmin.h): WDFWAITLOCK / WDFSPINLOCK, WDFCOLLECTION, WdfObjectAllocateContext,
// request cancellation, and the bind of a class extension kmdll does not model; x64, x86, ARM64.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, runCli, tool } from "./helpers.js";
import { simBothArches } from "./arch-compare.js";

const hexLe32 = (...v: number[]) => v.map((x) => Buffer.from(Uint32Array.of(x >>> 0).buffer).toString("hex")).join("");
const STATUS_CANCELLED = 0xc0000120;
const TESTS = ["TestWaitLock", "TestSpinLock", "TestCollection", "TestContext", "TestIoType", "TestRegistryPath", "TestDispatching", "TestSddl", "TestCharacteristics", "TestRegistryControl", "TestInterrupt", "TestPreprocess"];

const steps = [
  ...TESTS.map((t) => `call:kmdfsync.sys!${t}`),
  // The driver cancels its own IRP (IoCancelIrp) while the request is marked cancelable: its EvtRequestCancel completes it.
  "ioctl:\\\\.\\KmdfSync:0x222000,out=0,status=STATUS_CANCELLED",
  // MarkCancelableEx → STATUS_SUCCESS, UnmarkCancelable → STATUS_SUCCESS, IsCanceled → FALSE.
  `ioctl:\\\\.\\KmdfSync:0x222004,out=12,expect=${hexLe32(0, 0, 0)}`,
  // Cancelled while marked (EvtRequestCancel only counts): Unmark → STATUS_CANCELLED, IsCanceled → TRUE,
  // MarkCancelableEx on a cancelled request → STATUS_CANCELLED (no second callback), one EvtRequestCancel call.
  `ioctl:\\\\.\\KmdfSync:0x222008,out=16,expect=${hexLe32(STATUS_CANCELLED, 1, STATUS_CANCELLED, 1)}`,
  // EvtDeviceWdmIrpPreprocess saw the three IOCTLs above (handing them back with WdfDeviceWdmDispatchPreprocessedIrp: they
  // reached the queue) and this one, which it completes itself with the count.
  `ioctl:\\\\.\\KmdfSync:0x222010,out=4,expect=${hexLe32(4)}`,
  // TestDispatching routed reads to a second queue (WdfDeviceConfigureRequestDispatching): its EvtIoRead
  // completes them with Information = Length; the default queue has no EvtIoRead and would fail them.
  "open:\\\\.\\KmdfSync,as=r", "read:r:8,expect=0000000000000000", "close:r",
];

function checkRun(r: { code: number; stdout: string; events: Record<string, unknown>[] }): void {
  assert.equal(r.code, 0, r.stdout);
  const ends = r.events.filter((e) => e.event === "step" && e.phase === "end");
  assert.equal(ends.length, 2 + steps.length, r.stdout);
  assert.deepEqual(ends.map((e) => e.ok), Array(ends.length).fill(true), r.stdout);
  const values = r.events.filter((e) => e.event === "return" && TESTS.includes(String(e.routine))).map((e) => `${String(e.routine)}=${String(e.value)}`);
  assert.deepEqual(values, TESTS.map((t) => `${t}=0x0`));
  // Locks and collections parented to the driver go with it at unload: no leak, no fault, no verifier finding.
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier"), []);
}

test("kmdf-sync: wait and spin locks, collections, added contexts and request cancellation behave as KMDF documents (checked in C), x64 and x86", async () => {
  checkRun(await simBothArches((arch) => ["--install", fixture(arch, "kmdfsync.sys"), "--", "start:kmdfsync", ...steps, "stop:kmdfsync"]));
});

test("kmdf-sync on ARM64: the same checks pass", async () => {
  const sys = fixture("arm64", "kmdfsync.sys");
  // An ARM64 image indeed (llvm-readobj, independent of kmdll's PE parser).
  assert.match(tool("llvm-readobj", ["--file-headers", sys]).stdout, /IMAGE_FILE_MACHINE_ARM64/);
  const r = await runCli(["sim", "--json", "--install", sys, "--", "start:kmdfsync", ...steps, "stop:kmdfsync"]);
  checkRun({ code: r.code, stdout: r.stdout + r.stderr, events: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) });
});

test("kmdf-sync: bad arguments are KMDF verifier bug checks (WDF_VIOLATION 0x10D) or a deadlock report, on x64 and x86", async () => {
  for (const [routine, kind, pattern] of [
    ["BadWaitLockHandle", "bugcheck", /WdfWaitLockAcquire: Lock 0x[0-9a-f]+ is not a live WDF waitLock handle/],
    ["BadCollectionNull", "bugcheck", /WdfCollectionCreate: Collection is NULL/],
    ["BadAllocateContextNull", "bugcheck", /WdfObjectAllocateContext: ContextAttributes is NULL/],
    ["BadDispatchingQueue", "bugcheck", /WdfDeviceConfigureRequestDispatching: Queue 0x[0-9a-f]+ is not a live WDF queue handle/],
    ["BadRegistryKey", "bugcheck", /WdfRegistryClose: Key 0x[0-9a-f]+ is not a live WDF key handle/],
    ["BadInterruptConfig", "bugcheck", /WdfInterruptCreate: Configuration is NULL/],
    ["BadRecursiveWaitLock", "deadlock", /WDFWAITLOCK 0x[0-9a-f]+ is already held by this thread/],
  ] as const) {
    const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfsync.sys"), "--", "start:kmdfsync", `call:kmdfsync.sys!${routine}`]);
    assert.equal(r.code, 1, r.stdout);
    const fault = r.events.find((e) => e.event === "fault");
    assert.ok(fault, r.stdout);
    assert.equal(fault.kind, kind, routine);
    if (kind === "bugcheck") assert.equal(fault.code, "0x0000010D", routine);
    assert.match(String(fault.message), pattern);
  }
});

test("kmdf-sync: binding a KMDF class extension kmdll does not model (WdfVersionBindClass, WindowsTrustedRT 1.0) is the loader's STATUS_OBJECT_NAME_NOT_FOUND with a warning naming the class", async () => {
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfsync.sys"), "--", "start:kmdfsync", "call:kmdfsync.sys!BindUnmodelledClass"]);
  assert.equal(r.code, 0, r.stdout);
  const ret = r.events.find((e) => e.event === "return" && e.routine === "BindUnmodelledClass");
  assert.equal(ret?.value, "0xc0000034", r.stdout);
  assert.ok(r.events.some((e) => e.event === "warning" && e.api === "wdfldr.sys!WdfVersionBindClass" && /KMDF class extension WindowsTrustedRT \(version 1\.0\.0;.*STATUS_OBJECT_NAME_NOT_FOUND/.test(String(e.message))), r.stdout);
  assert.deepEqual(r.events.filter((e) => e.event === "fault"), []);
});

test("overlapped IOCTL + cancel:H (CancelIo): the request left pending stays outstanding; IoCancelIrp reaches EvtRequestCancel, which completes it with STATUS_CANCELLED; x64 and x86", async () => {
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfsync.sys"), "--", "start:kmdfsync", "open:\\\\.\\KmdfSync,as=h",
    "ioctl:h:0x22200C,out=0,async", "cancel:h",
    // nothing outstanding any more: CancelIo's ERROR_NOT_FOUND
    "cancel:h,status=STATUS_NOT_FOUND", "close:h", "stop:kmdfsync"]);
  assert.equal(r.code, 0, r.stdout);
  const io = r.events.filter((e) => e.event === "io");
  const pended = io.find((e) => e.op === "ioctl");
  assert.ok(pended, r.stdout);
  assert.equal(pended.completed, false);
  assert.equal(pended.status, "0x00000103");
  const irp = /IRP (0x[0-9a-f]+)/.exec(String(pended.outstanding))?.[1];
  assert.ok(irp, JSON.stringify(pended));
  const cancels = io.filter((e) => e.op === "cancel");
  assert.equal(cancels.length, 2);
  assert.equal(cancels[0]!.cancelled, `IRP ${irp} → 0xC0000120`);
  assert.equal(cancels[1]!.status, "0xC0000225");
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  // Without async the same request is a step that fails: the program would wait forever.
  const sync = await runCli(["sim", "--install", fixture("x64", "kmdfsync.sys"), "--", "start:kmdfsync", "open:\\\\.\\KmdfSync,as=h", "ioctl:h:0x22200C,out=0"]);
  assert.equal(sync.code, 1, sync.stdout);
  assert.match(sync.stdout, /the IRP was not completed/);
  // async needs a handle; cancel takes nothing after the handle.
  for (const bad of ["ioctl:\\\\.\\KmdfSync:0x22200C,async", "cancel:h:1", "cancel:", "ioctl:h:0x22200C,async=1"]) {
    const b = await runCli(["sim", "--install", fixture("x64", "kmdfsync.sys"), "--", "start:kmdfsync", bad]);
    assert.equal(b.code, 2, `${bad}: ${b.stdout}${b.stderr}`);
  }
});
