// Real WDK projects build unmodified (issue 13), what OpenXT's xc-windows needed: `include` without
// '!', one build folder for the tree (TARGETPATH=$(TOPDIR)\build, `$(TARGETPATH)\*\x.lib`),
// .mc message files, RUN_WPP, __declspec(inline), pasted string literals, the WDK's AMD64/i386
// defines, mingw-w64 wdm.h gaps, MASM `extrn` and extern operands, an old DriverEntry prototype,
// ntoskrnl data exports by their bare name, and TARGETLIBS=ntdll.lib. The tree is
// examples/wdk-xen-style (copied); results are cross-checked with llvm-readobj and llvm-objdump.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoPath, runCli, tool } from "./helpers.js";
import { parseMakeVars } from "../src/toolchain/makevars.js";
import { parseSources } from "../src/toolchain/sources.js";
import { parseRunWpp, scannedFuncs, tmhStub } from "../src/toolchain/wpp.js";
import { masmCompat } from "../src/toolchain/masm-compat.js";
import { conflictingPrototypes, declspecInline, emptyPrototypeAt } from "../src/toolchain/msvc-fixups.js";
import { kernelImportDefs } from "../src/toolchain/kernel-implib.js";

function copyTree(): string {
  const ws = mkdtempSync(join(tmpdir(), "kmdll-xen-"));
  after(() => rmSync(ws, { recursive: true, force: true }));
  cpSync(repoPath("examples", "wdk-xen-style"), ws, { recursive: true });
  return ws;
}

const importedDlls = (file: string) => [...new Set([...tool("llvm-readobj", ["--coff-imports", file]).stdout.matchAll(/^\s*Name: (\S+)$/gm)].map((m) => m[1]!))];

for (const arch of ["x64", "x86"] as const) {
  test(`wdk-xen-style tree (${arch}): builds unmodified and the client runs against both export drivers in sim`, async () => {
    const ws = copyTree();
    const b = await runCli(["build", ".", "--arch", arch, "--install", "root"], { cwd: ws });
    assert.equal(b.code, 0, b.stdout + b.stderr);
    for (const p of ["evtlib", "evtdrv", "evtclient"]) assert.match(b.stdout, new RegExp(`^${p} \\(${arch}\\): compiled .*check: clean$`, "m"));
    // The message file is compiled first; its header and .rc are found on the include path.
    assert.match(b.stdout, new RegExp(`^evtdrv \\(${arch}\\): compiled evtdrv/evtdrv_msgs\\.mc evtdrv/evtdrv\\.c evtdrv/evtmsg\\.c evtdrv/evtdrv\\.rc;`, "m"));
    assert.match(b.stderr, /^config\.mk:3:12: warning: TARGETPATH '\.\.\\build' is outside the project folder; kmdll keeps the outputs in --out\/<arch>/m);
    assert.match(b.stderr, /^evtclient\/sources:9:26: warning: INCLUDES: '\\inc' is an absolute folder; kmdll reads only inside the tree and leaves it out$/m);
    assert.match(b.stderr, /^inc\/evtcommon\.h:16:12: warning: cl\.exe accepts __declspec\(inline\); kmdll compiled it as __inline$/m);
    assert.match(b.stderr, /^inc\/evtcommon\.h:22:11: warning: cl\.exe accepts __declspec\(inline\)/m, "_declspec(inline) too");
    assert.match(b.stderr, /^evtdrv\/evtdrv\.c:7:1: warning: cl\.exe accepts a definition of 'DriverEntry' whose parameter types differ from this prototype \(C4028\)/m);
    if (arch === "x64") {
      assert.match(b.stderr, /^evtlib\/amd64\/evtstub\.asm:2:1: warning: llvm-ml does not know EXTRN/m);
      assert.match(b.stderr, /^evtlib\/amd64\/evtstub\.asm:9:1: warning: llvm-ml 14 addresses an external symbol absolutely here/m);
      // The assembled stub reads EvtInitCount relative to RIP (REL32), as ml64 assembles it.
      const dis = tool("llvm-objdump", ["-dr", join(ws, "out", "obj", "x64", "evtlib", "amd64_evtstub.obj")]).stdout;
      assert.match(dis, /IMAGE_REL_AMD64_REL32\s+EvtInitCount/);
      assert.doesNotMatch(dis, /ADDR32\s+EvtInitCount/);
    }
    const out = join(ws, "out", arch);
    // TARGETLIBS=ntdll.lib: every routine binds to ntoskrnl.exe, as the WDK's link order makes it.
    assert.deepEqual(importedDlls(join(out, "evtlib.sys")), ["ntoskrnl.exe"]);
    assert.deepEqual(importedDlls(join(out, "evtdrv.sys")).sort(), ["evtlib.sys", "ntoskrnl.exe"]);
    // The message table windmc made from evtdrv_msgs.mc, linked through evtdrv.rc's #include.
    assert.match(tool("llvm-readobj", ["--coff-resources", join(out, "evtdrv.sys")]).stdout, /Type: MESSAGETABLE/);

    // Incremental: the generated .tmh, .h and .rc files keep their time stamps, so nothing is redone.
    const again = await runCli(["build", ".", "--arch", arch], { cwd: ws });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    // (x86 links again each time, generated .def and all: only the compile steps are checked there.)
    assert.doesNotMatch(again.stdout, /compiled/);
    if (arch === "x64") for (const p of ["evtlib", "evtdrv", "evtclient"]) assert.match(again.stdout, new RegExp(`^${p} \\(x64\\): up to date`, "m"));

    const s = await runCli(["sim", "--root", "root", "start:evtclient", "stop:evtclient"], { cwd: ws });
    assert.equal(s.code, 0, s.stdout + s.stderr);
    // "3.14": pasted literals; 68/36: the AMD64/i386 branch plus __declspec(inline) helpers; safe boot 0:
    // *InitSafeBootMode read through the import slot; 0x40e00007: the id windmc gave EVT_LIBRARY_LOADED.
    assert.match(s.stdout, new RegExp(`DbgPrint evtclient\\.sys: evtclient: version 3\\.14, platform ${arch === "x64" ? 68 : 36}, safe boot 0, counter 1, message 0x40e00007`));
    assert.match(s.stdout, /DbgPrint evtlib\.sys: evtlib: DllInitialize evtlib state 0 count 1/);
    assert.match(s.stdout, /call {5}evtdrv\.sys!DllUnload\(\)[\s\S]*call {5}evtlib\.sys!DllUnload\(\)/);
    assert.match(s.stdout, /scenario passed/);
  });
}

