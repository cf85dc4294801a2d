import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync, symlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Diagnostic, parseSources, parseDirs, parseMakeVars, parseDepfile, loadProject, loadTree, formatDiagnostic } from "../src/toolchain/index.js";
import { repoPath, runCli } from "./helpers.js";

/** A temporary folder removed when the file's tests end. */
function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}


const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === "error");

test("sources: continuations, comments, macros and positions", () => {
  const text = [
    "# comment line",
    "MYSRC=a.c b.c   # trailing comment",
    "TARGETNAME=foo",
    "TARGETTYPE=EXPORT_DRIVER",
    "DLLDEF=foo.def",
    "SOURCES=$(MYSRC) \\",
    "    sub\\c.c",
    "C_DEFINES=/DUNICODE -D_X=1 -UNDEBUG",
    "INCLUDES=..\\inc;$(DDK_INC_PATH);inc2",
    "TARGETLIBS=$(DDK_LIB_PATH)\\hidparse.lib $(O)\\other.lib \\",
    "           libs\\static.lib",
    "TARGETPATH=obj",
  ].join("\r\n");
  const r = parseSources(text);
  assert.deepEqual(errors(r.diagnostics), []);
  const p = r.project!;
  assert.equal(p.name, "foo");
  assert.equal(p.type, "EXPORT_DRIVER");
  assert.equal(p.def?.path, "foo.def");
  assert.deepEqual(p.sources.map((s) => [s.path, s.line, s.col]), [["a.c", 6, 9], ["b.c", 6, 9], ["sub/c.c", 7, 5]]);
  assert.deepEqual(p.defines, ["-DUNICODE", "-D_X=1", "-UNDEBUG"]);
  assert.deepEqual(p.includes.map((i) => [i.path, i.col]), [["../inc", 10], ["inc2", 33]]);
  assert.deepEqual(p.libs, [
    { kind: "kernel", name: "hidparse", line: 10, col: 12 },
    { kind: "out", file: "other.lib", line: 10, col: 41 },
    { kind: "file", path: "libs/static.lib", line: 11, col: 12 },
  ]);
  assert.equal(p.targetPath, undefined, "TARGETPATH=obj is the WDK default");
  assert.deepEqual(p.arches, ["x64", "x86"]);
});

test("sources: positioned errors for invalid entries", () => {
  const cases: [string, RegExp, number, number][] = [
    ["TARGETNAME=foo\nTARGETTYPE=EXPORT_DRIVR\nSOURCES=a.c\n", /unknown TARGETTYPE 'EXPORT_DRIVR' \(did you mean EXPORT_DRIVER\?\)/, 2, 12],
    ["TARGETTYPE=DRIVER\nSOURCES=a.c\n", /TARGETNAME is missing/, 1, 1],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\n", /SOURCES is missing/, 1, 1],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\nSOURCES=a.c x.pas\n", /cannot compile 'x.pas'/, 3, 13],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\nSOURCES=a.c\nTARGETEXT=exe\n", /TARGETEXT 'exe'/, 4, 11],
    ["TARGETNAME=foo/bar\nTARGETTYPE=DRIVER\nSOURCES=a.c\n", /invalid TARGETNAME/, 1, 12],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\nSOURCES=/etc/passwd.c\n", /absolute paths are not allowed/, 3, 9],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\nSOURCES=a.c\nthis is not an assignment\n", /expected NAME=value/, 4, 1],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\n  SOURCES=$(UNCLOSED\n", /unterminated macro/, 3, 11],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\nSOURCES+=a.c\n", /'\+=' is not NMAKE syntax/, 3, 1],
    ["TARGETNAME=foo\nTARGETTYPE=DRIVER\nSOURCES=a.c\nKMDLL_ARCHES=x64 mips\n", /unknown arch 'mips' \(x64, x86 or arm64\)/, 4, 18],
  ];
  for (const [text, re, line, col] of cases) {
    const r = parseSources(text);
    assert.equal(r.project, undefined, text);
    const e = errors(r.diagnostics).find((d) => re.test(d.message));
    assert.ok(e, `${JSON.stringify(text)}: expected ${re}, got ${JSON.stringify(r.diagnostics)}`);
    assert.deepEqual([e.line, e.col], [line, col], `${JSON.stringify(text)}: position of ${e.message}`);
  }
});

