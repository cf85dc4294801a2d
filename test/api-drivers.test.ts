/**
 * The API layer on real drivers: examples/api-* are built from C by the real toolchain and run in
 * the emulator. Each test export checks its results in C and returns its number of failed checks
 * (every failure is DbgPrint'ed as "FAIL file:line: condition"). The printf driver's output is
 * compared with the host C library running the same cases (examples/api-printf/cases.h).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { allApis, apisByComponent } from "../src/emu/api/index.js";
import { apiCatalog } from "../src/emu/api/catalog.js";
import { loadRegistry, runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { callBothArches } from "./arch-compare.js";
import { RANKED } from "./ranked.js";

/** Every API the drivers called in this file (checked against allApis by the last test). */
const exercised = new Set<string>();

function call(file: string, exp: string, args: bigint[] = [], registry?: string): CallImageResult {
  const r = callBothArches(file, exp, args, () => ({ apis: allApis, trace: true, ...(registry ? { registry: loadRegistry(registry) } : {}) }));
  for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  if (r.fault?.api) exercised.add(r.fault.api.replace(/^.*!/, ""));
  return r;
}
const texts = (r: CallImageResult, module?: string) =>
  r.events.filter((e) => e.event === "dbgprint" && (!module || e.module === module)).map((e) => (e as { text: string }).text);
const warnings = (r: CallImageResult) => r.events.filter((e) => e.event === "warning").map((e) => (e as { message: string }).message);
const apisCalled = (r: CallImageResult) => new Set(r.events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api.replace(/^.*!/, "")));

/** Run a self-checking export: it must return 0 with no FAIL line, no fault and no leak. */
function selfCheck(file: string, exp: string, registry?: string): CallImageResult {
  const r = call(file, exp, [], registry);
  const fails = texts(r).filter((t) => t.startsWith("FAIL"));
  assert.equal(r.fault, null, `${exp}: ${r.fault?.kind}: ${r.fault?.message}`);
  assert.equal(r.failure, null);
  assert.deepEqual(fails, [], `${exp} failed checks`);
  assert.equal(r.value, 0n, `${exp} returned ${r.value}`);
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  return r;
}

const RTL = ["TestInitCopyAppend", "TestCompare", "TestConvert", "TestCase", "TestIntegers", "TestMemory", "TestVersion", "TestMore"];
const CRT = ["TestMem", "TestStr", "TestWide", "TestPrintf", "TestSort", "TestMore"];
const SYNC = ["TestPool", "TestFastMutex", "TestSpinLocks", "TestEvents", "TestMutexSemaphore", "TestIrqlExports", "TestTime", "TestProcess", "TestMm", "TestObjects", "TestResources", "TestMisc"];
const REG = ["TestRegistry", "TestQueryBuffers", "TestEnumerate"];

test("apirtl.sys: Rtl string, conversion, memory and version routines", () => {
  const called = new Set<string>();
  for (const e of RTL) for (const a of apisCalled(selfCheck("apirtl.sys", e))) called.add(a);
  for (const a of ["RtlInitUnicodeString", "RtlCopyUnicodeString", "RtlAppendUnicodeStringToString", "RtlAnsiStringToUnicodeString", "RtlUnicodeStringToAnsiString", "RtlFreeUnicodeString", "RtlCompareMemory", "RtlCopyMemory", "RtlMoveMemory", "RtlZeroMemory", "RtlFillMemory", "RtlGetVersion", "RtlUpcaseUnicodeString", "RtlIntegerToUnicodeString", "RtlUnicodeStringToInteger"])
    assert.ok(called.has(a), `${a} was not called by the driver`);
});

test("apicrt.sys: ntoskrnl's CRT exports, sprintf family and qsort/bsearch with a guest comparator", () => {
  const called = new Set<string>();
  for (const e of CRT) for (const a of apisCalled(selfCheck("apicrt.sys", e))) called.add(a);
  for (const a of ["memcpy", "memmove", "memset", "memcmp", "memchr", "strlen", "strcpy", "strncpy", "strcat", "strcmp", "strncmp", "strchr", "strrchr", "strstr", "_stricmp", "_strnicmp", "wcslen", "wcscpy", "wcsncpy", "wcscat", "wcscmp", "wcsncmp", "wcschr", "wcsrchr", "wcsstr", "_wcsicmp", "_wcsnicmp", "toupper", "tolower", "towupper", "towlower", "sprintf", "_snprintf", "_vsnprintf", "swprintf", "_snwprintf", "_vsnwprintf", "qsort", "bsearch"])
    assert.ok(called.has(a), `${a} was not called by the driver`);
});

