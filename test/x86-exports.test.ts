// x86 export drivers: undecorated .def names bind to stdcall/fastcall routines as link.exe binds
// them; importers reference __imp__F@N bound to the undecorated name F; forwarders keep their
// target. Checked on the cc-mathlib/cc-mathuser fixtures and fresh builds with llvm-readobj,
// llvm-objdump, llvm-nm and lld-link's own import library.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { bindX86Exports, bindX86Forwarders, directiveExportNames, x86DirectiveAliases, x86ImportDef, x86LinkerDef } from "../src/formats/def/x86-names.js";
import { parseDef, writeDef } from "../src/formats/def/index.js";
import { kernelImportDefs, routineOfSymbol } from "../src/toolchain/kernel-implib.js";

function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** name → forwarder (or "" for a routine), from llvm-objdump's export table. */
function exportTable(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tool("llvm-objdump", ["-p", file]).stdout.matchAll(/^\s+\d+\s+(?:0x[0-9a-f]+\s+)?(\S+)(?: \(forwarded to (\S+)\))?$/gm)) out.set(m[1]!, m[2] ?? "");
  return out;
}

/** Import rows of a library, from kmdll lib list --json: symbol → import name. */
async function libRows(lib: string): Promise<Map<string, string>> {
  const r = await runCli(["lib", "list", lib, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { imports?: { symbol: string; importName: string | null }[] } | { symbol: string; importName: string | null }[];
  const list = Array.isArray(rows) ? rows : rows.imports ?? [];
  return new Map(list.map((x) => [x.symbol, x.importName ?? ""]));
}

test("bindX86Exports: link.exe's lookup order for undecorated, decorated and C++ names", () => {
  const def = parseDef(
    "LIBRARY m.sys\nEXPORTS\n DllInitialize PRIVATE\n Cdecl\n Std\n Fast\n Std2@12\n Alias=Std\n ?Cpp@@YAXXZ\n Missing\n Fwd=HAL.KfRaiseIrql\n",
  ).def;
  const defined = ["_DllInitialize@4", "_Cdecl", "_Std@8", "@Fast@4", "_Std2@12", "?Cpp@@YAXXZ", "_Unrelated@4"];
  const r = bindX86Exports(def, defined);
  assert.deepEqual(
    r.bindings.map((b) => [b.export, b.symbol, b.convention, b.argBytes]),
    [
      ["DllInitialize", "_DllInitialize@4", "stdcall", 4],
      ["Cdecl", "_Cdecl", "cdecl", null],
      ["Std", "_Std@8", "stdcall", 8],
      ["Fast", "@Fast@4", "fastcall", 4],
      ["Std2@12", "_Std2@12", "stdcall", 12],
      ["Alias", "_Std@8", "stdcall", 8],
      ["?Cpp@@YAXXZ", "?Cpp@@YAXXZ", "decorated", null],
    ],
  );
  assert.deepEqual(r.unbound, ["Missing"]);
  // cdecl first: a plain _F wins over an _F@N of the same name (link.exe looks for _F first).
  assert.equal(bindX86Exports(parseDef("EXPORTS\n F\n").def, ["_F@8", "_F"]).bindings[0]!.symbol, "_F");

  const linker = x86LinkerDef(def, r.bindings);
  assert.deepEqual(linker.exportArgs, ["/export:Fwd=HAL.KfRaiseIrql"]);
  assert.match(writeDef(linker.def), /^ {2}Std=_Std@8$/m);
  assert.match(writeDef(linker.def), /^ {2}Cdecl$/m, "a cdecl name stays as written (lld-link adds the _)");
  assert.doesNotMatch(writeDef(linker.def), /Fwd/);

  const imports = x86ImportDef(def, r.bindings);
  const byName = new Map(imports.exports.map((e) => [e.importName ?? e.name, e.name]));
  assert.equal(byName.get("Std"), "Std@8");
  assert.equal(byName.get("Fast"), "@Fast@4");
  assert.equal(byName.get("Alias"), "Alias@8", "the importer's symbol carries the exported name");
  assert.equal(imports.exports.find((e) => e.name.startsWith("DllInitialize"))!.name, "DllInitialize", "PRIVATE entries are left alone");
});

test("bindX86Forwarders: a forwarder takes its target's convention from the import library on the link line", () => {
  const def = parseDef("EXPORTS\n Twice = chainc.ChainC\n Fast = HAL.KfRaiseIrql\n Plain = other.Plain\n Unknown = nowhere.X\n ByOrd = chainc.#3\n").def;
  const imports = new Map([["chainc!ChainC", "_ChainC@4"], ["hal!KfRaiseIrql", "@KfRaiseIrql@4"], ["other!Plain", "_Plain"]]);
  const b = bindX86Forwarders(def, imports);
  assert.deepEqual(b.map((x) => `${x.export} ${x.convention} ${x.argBytes}`), ["Twice stdcall 4", "Fast fastcall 4"]);
  const byName = new Map(x86ImportDef(def, b).exports.map((e) => [e.importName ?? e.name, e.name]));
  assert.equal(byName.get("Twice"), "Twice@4");
  assert.equal(byName.get("Fast"), "@Fast@4");
  assert.equal(byName.get("Plain"), "Plain", "cdecl or unknown targets stay as written");
  assert.equal(byName.get("Unknown"), "Unknown");
});

test("directive exports: GNU -export:\"F@N\" gets an /alternatename onto _F@N; MSVC /EXPORT:_F@N needs none", () => {
  assert.deepEqual(directiveExportNames(' -export:"C_Mul@8" -export:Data,data /EXPORT:"_D@4" /EXPORT:Pub=_Impl@8'), ["C_Mul@8", "Data", "_D@4", "_Impl@8"]);
  assert.deepEqual(x86DirectiveAliases(["C_Mul@8", "_D@4", "Gone@4"], ["_C_Mul@8", "_D@4"]), ["/alternatename:C_Mul@8=_C_Mul@8"]);
});

test("cc-mathlib (x86 fixture): undecorated exports, forwarder without a leading underscore; mathuser imports the undecorated names", async () => {
  const lib = fixture("x86", "mathlib.sys");
  const ex = exportTable(lib);
  for (const n of ["DllInitialize", "DllUnload", "MathMul", "MathAdd", "MathSub", "MathSum", "MathProduct"]) assert.equal(ex.get(n), "", `${n} exported: ${[...ex.keys()]}`);
  assert.equal(ex.get("MathIrql"), "HAL.KeGetCurrentIrql", "lld-link 14 would write _HAL.KeGetCurrentIrql from the .def");
  // The importer's import table names the undecorated routines.
  const imports = tool("llvm-readobj", ["--coff-imports", fixture("x86", "mathuser.sys")]).stdout;
  for (const n of ["MathMul", "MathAdd", "MathSub", "MathSum", "MathProduct"]) assert.match(imports, new RegExp(`Symbol: ${n} \\(`));
  // The export library: the symbols an x86 compiler references, bound to the exported names.
  const rows = await libRows(fixture("x86", "mathlib.lib"));
  assert.equal(rows.get("_MathMul@8"), "MathMul");
  assert.equal(rows.get("@MathAdd@8"), "MathAdd");
  assert.equal(rows.get("_MathSub"), "MathSub");
  assert.equal(rows.get("_MathProduct@8"), "MathProduct");
});

test("x86 build of NTAPI/FASTCALL exports and a GNU dllexport: same import library as lld-link's own, importer links", async () => {
  const ws = scratch("kmdll-x86names-");
  cpSync(repoPath("examples", "cc-mathlib"), join(ws, "cc-mathlib"), { recursive: true });
  cpSync(repoPath("examples", "cc-mathuser"), join(ws, "cc-mathuser"), { recursive: true });
  cpSync(repoPath("examples", "include"), join(ws, "include"), { recursive: true });
  // A routine exported by __declspec(dllexport) too: the GNU target's directive names C_Exp@4.
  writeFileSync(join(ws, "cc-mathlib", "mathlib.c"), readFileSync(join(ws, "cc-mathlib", "mathlib.c"), "utf8") + "\n__declspec(dllexport) LONG NTAPI MathExp(LONG a) { return a; }\n");
  // Compiled by the GNU target as mingw-w64 builds do (kmdll's own x86 recipe is the msvc target,
  // whose directive is MSVC's /EXPORT:"_MathExp@4").
  writeFileSync(join(ws, "cc-mathlib", "sources"), readFileSync(join(ws, "cc-mathlib", "sources"), "utf8") + "\nUSER_C_FLAGS=--target=i686-w64-windows-gnu\n");
  writeFileSync(join(ws, "dirs"), "DIRS= cc-mathlib cc-mathuser\n");
  const b = await runCli(["build", ".", "--arch", "x86"], { cwd: ws });
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const sys = join(ws, "out", "x86", "mathlib.sys");
  assert.ok(exportTable(sys).has("MathExp@4"), "the dllexport routine linked (was: <root>: undefined symbol: MathExp@4)");

  // Independent: lld-link's own import library for the same objects and the original .def.
  const obj = join(ws, "out", "obj", "x86", "mathlib", "mathlib.obj");
  const nm = tool("llvm-nm", [obj]).stdout;
  assert.match(nm, / T _MathMul@8$/m);
  assert.match(nm, / T @MathAdd@8$/m);
  const def = join(ws, "plain.def");
  writeFileSync(def, readFileSync(join(ws, "cc-mathlib", "mathlib.def"), "utf8").replace(/^.*HAL\..*$/m, ""));
  tool("lld-link", ["/machine:x86", "/dll", "/noentry", "/nodefaultlib", "/safeseh:no", `/out:${join(ws, "ref.sys")}`, `/implib:${join(ws, "ref.lib")}`, obj, `/def:${def}`,
    "/alternatename:MathExp@4=_MathExp@4", "/usr/i686-w64-mingw32/lib/libntoskrnl.a"]);
  const ref = await libRows(join(ws, "ref.lib"));
  const ours = await libRows(join(ws, "out", "x86", "mathlib.lib"));
  // (MathExp, exported only by __declspec(dllexport), is not in the .def the library is written from.)
  ref.delete("MathExp@4");
  assert.ok(ref.size >= 5, [...ref.keys()].join(" "));
  for (const [sym, name] of ref) assert.equal(ours.get(sym), name, `${sym} → ${name} as lld-link writes it`);

  // kmdll implib --objects gives the same rows; an image without a symbol table is refused.
  const out = join(ws, "implib.lib");
  const r = await runCli(["implib", join(ws, "cc-mathlib", "mathlib.def"), "-o", out, "--machine", "x86", "--objects", obj]);
  assert.equal(r.code, 0, r.stderr);
  const viaCli = await libRows(out);
  for (const [sym, name] of ref) assert.equal(viaCli.get(sym), name);
  const noSyms = await runCli(["implib", join(ws, "cc-mathlib", "mathlib.def"), "-o", out, "--machine", "x86", "--objects", sys]);
  assert.equal(noSyms.code, 2);
  assert.match(noSyms.stderr, /no symbol table: pass its objects/);
  const x64 = await runCli(["implib", join(ws, "cc-mathlib", "mathlib.def"), "-o", out, "--objects", obj]);
  assert.equal(x64.code, 2);
});

// Kernel routines mingw-w64's i686 libntoskrnl.a lacks (or decorates otherwise) link through the
// import library kmdll writes from its kernel export database with the objects' own symbols.
test("x86 kernel imports from the export database: the objects' decoration, Windows' undecorated names, ntoskrnl's 64-bit helpers", () => {
  const syms = ["__imp__MmCopyMemory@24", "__imp_@ObfReferenceObjectWithTag@8", "__alldiv", "__imp__KeTickCount", "__imp__NoSuchRoutine@4", "_DriverHelper@4"];
  assert.deepEqual(routineOfSymbol("__imp_@ObfReferenceObjectWithTag@8", "x86"), { name: "ObfReferenceObjectWithTag", defName: "@ObfReferenceObjectWithTag@8", imported: true });
  const defs = kernelImportDefs(syms, "x86");
  const nt = defs.get("ntoskrnl.exe")!.exports.map((e: { name: string; data: boolean }) => `${e.name}${e.data ? " DATA" : ""}`);
  assert.deepEqual(nt.sort(), ["@ObfReferenceObjectWithTag@8", "KeTickCount DATA", "MmCopyMemory@24", "_alldiv"].sort());
  assert.equal(defs.get("hal.dll"), undefined);
  // Independent: the import table llvm-readobj reads from the x86 build of api-hw names the routine undecorated.
  const imports = tool("llvm-readobj", ["--coff-imports", fixture("x86", "apihw.sys")]).stdout;
  assert.match(imports, /Name: ntoskrnl\.exe[\s\S]*Symbol: MmCopyMemory \(/);
  const emu = tool("llvm-readobj", ["--coff-imports", fixture("x86", "emucomp.sys")]).stdout;
  assert.match(emu, /Symbol: _alldiv \(/, "64-bit division calls ntoskrnl's _alldiv, as WDK-built x86 drivers do");
});
