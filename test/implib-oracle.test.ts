/**
 * `kmdll implib` against independent tools, over a suite of .def files (the seeds' example,
 * every keyword, ordinals/NONAME, DATA/CONSTANT, forwarders, x86 stdcall names, a generated
 * 30,000-export file):
 *  (a) llvm-nm and llvm-readobj accept kmdll's .lib and list exactly the symbols (and archive
 *      map) they list for llvm-dlltool's output from the same .def; the members are
 *      byte-identical to llvm-dlltool's wherever LLVM 14 can express the same thing;
 *  (b) lld-link links the client example against it, and the client imports
 *      mydriver.sys!LoadPrinterDriver (llvm-readobj and kmdll inspect); ordinal imports bind by ordinal;
 *  (c) no DllInitialize/DllUnload symbol is in it.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { repoPath, runCli, tool } from "./helpers.js";
import { generateLargeDef } from "./def-gen.js";
import { parseDef, writeDef, hasErrors } from "../src/formats/def/index.js";
import { readArchive, readImportLibrary, writeImportLibrary } from "../src/formats/lib/index.js";

const dir = mkdtempSync(join(tmpdir(), "kmdll-implib-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const big = join(dir, "big.def");
writeFileSync(big, generateLargeDef(30000));

interface Case {
  def: string;
  /** Symbols whose members legitimately differ from LLVM 14's (features LLVM 14 lacks). */
  differs?: string[];
  machines: ("x64" | "x86" | "arm64")[];
  /** x86: false = `--no-kill-at` (llvm-dlltool without -k). */
  killAt?: boolean;
}
const data = (f: string) => repoPath("test", "data", "def", f);
const CASES: Case[] = [
  { def: repoPath("examples", "mydriver", "mydriver.def"), machines: ["x64", "x86", "arm64"] },
  // EXPORTAS is newer than LLVM 14, and LLVM 14 turns `==` onto a missing import into a weak alias.
  { def: data("every-keyword.def"), differs: ["ImportsOther", "Exported"], machines: ["x64", "x86"] },
  { def: data("ordinals.def"), machines: ["x64", "x86"] },
  { def: data("data-constant.def"), machines: ["x64", "x86"] },
  { def: data("forwarders.def"), machines: ["x64", "x86"] },
  { def: data("x86-stdcall.def"), machines: ["x86", "x64"] },
  { def: data("x86-stdcall.def"), machines: ["x86"], killAt: false },
  { def: big, machines: ["x64", "x86"] },
];

