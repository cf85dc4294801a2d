/**
 * The PE reader on DLLs built at test time by clang + lld-link for x64, x86 and ARM64 from
 * test/pe-synth/ (by-ordinal and delay imports, NONAME exports, aliases, forwarders, TLS
 * callbacks, CodeView debug info, relocations, .pdata), checked against llvm-readobj.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePe, pdbPath, rvaToOffset, type PeImage } from "../src/formats/pe/index.js";
import { readImage } from "../src/io/image.js";
import { repoPath, tool } from "./helpers.js";
import { compareWithReadobj, parseTree, runReadobj, type RoNode } from "./pe-readobj.js";

const ARCHES = [
  { arch: "x64", target: "x86_64-pc-windows-msvc", dlltool: "i386:x86-64" },
  { arch: "x86", target: "i686-pc-windows-msvc", dlltool: "i386" },
  { arch: "arm64", target: "aarch64-pc-windows-msvc", dlltool: "arm64" },
] as const;

const src = (f: string): string => repoPath("test", "pe-synth", f);

function build(dir: string, a: (typeof ARCHES)[number]): string {
  const sub = join(dir, a.arch);
  mkdirSync(sub);
  const o = (f: string): string => join(sub, f);
  tool("llvm-dlltool", ["-m", a.dlltool, "-d", src("other.def"), "-l", o("other.lib")]);
  tool("llvm-dlltool", ["-m", a.dlltool, "-d", src("late.def"), "-l", o("late.lib")]);
  tool("clang", [`--target=${a.target}`, "-O1", "-c", src("main.c"), "-o", o("main.obj")]);
  tool("lld-link", [
    "/dll", "/nodefaultlib", "/entry:DllEntry", `/machine:${a.arch}`, `/def:${src("main.def")}`, "/delayload:late.dll",
    "/debug", `/pdb:${o("main.pdb")}`, `/out:${o("main.dll")}`, o("main.obj"), o("other.lib"), o("late.lib"),
  ]);
  return o("main.dll");
}

const kids = (n: RoNode | undefined, key: string): RoNode[] => n?.children.filter((c) => c.key === key) ?? [];
const one = (n: RoNode | undefined, key: string): RoNode | undefined => n?.children.find((c) => c.key === key);
const hexOf = (s: string): number => Number(/0x[0-9A-Fa-f]+/.exec(s)![0]);

test("clang/lld-link DLLs (x64, x86, arm64): reader agrees with llvm-readobj", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-pe-synth-"));
  try {
    for (const a of ARCHES) {
      await t.test(a.arch, () => {
        const dll = build(dir, a);
        const ro = runReadobj([dll]).get(dll)!;
        assert.deepEqual(compareWithReadobj(dll, ro), []);
        const { image } = readImage(dll);

        // What the sources say (independent of both readers).
        const ex = image.exports!;
        const byName = (n: string) => ex.functions.find((f) => f.names.includes(n));
        assert.equal(ex.dllName, "main.dll");
        assert.equal(ex.functions.find((f) => f.ordinal === 20)?.name, null, "Hidden @20 NONAME");
        assert.equal(byName("Alias")?.rva, byName("Exported")?.rva, "Alias = Exported");
        assert.match(byName("FwdName")!.forwarder!, /other\.Foo$/);
        assert.match(byName("FwdOrd")!.forwarder!, /other\.#7$/);
        assert.deepEqual(image.imports.map((m) => [m.dll, m.functions.map((f) => f.name ?? `#${f.ordinal}`).sort()]), [["other.dll", ["#7", "Foo"]]]);
        assert.deepEqual(image.delayImports.map((m) => [m.dll, m.functions.map((f) => f.name ?? `#${f.ordinal}`)]), [["late.dll", ["Late", "#3"]]]);
        assert.equal(pdbPath(image), join(dir, a.arch, "main.pdb"));
        assert.equal(image.tls?.callbacks.length, 2, "two TLS callbacks");

        // Details llvm-readobj prints with other options.
        const tree = parseTree(tool("llvm-readobj", ["--coff-debug-directory", "--coff-basereloc", "--coff-tls-directory", "--unwind", "--coff-imports", dll]).stdout);
        const cv = one(one(one(tree, "DebugDirectory"), "DebugEntry"), "PDBInfo")!;
        const guidBytes = /\(([0-9A-F ]+)\)/.exec(one(cv, "PDBGUID")!.value)![1]!.split(" ").map((x) => parseInt(x, 16));
        assert.equal(image.debug[0]!.guid, guidText(guidBytes));
        assert.equal(image.debug[0]!.age, Number(one(cv, "PDBAge")!.value));
        assert.equal(image.debug[0]!.pdb, one(cv, "PDBFileName")!.value);
        const relocs = kids(one(tree, "BaseReloc"), "Entry").filter((e) => one(e, "Type")!.value !== "ABSOLUTE").map((e) => hexOf(one(e, "Address")!.value));
        assert.deepEqual(image.relocations.map((r) => r.rva), relocs);
        const base = image.optional.imageBase;
        const tls = one(tree, "TLSDirectory")!;
        const cbArray = BigInt(hexOf(one(tls, "AddressOfCallBacks")!.value)) - base;
        assert.ok(cbArray > 0n);
        const text = image.sections.find((s) => s.name === ".text")!;
        for (const cb of image.tls!.callbacks) {
          const rva = Number(cb - base);
          assert.ok(rva >= text.virtualAddress && rva < text.virtualAddress + text.virtualSize, "TLS callback inside .text");
        }
        checkUnwind(image, one(tree, "UnwindInformation"), base);
        checkDelayIat(image, tree);
        if (a.arch === "x86") checkOldStyleDelay(dll, image);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function guidText(b: number[]): string {
  const h = (i: number): string => b[i]!.toString(16).padStart(2, "0").toUpperCase();
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${[10, 11, 12, 13, 14, 15].map(h).join("")}`;
}

function checkUnwind(image: PeImage, unwind: RoNode | undefined, base: bigint): void {
  const rfs = kids(unwind, "RuntimeFunction");
  if (image.machine === "x86") {
    assert.equal(image.exceptionFunctions.length, 0);
    return;
  }
  assert.equal(image.exceptionFunctions.length, rfs.length);
  rfs.forEach((rf, i) => {
    const ours = image.exceptionFunctions[i]!;
    const rva = (s: string): number => Number(BigInt(hexOf(s)) - base);
    if (image.machine === "x64") {
      assert.equal(ours.beginAddress, rva(one(rf, "StartAddress")!.value));
      assert.equal(ours.endAddress, rva(one(rf, "EndAddress")!.value));
      assert.equal(ours.unwindInfoAddress, rva(one(rf, "UnwindInfoAddress")!.value));
    } else {
      assert.equal(ours.beginAddress, rva(one(rf, "Function")!.value));
      const len = Number(one(one(rf, "ExceptionData"), "FunctionLength")?.value ?? one(rf, "FunctionLength")!.value);
      assert.equal(ours.endAddress - ours.beginAddress, len);
    }
  });
}

/** Delay-import IAT slots: llvm-readobj prints each import's "Address" (the IAT slot's initial content, a VA). */
function checkDelayIat(image: PeImage, tree: RoNode): void {
  const d = kids(tree, "DelayImport");
  assert.equal(d.length, 1);
  const m = image.delayImports[0]!;
  assert.equal(m.iatRva, hexOf(one(d[0], "ImportAddressTable")!.value));
  assert.equal(m.iltRva, hexOf(one(d[0], "ImportNameTable")!.value));
  assert.equal(m.moduleHandleRva, hexOf(one(d[0], "ModuleHandle")!.value));
  const size = image.optional.pe32plus ? 8 : 4;
  m.functions.forEach((f, i) => assert.equal(f.iatRva, m.iatRva + i * size));
}

