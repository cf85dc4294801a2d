// A TARGETLIBS chain: a driver → an export driver → another export driver, plus a static
// DRIVER_LIBRARY linked into the middle one; verified with llvm-readobj / llvm-nm.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, tool } from "./helpers.js";

/** A temporary folder removed when the file's tests end. */
function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}


function write(root: string, files: Record<string, string>): void {
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), t);
  }
}

const ENTRY = (name: string) => `#include <ntddk.h>
DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { UNREFERENCED_PARAMETER(d); UNREFERENCED_PARAMETER(r); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING r) { DbgPrint("${name}: DllInitialize(%wZ)\\n", r); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { DbgPrint("${name}: DllUnload\\n"); return STATUS_SUCCESS; }
`;

export const CHAIN = {
  dirs: "# order matters: each project links the .lib of the ones before it\nDIRS=util base mid top\n",
  "util/sources": "TARGETNAME=util\nTARGETTYPE=DRIVER_LIBRARY\nSOURCES=util.c\n",
  "util/util.c": "int UtilSquare(int x) { return x * x; }\n",
  "base/sources": "TARGETNAME=base\nTARGETTYPE=EXPORT_DRIVER\nDLLDEF=base.def\nSOURCES=base.c\n",
  "base/base.def": "LIBRARY base.sys\nEXPORTS\n  DllInitialize PRIVATE\n  DllUnload PRIVATE\n  BaseTwice\n",
  "base/base.c": ENTRY("base") + "int BaseTwice(int x) { return 2 * x; }\n",
  "mid/sources": "TARGETNAME=mid\nTARGETTYPE=EXPORT_DRIVER\nDLLDEF=mid.def\nSOURCES=mid.c\nTARGETLIBS=$(O)\\base.lib \\\n  $(O)\\util.lib\n",
  "mid/mid.def": "LIBRARY mid.sys\nEXPORTS\n  DllInitialize PRIVATE\n  DllUnload PRIVATE\n  MidCompute\n",
  "mid/mid.c": ENTRY("mid") + "EXTERN_C DECLSPEC_IMPORT int BaseTwice(int x);\nint UtilSquare(int x);\nint MidCompute(int x) { return BaseTwice(x) + UtilSquare(x); }\n",
  "top/sources": "TARGETNAME=top\nTARGETTYPE=DRIVER\nSOURCES=top.c\nTARGETLIBS=$(O)\\mid.lib\n",
  "top/top.c": `#include <ntddk.h>
EXTERN_C DECLSPEC_IMPORT int MidCompute(int x);
DRIVER_INITIALIZE DriverEntry;
VOID TopUnload(PDRIVER_OBJECT d) { UNREFERENCED_PARAMETER(d); }
NTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) {
    int v = MidCompute(5);
    UNREFERENCED_PARAMETER(r);
    DbgPrint("top: MidCompute(5) = %d\\n", v);
    d->DriverUnload = TopUnload;
    return v == 35 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
`,
};

function importsOf(file: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const block of tool("llvm-readobj", ["--coff-imports", file]).stdout.split(/^Import \{/m).slice(1)) {
    out[/Name: (\S+)/.exec(block)![1]!] = [...block.matchAll(/Symbol: (\S+)/g)].map((m) => m[1]!);
  }
  return out;
}

test("TARGETLIBS chain: top.sys → mid.sys → base.sys, with a static DRIVER_LIBRARY in mid (x64 and x86)", async () => {
  const ws = scratch("kmdll-chain-");
  write(ws, CHAIN);
  const b = await runCli(["build", ws, "--install", join(ws, "root"), "--arch", "x64"]);
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const b86 = await runCli(["build", ws, "--arch", "x86"]);
  assert.equal(b86.code, 0, b86.stdout + b86.stderr);
  for (const arch of ["x64", "x86"]) {
    const out = join(ws, "out", arch);
    assert.deepEqual(importsOf(join(out, "top.sys"))["mid.sys"], ["MidCompute"]);
    const mid = importsOf(join(out, "mid.sys"));
    assert.deepEqual(mid["base.sys"], ["BaseTwice"]);
    assert.deepEqual(Object.keys(mid).sort(), ["base.sys", "ntoskrnl.exe"], "UtilSquare is linked statically");
    assert.match(tool("llvm-nm", [join(out, "util.lib")]).stdout, arch === "x64" ? / T UtilSquare\b/ : / T _UtilSquare\b/);
    assert.match(tool("llvm-objdump", ["-p", join(out, "mid.sys")]).stdout, /DLL name: mid\.sys/);
  }

  const s = await runCli(["sim", "--root", join(ws, "root"), "--json", "start:top", "stop:top"]);
  assert.equal(s.code, 0, s.stdout + s.stderr);
  const events = s.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const calls = events.filter((e) => e.event === "call" && /^Dll/.test(String(e.routine))).map((e) => `${String(e.module).toLowerCase()}!${e.routine}`);
  assert.deepEqual(calls, ["base.sys!DllInitialize", "mid.sys!DllInitialize", "mid.sys!DllUnload", "base.sys!DllUnload"]);
  assert.ok(events.some((e) => e.event === "dbgprint" && /top: MidCompute\(5\) = 35/.test(String(e.text))), s.stdout);
});

test("a dirs file in the wrong order: the missing $(O) library is a positioned input error (exit 2)", async () => {
  const ws = scratch("kmdll-chain-order-");
  write(ws, { ...CHAIN, dirs: "DIRS=util base top mid\n" });
  const b = await runCli(["build", ws, "--arch", "x64"]);
  assert.equal(b.code, 2, b.stdout + b.stderr);
  assert.match(b.stderr, /top\/sources:4:12: error: TARGETLIBS: \$\(O\)\\mid\.lib has not been built for x64 in \S+: build the project that produces it first/);
});