test("sources: warnings (unknown variables, ignored WDK variables, undefined macros) do not stop the build", () => {
  const text = "!IF \"$(_BUILDARCH)\"==\"AMD64\"\nTARGETNAME=foo\n!ELSE\nTARGETNAME=foo32\n!ENDIF\nTARGETTYPE=DRIVER\nSOURCES=a.c x.rc\nTARGETNAM=oops\nPRECOMPILED_PCH=x.pch\nUNUSED=$(NOT_DEFINED)\n";
  const r = parseSources(text);
  assert.ok(r.project);
  assert.equal(r.project.name, "foo", "the AMD64 branch applies on x64");
  assert.equal(parseSources(text, { arch: "x86" }).project?.name, "foo32", "the !ELSE branch on x86");
  assert.deepEqual(r.project.resources.map((x) => [x.path, x.line, x.col]), [["x.rc", 7, 13]]);
  const w = r.diagnostics.map((d) => `${d.severity} ${d.line}:${d.col} ${d.message}`);
  assert.ok(w.some((m) => /^warning 8:1 unknown variable TARGETNAM \(did you mean TARGETNAME\?\)/.test(m)), w.join("\n"));
  assert.ok(w.some((m) => /^warning 9:1 PRECOMPILED_PCH is not supported/.test(m)), w.join("\n"));
  assert.ok(w.some((m) => /^warning 10:8 macro \$\(NOT_DEFINED\) is not defined/.test(m)), w.join("\n"));
  assert.equal(errors(r.diagnostics).length, 0);
  assert.equal(formatDiagnostic(r.diagnostics.find((d) => d.line === 8)!, "x/sources"), "x/sources:8:1: warning: unknown variable TARGETNAM (did you mean TARGETNAME?); ignored");
});

test("makevars: macros expand when used (NMAKE), so a later definition counts; self-append; undefined → warning; ^# escapes a comment; binary input", () => {
  const r = parseMakeVars("A=$(B)x\nB=1\nC=a^#b # c\nD=$(NOPE)y\nE=e1\nE=$(E) e2\nE=$(E) e3\nF=$(G)\nG=$(F)\n");
  assert.equal(r.vars.get("A")!.value, "1x");
  assert.equal(r.vars.get("C")!.value, "a#b");
  assert.equal(r.vars.get("D")!.value, "y");
  assert.deepEqual(r.vars.get("E")!.tokens.map((t) => [t.text, t.line]), [["e1", 5], ["e2", 6], ["e3", 7]]);
  assert.match(r.diagnostics.map((d) => d.message).join("\n"), /\$\(NOPE\) is not defined; it expands to nothing/);
  assert.match(r.diagnostics.map((d) => `${d.severity} ${d.message}`).join("\n"), /error macro \$\(F\) refers to itself \(\$\(F\) → \$\(G\) → \$\(F\)\)|error macro \$\(G\) refers to itself/);
  const bin = parseMakeVars("TARGETNAME=\u0000\u0001");
  assert.equal(bin.diagnostics[0]!.severity, "error");
});

test("dirs: DIRS and OPTIONAL_DIRS in order; refuses escaping entries", () => {
  const r = parseDirs("# build order\nDIRS= \\\n  a \\\n  b\\c   # nested\nOPTIONAL_DIRS=opt\n");
  assert.deepEqual(errors(r.diagnostics), []);
  assert.deepEqual(r.dirs.map((d) => [d.dir, d.optional, d.line, d.col]), [["a", false, 3, 3], ["b/c", false, 4, 3], ["opt", true, 5, 15]]);
  const bad = parseDirs("DIRS=ok ..\\up /abs\n");
  assert.deepEqual(errors(bad.diagnostics).map((d) => d.col), [9, 15]);
  assert.match(parseDirs("DIR=a\n").diagnostics.map((d) => d.message).join("\n"), /unknown variable DIR in a dirs file \(did you mean DIRS\?\)/);
});

test("depfile: clang -MD output with continuations and escaped spaces", () => {
  const deps = parseDepfile("/o/foo.obj: foo.c /usr/include/ddk/ntddk.h \\\n  ../inc/my\\ header.h \\\n  x$$y.h\n");
  assert.deepEqual(deps, ["foo.c", "/usr/include/ddk/ntddk.h", "../inc/my header.h", "x$y.h"]);
});

function tree(files: Record<string, string>): string {
  const root = scratch("kmdll-src-");
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), t);
  }
  return root;
}