test("apisync.sys: pool, fast mutexes, spin locks, events, mutexes, semaphores, IRQL, time, Ps/Io/Mm/Ob", () => {
  const called = new Set<string>();
  const warned: string[] = [];
  for (const e of SYNC) {
    const r = selfCheck("apisync.sys", e);
    for (const a of apisCalled(r)) called.add(a);
    warned.push(...warnings(r));
  }
  for (const a of ["ExAllocatePoolWithTag", "ExAllocatePool", "ExAllocatePoolWithQuotaTag", "ExAllocatePool2", "ExFreePool", "ExFreePoolWithTag", "ExAcquireFastMutex", "ExReleaseFastMutex", "ExTryToAcquireFastMutex", "KeAcquireSpinLockRaiseToDpc", "KeReleaseSpinLock", "KeAcquireSpinLockAtDpcLevel", "KeReleaseSpinLockFromDpcLevel", "KeInitializeEvent", "KeSetEvent", "KeResetEvent", "KeClearEvent", "KeReadStateEvent", "KeWaitForSingleObject", "KeQueryPerformanceCounter", "KeDelayExecutionThread", "KeStallExecutionProcessor", "KeGetCurrentIrql", "KfRaiseIrql", "KeLowerIrql", "KeRaiseIrqlToDpcLevel", "PsGetCurrentProcessId", "PsGetCurrentThreadId", "IoGetCurrentProcess", "MmGetSystemRoutineAddress", "MmIsAddressValid", "ObfReferenceObject", "ObfDereferenceObject"])
    assert.ok(called.has(a), `${a} was not called by the driver`);
  // MmGetSystemRoutineAddress searches only ntoskrnl and hal: a name the driver itself exports is NULL, with a warning
  assert.ok(warned.some((w) => /MmGetSystemRoutineAddress\("DllInitialize"\) returns NULL.*apisync\.sys exports it/.test(w)), warned.join("\n"));
  // an invalid ExAllocatePool2 flag combination is a warning, not a crash
  assert.ok(warned.some((w) => /ExAllocatePool2: invalid flags 0x140/.test(w)));
});

