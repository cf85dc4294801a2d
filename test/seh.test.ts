/**
 * Structured exception handling on a driver built in MSVC mode (examples/wdk-seh: clang
 * --target=x86_64-pc-windows-msvc -fms-extensions -fasync-exceptions): __try/__except/__finally
 * scope tables run by kmdll's __C_specific_handler, ExRaiseStatus/RtlRaiseException, ProbeForRead/
 * ProbeForWrite, CPU faults on user addresses inside __try, RtlCaptureContext/RtlLookupFunctionEntry/
 * RtlVirtualUnwind, a frame with the driver's own language handler calling RtlUnwindEx, and unhandled exceptions as KMODE_EXCEPTION_NOT_HANDLED reports. Each Test*
 * export checks its results in C (0 = all checks passed); the scope tables are cross-checked
 * with llvm-readobj's unwind dump.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callImage } from "../src/sim/call.js";
import { allApis } from "../src/emu/api/index.js";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, runCli, tool } from "./helpers.js";

const SEH = fixture("x64", "wdkseh.sys");

function run(exp: string) {
  return callImage(SEH, exp, [], { apis: allApis, trace: true });
}

const TESTS = ["TestRaiseExcept", "TestFinally", "TestFilterSearch", "TestNestedFrames", "TestContinueExecution", "TestProbe", "TestCpuFault", "TestStackWalk", "TestOwnHandler"];

test("wdkseh.sys is an MSVC-style SEH image: __C_specific_handler is the language handler of its __try functions (llvm-readobj)", () => {
  const out = tool("llvm-readobj", ["--unwind", "--coff-imports", SEH]).stdout;
  assert.match(out, /Symbol: __C_specific_handler/);
  assert.match(out, /Handler: __C_specific_handler|ExceptionHandler: __C_specific_handler|Handler: .*0x/);
  assert.match(out, /Flags \[.*ExceptionHandler/s);
});

for (const t of TESTS) {
  test(`wdkseh.sys!${t}: the driver's own checks pass`, () => {
    const r = run(t);
    const fails = r.events.filter((e) => e.event === "dbgprint" && String((e as { text: string }).text).startsWith("FAIL")).map((e) => (e as { text: string }).text);
    assert.equal(r.fault, null, r.fault ? `${r.fault.kind}: ${r.fault.message}\n${r.fault.backtrace.join("\n")}` : "");
    assert.deepEqual(fails, []);
    assert.equal(r.value, 0n);
  });
}

test("the exception routines were really called (trace)", () => {
  const called = new Set<string>();
  for (const t of TESTS) for (const e of run(t).events) if (e.event === "api") called.add(e.api.replace(/^.*!/, ""));
  for (const name of ["ExRaiseStatus", "ExRaiseAccessViolation", "ExRaiseDatatypeMisalignment", "RtlRaiseException", "ProbeForRead", "ProbeForWrite", "RtlCaptureContext", "RtlLookupFunctionEntry", "RtlVirtualUnwind", "RtlUnwindEx", "__C_specific_handler"]) assert.ok(called.has(name), name);
});

test("an exception no handler takes is a KMODE_EXCEPTION_NOT_HANDLED (0x1E) report naming the raise site", () => {
  const r = run("UnhandledRaise");
  assert.equal(r.fault?.kind, "bugcheck");
  assert.match(r.fault!.message, /^KMODE_EXCEPTION_NOT_HANDLED \(0x1E\): exception 0xE0001234 raised by ntoskrnl!ExRaiseStatus called from wdkseh\.sys\+0x[0-9a-f]+ was not handled/);
  const p = run("UnhandledProbe");
  assert.equal(p.fault?.kind, "bugcheck");
  assert.match(p.fault!.message, /exception 0xC0000005 \(STATUS_ACCESS_VIOLATION\) raised by ProbeForRead\(0xfffff80000001000, 16\): the range is not in user space/);
});

test("an invalid kernel address inside __try is not dispatched: the fault report stays (Windows: PAGE_FAULT_IN_NONPAGED_AREA)", () => {
  const r = run("UnhandledKernelFault");
  assert.equal(r.fault?.kind, "invalid-read");
  assert.match(r.fault!.message, /invalid read of 4 byte\(s\) at 0xfffff8ff00000000/);
});

test("sim: the SEH tests run as call steps of a started export driver", async () => {
  const r = await runCli(["sim", "--json", "--install", SEH, "--", "start:wdkseh", ...TESTS.map((t) => `call:wdkseh.sys!${t}`)])
  const ends = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { event: string; routine?: string; value?: string });
  const values = ends.filter((e) => e.event === "return" && e.routine?.startsWith("Test")).map((e) => e.value);
  assert.equal(r.code, 0, r.stdout.slice(-2000));
  assert.deepEqual(values, TESTS.map(() => "0x0"));
});

// ---- x86: the same examples on the FS:[0] registration chain (src/emu/seh-x86.ts)
const SEH86 = fixture("x86", "wdkseh.sys");
const run86 = (exp: string) => callImage(SEH86, exp, [], { apis: allApis, trace: true });

test("x86 wdkseh.sys registers ntoskrnl's _except_handler3 in FS:[0] frames (llvm-objdump: fs:0 stores, the import)", () => {
  const imports = tool("llvm-readobj", ["--coff-imports", SEH86]).stdout;
  assert.match(imports, /Symbol: _except_handler3/);
  const dis = tool("llvm-objdump", ["-d", "--no-show-raw-insn", SEH86]).stdout;
  assert.match(dis, /movl\s+%e[a-d]x, %fs:0/);
});

for (const t of TESTS) {
  test(`x86 wdkseh.sys!${t}: the driver's own checks pass, as on x64`, () => {
    const r = run86(t);
    const fails = r.events.filter((e) => e.event === "dbgprint" && String((e as { text: string }).text).startsWith("FAIL")).map((e) => (e as { text: string }).text);
    assert.equal(r.fault, null, r.fault ? `${r.fault.kind}: ${r.fault.message}\n${r.fault.backtrace.join("\n")}` : "");
    assert.deepEqual(fails, []);
    assert.equal(r.value, 0n);
  });
}

test("x86: the exception routines were really called (trace)", () => {
  const called = new Set<string>();
  for (const t of TESTS) for (const e of run86(t).events) if (e.event === "api") called.add(e.api.replace(/^.*!/, ""));
  for (const name of ["ExRaiseStatus", "ExRaiseAccessViolation", "ExRaiseDatatypeMisalignment", "RtlRaiseException", "ProbeForRead", "ProbeForWrite", "RtlCaptureContext", "RtlUnwind", "_except_handler3"]) assert.ok(called.has(name), name);
});

test("x86: unhandled exceptions are the same 0x1E reports; an invalid kernel address inside __try stays a fault report", () => {
  const r = run86("UnhandledRaise");
  assert.equal(r.fault?.kind, "bugcheck");
  assert.match(r.fault!.message, /^KMODE_EXCEPTION_NOT_HANDLED \(0x1E\): exception 0xE0001234 raised by ntoskrnl!ExRaiseStatus called from wdkseh\.sys\+0x[0-9a-f]+ was not handled/);
  const p = run86("UnhandledProbe");
  assert.match(p.fault!.message, /exception 0xC0000005 \(STATUS_ACCESS_VIOLATION\) raised by ProbeForRead\(0x80001000, 16\): the range is not in user space \(ends above MmUserProbeAddress 0x7fff0000\)/);
  const k = run86("UnhandledKernelFault");
  assert.equal(k.fault?.kind, "invalid-read");
  assert.match(k.fault!.message, /invalid read of 4 byte\(s\) at 0x0*e0000000/);
  // The backtrace (best effort on x86): the faulting leaf has no frame pointer; its caller, found
  // from the return address at [ESP] after a call instruction, is the export.
  assert.ok(k.fault!.backtrace.some((l) => /UnhandledKernelFault\+0x[0-9a-f]+/.test(l)), k.fault!.backtrace.join("\n"));
});

// A driver with a load-config SafeSEH table (written in assembler as link.exe /SAFESEH would, since
// lld-link refuses /safeseh with mingw-w64's import objects) listing only the __try frames' handler.
const SAFE_C = `#include <ntddk.h>
/* IMAGE_LOAD_CONFIG_DIRECTORY32 (winnt.h) up to SEHandlerCount: the linker fills the SafeSEH table. */
typedef struct { ULONG Size, TimeDateStamp; USHORT MajorVersion, MinorVersion; ULONG GlobalFlagsClear, GlobalFlagsSet,
  CriticalSectionDefaultTimeout, DeCommitFreeBlockThreshold, DeCommitTotalFreeThreshold, LockPrefixTable,
  MaximumAllocationSize, VirtualMemoryThreshold, ProcessHeapFlags, ProcessAffinityMask; USHORT CSDVersion,
  DependentLoadFlags; ULONG EditList, SecurityCookie, SEHandlerTable, SEHandlerCount; } LOAD_CONFIG32;