test("loader: missing files and paths leaving the tree are positioned errors", () => {
  const root = tree({
    "dirs": "DIRS=a b\n",
    "a/sources": "TARGETNAME=a\nTARGETTYPE=EXPORT_DRIVER\nDLLDEF=a.def\nSOURCES=a.c missing.c ..\\..\\outside.c\n",
    "a/a.c": "",
    "b/sources": "TARGETNAME=b\nTARGETTYPE=DRIVER\nSOURCES=b.c\nINCLUDES=..\\..\\etc\n",
    "b/b.c": "",
  });
  const r = loadTree(root);
  assert.equal(r.value, undefined);
  const msgs = r.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnostic(d, d.file!.slice(root.length + 1)));
  assert.deepEqual(msgs, [
    "a/sources:4:13: error: source file 'missing.c' not found in " + join(root, "a"),
    `a/sources:4:23: error: source file '../../outside.c' is outside the project tree ${root}; kmdll reads only files inside the folder being built`,
    "a/sources:3:8: error: DLLDEF file 'a.def' not found in " + join(root, "a"),
    `b/sources:4:10: error: include folder '../../etc' is outside the project tree ${root}; kmdll reads only files inside the folder being built`,
  ]);
});

test("loader: a symbolic link out of the tree is refused; dirs entries must exist", () => {
  const outside = tree({ "secret.c": "int x;" });
  const root = tree({ "dirs": "DIRS=p\\\n  nothere\n", "p/sources": "TARGETNAME=p\nTARGETTYPE=DRIVER\nSOURCES=link.c\n" });
  symlinkSync(join(outside, "secret.c"), join(root, "p", "link.c"));
  const r = loadTree(root);
  const msgs = r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join("\n");
  assert.match(msgs, /2:3 folder 'nothere' not found/);
  assert.match(msgs, /3:9 source file 'link.c' leads outside the project tree through a symbolic link/);
  assert.equal(loadProject(join(root, "p"), root).value, undefined);
});

test("kmdll build: bad sources → file:line:col errors and exit 2 (text and --json)", async () => {
  const root = tree({ "sources": "TARGETNAME=x\nTARGETTYPE=LIBRARY\nSOURCES=x.c\n", "x.c": "" });
  const r = await runCli(["build", root]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trim(), /^\S*sources:2:12: error: TARGETTYPE=LIBRARY is not a kernel-mode target; kmdll builds EXPORT_DRIVER, DRIVER and DRIVER_LIBRARY \(nothing to build\)$/);
  const j = await runCli(["build", root, "--json"]);
  assert.equal(j.code, 2);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.ok, false);
  assert.deepEqual([doc.diagnostics[0].line, doc.diagnostics[0].col, doc.diagnostics[0].severity], [2, 12, "error"]);
  const none = await runCli(["build", scratch("kmdll-empty-")]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no sources or dirs file in/);
});

test("the examples' sources files parse without errors", () => {
  const r = loadTree(repoPath("examples"));
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  // One project per entry of examples/dirs, or per entry of the entry's own dirs file (examples/triage: one driver per outcome class).
  const entries = (dir: string): string[] => parseDirs(readFileSync(join(dir, "dirs"), "utf8")).dirs.map((d) => join(dir, d.dir));
  const projects = entries(repoPath("examples")).flatMap((d) => (existsSync(join(d, "dirs")) ? entries(d) : [d]));
  assert.equal(r.value!.length, projects.length);
});

test("nested dirs files build in order, depth first", () => {
  const root = tree({
    "dirs": "DIRS=libs drivers\n",
    "libs/dirs": "DIRS=b a\n",
    "libs/a/sources": "TARGETNAME=a\nTARGETTYPE=DRIVER_LIBRARY\nSOURCES=a.c\n",
    "libs/a/a.c": "",
    "libs/b/sources": "TARGETNAME=b\nTARGETTYPE=DRIVER_LIBRARY\nSOURCES=b.c\n",
    "libs/b/b.c": "",
    "drivers/sources": "TARGETNAME=d\nTARGETTYPE=DRIVER\nSOURCES=d.c\nTARGETLIBS=$(O)\\a.lib $(O)\\b.lib\n",
    "drivers/d.c": "",
  });
  const r = loadTree(root);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.value!.map((p) => p.spec.name), ["b", "a", "d"]);
});