test("apisync.sys: synchronization misuse ends in fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["DeadlockWait", "deadlock", /KeWaitForSingleObject: waiting forever/],
    ["FastMutexTwice", "deadlock", /ExAcquireFastMutex.*already held by the current thread/],
    ["SpinLockTwice", "deadlock", /spin lock .* is already held/],
    ["LowerIrqlUp", "bugcheck", /KeLowerIrql: IRQL_NOT_LESS_OR_EQUAL/],
    ["AssertFails", "bugcheck", /assertion failed: Count > 0 \(apisync\.c:42\)/],
    ["BugCheckPlain", "bugcheck", /^KeBugCheck\(0xDEADDEAD\)/],
    ["BugCheckWithParameters", "bugcheck", /^KeBugCheckEx\(0x000000E2, 0x1, 0xffff, 0x0, 0x1234\)/],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call("apisync.sys", exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.message}`);
    assert.match(r.fault!.message, re);
    assert.match(r.fault!.rip, new RegExp(`^apisync\\.sys\\+0x[0-9a-f]+`, "i"));
    // A recursive acquire by the thread itself hangs Windows too (kmdll triage: driver-fault); a wait
    // on an event nothing signals may be kmdll's single emulated world (kmdll-gap).
    if (kind === "deadlock") assert.equal(r.fault!.extra?.["selfDeadlock"], exp === "DeadlockWait" ? undefined : true, exp);
  }
});

test("apireg.sys: Zw registry routines; DllInitialize reads the values a .reg file seeded", () => {
  const reg = repoPath("examples", "api-registry", "apireg.reg");
  for (const e of REG) {
    const r = selfCheck("apireg.sys", e, reg);
    assert.deepEqual(texts(r).slice(0, 2), ["apireg: Greeting=hello from the .reg file\n", "apireg: Level=42\n"]);
  }
  // The value comes from the .reg file: change it there and the driver sees the change.
  const dir = mkdtempSync(join(tmpdir(), "kmdll-apireg-"));
  try {
    const alt = join(dir, "alt.reg");
    writeFileSync(alt, "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\apireg\\Parameters]\r\n\"Level\"=dword:00000d05\r\n");
    assert.equal(call("apireg.sys", "ReadSeededLevel", [], alt).value, 0xd05n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const none = call("apireg.sys", "ReadSeededLevel");
  assert.equal(BigInt.asIntN(32, none.value!), -1n);
  assert.match(texts(none)[0]!, /^apireg: no service key \\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\apireg \(0xC0000034\)/);
  const r = call("apireg.sys", "OpenWithoutKernelHandle");
  assert.equal(r.value, 0n);
  assert.ok(warnings(r).some((w) => /without OBJ_KERNEL_HANDLE/.test(w)));
});

test("apiprintf.sys: DbgPrint, _snprintf and vDbgPrintEx print cases.h exactly like the host C library", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-cases-"));
  try {
    const src = join(dir, "host.c");
    writeFileSync(src, `#include <stdio.h>\n#define CASE(...) printf(__VA_ARGS__); putchar('\\n');\nint main(void) {\n#include "${repoPath("examples", "api-printf", "cases.h")}"\nreturn 0;\n}\n`);
    tool("clang", ["-w", "-o", join(dir, "host"), src]);
    const expected = tool(join(dir, "host"), []).stdout.split("\n").slice(0, -1);
    assert.ok(expected.length >= 20);
    for (const exp of ["PrintShared", "SnprintfShared", "VPrintShared"]) {
      const r = call("apiprintf.sys", exp);
      assert.equal(r.fault, null, r.fault?.message);
      assert.equal(Number(r.value), expected.length);
      assert.deepEqual(texts(r, "apiprintf.sys"), expected, exp);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("apiprintf.sys: the Windows-only conversions and DbgPrintEx levels", () => {
  // Expected text written from the documented meaning of each conversion (MS printf/DbgPrint docs),
  // per arch: %p is pointer-sized (16 hex digits on x64, 8 on x86) and the C's 64-bit kernel
  // addresses, cast to PVOID / ULONG_PTR, keep their low 32 bits (0) on x86.
  const expected = (x86: boolean) => [
    "mydriver|ansi|myd|mydriver  |",
    "wide|wide|wide|narrow|narrow",
    "W|n|L|w|h",
    x86 ? "00001234|00000000" : "0000000000001234|FFFFF80100000000",
    "123456789abcdef0|123456789ABCDEF0|-5|18446744073709551615",
    `${x86 ? "0" : "fffff80000000000"}|-1|4294967295|abcd|77|ff`,
    "(null)|(null)|(null)|(null)|(null)",
    "%y|%k|%|%|end",
    "left        |       right|",
    x86 ? "0X00000ABC" : "0X0000000000000ABC",
  ];
  for (const arch of ["x64", "x86"] as const) {
    const r = callImage(fixture(arch, "apiprintf.sys"), "PrintKernel", [], { apis: allApis, trace: true });
    for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
    assert.equal(r.fault, null, r.fault?.message);
    assert.equal(r.value, 10n);
    assert.deepEqual(texts(r), expected(arch === "x86"), arch);
  }
  const ex = call("apiprintf.sys", "PrintEx", [77n]);
  const prints = ex.events.filter((e) => e.event === "dbgprint") as { text: string; level?: number; component?: number }[];
  assert.deepEqual(
    prints.map((p) => [p.text, p.component, p.level]),
    [
      ["ex: error 77\n", 77, 0],
      ["ex: info text\n", 77, 3],
      ["[apiprintf] prefixed 4d\n", 77, 1],
    ],
  );
});

test("kmdll call --registry on the registry example (CLI)", async () => {
  const r = await runCli(["call", fixture("x64", "apireg.sys"), "ReadSeededLevel", "--registry", repoPath("examples", "api-registry", "apireg.reg")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /apireg: Greeting=hello from the \.reg file/);
  assert.match(r.stdout, /ReadSeededLevel returned 42 \(0x2A\)/);
  const bad = await runCli(["call", fixture("x64", "apireg.sys"), "ReadSeededLevel", "--registry", repoPath("test", "fixtures", "x64", "apireg.sys")]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^kmdll: .*apireg\.sys:1:1: not a \.reg file \(binary data\)/, bad.stderr);
});

for (const arch of ["x64", "x86"] as const)
test(`apiio.sys (${arch}): I/O manager — devices, links, stacks, IOCTL methods, FSD requests, completion routines, pending IRPs (started as a service)`, () => {
  // The I/O tests need a DRIVER_OBJECT: the driver is started in a simulation, then its exports are called.
  const events: TraceEvent[] = [];
  const tests = ["TestDevices", "TestIoctls", "TestFsd", "TestPendingAndAllocated"];
  const r = runSimulation({
    install: [fixture(arch, "apiio.sys")],
    steps: [{ kind: "start", name: "apiio" }, ...tests.map((t) => ({ kind: "call" as const, module: "apiio.sys", routine: t, args: [], expect: 0n })), { kind: "stop", name: "apiio" }],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  const fails = events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
  assert.deepEqual(fails, []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "warning"), []);
  // Every IoCallDriver is traced; the filter's IRPs reach the lower device's dispatch routine inside apiio.sys.
  const irps = events.filter((e) => e.event === "irp") as { to?: string; dispatch?: string; from?: string }[];
  assert.ok(irps.length > 20, `${irps.length} irp events`);
  assert.ok(irps.every((e) => e.from === "apiio.sys" && /^apiio\.sys\+0x[0-9a-f]+$/.test(e.dispatch ?? "")));
  assert.ok(irps.some((e) => e.to === "\\Device\\ApiIoLower") && irps.some((e) => e.to === "apiio.sys (unnamed device)"));
});

test("wdkgs.sys (MSVC mode, /GS): __chkstk (x86: _alloca_probe, which also lowers ESP) probes a 12 KiB frame and keeps RAX; a 96 KiB frame is a stack overflow", () => {
  // call() runs the x86 build too and compares (the x86 probe's api event is not compared).
  const r = call("wdkgs.sys", "WdkGsSum", [7n, 3n]);
  assert.equal(r.fault, null, r.fault?.message);
  assert.ok(r.events.some((e) => e.event === "api" && e.api === "ntoskrnl.exe!__chkstk"), "the 12 KiB frame was probed");
  // WdkGsChecksum(7, 3) recomputed here: the frame __chkstk probed really held the buffer.
  const buf = Array.from({ length: 12 * 1024 }, (_, i) => (7 + i * 7) & 0xff);
  let sum = 7;
  for (let k = 0; k < 3; k++) for (let i = 0; i < buf.length; i += 64) sum = (Math.imul(sum, 31) + buf[i]!) >>> 0;
  assert.equal(r.value, BigInt(sum));
  const x86 = callImage(fixture("x86", "wdkgs.sys"), "WdkGsSum", [7n, 3n], { apis: allApis, trace: true });
  assert.ok(x86.events.some((e) => e.event === "api" && e.api === "ntoskrnl.exe!_alloca_probe"), "x86: the 12 KiB frame was probed and allocated by _alloca_probe");
  exercised.add("_alloca_probe");
  // The frame's size differs by arch (98352 bytes on x64, 98308 on x86): each arch on its own.
  for (const [arch, probe] of [["x64", "__chkstk"], ["x86", "_alloca_probe"]] as const) {
    const huge = callImage(fixture(arch, "wdkgs.sys"), "WdkGsHuge", [1n], { apis: allApis });
    assert.equal(huge.fault?.kind, "stack-overflow", arch);
    assert.match(huge.fault!.message, new RegExp(`${probe} probe of a 98\\d+-byte frame touches 0x[0-9a-f]+, below the kernel stack`));
  }
});

test("wdkseh.sys (MSVC mode): structured exception handling — raise, probe, CPU faults, unwind, own handlers (details in seh.test.ts)", () => {
  for (const t of ["TestRaiseExcept", "TestFinally", "TestFilterSearch", "TestNestedFrames", "TestContinueExecution", "TestProbe", "TestCpuFault", "TestStackWalk", "TestOwnHandler"]) selfCheck("wdkseh.sys", t);
});

/** Families whose examples run in this file (the newer ones run in test/api-breadth.test.ts). */
const FAMILIES = ["crt", "dbg", "ex", "hal", "io", "ke", "mm", "ob", "ps", "rtl", "zw", "except", "stack"];

test("every implemented API was called by an example driver above", () => {
  // x86-only exports (KfLowerIrql, KeQueryTickCount, ...): an x64 driver cannot reach them, and
  // apisync.sys checks on x64 that MmGetSystemRoutineAddress finds none of them.
  const x86Only = new Set(apiCatalog().filter((e) => !e.arches.includes("x64")).map((e) => e.name));
  // IoCreateUnprotectedSymbolicLink: examples/qa-quickwins calls it (test/qa-quickwins.test.ts);
  // the routines held-out drivers of helper "fresh6" stopped at: examples/qa-fresh6 (test/qa-fresh6.test.ts);
  // wcstoul: examples/api-loadgaps (test/api-loadgaps.test.ts); sqrt: examples/api-fresh (test/api-fresh.test.ts);
  // ZwDisplayString: examples/qa-x86hooks (test/qa-x86hooks.test.ts).
  const elsewhere = new Set(["IoCreateUnprotectedSymbolicLink", "RtlSuffixUnicodeString", "MmQuerySystemSize", "wcstoul", "sqrt", "ZwDisplayString",
    "ExEnterCriticalRegionAndAcquireResourceExclusive", "ExEnterCriticalRegionAndAcquireResourceShared", "ExReleaseResourceAndLeaveCriticalRegion"]);
  const mine = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !a.stub && !x86Only.has(a.name) && !RANKED.has(a.name) && !elsewhere.has(a.name));
  const missing = [...new Set(mine.map((a) => a.name))].filter((n) => !exercised.has(n)).sort();
  assert.deepEqual(missing, [], "implemented but never called by examples/api-*");
});
