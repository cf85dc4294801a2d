/**
 * Rule edge cases on real images with one field changed in memory (the rules are pure functions
 * of the parsed image, so the case is set up on the model or on a patched copy of the bytes),
 * plus the classification tables.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parsePe } from "../src/formats/pe/parse.js";
import type { PeImage } from "../src/formats/pe/types.js";
import { runChecks } from "../src/check/runner.js";
import { compilerHelper, userModeDll, kernelReplacement } from "../src/check/knowledge.js";
import { FsModuleResolver, invalidModuleName } from "../src/check/io.js";
import { RULES } from "../src/check/rules.js";
import type { CheckInput, DefInput, Finding } from "../src/check/types.js";
import { fixture } from "./helpers.js";

function load(arch: "x64" | "x86", name: string): { bytes: Uint8Array; image: PeImage; file: string } {
  const file = fixture(arch, name + ".sys");
  const bytes = new Uint8Array(readFileSync(file));
  return { bytes, image: parsePe(bytes), file };
}

function run(input: Omit<CheckInput, "modules"> & { modules?: CheckInput["modules"] }): Finding[] {
  return runChecks({ modules: new FsModuleResolver({ arch: "x64", adjacentDir: fixture("x64", "") }), ...input });
}

const rules = (fs: Finding[]) => fs.map((f) => f.rule).sort();

test("entry point 0: missing-driverentry (warning); patched header bytes confirm the offset", () => {
  const m = load("x64", "client");
  const fs = run({ ...m, image: { ...m.image, optional: { ...m.image.optional, addressOfEntryPoint: 0 } } });
  assert.deepEqual(rules(fs), ["missing-driverentry"]);
  assert.equal(fs[0]!.severity, "warning");
  const dv = new DataView(m.bytes.buffer);
  assert.equal(dv.getUint32(fs[0]!.location.offset!, true), m.image.optional.addressOfEntryPoint, "offset points at AddressOfEntryPoint");
});

test("decorated or miscased entry point names count as missing, with a hint", () => {
  const m = load("x86", "mydriver");
  const exp = m.image.exports!;
  const functions = exp.functions.map((f) => (f.name === "DllInitialize" ? { ...f, name: "_DllInitialize@4", names: ["_DllInitialize@4"] } : f.name === "DllUnload" ? { ...f, name: "dllunload", names: ["dllunload"] } : f));
  const fs = run({ ...m, image: { ...m.image, exports: { ...exp, functions } } });
  assert.deepEqual(rules(fs), ["missing-dllinitialize", "missing-dllunload"]);
  assert.match(fs.find((f) => f.rule === "missing-dllinitialize")!.message, /_DllInitialize@4/);
  assert.match(fs.find((f) => f.rule === "missing-dllunload")!.message, /"dllunload"/);
});

test("a standard driver without exports is not an export driver; --def makes it one", () => {
  const m = load("x64", "client");
  assert.deepEqual(run(m), []);
  const def: DefInput = { file: "client.def", library: { name: "client.sys", line: 1 }, exports: [] };
  assert.deepEqual(rules(run({ ...m, def })), ["missing-dllinitialize", "missing-dllunload"]);
});

test(".def: no LIBRARY (warning), LIBRARY of another file (error), DECLSPEC_EXPORT entry points not in the .def", () => {
  const m = load("x64", "mydriver");
  const priv = (name: string, line: number) => ({ name, target: null, private: true, data: false, noname: false, ordinal: null, line });
  const ok: DefInput = { file: "m.def", library: { name: "mydriver.sys", line: 1 }, exports: [priv("DllInitialize", 3), priv("DllUnload", 4)] };
  assert.deepEqual(run({ ...m, def: ok }), []);
  const noLib = run({ ...m, def: { ...ok, library: null } });
  assert.deepEqual(noLib.map((f) => [f.rule, f.severity]), [["library-name", "warning"]]);
  const other = run({ ...m, def: { ...ok, library: { name: "printer.sys", line: 1 } } });
  assert.deepEqual(other.map((f) => [f.rule, f.severity]), [["library-name", "error"]]);
  const missing = run({ ...m, def: { ...ok, exports: [priv("DllInitialize", 3)] } });
  assert.deepEqual(rules(missing), ["entry-point-in-import-library"]);
  assert.match(missing[0]!.message, /DllUnload PRIVATE/);
});

test("the image's export-table name differs from the file name: library-name warning", () => {
  const m = load("x64", "mydriver");
  const fs = run({ ...m, image: { ...m.image, exports: { ...m.image.exports!, dllName: "printer.sys" } } });
  assert.deepEqual(fs.map((f) => [f.rule, f.severity]), [["library-name", "warning"]]);
  const dll = run({ ...m, image: { ...m.image, exports: { ...m.image.exports!, dllName: "mydriver.dll" } } });
  assert.deepEqual(dll.map((f) => [f.rule, f.severity]), [["library-name", "warning"]]);
});

test("importing another driver's DllInitialize: imports-entry-point warning", () => {
  const m = load("x64", "client");
  const imports = m.image.imports.map((mod) =>
    mod.dll === "mydriver.sys" ? { ...mod, functions: [...mod.functions, { name: "DllInitialize", hint: 0, ordinal: null, iatRva: mod.iatRva + 8 }] } : mod,
  );
  const fs = run({ ...m, image: { ...m.image, imports } });
  assert.deepEqual(fs.map((f) => [f.rule, f.severity]), [["imports-entry-point", "warning"]]);
});

test("compiler helpers: user-mode source → compiler-helper-import only; kernel source is fine", () => {
  const m = load("x64", "client");
  const helper = (dll: string, name: string) => ({ dll, iltRva: 0, iatRva: 0x2000, functions: [{ name, hint: 0, ordinal: null, iatRva: 0x2000 }] });
  const fromUcrt = run({ ...m, image: { ...m.image, imports: [...m.image.imports, helper("VCRUNTIME140.dll", "__security_check_cookie")] } });
  assert.deepEqual(rules(fromUcrt), ["compiler-helper-import"]);
  assert.match(fromUcrt[0]!.message, /BufferOverflowFastFailK\.lib|-fno-stack-protector/);
  // __C_specific_handler from ntoskrnl.exe resolves (the kernel exports it).
  assert.deepEqual(run({ ...m, image: { ...m.image, imports: [...m.image.imports, helper("ntoskrnl.exe", "__C_specific_handler")] } }), []);
  // ... and from msvcrt it is a helper import whose fix says so.
  const seh = run({ ...m, image: { ...m.image, imports: [...m.image.imports, helper("msvcrt.dll", "__C_specific_handler")] } });
  assert.deepEqual(rules(seh), ["compiler-helper-import"]);
  assert.match(seh[0]!.message, /ntoskrnl\.exe exports it/);
});

test("classification tables", () => {
  for (const d of ["NTDLL.DLL", "kernel32.dll", "KERNELBASE.dll", "msvcrt.dll", "ucrtbase.dll", "VCRUNTIME140.dll", "vcruntime140_1.dll", "MSVCP140.dll", "api-ms-win-crt-heap-l1-1-0.dll", "libgcc_s_seh-1.dll", "ws2_32.dll"]) {
    assert.ok(userModeDll(d), d);
  }
  assert.equal(userModeDll("ext-ms-win-ntos-ksr-l1-1-0.dll"), null, "kernel API sets are not user-mode");
  assert.ok(userModeDll("api-ms-win-core-file-l1-1-0.dll"));
  assert.equal(userModeDll("ntdll.dll")!.refusedByLoader, true);
  assert.equal(userModeDll("msvcrt.dll")!.refusedByLoader, false);
  for (const d of ["ntoskrnl.exe", "hal.dll", "mydriver.sys", "ndis.sys", "kdcom.dll", "ci.dll"]) assert.equal(userModeDll(d), null, d);
  for (const h of ["__chkstk", "_alloca_probe_16", "___chkstk_ms", "__security_check_cookie", "__GSHandlerCheck", "_RTC_CheckStackVars", "__CxxFrameHandler4", "_CxxThrowException", "_alldiv", "_ftol2_sse", "_purecall"]) {
    assert.ok(compilerHelper(h), h);
  }
  for (const n of ["malloc", "memcpy", "DbgPrint", "ExAllocatePoolWithTag", "strlen"]) assert.equal(compilerHelper(n), null, n);
  assert.match(kernelReplacement("malloc")!, /ExAllocatePool/);
  assert.equal(kernelReplacement("toString"), null, "no prototype lookups");
  for (const bad of ["../x.sys", "a\\b.sys", "..", "x..sys", "", "c:x.sys"]) assert.ok(invalidModuleName(bad), bad);
  assert.equal(invalidModuleName("mydriver.sys"), null);
});

test("every rule has documentation with a fix", () => {
  const ids = new Set<string>();
  for (const r of RULES) {
    assert.ok(!ids.has(r.id), `duplicate ${r.id}`);
    ids.add(r.id);
    assert.ok(r.summary.length > 10 && r.explain.length > 150, r.id);
    assert.match(r.explain, /\nFix\b/, r.id);
  }
});
