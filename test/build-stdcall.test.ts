// The WDK's x86 default calling convention (docs/build.md, "x86 calling convention"): kmdll builds
// x86 `sources` projects with /Gz unless 386_STDCALL=0 or /Gd says otherwise, as i386mk.inc does.
// examples/wdk-stdcall declares routines and callbacks without NTAPI, calls a C routine from MASM
// by its stdcall name, and defines DRIVER_DISPATCH routines in a file that does not see their
// declaration (OpenXT's xenevtchn): it links and runs only with the stdcall default. gzold opts
// out and calls a kernel routine by its cdecl name (a build warning) and has a cdecl DriverUnload
// (a verifier warning in sim). Results are cross-checked with llvm-nm and llvm-readobj.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoPath, runCli, tool } from "./helpers.js";
import { parseSources } from "../src/toolchain/sources.js";
import { x86CallDefault } from "../src/toolchain/call-convention.js";
import { conventionMismatchMessage, x86ConventionMismatches } from "../src/toolchain/kernel-implib.js";

function copyTree(): string {
  const ws = mkdtempSync(join(tmpdir(), "kmdll-gz-"));
  after(() => rmSync(ws, { recursive: true, force: true }));
  cpSync(repoPath("examples", "wdk-stdcall"), ws, { recursive: true });
  return ws;
}

const defined = (dir: string) =>
  readdirSync(dir).filter((f) => f.endsWith(".obj")).flatMap((f) => [...tool("llvm-nm", [join(dir, f)]).stdout.matchAll(/^[0-9a-f]+ T (\S+)$/gm)].map((m) => m[1]!)).sort();

test("sources: x86 compiles stdcall by default (i386mk.inc), 386_STDCALL=0 and USER_C_FLAGS /Gd opt out, C_DEFINES /Gd does not", () => {
  const base = "TARGETNAME=a\nTARGETTYPE=DRIVER\nSOURCES=a.c\n";
  const conv = (text: string, arch: "x86" | "x64" = "x86") => {
    const p = parseSources(text, { arch }).project!;
    const all = [...p.defines, ...p.userCFlags];
    const last = all.filter((a) => a.startsWith("-fdefault-calling-conv=")).pop();
    return { conv: last?.slice("-fdefault-calling-conv=".length), stdCall: p.versionDefines.includes("-DSTD_CALL") };
  };
  assert.deepEqual(conv(base), { conv: "stdcall", stdCall: true });
  assert.deepEqual(conv(base, "x64"), { conv: undefined, stdCall: false }, "x64: one convention, no /Gz");
  assert.deepEqual(conv(base + "386_STDCALL=0\n"), { conv: "cdecl", stdCall: false });
  assert.deepEqual(conv(base + "386_STDCALL=1\n"), { conv: "stdcall", stdCall: true });
  assert.deepEqual(conv(base + "USER_C_FLAGS=/Gd\n"), { conv: "cdecl", stdCall: true }, "USER_C_FLAGS comes after MSC_CALL_TYPE");
  assert.deepEqual(conv(base + "C_DEFINES=/Gd\n"), { conv: "stdcall", stdCall: true }, "C_DEFINES comes before MSC_CALL_TYPE");
  assert.deepEqual(conv(base + "386_STDCALL=0\nUSER_C_FLAGS=/Gz\n"), { conv: "stdcall", stdCall: false });
  assert.match(x86CallDefault("2").warning ?? "", /\/Gr/);
  const w = parseSources(base + "386_STDCALL=2\n", { arch: "x86" }).diagnostics.filter((d) => d.severity === "warning");
  assert.equal(w.length, 1);
  assert.equal(w[0]!.line, 4);
});

