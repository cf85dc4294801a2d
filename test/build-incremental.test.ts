// Incremental builds, byte reproducibility, compiler/linker error reporting, missing toolchain.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, discoverToolchain, newProject, type BuildResult } from "../src/toolchain/index.js";
import { KmdllError } from "../src/errors.js";
import { repoPath, runCli } from "./helpers.js";

/** A temporary folder removed when the file's tests end. */
function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}


function workspace(withStaticLib = false): string {
  const ws = scratch("kmdll-inc-");
  newProject("export-driver", "foo", { workspace: ws });
  newProject("driver", "bar", { workspace: ws, imports: "foo" });
  if (withStaticLib) {
    // A DRIVER_LIBRARY: an archive of objects, which must be reproducible too.
    mkdirSync(join(ws, "stat"));
    writeFileSync(join(ws, "stat", "sources"), "TARGETNAME=stat\nTARGETTYPE=DRIVER_LIBRARY\nSOURCES=stat.c\n");
    writeFileSync(join(ws, "stat", "stat.c"), "int StatSquare(int x) { return x * x; }\n");
    writeFileSync(join(ws, "dirs"), readFileSync(join(ws, "dirs"), "utf8").replace("DIRS=", "DIRS=stat "));
  }
  return ws;
}

/** "project kind status" for every step. */
const steps = (r: BuildResult) => r.projects.flatMap((p) => p.steps.map((s) => `${p.name} ${s.kind} ${s.status}`));

test("incremental: a second build does nothing; touching a header rebuilds what includes it", async () => {
  const ws = workspace();
  const first = await build(ws, { arches: ["x64"] });
  assert.ok(first.ok);
  assert.deepEqual(steps(first), ["foo compile ran", "foo compile ran", "foo link ran", "foo export-library ran", "bar compile ran", "bar compile ran", "bar link ran"]);

  const second = await build(ws, { arches: ["x64"] });
  assert.deepEqual(second.projects.map((p) => p.status), ["up-to-date", "up-to-date"]);
  assert.ok(steps(second).every((s) => s.endsWith("up-to-date")), steps(second).join("\n"));
  const cli = await runCli(["build", ws, "--arch", "x64"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /^foo \(x64\): up to date \(.*foo\.sys, .*foo\.lib\); check: clean\nbar \(x64\): up to date \(.*bar\.sys\); check: clean\n$/);

  // foo.h is included by foo.c and foo_add.c (through foo_private.h) and (through INCLUDES=..\foo) by bar.c, not by bar_report.c.
  const later = new Date(Date.now() + 5000);
  utimesSync(join(ws, "foo", "foo.h"), later, later);
  const third = await build(ws, { arches: ["x64"] });
  assert.deepEqual(steps(third).filter((s) => s.includes("compile")), ["foo compile ran", "foo compile ran", "bar compile ran", "bar compile up-to-date"]);

  // Editing only the .def rewrites the export library and relinks foo, not bar's objects.
  appendFileSync(join(ws, "foo", "foo.def"), "; comment\n");
  const fourth = await build(ws, { arches: ["x64"] });
  assert.deepEqual(steps(fourth).filter((s) => s.endsWith("ran")), ["foo link ran", "foo export-library ran", "bar link ran"]);

  // A changed flag in the sources file recompiles.
  appendFileSync(join(ws, "bar", "sources"), "C_DEFINES=-DEXTRA=1\n");
  const fifth = await build(ws, { arches: ["x64"] });
  assert.deepEqual(steps(fifth).filter((s) => s.endsWith("ran")), ["bar compile ran", "bar compile ran", "bar link ran"]);

  // A deleted product is rebuilt.
  rmSync(join(ws, "out", "x64", "bar.sys"));
  const sixth = await build(ws, { arches: ["x64"] });
  assert.deepEqual(steps(sixth).filter((s) => s.endsWith("ran")), ["bar link ran"]);
});

test("building one project of a workspace uses the workspace's tree and output folder, and builds only it", async () => {
  const ws = workspace();
  const all = await runCli(["build", ws, "--arch", "x64"]);
  assert.equal(all.code, 0, all.stderr);
  appendFileSync(join(ws, "foo", "foo.c"), "/* edited */\n");
  appendFileSync(join(ws, "bar", "bar.c"), "/* edited */\n");
  // From inside bar/: INCLUDES=..\foo and $(O)\foo.lib resolve in the workspace; foo is not rebuilt.
  const one = await runCli(["build", "--arch", "x64"], { cwd: join(ws, "bar") });
  assert.equal(one.code, 0, one.stdout + one.stderr);
  assert.equal(one.stdout, "bar (x64): compiled bar.c; linked ../out/x64/bar.sys; check: clean\n");
  const foo = await runCli(["build", "foo", "--arch", "x64", "--json"], { cwd: ws });
  const doc = JSON.parse(foo.stdout);
  assert.deepEqual(doc.projects.map((p: { name: string; status: string }) => `${p.name} ${p.status}`), ["foo built", "bar skipped"]);
});

test("reproducible: the same tree built in two places, into two output folders, gives the same bytes", async () => {
  const a = workspace(true);
  const b = scratch("kmdll-inc-copy-");
  cpSync(a, join(b, "elsewhere"), { recursive: true });
  const ra = await build(a, { out: join(a, "o1") });
  await new Promise((r) => setTimeout(r, 1100)); // a later second: object timestamps would differ
  const rb = await build(join(b, "elsewhere"), { out: join(b, "other-out"), jobs: 1 });
  assert.ok(ra.ok && rb.ok);
  for (const arch of ["x64", "x86"]) {
    const files = readdirSync(join(a, "o1", arch)).filter((f) => /\.(sys|lib)$/.test(f)).sort();
    assert.deepEqual(files, ["bar.sys", "foo.lib", "foo.sys", "stat.lib"]);
    for (const f of files) {
      assert.ok(readFileSync(join(a, "o1", arch, f)).equals(readFileSync(join(b, "other-out", arch, f))), `${arch}/${f} differs`);
    }
  }
});

test("compiler and linker errors are shown with the tools' positions; exit 1", async () => {
  const ws = workspace();
  writeFileSync(join(ws, "bar", "bar.c"), readFileSync(join(ws, "bar", "bar.c"), "utf8").replace("int result = FooAdd(40, 2);", "int result = FooAdd(40, 2)\n    int x = ;"));
  const r = await runCli(["build", ".", "--arch", "x64"], { cwd: ws });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^bar \(x64\): FAILED \(compile bar\/bar\.c\)$/m);
  assert.match(r.stderr, /^bar\/bar\.c:\d+:\d+: error: /m);
  assert.match(r.stdout, /^foo \(x64\): compiled/m, "the export driver before it was built");

  const ws2 = workspace();
  writeFileSync(join(ws2, "bar", "bar.c"), readFileSync(join(ws2, "bar", "bar.c"), "utf8").replace("FooAdd(40, 2)", "FooMissing(40, 2)").replace('#include "foo.h"', '#include "foo.h"\nEXTERN_C DECLSPEC_IMPORT int FooMissing(int, int);'));
  const l = await runCli(["build", ".", "--arch", "x64"], { cwd: ws2 });
  assert.equal(l.code, 1, l.stdout + l.stderr);
  assert.match(l.stderr, /^bar \(x64\): FAILED \(link out\/x64\/bar\.sys\)$/m);
  assert.match(l.stderr, /lld-link: error: undefined symbol: (__imp_|__declspec\(dllimport\) )FooMissing/);
});