/**
 * Old (VC6-era) delay-load descriptors have Attributes bit 0 clear and hold VAs instead of RVAs,
 * also in their name table. Rewrite the linker's descriptor that way: the reader must decode the
 * same DLL and functions.
 */
function checkOldStyleDelay(dll: string, image: PeImage): void {
  const b = new Uint8Array(readFileSync(dll));
  const dv = new DataView(b.buffer);
  const base = Number(image.optional.imageBase);
  const at = rvaToOffset(image, image.dataDirectories[13]!.virtualAddress, 32, b.length)!;
  assert.equal(dv.getUint32(at, true) & 1, 1, "lld writes RVA-based descriptors");
  dv.setUint32(at, 0, true);
  for (const k of [1, 2, 3, 4]) dv.setUint32(at + 4 * k, dv.getUint32(at + 4 * k, true) + base, true);
  const int = rvaToOffset(image, image.delayImports[0]!.iltRva, 4, b.length)!;
  for (let p = int; dv.getUint32(p, true) !== 0; p += 4) {
    const v = dv.getUint32(p, true);
    if (!(v & 0x80000000)) dv.setUint32(p, v + base, true);
  }
  const old = parsePe(b);
  assert.equal(old.delayImports[0]!.attributes, 0);
  assert.deepEqual(
    old.delayImports.map((m) => [m.dll, m.iatRva, m.moduleHandleRva, m.functions]),
    image.delayImports.map((m) => [m.dll, m.iatRva, m.moduleHandleRva, m.functions]),
  );
}