test("sources: `include file` without '!' reads the file as !include does", () => {
  const files: Record<string, string> = { "config.mk": "BUILDDIR=build\nTARGETPATH=$(TOPDIR)\\$(BUILDDIR)\n" };
  const r = parseMakeVars("TOPDIR=..\ninclude ..\\config.mk\nINCLUDES = a\n", { include: (p) => ({ file: p, text: files[p.replace(/^\.\.\\/, "")] ?? "" }) });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  assert.equal(r.vars.get("TARGETPATH")?.value, "..\\build");
  assert.equal(r.vars.get("INCLUDES")?.value, "a", "INCLUDES = a is an assignment, not an include");
});

test("sources: .mc files, RUN_WPP, TARGETPATH above the project, AMD64/i386 defines", () => {
  const text = "TARGETNAME=d\nTARGETTYPE=DRIVER\nTARGETPATH=..\\build\nSOURCES=a.c m.mc r.rc\nRUN_WPP=$(SOURCES) -km -func:TraceX(FLAGS,MSG,...) \"-func:KdTrace((LEVEL,MSG,...))\" -scan:trace.h\n";
  const x64 = parseSources(text, { arch: "x64" });
  assert.ok(x64.project, JSON.stringify(x64.diagnostics));
  assert.deepEqual(x64.project.messages.map((m) => m.path), ["m.mc"]);
  assert.deepEqual(x64.project.resources.map((m) => m.path), ["r.rc"]);
  assert.deepEqual(x64.project.wpp?.funcs, ["TraceX", "KdTrace"]);
  assert.deepEqual(x64.project.wpp?.scans.map((s) => s.path), ["trace.h"]);
  assert.equal(x64.project.targetPath, undefined, "outputs stay in --out/<arch>");
  assert.ok(x64.diagnostics.some((d) => d.severity === "warning" && /TARGETPATH '\.\.\\build' is outside the project folder/.test(d.message)));
  assert.ok(x64.project.versionDefines.includes("-DAMD64=1"));
  assert.ok(parseSources(text, { arch: "x86" }).project!.versionDefines.includes("-Di386=1"));
});

