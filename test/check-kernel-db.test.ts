/**
 * The kernel export database (data/kernel-exports.json): regenerating it with
 * `npm run kernel-db` reproduces the committed file, and its names equal the hint/name strings
 * llvm-objdump finds in the `.idata$6` sections of the mingw-w64 import libraries.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { loadKernelExports, kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import { repoPath, tool } from "./helpers.js";

const SYSROOT = { x64: "/usr/x86_64-w64-mingw32/lib", x86: "/usr/i686-w64-mingw32/lib" } as const;

/** Import names of a GNU dlltool import library, from llvm-objdump's dump of each member's .idata$6 (hint, name). */
function idata6Names(lib: string): Set<string> {
  const out = tool("llvm-objdump", ["-s", "-j", ".idata$6", lib]).stdout;
  const names = new Set<string>();
  for (const block of out.split(/\n(?=\S.*file format)/)) {
    const hex = [...block.matchAll(/^ [0-9a-f]{4} ((?:[0-9a-f]{2,8} ?)+)/gm)].map((m) => m[1]!.replace(/ /g, "")).join("");
    if (!hex) continue;
    const bytes = Buffer.from(hex, "hex");
    const end = bytes.indexOf(0, 2);
    names.add(bytes.subarray(2, end < 0 ? bytes.length : end).toString("latin1"));
  }
  return names;
}

test("npm run kernel-db --check: the committed database is what the generator produces", () => {
  const r = spawnSync(process.execPath, [repoPath("scripts/kernel-db.mjs"), "--check", "--no-build"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /up to date/);
});

test("x64 lists read without the other architectures' equal the whole database's", () => {
  // A fresh process: the x64 lists first (the emulator's start, which parses only them), then the whole file.
  const mod = JSON.stringify(pathToFileURL(repoPath("dist", "src", "nt", "kernel-exports.js")).href);
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `
    const k = await import(${mod});
    const part = Object.fromEntries(["ntoskrnl.exe", "hal.dll", "usbd.sys", "nope.sys"].map((m) => [m, k.kernelModuleExportsFor(m, "x64")]));
    const arm = k.kernelModuleExportsFor("hal.dll", "arm64");
    const whole = k.loadKernelExports();
    process.stdout.write(JSON.stringify({ same: Object.entries(part).every(([m, l]) => JSON.stringify(l) === JSON.stringify(whole.modules[m])), n: part["ntoskrnl.exe"].length, arm: arm.length, halX64: whole.modules["hal.dll"].length }));`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { same: boolean; n: number; arm: number; halX64: number };
  assert.ok(got.same, r.stdout);
  assert.ok(got.n > 2000 && got.arm > got.halX64, r.stdout);
});

test("one module's own list of another arch, read alone, equals the whole database's (every x86 module)", () => {
  // A fresh process: each x86 list parsed alone from the text (an x64 start needing scsiport.sys's x86 names), then the whole file.
  const mod = JSON.stringify(pathToFileURL(repoPath("dist", "src", "nt", "kernel-exports.js")).href);
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `
    import { readFileSync } from "node:fs";
    const k = await import(${mod});
    const names = Object.keys(JSON.parse(readFileSync(${JSON.stringify(repoPath("data", "kernel-exports.json"))}, "utf8")).arches.x86.modules);
    const alone = Object.fromEntries([...names, "nope.sys"].map((m) => [m, k.kernelModuleOwnList(m, "x86")]));
    const whole = k.loadKernelExports().arches.x86.modules;
    const diff = Object.keys(alone).filter((m) => JSON.stringify(alone[m]) !== JSON.stringify(whole[m]));
    process.stdout.write(JSON.stringify({ n: names.length, diff, scsi: alone["scsiport.sys"]?.length ?? 0 }));`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { n: number; diff: string[]; scsi: number };
  assert.deepEqual(got.diff, [], r.stdout);
  assert.ok(got.n >= 20 && got.scsi > 10, r.stdout);
});

test("database covers ntoskrnl.exe and hal.dll for x64 and x86, and x86-only modules", () => {
  const db = loadKernelExports();
  assert.match(db.generatedFrom, /mingw-w64-x86-64-dev/);
  for (const arch of ["x64", "x86"]) {
    for (const m of ["ntoskrnl.exe", "hal.dll"]) assert.ok((kernelModuleExportsFor(m, arch)?.length ?? 0) > 50, `${arch} ${m}`);
  }
  assert.ok(kernelModuleExportsFor("videoprt.sys", "x86"), "x86 has videoprt.sys");
  assert.ok(kernelModuleExportsFor("ntoskrnl.exe", "x86")!.some((e) => e.name === "_alldiv"), "x86-only name _alldiv");
  assert.ok(!kernelModuleExportsFor("ntoskrnl.exe", "x64")!.some((e) => e.name === "_alldiv"));
  // Newer routines documented on Microsoft Learn, missing from mingw-w64 10's libntoskrnl.a.
  assert.ok(kernelModuleExportsFor("ntoskrnl.exe", "x64")!.some((e) => e.name === "MmMapIoSpaceEx" && e.documented === true));
});

for (const arch of ["x64", "x86"] as const) {
  for (const [lib, module] of [["libntoskrnl.a", "ntoskrnl.exe"], ["libhal.a", "hal.dll"], ["libndis.a", "ndis.sys"], ["libusbd.a", "usbd.sys"]] as const) {
    const path = `${SYSROOT[arch]}/${lib}`;
    test(`${arch} ${module}: names equal llvm-objdump's .idata$6 strings of ${lib}`, { skip: existsSync(path) ? false : "mingw-w64 missing" }, () => {
      const expected = idata6Names(path);
      // Names added from Microsoft Learn (data/kernel-exports-documented.json) are not in the library.
      // (On x86, the x64 routines the i686 library lacks are listed too, marked `fromX64`; names the
      // emulator's module lists add, e.g. x86 usbd.sys's undecorated forms, are marked `builtin`.)
      const got = new Set(kernelModuleExportsFor(module, arch)!.filter((e) => !e.documented && !e.fromX64 && !(e as { builtin?: boolean }).builtin).map((e) => e.name));
      const missing = [...expected].filter((n) => !got.has(n));
      const extra = [...got].filter((n) => !expected.has(n));
      assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10) }, { missing: [], extra: [] });
      assert.ok(expected.size > 0);
    });
  }
}

