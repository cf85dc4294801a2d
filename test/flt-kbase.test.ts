// <fltKernel.h> and FltMgr.lib, which mingw-w64 lacks, stood in for by kmdll (data/include/fltkernel.h,
// the FltMgr.sys import library written for TARGETLIBS=$(DDK_LIB_PATH)\fltmgr.lib): examples/flt-kbase,
// a kernel library over the Filter Manager's push locks and FltParseFileName (IRPMon's kbase uses
// them so), and its client examples/flt-kclient, built by the fixtures script with `kmdll build`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, runCli, tool } from "./helpers.js";

type Ev = Record<string, unknown>;
const events = (out: string): Ev[] => out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);

/** "module: name name …" per imported module, from llvm-readobj (an independent reader). */
function imports(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur = "";
  for (const line of tool("llvm-readobj", ["--coff-imports", file]).stdout.split("\n")) {
    const n = /^\s*Name: (\S+)/.exec(line);
    if (n) out.set((cur = n[1]!.toLowerCase()), []);
    const s = /^\s*Symbol: (\S+)/.exec(line);
    if (s && cur) out.get(cur)!.push(s[1]!);
  }
  return out;
}

for (const arch of ["x64", "x86"] as const) {
  test(`fltkbase (${arch}): FltMgr routines are imported from fltmgr.sys by their undecorated names, only those called`, () => {
    const fm = imports(fixture(arch, "fltkbase.sys")).get("fltmgr.sys");
    assert.deepEqual(fm?.sort(), ["FltAcquirePushLockExclusive", "FltAcquirePushLockShared", "FltDeletePushLock", "FltInitializePushLock", "FltParseFileName", "FltReleasePushLock"]);
    assert.equal(imports(fixture(arch, "fltkclient.sys")).has("fltmgr.sys"), false);
  });
}

test("fltkbase + fltkclient (x64): the library's push-locked table and FltParseFileName work for its client in sim", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "fltkbase.sys"), fixture("x64", "fltkclient.sys"), "--", "start:fltkclient", "stop:fltkclient"]);
  const ev = events(r.stdout);
  assert.equal(r.code, 0, r.stdout.slice(-2000));
  const prints = ev.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());
  assert.deepEqual(prints, ["fltkbase: loaded", "fltkclient: 2 names; final component notepad.exe, extension exe", "fltkclient: unloaded with 2 names", "fltkbase: unloaded"]);
  assert.deepEqual(ev.filter((e) => ["leak", "warning", "fault"].includes(String(e.event))), []);
});
