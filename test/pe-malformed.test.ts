/**
 * Malformed images made by mutating real fixtures: truncation inside every header, RVAs outside
 * the file, export counts of 2^31, import descriptor chains and thunk arrays that never
 * terminate, overlapping sections, non-PE input. The reader must answer with a one-line
 * FormatError naming the structure and offset, or a partial result with warnings — and the CLI
 * with exit 2 and one line, never a stack trace.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePe, IMPORT_LIMITS, type PeImage } from "../src/formats/pe/index.js";
import { FormatError } from "../src/errors.js";
import { fixture, runCli } from "./helpers.js";
import { layout, mutate } from "./pe-mutate.js";

const x64 = layout(fixture("x64", "mydriver.sys"));
const x86 = layout(fixture("x86", "client.sys"));

function expectError(bytes: Uint8Array, structure: RegExp): FormatError {
  let err: unknown;
  try {
    parsePe(bytes);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof FormatError, `expected a FormatError, got ${String(err)}`);
  assert.match(err.structure, structure);
  assert.ok(!err.message.includes("\n"), "one line");
  return err;
}

function warningsAbout(image: PeImage, structure: RegExp): string[] {
  return image.warnings.filter((w) => structure.test(w.structure)).map((w) => w.message);
}

test("truncated inside every header → FormatError naming the structure and offset", () => {
  for (const L of [x64, x86]) {
    const cases: [number, RegExp][] = [
      [0, /DOS header/],
      [1, /DOS header/],
      [0x3e, /DOS header/],
      [L.pe + 2, /PE signature/],
      [L.coff + 10, /COFF file header/],
      [L.opt + 1, /optional header/],
      [L.opt + 40, /optional header/],
      [L.dataDirs + 12, /data directory/],
      [L.sectionTable + 20, /section table/],
      [L.sectionTable + 40 * L.image.sections.length - 1, /section table/],
    ];
    for (const [len, re] of cases) {
      const e = expectError(L.bytes.subarray(0, len), re);
      assert.ok(e.offset !== undefined, `${e.message} names an offset`);
    }
  }
});

test("truncated inside section data → partial result with warnings", () => {
  for (const L of [x64, x86]) {
    const last = L.image.sections[L.image.sections.length - 1]!;
    const img = parsePe(L.bytes.subarray(0, last.pointerToRawData + 8));
    assert.ok(warningsAbout(img, /section header/).some((m) => /runs past the end of the file/.test(m)));
    // Truncating inside .rdata loses the import/export tables: warnings, not exceptions.
    const rdata = L.image.sections.find((s) => s.name === ".rdata")!;
    const img2 = parsePe(L.bytes.subarray(0, rdata.pointerToRawData + 16));
    assert.ok(img2.warnings.length > 0);
    assert.equal(img2.imports.length, 0);
  }
});

test("not a PE: no MZ, e_lfanew outside the file, no PE signature, bad optional magic", () => {
  const text = new TextEncoder().encode("#!/bin/sh\necho this is not a driver\n".repeat(4));
  assert.equal(expectError(text, /DOS header/).offset, 0);
  expectError(new Uint8Array(0), /DOS header/);
  expectError(mutate(x64.bytes, (_b, dv) => dv.setUint32(0x3c, 0x7ffffff0, true)), /PE signature/);
  expectError(mutate(x64.bytes, (b) => (b[x64.pe] = 0x4e)), /PE signature/);
  expectError(mutate(x64.bytes, (_b, dv) => dv.setUint16(x64.opt, 0x107, true)), /optional header/);
  expectError(mutate(x64.bytes, (_b, dv) => dv.setUint16(x64.coff + 16, 0, true)), /optional header/);
  expectError(mutate(x64.bytes, (_b, dv) => dv.setUint16(x64.coff + 2, 0xffff, true)), /section table/);
});

test("directory RVAs outside the file → warnings, the rest still parses", () => {
  for (const L of [x64, x86]) {
    for (const [dir, re] of [[0, /export/], [1, /import/], [5, /reloc/], [6, /debug/], [9, /TLS/], [10, /load config/], [13, /delay/]] as const) {
      const img = parsePe(mutate(L.bytes, (_b, dv) => {
        dv.setUint32(L.dirField(dir), 0x7fff0000, true);
        dv.setUint32(L.dirField(dir) + 4, 0x100, true);
      }));
      assert.ok(img.warnings.some((w) => re.test(w.structure) || re.test(w.message)), `dir ${dir}: ${JSON.stringify(img.warnings)}`);
      assert.deepEqual(img.sections.map((s) => s.name), L.image.sections.map((s) => s.name));
      if (dir !== 1) assert.deepEqual(img.imports, L.image.imports);
    }
    // SECURITY is a file offset: pointing past the end still means "signed", with a warning.
    const sec = parsePe(mutate(L.bytes, (_b, dv) => {
      dv.setUint32(L.dirField(4), 0x7fff0000, true);
      dv.setUint32(L.dirField(4) + 4, 0x100, true);
    }));
    assert.equal(sec.signed, true);
    assert.ok(warningsAbout(sec, /security/).length > 0);
  }
});

test("export NumberOfFunctions = 2^31 and NumberOfNames = 2^31 → clamped with warnings", () => {
  const L = x64;
  const ed = L.off(L.image.dataDirectories[0]!.virtualAddress);
  const img = parsePe(mutate(L.bytes, (_b, dv) => {
    dv.setUint32(ed + 20, 0x80000000, true);
    dv.setUint32(ed + 24, 0x80000000, true);
  }));
  assert.ok(warningsAbout(img, /export address table/).length === 1);
  assert.ok(warningsAbout(img, /export name table/).length === 1);
  const names = img.exports!.functions.flatMap((f) => f.names);
  for (const n of ["DllInitialize", "DllUnload", "LoadPrinterDriver"]) assert.ok(names.includes(n));
  // Function table RVA outside every section.
  const img2 = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint32(ed + 28, 0x7fff0000, true)));
  assert.equal(img2.exports!.functions.length, 0);
  assert.ok(img2.warnings.length > 0);
  // Name pointers outside the file: names dropped with warnings, ordinals kept.
  const np = L.off(new DataView(L.bytes.buffer, L.bytes.byteOffset).getUint32(ed + 32, true));
  const img3 = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint32(np, 0x7fff0000, true)));
  assert.equal(img3.exports!.functions.length, 3);
  assert.ok(warningsAbout(img3, /export name/).length > 0);
});

test("import descriptor chain that never terminates → bounded, with a warning", () => {
  for (const L of [x64, x86]) {
    const id = L.off(L.image.dataDirectories[1]!.virtualAddress);
    const sec = L.image.sections.find((s) => {
      const rva = L.image.dataDirectories[1]!.virtualAddress;
      return rva >= s.virtualAddress && rva < s.virtualAddress + s.sizeOfRawData;
    })!;
    const end = sec.pointerToRawData + sec.sizeOfRawData;
    // Repeat the first descriptor up to the end of the section: no all-zero terminator anywhere.
    const bytes = mutate(L.bytes, (b) => {
      const first = b.slice(id, id + 20);
      for (let p = id; p + 20 <= end; p += 20) b.set(first, p);
    });
    const img = parsePe(bytes);
    assert.ok(warningsAbout(img, /import directory/).some((m) => /not terminated/.test(m)), JSON.stringify(img.warnings));
    assert.ok(img.imports.length <= Math.ceil((end - id) / 20));
    assert.ok(img.imports.length >= 1);
  }
});

test("an import thunk array without terminator → bounded, with a warning", () => {
  const L = x64;
  const mod = L.image.imports[0]!;
  const ilt = L.off(mod.iltRva);
  const sec = L.image.sections.find((s) => mod.iltRva >= s.virtualAddress && mod.iltRva < s.virtualAddress + s.sizeOfRawData)!;
  const end = sec.pointerToRawData + sec.sizeOfRawData;
  const bytes = mutate(L.bytes, (_b, dv) => {
    for (let p = ilt; p + 8 <= end; p += 8) dv.setBigUint64(p, 1n << 63n | BigInt(p & 0xffff), true); // ordinal thunks, never 0
  });
  const img = parsePe(bytes);
  assert.ok(img.warnings.some((w) => /not terminated/.test(w.message)), JSON.stringify(img.warnings));
  const total = img.imports.reduce((a, m) => a + m.functions.length, 0);
  assert.ok(total <= IMPORT_LIMITS.functionsTotal);
  assert.ok(img.imports[0]!.functions.length <= Math.ceil((end - ilt) / 8));
});

test("overlapping sections → a warning; lookups still resolve", () => {
  for (const L of [x64, x86]) {
    const s1 = L.sectionTable + 40; // second section: move it onto the first one
    const img = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint32(s1 + 12, L.image.sections[0]!.virtualAddress, true)));
    assert.ok(warningsAbout(img, /section header/).some((m) => /overlap/.test(m)), JSON.stringify(img.warnings));
  }
});

test("other hostile header values → warnings, not exceptions", () => {
  const L = x86;
  const nr = L.opt + 92;
  const a = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint32(nr, 0xffffffff, true)));
  assert.ok(warningsAbout(a, /data directories/).length > 0);
  assert.equal(a.dataDirectories.length, 16);
  // Relocation block with SizeOfBlock 4 (< 8).
  const rd = L.off(L.image.dataDirectories[5]!.virtualAddress);
  const b = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint32(rd + 4, 4, true)));
  assert.ok(warningsAbout(b, /base relocation/).length > 0);
  assert.equal(b.relocations.length, 0);
  // A long section name "/9999999" without a string table stays as stored.
  const c = parsePe(mutate(L.bytes, (b2) => b2.set(new TextEncoder().encode("/9999999"), L.sectionTable)));
  assert.equal(c.sections[0]!.name, "/9999999");
  // Symbol table pointer outside the file.
  const d = parsePe(mutate(L.bytes, (_b, dv) => {
    dv.setUint32(L.coff + 8, 0xfffffff0, true);
    dv.setUint32(L.coff + 12, 0xffffffff, true);
  }));
  assert.ok(warningsAbout(d, /string table/).length > 0);
});

test("CLI: malformed input → exit 2, one line naming file, structure and offset; warnings → exit 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-malformed-"));
  try {
    const trunc = join(dir, "trunc.sys");
    writeFileSync(trunc, x64.bytes.subarray(0, x64.coff + 10));
    const notpe = join(dir, "notes.txt");
    writeFileSync(notpe, "hello\n");
    for (const [file, re] of [
      [trunc, /^kmdll: .*trunc\.sys: COFF file header at offset 0x[0-9a-f]+: .+\n$/],
      [notpe, /^kmdll: .*notes\.txt: DOS header at offset 0x0: not a PE image/],
      [join(dir, "missing.sys"), /^kmdll: .*missing\.sys: cannot read file: no such file\n$/],
      [dir, /^kmdll: .*: cannot read file: is a directory\n$/],
      ["/dev/zero", /^kmdll: \/dev\/zero: cannot read file: not a regular file\n$/],
    ] as const) {
      for (const args of [[file], [file, "--json"]]) {
        const r = await runCli(["inspect", ...args]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, re);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(r.stdout, "");
      }
    }
    const ovl = join(dir, "overlap.sys");
    writeFileSync(ovl, mutate(x64.bytes, (_b, dv) => dv.setUint32(x64.sectionTable + 40 + 12, x64.image.sections[0]!.virtualAddress, true)));
    const r = await runCli(["inspect", ovl, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { warnings: { structure: string; message: string }[] };
    assert.ok(j.warnings.some((w) => /overlap/.test(w.message)));
    const t = await runCli(["inspect", ovl]);
    assert.match(t.stdout, /Warnings \(\d+\):\n.*overlap/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
