/**
 * QA: kmdll on drivers nobody in this repository built with its own recipe — the GNU toolchain
 * (Debian's gcc-mingw-w64 + GNU ld + GNU dlltool, as many open-source driver projects use). The
 * sources are written here, compiled by x86_64/i686-w64-mingw32-gcc, and every expectation comes
 * from the C source or from llvm-readobj, never from kmdll itself.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, tool } from "./helpers.js";
import { gnuKernelLink, mingwGcc, readobjExports, readobjImports } from "./gnu.js";

let dir = "";
const p = (f: string): string => join(dir, f);

const DRIVER_C = `#include <ntddk.h>
NTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { (void)d; (void)r; return STATUS_SUCCESS; }
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING r) { DbgPrint("gnudrv: DllInitialize(%wZ)\\n", r); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { DbgPrint("gnudrv: DllUnload\\n"); return STATUS_SUCCESS; }
int GnuAdd(int a, int b) { return a + b; }
`;
const DRIVER_DEF = `LIBRARY gnudrv.sys
EXPORTS
  DllInitialize PRIVATE
  DllUnload PRIVATE
  GnuAdd
`;
// DriverUnload ends in a tail call (jmp DbgPrint) at -O2: the return address on the stack then
// belongs to the kernel, not to the driver.
const CLIENT_C = `#include <ntddk.h>
__declspec(dllimport) int GnuAdd(int a, int b);
static VOID Unload(PDRIVER_OBJECT d) { (void)d; DbgPrint("gnuclient: unload\\n"); }
NTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) {
  (void)r;
  int x = GnuAdd(40, 2);
  DbgPrint("gnuclient: GnuAdd(40,2)=%d\\n", x);
  d->DriverUnload = Unload;
  return x == 42 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
`;

const gcc = (arch: "x86_64" | "i686", args: string[]): void => mingwGcc(arch, args, dir);
const LINK = gnuKernelLink;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-qa-gnu-"));
  writeFileSync(p("gnudrv.c"), DRIVER_C);
  writeFileSync(p("gnudrv.def"), DRIVER_DEF);
  writeFileSync(p("gnuclient.c"), CLIENT_C);
  const ddk64 = "-I/usr/x86_64-w64-mingw32/include/ddk";
  gcc("x86_64", ["-O2", ddk64, "-c", "gnudrv.c", "-o", "gnudrv.o"]);
  gcc("x86_64", [...LINK("DriverEntry"), "-o", "gnudrv.sys", "gnudrv.o", "gnudrv.def", "-lntoskrnl"]);
  tool("x86_64-w64-mingw32-dlltool", ["-d", "gnudrv.def", "-l", "libgnudrv.a", "-D", "gnudrv.sys"], { cwd: dir });
  gcc("x86_64", ["-O2", ddk64, "-c", "gnuclient.c", "-o", "gnuclient.o"]);
  gcc("x86_64", [...LINK("DriverEntry"), "-o", "gnuclient.sys", "gnuclient.o", "-L.", "-lgnudrv", "-lntoskrnl"]);
  mkdirSync(p("x86"));
  // i686: stdcall entry point, GNU ld resolves the decorated names through the .def.
  gcc("i686", ["-O2", "-I/usr/i686-w64-mingw32/include/ddk", "-c", "gnudrv.c", "-o", "gnudrv32.o"]);
  gcc("i686", [...LINK("_DriverEntry@8"), "-o", "x86/gnudrv.sys", "gnudrv32.o", "gnudrv.def", "-lntoskrnl"]);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface InspectJson {
  machine: string;
  subsystem: number;
  exports: { dllName: string; functions: { name: string | null }[] } | null;
  imports: { dll: string; functions: { name: string | null }[] }[];
  warnings: { structure: string; message: string; offset?: number }[];
}

async function inspectJson(file: string): Promise<InspectJson> {
  const r = await runCli(["inspect", "--json", file]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as InspectJson;
}

for (const [file, machine] of [["gnudrv.sys", "x64"], ["gnuclient.sys", "x64"], ["x86/gnudrv.sys", "x86"]] as const) {
  test(`GNU ld ${file}: inspect --json matches llvm-readobj (imports, exports), no warnings`, async () => {
    const j = await inspectJson(p(file));
    assert.equal(j.machine, machine);
    assert.equal(j.subsystem, 1, "linked with --subsystem,native");
    const want = readobjImports(p(file));
    assert.deepEqual(new Map(j.imports.map((m) => [m.dll, m.functions.map((f) => f.name ?? "")])), want);
    assert.deepEqual((j.exports?.functions ?? []).map((f) => f.name).filter(Boolean).sort(), readobjExports(p(file)).sort());
    assert.deepEqual(j.warnings, []);
  });
}

test("GNU ld export drivers pass kmdll check (x64 and x86)", async () => {
  for (const f of ["gnudrv.sys", "x86/gnudrv.sys"]) {
    const r = await runCli(["check", p(f), "--def", p("gnudrv.def")]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});

test("GNU dlltool import library: kmdll lib list shows what the .def exports (not the PRIVATE entry points)", async () => {
  const r = await runCli(["lib", "list", "--json", p("libgnudrv.a")]);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout;
  assert.match(text, /GnuAdd/);
  assert.match(text, /gnudrv\.sys/);
  assert.doesNotMatch(text, /DllInitialize|DllUnload/);
  // And GNU nm agrees that the archive offers __imp_GnuAdd.
  assert.match(tool("x86_64-w64-mingw32-nm", [p("libgnudrv.a")]).stdout, /__imp_GnuAdd/);
});

test("kmdll call on a GNU ld export: GnuAdd(40, 2) = 42 with DllInitialize before and DllUnload after", async () => {
  const r = await runCli(["call", "--json", p("gnudrv.sys"), "GnuAdd", "40", "2"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { return: string; events: { event: string; routine?: string; text?: string }[] };
  assert.equal(BigInt(j.return) & 0xffffffffn, 42n);
  const prints = j.events.filter((e) => e.event === "dbgprint").map((e) => e.text);
  assert.deepEqual(prints, ["gnudrv: DllInitialize(\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\gnudrv)\n", "gnudrv: DllUnload\n"]);
});

test("kmdll sim: GNU client loads the GNU export driver, calls it, unloads both", async () => {
  const r = await runCli(["sim", "--json", "--install", p("gnudrv.sys"), p("gnuclient.sys"), "--", "start:gnuclient", "stop:gnuclient"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ev = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const seq = ev.filter((e) => ["load", "unload", "call"].includes(e.event as string)).map((e) => `${e.event} ${e.module}${e.routine ? "!" + e.routine : ""}`);
  assert.deepEqual(seq, [
    "load gnuclient.sys",
    "load gnudrv.sys",
    "call gnudrv.sys!DllInitialize",
    "call gnuclient.sys!DriverEntry",
    "call gnuclient.sys!DriverUnload",
    "unload gnuclient.sys",
    "call gnudrv.sys!DllUnload",
    "unload gnudrv.sys",
  ]);
  assert.ok(ev.some((e) => e.event === "dbgprint" && e.text === "gnuclient: GnuAdd(40,2)=42\n"));
  assert.deepEqual((ev.at(-1) as { modules: unknown[] }).modules, []);
});

test(
  "DbgPrint reached by a tail call from DriverUnload is attributed to the driver",
  async () => {
    const r = await runCli(["sim", "--json", "--install", p("gnudrv.sys"), p("gnuclient.sys"), "--", "start:gnuclient", "stop:gnuclient"]);
    const ev = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const unloadPrint = ev.find((e) => e.event === "dbgprint" && e.text === "gnuclient: unload\n");
    assert.equal(unloadPrint?.module, "gnuclient.sys");
  },
);

test("SPEC §4 pitfall: GNU ld + a short-format import library → an empty import descriptor, reported by inspect and sim", async () => {
  const lib = await runCli(["implib", p("gnudrv.def"), "-o", p("gnudrv.lib")]);
  assert.equal(lib.code, 0, lib.stderr);
  gcc("x86_64", [...LINK("DriverEntry"), "-o", "gnuclient-llvmlib.sys", "gnuclient.o", "gnudrv.lib", "-lntoskrnl"]);
  // The independent reader sees the descriptor for gnudrv.sys with no symbol at all.
  assert.deepEqual(readobjImports(p("gnuclient-llvmlib.sys")).get("gnudrv.sys"), []);
  const j = await inspectJson(p("gnuclient-llvmlib.sys"));
  assert.ok(
    j.warnings.some((w) => /gnudrv\.sys/.test(w.message) && /imports no function/.test(w.message)),
    JSON.stringify(j.warnings),
  );
  const text = await runCli(["inspect", p("gnuclient-llvmlib.sys")]);
  assert.match(text.stdout, /Warnings \(1\):[\s\S]*short-format import library/);
  const sim = await runCli(["sim", "--json", "--install", p("gnudrv.sys"), p("gnuclient-llvmlib.sys"), "--", "start:gnuclient-llvmlib"]);
  assert.equal(sim.code, 1, "the call through the unbound IAT slot faults");
  const ev = sim.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const warn = ev.findIndex((e) => e.event === "warning" && /imports nothing from gnudrv\.sys/.test(String(e.message)));
  const fault = ev.findIndex((e) => e.event === "fault");
  assert.ok(warn >= 0 && fault > warn, "the loader warns before DriverEntry faults");
});

test("x86 GNU image: kmdll call runs it in the x86 emulator, as the x64 one", async () => {
  const c = await runCli(["call", p("x86/gnudrv.sys"), "GnuAdd", "1", "2"]);
  assert.equal(c.code, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /gnudrv: DllInitialize\(\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\gnudrv\)/);
  assert.match(c.stdout, /GnuAdd returned 3 \(0x3\)/);
  assert.match(c.stdout, /gnudrv: DllUnload/);
});