test("WPP stubs: trace functions from -func and -scan compile to nothing", () => {
  assert.deepEqual(parseRunWpp([{ text: "-func:DoIt(A,MSG,...)", line: 1, col: 1 }, { text: "a.c", line: 1, col: 9 }]).funcs, ["DoIt"]);
  assert.deepEqual(scannedFuncs("// begin_wpp config\n// FUNC TraceEvents(LEVEL,FLAGS,MSG,...);\n// FUNC TraceInfo{LEVEL=TRACE_LEVEL_INFORMATION}(FLAGS,MSG,...);\n// end_wpp\n// FUNC NotThis(MSG);\n"), ["TraceEvents", "TraceInfo"]);
  const tmh = tmhStub("a.c", ["TraceEvents"]);
  for (const m of ["WPP_INIT_TRACING", "WPP_CLEANUP", "DoTraceMessage", "TraceEvents"]) assert.match(tmh, new RegExp(`#define ${m}\\(\\.\\.\\.\\) \\(\\(void\\)0\\)`));
});

test("MASM: EXTRN → EXTERN, and extern memory operands RIP-relative on x64 only", () => {
  const src = "\textrn page:near, count:dword ; two\n.code\nf proc\n\tmov rax, qword ptr [page] ; load\n\tmov eax, dword ptr [count + 8]\n\tmov eax, [count+rcx*4]\n\tcall page\nf endp\nend\n";
  const x64 = masmCompat(src, "x64")!;
  const lines = x64.text.split("\n");
  assert.equal(lines[0], "\textern page:near, count:dword ; two");
  assert.equal(lines[3], "\tmov rax, qword ptr [rip + page] ; load");
  assert.equal(lines[4], "\tmov eax, dword ptr [rip + count + 8]");
  assert.equal(lines[5], "\tmov eax, [count+rcx*4]", "an index register cannot go with RIP");
  assert.equal(lines[6], "\tcall page");
  assert.deepEqual(x64.fixes, [{ line: 1, what: "extrn" }, { line: 4, what: "rip" }, { line: 5, what: "rip" }]);
  assert.deepEqual(masmCompat(src, "x86")!.fixes, [{ line: 1, what: "extrn" }], "x86 addresses are absolute");
  assert.equal(masmCompat(".code\nend\n", "x64"), undefined);
});

test("MSVC repairs: __declspec(inline) and a prototype whose parameter types differ from the definition", () => {
  const text = "static __declspec( inline ) int f(void);\n_declspec(inline) int g(void);\n";
  // `__declspec( inline )` (20 characters) → `__inline` and 12 spaces: columns after it do not move.
  assert.equal(declspecInline(text, 1, 20), `static __inline${" ".repeat(12)} int f(void);\n_declspec(inline) int g(void);\n`);
  assert.equal(declspecInline(text, 2, 11)!.split("\n")[1], "__inline          int g(void);");
  assert.equal(declspecInline(text, 1, 8), undefined);
  const proto = "NTSTATUS\nDriverEntry(\n    IN PVOID DriverObject,\n    IN PVOID Argument2\n);\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { return 0; }\n";
  const fixed = emptyPrototypeAt(proto, 2, 1, "DriverEntry")!;
  assert.equal(fixed.split("\n").length, proto.split("\n").length, "lines kept");
  assert.match(fixed, /^NTSTATUS\nDriverEntry\(\s*\);\n/);
  assert.equal(emptyPrototypeAt(proto, 6, 10, "DriverEntry"), undefined, "a definition is left alone");
  const stderr = "x.c:6:10: error: conflicting types for 'DriverEntry'\nNTSTATUS DriverEntry(\n         ^\nx.c:2:1: note: previous declaration is here\n";
  assert.deepEqual(conflictingPrototypes(stderr, "/w").map((c) => [c.file, c.line, c.col, c.name]), [["/w/x.c", 2, 1, "DriverEntry"]]);
});

test("kernel import library: a data export named directly is a CONSTANT import, through __imp_ a DATA one", () => {
  for (const [arch, direct, imp] of [["x64", "InitSafeBootMode", "__imp_KdDebuggerEnabled"], ["x86", "_InitSafeBootMode", "__imp__KdDebuggerEnabled"]] as const) {
    const nt = kernelImportDefs([direct, imp], arch).get("ntoskrnl.exe")!;
    const e = (n: string) => nt.exports.find((x) => x.name === n)!;
    assert.equal(e("InitSafeBootMode").constant, true, arch);
    assert.equal(e("KdDebuggerEnabled").data, true, arch);
    assert.equal(e("KdDebuggerEnabled").constant, false, arch);
  }
});
