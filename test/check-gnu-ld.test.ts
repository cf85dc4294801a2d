/**
 * check on drivers linked by GNU ld (x86_64/i686-w64-mingw32-gcc), built here from C:
 * - a standard driver linked without a .def exports DriverEntry (GNU ld exports the entry point),
 *   which must not make it an export driver (no missing-dllinitialize/missing-dllunload);
 * Expectations come from the C sources and llvm-readobj, not from kmdll.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRules as rules, ddkInclude, gnuKernelLink as link, mingwGcc, readobjExports } from "./gnu.js";

let dir = "";
const p = (f: string): string => join(dir, f);
const DDK64 = ddkInclude("x86_64");

const STD_C = `#include <ntddk.h>
static VOID NTAPI Unload(PDRIVER_OBJECT d) { (void)d; }
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { (void)r; DbgPrint("std\\n"); d->DriverUnload = Unload; return STATUS_SUCCESS; }
`;
// An export driver without DllInitialize/DllUnload, linked without a .def: GNU ld exports
// DriverEntry and GnuOnly — the second makes it an export driver.
const EXP_C = `#include <ntddk.h>
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { (void)d; (void)r; return STATUS_SUCCESS; }
__declspec(dllexport) int GnuOnly(int a) { return a + 1; }
`;
const gcc = (arch: "x86_64" | "i686", args: string[]): void => mingwGcc(arch, args, dir);

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-check-gnu-"));
  writeFileSync(p("std.c"), STD_C);
  writeFileSync(p("exp.c"), EXP_C);
  gcc("x86_64", ["-O2", DDK64, "-o", "std.sys", "std.c", ...link("DriverEntry"), "-lntoskrnl"]);
  gcc("i686", ["-O2", ddkInclude("i686"), "-o", "std32.sys", "std.c", ...link("_DriverEntry@8"), "-lntoskrnl"]);
  gcc("x86_64", ["-O2", DDK64, "-o", "exp.sys", "exp.c", ...link("DriverEntry"), "-lntoskrnl"]);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const f of ["std.sys", "std32.sys"]) {
  test(`GNU ld standard driver without a .def (${f}): its DriverEntry export does not make it an export driver`, async () => {
    // The premise: GNU ld did export the entry point.
    const ex = readobjExports(p(f));
    assert.equal(ex.length, 1);
    assert.match(ex[0]!, /^_?DriverEntry(@8)?$/);
    const r = await rules(p(f));
    assert.ok(!r.rules.includes("missing-dllinitialize") && !r.rules.includes("missing-dllunload"), JSON.stringify(r.findings));
    assert.ok(!r.rules.includes("library-name"), JSON.stringify(r.findings));
    assert.equal(r.code, 0, JSON.stringify(r.findings));
  });
}

test("GNU ld image exporting DriverEntry and another routine is still an export driver", async () => {
  assert.ok(readobjExports(p("exp.sys")).includes("GnuOnly"));
  const r = await rules(p("exp.sys"));
  assert.ok(r.rules.includes("missing-dllinitialize") && r.rules.includes("missing-dllunload"), JSON.stringify(r.rules));
  assert.equal(r.code, 1);
});