/* The SafeSEH table, written as link.exe /SAFESEH would: the RVAs of the registered handlers (here
 * only __except_handler3, the import thunk the __try frames register). */
extern const ULONG SafeTable[];
__asm__(".section .rdata,\\"dr\\"\\n.p2align 2\\n.globl _SafeTable\\n_SafeTable:\\n.rva __except_handler3\\n.text\\n");
const LOAD_CONFIG32 _load_config_used = { sizeof(LOAD_CONFIG32), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  (ULONG)SafeTable, 1 };
unsigned long __cdecl _exception_code(void);

/* A __try frame: its handler (_except_handler3's thunk) is in the SafeSEH table. */
ULONG NTAPI Listed(void)
{
    ULONG code = 0;
    __try { ExRaiseStatus(0xE0000001); } __except (1) { code = _exception_code(); }
    return code;
}

/* A frame registered by hand with a handler the table does not list. */
EXCEPTION_DISPOSITION __cdecl Unlisted(PEXCEPTION_RECORD r, PVOID f, PCONTEXT c, PVOID d) { return ExceptionContinueSearch; }
ULONG NTAPI NotListed(void)
{
    ULONG old;
    __asm__ volatile("pushl %1\\n\\tpushl %%fs:0\\n\\tmovl %%esp, %%fs:0\\n\\t" : "=m"(old) : "r"(Unlisted) : "memory");
    ExRaiseStatus(0xE0000002);
    return 1;
}