/** The .def as llvm-dlltool 14 can read it: the file itself, or (hex numbers, EXPORTAS) kmdll's canonical form without EXPORTAS. */
function llvmReadable(def: string): string {
  const text = readFileSync(def, "utf8");
  if (!/EXPORTAS|0x/.test(text)) return def;
  const model = parseDef(text).def;
  for (const e of model.exports) e.exportAs = null;
  const out = join(dir, "llvm-" + def.replace(/.*\//, ""));
  writeFileSync(out, writeDef(model));
  return out;
}

function dlltool(def: string, machine: string, out: string, killAt = true): void {
  const m = { x64: "i386:x86-64", x86: "i386", arm64: "arm64" }[machine]!;
  tool("llvm-dlltool", ["-m", m, "-d", llvmReadable(def), "-l", out, ...(machine === "x86" && killAt ? ["-k"] : [])]);
}

/** kmdll implib through the library API (the CLI is exercised below). */
function implib(def: string, machine: "x64" | "x86" | "arm64", killAt = true): Uint8Array {
  const r = parseDef(readFileSync(def));
  assert.ok(!hasErrors(r), JSON.stringify(r.diagnostics));
  return writeImportLibrary(r.def, { machine, killAt }).bytes;
}

const lines = (s: string) => s.split("\n").filter(Boolean);

/** Symbols llvm-nm lists as defined (any member), sorted. */
function nmDefined(lib: string): string[] {
  return lines(tool("llvm-nm", ["--defined-only", "--no-sort", "--just-symbol-name", lib]).stdout)
    .filter((l) => !l.endsWith(":"))
    .filter((l) => l !== "@comp.id" && l !== "@feat.00")
    .sort();
}

/** The archive map llvm-nm prints ("symbol in member"), sorted. */
function armap(lib: string): string[] {
  const out = tool("llvm-nm", ["--print-armap", "--defined-only", lib]).stdout;
  const map = out.slice(0, out.indexOf("\n\n"));
  return lines(map).filter((l) => l !== "Archive map").sort();
}

/** Symbols llvm-readobj shows as defined: short-import "Symbol:" lines, and external/weak-external COFF symbols in a section. */
function readobjDefined(lib: string): string[] {
  const out = tool("llvm-readobj", ["--symbols", lib]).stdout;
  const syms: string[] = [];
  for (const m of out.matchAll(/^Symbol: (.+)$/gm)) syms.push(m[1]!);
  for (const m of out.matchAll(/Symbol \{\s+Name: (.*)\n\s+Value: \S+\n\s+Section: (.*)\n[\s\S]*?StorageClass: (\w+)/g)) {
    const [, name, section, cls] = m;
    if ((cls === "External" && !/UNDEFINED/.test(section!)) || cls === "WeakExternal") syms.push(name!);
  }
  return syms.sort();
}

for (const c of CASES) {
  for (const machine of c.machines) {
    const label = `${c.def.replace(/.*\//, "")} (${machine}${c.killAt === false ? ", --no-kill-at" : ""})`;
    test(`implib ${label}: same symbols as llvm-dlltool in llvm-nm and llvm-readobj; members byte-identical; no DllInitialize/DllUnload`, () => {
      const mine = join(dir, `${label.replace(/\W+/g, "_")}.kmdll.lib`);
      const theirs = join(dir, `${label.replace(/\W+/g, "_")}.llvm.lib`);
      writeFileSync(mine, implib(c.def, machine, c.killAt));
      dlltool(c.def, machine, theirs, c.killAt);
      // (a) the tools accept kmdll's library and list the same symbols.
      const nmMine = nmDefined(mine);
      assert.ok(nmMine.length >= 5, "symbols listed");
      assert.deepEqual(nmMine, nmDefined(theirs), "llvm-nm --defined-only");
      assert.deepEqual(readobjDefined(mine), readobjDefined(theirs), "llvm-readobj --symbols");
      assert.deepEqual(armap(mine), armap(theirs), "llvm-nm --print-armap");
      // Member for member: byte-identical except where LLVM 14 lacks the feature.
      const a = readArchive(readFileSync(mine));
      const b = readArchive(readFileSync(theirs));
      assert.equal(a.kind, "coff");
      const differs = new Set(c.differs ?? []);
      const byKey = (ar: typeof a) => {
        const keyed = new Map<string, Uint8Array>();
        const symsOf: string[][] = ar.members.map(() => []);
        for (const s of ar.symbols!) symsOf[s.member]!.push(s.name);
        ar.members.forEach((m, i) => {
          const syms = symsOf[i]!;
          if (syms.some((s) => differs.has(s.replace(/^__imp_/, "").replace(/^_/, "")))) return;
          assert.equal(m.name, a.members[0]!.name, "every member is named after the DLL");
          keyed.set(syms.sort().join(" "), m.data);
        });
        return keyed;
      };
      const ka = byKey(a);
      const kb = byKey(b);
      assert.deepEqual([...ka.keys()].sort(), [...kb.keys()].sort());
      for (const [k, v] of ka) assert.ok(Buffer.from(v).equals(Buffer.from(kb.get(k)!)), `member defining ${k} differs from llvm-dlltool's`);
      assert.ok(ka.size >= 3);
      // (c) PRIVATE entry points are out of the importers' reach.
      assert.ok(!nmMine.some((s) => /DllInitialize|DllUnload/.test(s)), "no DllInitialize/DllUnload symbol");
      // kmdll's own reader agrees with llvm-nm on the imports.
      const rows = readImportLibrary(readFileSync(mine));
      const imps = nmMine.filter((s) => s.startsWith("__imp_")).map((s) => s.slice(6)).sort();
      assert.deepEqual(rows.map((x) => x.symbol).sort(), imps);
      // Deterministic.
      assert.ok(Buffer.from(implib(c.def, machine, c.killAt)).equals(readFileSync(mine)), "same input → same bytes");
    });
  }
}

const CLANG = {
  x64: ["--target=x86_64-pc-windows-msvc"],
  x86: ["--target=i686-w64-windows-gnu"],
};
const SYSROOT = { x64: "/usr/x86_64-w64-mingw32", x86: "/usr/i686-w64-mingw32" };

function compile(src: string, arch: "x64" | "x86", out: string): void {
  tool("clang", [...CLANG[arch], "-fgnuc-version=4.2.1", "-O2", "-ffreestanding", "-fno-stack-protector", "-mno-stack-arg-probe", "-isystem", `${SYSROOT[arch]}/include/ddk`, "-isystem", `${SYSROOT[arch]}/include`, "-c", src, "-o", out]);
}

function link(arch: "x64" | "x86", objs: string[], out: string): void {
  tool("lld-link", [`/machine:${arch}`, "/driver", "/subsystem:native", "/entry:DriverEntry", "/nodefaultlib", ...(arch === "x86" ? ["/safeseh:no"] : []), `/out:${out}`, ...objs, `${SYSROOT[arch]}/lib/libntoskrnl.a`, `${SYSROOT[arch]}/lib/libhal.a`]);
}

for (const arch of ["x64", "x86"] as const) {
  test(`(b) lld-link links the client against kmdll's mydriver.lib (${arch}); it imports mydriver.sys!LoadPrinterDriver`, async () => {
    const lib = join(dir, `mydriver-${arch}.lib`);
    // x86: LoadPrinterDriver is NTAPI (stdcall); the library binds the client's
    // __imp__LoadPrinterDriver@4 to the name LoadPrinterDriver when it sees mydriver's object.
    const myObj = join(dir, `mydriver-${arch}.obj`);
    compile(repoPath("examples", "mydriver", "mydriver.c"), arch, myObj);
    const made = await runCli(["implib", repoPath("examples", "mydriver", "mydriver.def"), "-o", lib, "--machine", arch, ...(arch === "x86" ? ["--objects", myObj] : [])]);
    assert.equal(made.code, 0, made.stderr);
    const obj = join(dir, `client-${arch}.obj`);
    compile(repoPath("examples", "client", "client.c"), arch, obj);
    const sys = join(dir, `client-${arch}.sys`);
    link(arch, [obj, lib], sys);
    const ro = tool("llvm-readobj", ["--coff-imports", sys]).stdout;
    const block = /Import \{\s+Name: mydriver\.sys[\s\S]*?\n\}/.exec(ro);
    assert.ok(block, ro);
    assert.match(block[0], /Symbol: LoadPrinterDriver \(\d+\)/);
    assert.doesNotMatch(block[0], /DllInitialize|DllUnload/);
    const ins = await runCli(["inspect", "--json", sys]);
    assert.equal(ins.code, 0, ins.stderr);
    const imports = JSON.parse(ins.stdout).imports as { dll: string; functions: { name: string | null }[] }[];
    const my = imports.find((m) => m.dll === "mydriver.sys");
    assert.ok(my, JSON.stringify(imports));
    assert.deepEqual(my.functions.map((f) => f.name), ["LoadPrinterDriver"]);
  });
}

test("(b) NONAME exports bind by ordinal, DATA through __imp_, when lld-link links against kmdll's library", () => {
  const lib = join(dir, "ordinals-link.lib");
  writeFileSync(lib, implib(data("ordinals.def"), "x64"));
  const src = join(dir, "ordclient.c");
  writeFileSync(src, "__declspec(dllimport) int First(void);\n__declspec(dllimport) int Second(void);\n__declspec(dllimport) extern int Sixth;\nint DriverEntry(void *a, void *b) { return First() + Second() + Sixth; }\n");
  const obj = join(dir, "ordclient.obj");
  compile(src, "x64", obj);
  const sys = join(dir, "ordclient.sys");
  link("x64", [obj, lib], sys);
  const ro = tool("llvm-readobj", ["--coff-imports", sys]).stdout;
  const block = /Name: ordinals\.sys[\s\S]*?\n\}/.exec(ro)![0];
  assert.match(block, /Symbol: First \(10\)/);
  assert.match(block, /Symbol:  \(11\)/);
  assert.match(block, /Symbol:  \(300\)/);
});

test("lld-link /implib output reads back as llvm-readobj describes it", () => {
  const src = join(dir, "lldimp.c");
  writeFileSync(src, "int Alpha(void) { return 1; }\nint Beta = 2;\nint Gamma(void) { return 3; }\nint DriverEntry(void *a, void *b) { return 0; }\n");
  const obj = join(dir, "lldimp.obj");
  compile(src, "x64", obj);
  const def = join(dir, "lldimp.def");
  writeFileSync(def, "LIBRARY lldimp.sys\nEXPORTS\n  Alpha\n  Beta DATA\n  Gamma @7 NONAME\n");
  const lib = join(dir, "lldimp.lib");
  tool("lld-link", ["/machine:x64", "/dll", "/noentry", "/nodefaultlib", `/def:${def}`, `/implib:${lib}`, `/out:${join(dir, "lldimp.sys")}`, obj]);
  const rows = readImportLibrary(readFileSync(lib));
  const ro = tool("llvm-readobj", [lib]).stdout;
  const theirs = [...ro.matchAll(/File: (\S+)\nFormat: COFF-import-file\nType: (\w+)\nName type: (\w+)\n(?:Export name: .*\n)?Symbol: __imp_(\S+)/g)].map((m) => `${m[4]} ${m[1]} ${m[2]} ${m[3]}`).sort();
  assert.equal(theirs.length, 3, ro);
  assert.deepEqual(rows.map((r) => `${r.symbol} ${r.dll} ${r.type} ${r.nameType}`).sort(), theirs);
  assert.equal(rows.find((r) => r.symbol === "Gamma")?.ordinal, 7);
});