test("kernel imports: an x86 cdecl reference to a stdcall export (and the reverse) is reported, helpers and matching names are not", () => {
  const m = x86ConventionMismatches(["__imp__ExInitializePushLock", "_KeStallExecutionProcessor@4", "__alldiv", "_strlen", "_wcslen@4", "@ExfReleasePushLock@8", "_GzLocal", "__snprintf@0"]);
  assert.deepEqual(m.map((x) => [x.symbol, x.referenced, x.exported, x.argBytes]), [
    ["__imp__ExInitializePushLock", "cdecl", "stdcall", 4],
    ["_wcslen@4", "stdcall", "cdecl", undefined],
    ["__snprintf@0", "stdcall", "cdecl", undefined],
  ]);
  assert.match(conventionMismatchMessage(m[0]!), /^__imp__ExInitializePushLock calls ntoskrnl\.exe's ExInitializePushLock as cdecl, but it is exported stdcall \(_ExInitializePushLock@4: the routine pops 4 bytes/);
  assert.match(conventionMismatchMessage(m[1]!), /as stdcall, but it is exported cdecl \(_wcslen:/);
});

test("wdk-stdcall tree (x86): builds with the WDK's /Gz default, runs in sim; gzold's opt-out is reported at build and at run time", async () => {
  const ws = copyTree();
  const b = await runCli(["build", ".", "--arch", "x86", "--install", "root"], { cwd: ws });
  assert.equal(b.code, 0, b.stdout + b.stderr);
  for (const p of ["gzlib", "gzdrv", "gzold"]) assert.match(b.stdout, new RegExp(`^${p} \\(x86\\): compiled .*check: clean$`, "m"));
  const obj = (p: string) => join(ws, "out", "obj", "x86", p);
  // Stdcall names for everything declared without a convention; the MASM routine defines its own.
  assert.deepEqual(defined(obj("gzlib")), ["_DllInitialize@4", "_DllUnload@0", "_DriverEntry@8", "_GzCallCount@0", "_GzScale@4", "_GzSum3@12", "_GzSum@8", "_GzTwice@4"]);
  // A call through GzScale's declaration without a prototype is `_GzScale@0`: bound to the routine.
  assert.match(b.stderr, /^out\/x86\/gzlib\.sys: warning: _GzScale@0 is a call through a stdcall declaration without a prototype .*; bound to _GzScale@4, which the objects or libraries define$/m);
  assert.deepEqual(defined(obj("gzdrv")), ["_DriverEntry@8", "_GzDispatchCreateClose@8", "_GzDispatchIoctl@8", "_GzUnload@4"]);
  // gzold (386_STDCALL=0): cdecl.
  assert.deepEqual(defined(obj("gzold")), ["_DriverEntry@8", "_GzOldSession", "_GzOldUnload"]);
  // The .def's undecorated names are the exports; importers reach them through the import library.
  const exports = [...tool("llvm-readobj", ["--coff-exports", join(ws, "out", "x86", "gzlib.sys")]).stdout.matchAll(/Name: (\S+)/g)].map((m) => m[1]!);
  assert.deepEqual(exports, ["DllInitialize", "DllUnload", "GzCallCount", "GzSum", "GzSum3", "_GzTwice@4"]);
  const imports = tool("llvm-readobj", ["--coff-imports", join(ws, "out", "x86", "gzdrv.sys")]).stdout;
  assert.match(imports, /Name: gzlib\.sys[\s\S]*Symbol: GzSum3 /);
  // GzTwice (__declspec(dllexport), not in the .def) is imported by its decorated export name.
  assert.match(imports, /Name: gzlib\.sys[\s\S]*Symbol: _GzTwice@4 /);
  // The reference by the cdecl name to a stdcall export: where, what, and that it was linked.
  assert.match(b.stderr, /^gzold\/gzold_session\.c:5:12: warning: _PsGetCurrentProcessSessionId calls ntoskrnl\.exe's PsGetCurrentProcessSessionId as cdecl, but it is exported stdcall \(_PsGetCurrentProcessSessionId@0: it takes no arguments, so only the names differ\);.* Linked anyway/m);
  assert.equal(b.stderr.match(/calls ntoskrnl\.exe's/g)?.length, 1, "only gzold's reference");

  const s = await runCli(["sim", "--root", "root", "start:gzdrv", "ioctl:\\\\.\\GzDrv:0x222000:010000000200000003000000,out=4", "stop:gzdrv", "start:gzold", "stop:gzold"], { cwd: ws });
  assert.equal(s.code, 0, s.stdout + s.stderr);
  // GzSum3 (MASM) checks that GzSum popped its arguments: 0xBAD0BAD otherwise.
  assert.match(s.stdout, /DbgPrint gzlib\.sys: gzlib: DllInitialize\(.*\): GzSum3\(1, 2, 3\) = 6, GzScale\(7\) = 70$/m);
  assert.match(s.stdout, /DbgPrint gzdrv\.sys: gzdrv: DriverEntry: GzSum\(40, 2\) = 42, GzTwice\(21\) = 42$/m);
  assert.match(s.stdout, /DbgPrint gzdrv\.sys: gzdrv: GzSum3\(1, 2, 3\) = 6$/m);
  assert.match(s.stdout, /ok {2}ioctl .* 4 byte\(s\) out: 06000000$/m);
  assert.match(s.stdout, /gzlib: DllUnload \(GzSum ran 6 times\)/);
  // Only gzold's DriverUnload is a cdecl callback.
  const cdecl = [...s.stdout.matchAll(/\[x86-cdecl-callback\] (\S+)/g)].map((m) => m[1]!);
  assert.deepEqual(cdecl, ["gzold.sys!DriverUnload"]);
  assert.match(s.stdout, /scenario passed: 5 step\(s\)/);
});

test("wdk-stdcall tree (x86) built cdecl (386_STDCALL=0) does not link, as with the WDK", async () => {
  const cdecl = async (projects: string[]) => {
    const ws = copyTree();
    for (const p of projects) writeFileSync(join(ws, p, "sources"), "386_STDCALL=0\n" + readFileSync(join(ws, p, "sources"), "utf8"));
    const b = await runCli(["build", ".", "--arch", "x86", "-k"], { cwd: ws });
    assert.equal(b.code, 1, b.stdout + b.stderr);
    return b.stdout + b.stderr;
  };
  const lib = await cdecl(["gzlib"]);
  assert.match(lib, /^gzlib \(x86\): FAILED \(link out\/x86\/gzlib\.sys\)/m);
  assert.match(lib, /undefined symbol: _GzSum@8\n>>> referenced by .*i386_gzsum3\.obj/, "the MASM routine's call");
  assert.match(lib, /undefined symbol: _GzSum3\n/, "C's call to the MASM routine");
  // The dispatch routines defined where their DRIVER_DISPATCH declaration is not seen (OpenXT's
  // XenevtchnDispatchPower): cdecl definitions, stdcall references.
  const drv = await cdecl(["gzdrv"]);
  assert.match(drv, /^gzdrv \(x86\): FAILED \(link out\/x86\/gzdrv\.sys\)/m);
  assert.match(drv, /undefined symbol: _GzDispatchIoctl@8/);
  assert.match(drv, /undefined symbol: _GzDispatchCreateClose@8/);
});
