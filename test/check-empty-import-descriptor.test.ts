/**
 * check on drivers linked by GNU ld (x86_64/i686-w64-mingw32-gcc), built here from C:
 * - GNU ld + a short-format import library (kmdll implib) → an import descriptor with no
 *   function: empty-import-descriptor. The same client linked against GNU dlltool's library has none.
 * Expectations come from the C sources and llvm-readobj, not from kmdll.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, tool } from "./helpers.js";
import { checkRules as rules, ddkInclude, gnuKernelLink as link, mingwGcc, readobjExports, readobjImports } from "./gnu.js";

let dir = "";
const p = (f: string): string => join(dir, f);
const DDK64 = ddkInclude("x86_64");

const LIBDRV_C = `#include <ntddk.h>
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { (void)d; (void)r; return STATUS_SUCCESS; }
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING r) { (void)r; return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }
int GnuAdd(int a, int b) { return a + b; }
`;
const LIBDRV_DEF = `LIBRARY gnulib.sys
EXPORTS
  DllInitialize PRIVATE
  DllUnload PRIVATE
  GnuAdd
`;
const CLIENT_C = `#include <ntddk.h>
__declspec(dllimport) int GnuAdd(int a, int b);
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { (void)d; (void)r; return GnuAdd(40, 2) == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL; }
`;

const gcc = (arch: "x86_64" | "i686", args: string[]): void => mingwGcc(arch, args, dir);

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-check-empty-"));
  writeFileSync(p("gnulib.c"), LIBDRV_C);
  writeFileSync(p("gnulib.def"), LIBDRV_DEF);
  writeFileSync(p("client.c"), CLIENT_C);
  gcc("x86_64", ["-O2", DDK64, "-o", "gnulib.sys", "gnulib.c", "gnulib.def", ...link("DriverEntry"), "-lntoskrnl"]);
  tool("x86_64-w64-mingw32-dlltool", ["-d", "gnulib.def", "-l", "libgnulib.a", "-D", "gnulib.sys"], { cwd: dir });
  gcc("x86_64", ["-O2", DDK64, "-c", "client.c", "-o", "client.o"]);
  gcc("x86_64", ["-o", "client-gnu.sys", "client.o", ...link("DriverEntry"), "-L.", "-lgnulib", "-lntoskrnl"]);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("empty-import-descriptor: GNU ld + a short-format .lib (kmdll implib) imports nothing from the DLL", async () => {
  const lib = await runCli(["implib", p("gnulib.def"), "-o", p("gnulib.lib")]);
  assert.equal(lib.code, 0, lib.stderr);
  gcc("x86_64", ["-o", "client-short.sys", "client.o", ...link("DriverEntry"), "gnulib.lib", "-lntoskrnl"]);
  assert.deepEqual(readobjImports(p("client-short.sys")).get("gnulib.sys"), [], "premise: an empty descriptor");
  const bad = await rules(p("client-short.sys"));
  const f = bad.findings.find((x) => x.rule === "empty-import-descriptor");
  assert.ok(f, JSON.stringify(bad.rules));
  assert.equal(f.location.module, "gnulib.sys");
  assert.match(f.message, /GNU ld/);
  assert.match(f.message, /lld-link/);
  assert.match(f.message, /dlltool/);
  assert.equal(bad.code, 1);
  // GNU ld re-exports the short library's descriptor symbols; they do not make the client an export driver.
  assert.ok(readobjExports(p("client-short.sys")).includes("__NULL_IMPORT_DESCRIPTOR"), "premise: re-exported artifacts");
  assert.ok(!bad.rules.includes("missing-dllinitialize"), JSON.stringify(bad.rules));
  // The same client linked against GNU dlltool's long-format library imports GnuAdd: no finding.
  assert.deepEqual(readobjImports(p("client-gnu.sys")).get("gnulib.sys"), ["GnuAdd"]);
  const good = await rules(p("client-gnu.sys"));
  assert.ok(!good.rules.includes("empty-import-descriptor"), JSON.stringify(good.rules));
});

test("empty-import-descriptor is listed by --rules and explained by --explain", async () => {
  const list = await runCli(["check", "--rules"]);
  assert.match(list.stdout, /^empty-import-descriptor\s+error\b/m);
  const ex = await runCli(["check", "--explain", "empty-import-descriptor"]);
  assert.equal(ex.code, 0, ex.stderr);
  assert.match(ex.stdout, /short-format/);
  assert.match(ex.stdout, /dlltool/);
});
