/** `kmdll inspect` as a user runs it, on the example drivers, cross-checked with llvm-readobj. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, runCli } from "./helpers.js";
import { runReadobj } from "./pe-readobj.js";

interface InspectJson {
  file: string;
  machine: string | number;
  subsystem: number;
  characteristics: number;
  dllCharacteristics: number;
  imageBase: string;
  entryPoint: number;
  sections: { name: string; virtualAddress: number; virtualSize: number; rawSize: number; characteristics: number }[];
  exports: { dllName: string; ordinalBase: number; functions: { ordinal: number; name: string | null; rva: number | null; forwarder: string | null }[] } | null;
  imports: { dll: string; functions: { name: string | null; hint: number | null; ordinal: number | null }[] }[];
  delayImports: unknown[];
  relocations: number;
  pdb: string | null;
  checksum: { stored: number; computed: number };
  signed: boolean;
  warnings: unknown[];
}

async function inspectJson(file: string): Promise<InspectJson> {
  const r = await runCli(["inspect", file, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  return JSON.parse(r.stdout) as InspectJson;
}

for (const arch of ["x64", "x86"] as const) {
  test(`inspect --json: ${arch} client imports mydriver.sys!LoadPrinterDriver; mydriver exports the three routines`, async () => {
    const client = await inspectJson(fixture(arch, "client.sys"));
    const driver = await inspectJson(fixture(arch, "mydriver.sys"));
    assert.equal(client.machine, arch);
    assert.equal(driver.machine, arch);
    assert.equal(client.subsystem, 1);
    assert.equal(driver.subsystem, 1);
    const md = client.imports.find((m) => m.dll.toLowerCase() === "mydriver.sys");
    assert.ok(md, JSON.stringify(client.imports));
    assert.deepEqual(md.functions.map((f) => f.name), ["LoadPrinterDriver"]);
    assert.equal(driver.exports?.dllName, "mydriver.sys");
    const names = driver.exports!.functions.map((f) => f.name).sort();
    assert.deepEqual(names, ["DllInitialize", "DllUnload", "LoadPrinterDriver"]);

    // Shape of the document (issue 2 item 2).
    for (const j of [client, driver]) {
      assert.match(j.imageBase, /^0x[0-9a-f]+$/);
      assert.equal(typeof j.entryPoint, "number");
      assert.equal(typeof j.characteristics, "number");
      assert.equal(typeof j.dllCharacteristics, "number");
      assert.equal(typeof j.relocations, "number");
      assert.equal(typeof j.signed, "boolean");
      assert.equal(typeof j.checksum.stored, "number");
      assert.equal(typeof j.checksum.computed, "number");
      assert.ok(j.pdb === null || typeof j.pdb === "string");
      assert.ok(Array.isArray(j.delayImports));
      for (const s of j.sections) for (const k of ["name", "virtualAddress", "virtualSize", "rawSize", "characteristics"]) assert.ok(k in s, k);
    }

    // Against llvm-readobj: machine, subsystem, sections, exports, imports.
    const ro = runReadobj([fixture(arch, "client.sys"), fixture(arch, "mydriver.sys")]);
    for (const [j, f] of [[client, "client.sys"], [driver, "mydriver.sys"]] as const) {
      const r = ro.get(fixture(arch, f))!;
      assert.equal(j.subsystem, r.subsystem);
      assert.equal(j.machine, r.machine === 0x8664 ? "x64" : r.machine === 0x14c ? "x86" : r.machine);
      assert.deepEqual(j.sections.map((s) => s.name), r.sections);
      assert.deepEqual(
        (j.exports?.functions ?? []).map((e) => [e.ordinal, e.name, e.rva]),
        r.exports.filter((e) => e.rva !== 0).map((e) => [e.ordinal, e.name, e.rva]), // llvm lists empty slots too
      );
      assert.deepEqual(
        j.imports.map((m) => [m.dll, m.functions.map((fn) => (fn.name !== null ? [fn.name, fn.hint] : ["", fn.ordinal]))]),
        r.imports.map((m) => [m.dll, m.symbols.map((s) => [s.name, s.num])]),
      );
    }
  });
}

test("inspect (text): compact summary with headers, sections, exports and imports by DLL", async () => {
  const r = await runCli(["inspect", fixture("x64", "client.sys")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /client\.sys: PE32\+ x64 \(0x8664\), subsystem 1 \(native\)/);
  assert.match(r.stdout, /Sections \(\d+\):\n\s+name\s+vaddr\s+vsize\s+rawsize\s+flags\n\s+\.text\s+0x1000/);
  assert.match(r.stdout, /Imports \(2 DLLs, \d+ functions\):[\s\S]*\n  mydriver\.sys \(1\)\n    LoadPrinterDriver\n/);
  const d = await runCli(["inspect", fixture("x86", "mydriver.sys")]);
  assert.match(d.stdout, /PE32 x86 \(0x14c\)/);
  assert.match(d.stdout, /Exports of mydriver\.sys \(3 functions/);
  for (const n of ["DllInitialize", "DllUnload", "LoadPrinterDriver"]) assert.match(d.stdout, new RegExp(`\\s0x[0-9a-f]+\\s+${n}\\n`));
});

test("inspect: usage errors exit 2", async () => {
  const r = await runCli(["inspect"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing required argument/);
});