test("check findings are shown after the build; an error finding exits 1 (--no-check skips it)", async () => {
  const ws = workspace();
  const def = join(ws, "foo", "foo.def");
  writeFileSync(def, readFileSync(def, "utf8").replace("DllUnload PRIVATE", "DllUnload"));
  const r = await runCli(["build", ".", "--arch", "x64"], { cwd: ws });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^foo \(x64\): compiled foo\/foo\.c foo\/foo_add\.c; linked out\/x64\/foo\.sys; wrote out\/x64\/foo\.lib; check: \d+ errors?$/m);
  assert.match(r.stdout, /^ {2}error \[entry-point-in-import-library\] .*DllUnload/m);
  const n = await runCli(["build", ".", "--arch", "x64", "--no-check"], { cwd: ws });
  assert.equal(n.code, 0, n.stdout + n.stderr);
  assert.doesNotMatch(n.stdout, /check:/);
});

test("bad .def, unwritable output folder, missing folder: one-line errors, exit 2", async () => {
  const ws = workspace();
  writeFileSync(join(ws, "foo", "foo.def"), "LIBRARY foo.sys\nEXPORTS\n  DllInitialize PRIVATE\n  FooAdd @70000\n");
  const d = await runCli(["build", ".", "--arch", "x64"], { cwd: ws });
  assert.equal(d.code, 2, d.stdout + d.stderr);
  assert.match(d.stderr, /^foo\/foo\.def:4:\d+: error: .*70000/m);
  const file = join(ws, "a-file");
  writeFileSync(file, "");
  const o = await runCli(["build", ws, "--arch", "x64", "--out", file]);
  assert.equal(o.code, 2, o.stderr);
  assert.match(o.stderr, /^kmdll: .*a-file\/x64: cannot create the folder: .*a-file is not a folder\n$/);
  const m = await runCli(["build", join(ws, "nothere")]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /^kmdll: .*nothere: no such folder\n$/);
});

test("a missing toolchain is one line naming the apt-get install", () => {
  assert.throws(() => discoverToolchain(["x64", "x86"], { env: { PATH: "/nonexistent" }, mingwRoot: "/nonexistent" }), (e: unknown) => {
    assert.ok(e instanceof KmdllError);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, /^missing clang, lld-link, llvm-lib, the x64 DDK headers .*, the x86 DDK headers .*: install with `sudo apt-get install clang lld llvm mingw-w64-x86-64-dev mingw-w64-i686-dev`$/);
    return true;
  });
  // Through the CLI, with an empty PATH.
  const ws = workspace();
  const r = spawnSync(process.execPath, [repoPath("bin", "kmdll.js"), "build", ws, "--arch", "x64"], { encoding: "utf8", env: { PATH: "/nonexistent" } });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, "kmdll: missing clang, lld-link, llvm-lib: install with `sudo apt-get install clang lld llvm`\n");
});