test("every ntoskrnl.exe/hal.dll routine the emulator implements is an export the database lists (so check, scan and sim agree)", async () => {
  const { allApis } = await import("../src/emu/api/index.js");
  // Routines Windows exports on x86 only (x64 headers make them macros or inlines): their
  // handlers serve 32-bit drivers; on x64 a driver importing one fails to load, as on Windows.
  const x86Only = new Set(["_alldiv", "_aulldiv", "_allrem", "_aullrem", "_allmul", "_allshl", "_allshr", "_aullshr", "KfLowerIrql", "KeAcquireSpinLock", "KefAcquireSpinLockAtDpcLevel", "KefReleaseSpinLockFromDpcLevel", "KeQuerySystemTime", "KeQueryInterruptTime", "KeQueryTickCount", "KeGetCurrentProcessorNumber", "KfAcquireSpinLock", "KfReleaseSpinLock", "_except_handler3", "_local_unwind2", "_global_unwind2", "_abnormal_termination", "_alloca_probe",
    // x86 ntoskrnl's stack probe under its CRT name and its fastcall Interlocked* (x64: intrinsics).
    "_chkstk", "InterlockedIncrement", "InterlockedDecrement", "InterlockedExchange", "InterlockedExchangeAdd", "InterlockedCompareExchange",
    // x64 wdm.h makes it an inline function.
    "RtlExtendedLargeIntegerDivide",
    // hal.dll's port routines: x64 wdm.h inlines them as in/out.
    ...["UCHAR", "USHORT", "ULONG"].flatMap((t) => [`READ_PORT_${t}`, `WRITE_PORT_${t}`, `READ_PORT_BUFFER_${t}`, `WRITE_PORT_BUFFER_${t}`])]);
  const names = (arch: string, m: string) => new Set((kernelModuleExportsFor(m, arch) ?? []).map((e) => e.name));
  const x64 = new Set([...names("x64", "ntoskrnl.exe"), ...names("x64", "hal.dll")]);
  const x86 = new Set([...names("x86", "ntoskrnl.exe"), ...names("x86", "hal.dll")]);
  const missing: string[] = [];
  for (const a of allApis) {
    const m = a.module.toLowerCase();
    if (m !== "ntoskrnl.exe" && m !== "hal.dll") continue;
    if (x86Only.has(a.name) ? !x86.has(a.name) : !x64.has(a.name)) missing.push(`${a.module}!${a.name}`);
  }
  assert.deepEqual(missing, [], "implemented but not in the kernel export database: add each to data/kernel-exports-documented.json with its source, then `npm run kernel-db`");
});

test("x64 database: routines real x64 drivers import from ntoskrnl.exe are listed; x86-only ones are not", () => {
  const x64 = new Set(loadKernelExports().modules["ntoskrnl.exe"]!.map((e) => e.name));
  for (const n of ["KeInitializeSpinLock", "__chkstk", "KeQueryPerformanceCounter", "ExAllocatePool2"]) assert.ok(x64.has(n), n);
  for (const n of ["KeQueryTickCount", "KefAcquireSpinLockAtDpcLevel", "KfLowerIrql", "KeGetCurrentProcessorNumber"]) assert.ok(!x64.has(n), n);
});

test("ARM64's HAL exports the port routines (its wdm.h imports them; a public ARM64 KMDF driver imports READ_PORT_ULONG from HAL.dll), x64's does not", () => {
  const names = (arch: string) => new Set((kernelModuleExportsFor("hal.dll", arch) ?? []).map((e) => e.name));
  const arm = names("arm64");
  const x64 = names("x64");
  for (const n of ["READ_PORT_UCHAR", "READ_PORT_USHORT", "READ_PORT_ULONG", "WRITE_PORT_UCHAR", "WRITE_PORT_ULONG", "READ_PORT_BUFFER_ULONG", "WRITE_PORT_BUFFER_UCHAR"]) {
    assert.ok(arm.has(n), `arm64 ${n}`);
    assert.ok(!x64.has(n), `x64 ${n}`);
  }
});

test("every module the emulated kernel provides is one check knows (its export list, or a known Windows system module): check, scan and sim agree", async () => {
  const { ModuleTable } = await import("../src/kernel/module-table.js");
  const { isKnownSystemModule } = await import("../src/nt/system-modules.js");
  const unknown = new ModuleTable().all().filter((m) => m.builtin)
    .map((m) => m.name)
    .filter((n) => !["x64", "x86", "arm64"].some((a) => kernelModuleExportsFor(n, a) !== undefined) && !isKnownSystemModule(n));
  assert.deepEqual(unknown, [], "sim loads these as built-in modules but check/scan call them missing: add them to src/nt/system-modules.ts");
});
