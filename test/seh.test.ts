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
  // The backtrace follows the EBP chain (best effort) and names the export.
  assert.ok(k.fault!.backtrace.some((l) => /wdkseh\.sys\+0x[0-9a-f]+/.test(l)), k.fault!.backtrace.join("\n"));
});
