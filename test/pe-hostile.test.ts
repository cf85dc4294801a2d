/**
 * Worst cases no linker writes, built from scratch: thousands of thunks and export names pointing
 * into long unterminated strings, 65535 sections, descriptor chains filling a large section.
 * The reader must stay bounded (limits and budgets) and report warnings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePe, IMPORT_LIMITS } from "../src/formats/pe/index.js";
import { buildPe } from "./pe-build.js";

const VA = 0x1000;

function fillA(d: Uint8Array, from: number, to: number): void {
  d.fill(0x41, from, to);
}

test("import thunks pointing into a long unterminated string: bounded strings, warnings", () => {
  const size = 0x200000;
  const d = new Uint8Array(size);
  const dv = new DataView(d.buffer);
  const ilt = 0x1000;
  const nThunks = 300000;
  const runStart = ilt + 4 * nThunks + 4;
  fillA(d, runStart, size);
  // 8 descriptors sharing one enormous ILT; then the terminator.
  for (let k = 0; k < 8; k++) {
    dv.setUint32(k * 20, VA + ilt, true);
    dv.setUint32(k * 20 + 12, VA + 0x800, true);
    dv.setUint32(k * 20 + 16, VA + ilt, true);
  }
  d.set(new TextEncoder().encode("x.dll\0"), 0x800);
  for (let i = 0; i < nThunks; i++) dv.setUint32(ilt + 4 * i, VA + runStart + (i % (size - runStart - 8)), true);
  const img = parsePe(buildPe({ pe32plus: false, sections: [{ name: ".rdata", virtualAddress: VA, data: d }], dirs: { 1: [VA, 200] } }));
  const total = img.imports.reduce((a, m) => a + m.functions.length, 0);
  assert.ok(total <= IMPORT_LIMITS.functionsTotal);
  const chars = img.imports.reduce((a, m) => a + m.functions.reduce((b, f) => b + (f.name?.length ?? 0), 0), 0);
  assert.ok(chars <= 64 * 1024 * 1024, `string data bounded (${chars})`);
  assert.ok(img.warnings.length > 0 && img.warnings.length < 500);
  assert.ok(img.warnings.some((w) => /stopped after|not NUL-terminated|too much string/.test(w.message)));
});

test("export directory with 256K names into unterminated strings: bounded", () => {
  const size = 0x400000;
  const d = new Uint8Array(size);
  const dv = new DataView(d.buffer);
  const n = 0x40000;
  const names = 0x100;
  const ords = names + 4 * n;
  const eat = ords + 2 * n;
  const run = eat + 4 * n;
  fillA(d, run, size);
  dv.setUint32(20, n, true); // NumberOfFunctions
  dv.setUint32(24, n, true); // NumberOfNames
  dv.setUint32(28, VA + eat, true);
  dv.setUint32(32, VA + names, true);
  dv.setUint32(36, VA + ords, true);
  for (let i = 0; i < n; i++) {
    dv.setUint32(names + 4 * i, VA + run + (i % (size - run - 1)), true);
    dv.setUint16(ords + 2 * i, i & 0xffff, true);
    dv.setUint32(eat + 4 * i, VA + run, true);
  }
  const img = parsePe(buildPe({ sections: [{ name: ".edata", virtualAddress: VA, data: d }], dirs: { 0: [VA, 40] } }));
  // Slots past index 65535 can be reached neither by a 16-bit ordinal nor through the 16-bit
  // name-ordinal table: only the first 65536 are read, with a warning (issue 18).
  assert.equal(img.exports!.functions.length, 0x10000);
  assert.equal(img.exports!.numberOfFunctions, n);
  assert.ok(img.warnings.some((w) => /only the first 65536 entries can be imported/.test(w.message)));
  assert.ok(img.warnings.some((w) => /too much string|not NUL-terminated/.test(w.message)));
  assert.ok(img.warnings.length < 500);
});

test("65535 sections and an import chain filling a section: bounded", () => {
  const sections = Array.from({ length: 0xffff }, (_, i) => ({ name: `s${i}`, virtualAddress: VA + i * 0x10, virtualSize: 0x1000, data: new Uint8Array(0) }));
  const many = parsePe(buildPe({ sections }));
  assert.equal(many.sections.length, 0xffff);
  assert.ok(many.warnings.some((w) => /overlap/.test(w.message)));

  const d = new Uint8Array(0x100000);
  const dv = new DataView(d.buffer);
  d.set(new TextEncoder().encode("y.dll\0"), 0x10);
  dv.setUint32(0x20, 0, true);
  for (let p = 0x40; p + 20 <= d.length; p += 20) {
    dv.setUint32(p + 12, VA + 0x10, true);
    dv.setUint32(p + 16, VA + 0x20, true); // empty thunk array
  }
  const img = parsePe(buildPe({ sections: [{ name: ".idata", virtualAddress: VA, data: d }], dirs: { 1: [VA + 0x40, 20] } }));
  assert.ok(img.imports.length <= IMPORT_LIMITS.descriptors);
  assert.ok(img.warnings.some((w) => /not terminated/.test(w.message)));
});