static VOID NTAPI Unload(PDRIVER_OBJECT d) { UNREFERENCED_PARAMETER(d); }
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r)
{
    UNREFERENCED_PARAMETER(r);
    d->DriverUnload = Unload;
    DbgPrint("safeseh: Listed -> 0x%lx\\n", Listed());
    return NotListed() ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
`;

test("x86 /SAFESEH: a handler the image's table lists is called; one it does not list is not (warning, 0x1E), as RtlIsValidHandler decides", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-safeseh-"));
  try {
    writeFileSync(join(dir, "safe.c"), SAFE_C);
    writeFileSync(join(dir, "sources"), "TARGETNAME=safe\nTARGETTYPE=DRIVER\nSOURCES=safe.c\nUSER_C_FLAGS=-fms-extensions\n");
    const b = await runCli(["build", ".", "--arch", "x86", "--no-check"], { cwd: dir });
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const sys = join(dir, "out", "x86", "safe.sys");
    assert.match(tool("llvm-readobj", ["--coff-load-config", sys]).stdout, /SEHandlerCount: 1/);
    const r = await runCli(["sim", "--install", sys, "--", "start:safe"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /safeseh: Listed -> 0xe0000001/);
    assert.match(r.stdout, /warning {2}exception 0xE0000002: the handler safe\.sys\+0x[0-9a-f]+ is not in safe\.sys's \/SAFESEH table \(1 handler\(s\)\); the exception is not dispatched to it/);
    assert.match(r.stdout, /KMODE_EXCEPTION_NOT_HANDLED \(0x1E\): exception 0xE0000002 raised by ntoskrnl!ExRaiseStatus/);
    // IMAGE_DLLCHARACTERISTICS_NO_SEH on the x86 wdkseh.sys: none of its handlers may be called.
    const img = readFileSync(SEH86);
    const pe = img.readUInt32LE(0x3c);
    img.writeUInt16LE(img.readUInt16LE(pe + 24 + 70) | 0x400, pe + 24 + 70);
    const noseh = join(dir, "noseh.sys");
    writeFileSync(noseh, img);
    const n = callImage(noseh, "TestRaiseExcept", [], { apis: allApis, trace: true });
    assert.equal(n.fault?.kind, "bugcheck");
    assert.ok(n.events.some((e) => e.event === "warning" && /is marked IMAGE_DLLCHARACTERISTICS_NO_SEH/.test(String((e as { message: string }).message))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