test("property: any text gives diagnostics inside the text, never an exception", async () => {
  const fc = (await import("fast-check")).default;
  const piece = fc.constantFrom("TARGETNAME", "TARGETTYPE", "SOURCES", "DLLDEF", "DIRS", "=", "$(", ")", "$(O)", "\\", "\n", "\r\n", "#", "^#", " ", "!if", "a.c", "x\\y", ";", "\u0000", "é");
  fc.assert(
    fc.property(fc.array(fc.oneof(piece, fc.string()), { maxLength: 60 }), (parts) => {
      const text = parts.join("");
      const lines = text.split(/\r\n|\n|\r/);
      for (const r of [parseSources(text).diagnostics, parseDirs(text).diagnostics]) {
        for (const d of r) {
          assert.ok(d.line >= 1 && d.line <= lines.length, `line ${d.line} of ${lines.length}`);
          assert.ok(d.col >= 1 && d.col <= (lines[d.line - 1]?.length ?? 0) + 1, `col ${d.col} on line ${d.line}: ${JSON.stringify(lines[d.line - 1])}`);
        }
      }
    }),
    { numRuns: 500 },
  );
});

test("WDK storage-sample dialect: `!if $(AMD64) || $(386)` (makefile.def sets the other platforms' switches to 0), TARGETTYPE=MINIPORT, a library another project published to $(DDK_LIB_PATH)", async () => {
  const text = "TARGETNAME=m\nTARGETTYPE=MINIPORT\n!if $(AMD64) || $(386)\nSOURCES=pc.c\n!elseif $(IA64)\nSOURCES=ia64.c\n!endif\n!if $(ARM)\nC_DEFINES=-DARM\n!endif\n";
  for (const arch of ["x64", "x86"] as const) {
    const r = parseSources(text, { arch });
    assert.deepEqual(errors(r.diagnostics), [], arch);
    assert.equal(r.project?.type, "DRIVER", "a miniport/miniclass is a driver image");
    assert.deepEqual(r.project?.sources.map((s) => s.path), ["pc.c"]);
  }
  // tape.lib, published by the class driver's project (PASS1_PUBLISH), linked by a miniclass as $(DDK_LIB_PATH)\tape.lib.
  const ws = scratch("kmdll-publish-");
  mkdirSync(join(ws, "cls"));
  mkdirSync(join(ws, "mini"));
  writeFileSync(join(ws, "dirs"), "DIRS=cls mini\n");
  writeFileSync(join(ws, "cls", "sources"), "TARGETNAME=cls\nTARGETTYPE=EXPORT_DRIVER\nDLLDEF=cls.def\nSOURCES=cls.c\nPASS1_PUBLISH={$(OBJ_PATH)\\$(O)\\cls.lib=$(DDK_LIB_PATH)\\cls.lib}\n");
  writeFileSync(join(ws, "cls", "cls.def"), "LIBRARY cls.sys\nEXPORTS\n    DllInitialize PRIVATE\n    DllUnload PRIVATE\n    ClsInit\n");
  writeFileSync(join(ws, "cls", "cls.c"), "#include <ntddk.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { return STATUS_SUCCESS; }\nNTSTATUS DllInitialize(PUNICODE_STRING r) { return STATUS_SUCCESS; }\nNTSTATUS DllUnload(void) { return STATUS_SUCCESS; }\nULONG ClsInit(PDRIVER_OBJECT d) { return 7; }\n");
  writeFileSync(join(ws, "mini", "sources"), "TARGETNAME=mini\nTARGETTYPE=MINIPORT\nTARGETLIBS=$(DDK_LIB_PATH)\\cls.lib\n!if $(AMD64) || $(386)\nSOURCES=mini.c\n!endif\n");
  writeFileSync(join(ws, "mini", "mini.c"), "#include <ntddk.h>\nULONG ClsInit(PDRIVER_OBJECT d);\nstatic VOID Unload(PDRIVER_OBJECT d) { }\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { d->DriverUnload = Unload; return ClsInit(d) == 7 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL; }\n");
  const b = await runCli(["build", ".", "--arch", "x64", "--no-check"], { cwd: ws });
  assert.equal(b.code, 0, b.stdout + b.stderr);
  assert.match(b.stdout, /^mini \(x64\): compiled mini\/mini\.c; linked out\/x64\/mini\.sys$/m);
  const r = await runCli(["sim", "--install", join(ws, "out", "x64", "cls.sys"), join(ws, "out", "x64", "mini.sys"), "--", "start:mini", "stop:mini"]);
  assert.equal(r.code, 0, r.stdout);
});
