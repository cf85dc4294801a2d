/**
 * findAbsoluteAddress (rule not-relocatable's heuristic for images without relocations) tests the
 * high half of a 64-bit word before it makes a BigInt, and compares 32-bit values as numbers. It
 * must find exactly what the plain definition finds — the first pointer-sized value in
 * [ImageBase + SizeOfHeaders, ImageBase + SizeOfImage), or on x86 the first `call/jmp [abs32]` or
 * `push imm32` operand there — including values next to the bounds and image bases whose high
 * half is all ones. Checked against that definition, written here with a BigInt per word, on
 * seeded random sections.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { findAbsoluteAddress } from "../src/check/image.js";
import type { CheckInput } from "../src/check/types.js";

interface Case {
  pe32plus: boolean;
  imageBase: bigint;
  sizeOfHeaders: number;
  sizeOfImage: number;
  code: boolean;
  bytes: Uint8Array;
}

/** The definition: a BigInt for every word (what findAbsoluteAddress did before). */
function definition(c: Case): number | null {
  const lo = c.imageBase + BigInt(c.sizeOfHeaders);
  const hi = c.imageBase + BigInt(c.sizeOfImage);
  const inImage = (v: bigint) => v >= lo && v < hi;
  const view = new DataView(c.bytes.buffer);
  const start = 64;
  const end = c.bytes.length;
  if (!c.code) {
    const ptr = c.pe32plus ? 8 : 4;
    for (let o = start; o + ptr <= end; o += ptr) if (inImage(ptr === 8 ? view.getBigUint64(o, true) : BigInt(view.getUint32(o, true)))) return o;
  } else if (!c.pe32plus) {
    for (let o = start; o + 6 <= end; o++) {
      if (c.bytes[o] === 0xff && (c.bytes[o + 1] === 0x15 || c.bytes[o + 1] === 0x25) && inImage(BigInt(view.getUint32(o + 2, true)))) return o + 2;
      if (c.bytes[o] === 0x68 && inImage(BigInt(view.getUint32(o + 1, true)))) return o + 1;
    }
  }
  return null;
}

function input(c: Case): CheckInput {
  const image = {
    optional: { pe32plus: c.pe32plus, imageBase: c.imageBase, sizeOfHeaders: c.sizeOfHeaders, sizeOfImage: c.sizeOfImage },
    dataDirectories: [],
    sections: [{ name: ".data", pointerToRawData: 64, sizeOfRawData: c.bytes.length - 64, virtualSize: c.bytes.length - 64, virtualAddress: 0x1000, characteristics: c.code ? 0x60000020 : 0xc0000040 }],
  };
  return { file: "t.sys", bytes: c.bytes, image, modules: { lookup: () => ({ found: false, reason: "not-found", searched: "" }) } } as unknown as CheckInput;
}

test("findAbsoluteAddress finds what the definition finds (x64 and x86, data and code, values at the bounds)", () => {
  let seed = 0x2545f491;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const bases = [0x140000000n, 0x180000000n, 0x10000n, 0x400000n, 0xfffff80000000000n, 0xffffffff00000000n, 0xffff0000n];
  let found = 0;
  for (let t = 0; t < 4000; t++) {
    const pe32plus = rnd() < 0.5;
    const base = bases[Math.floor(rnd() * bases.length)]!;
    const c: Case = { pe32plus, imageBase: pe32plus ? base : base & 0xffffffffn, sizeOfHeaders: Math.floor(rnd() * 0x2000), sizeOfImage: Math.floor(rnd() * 0x200000), code: rnd() < 0.3, bytes: new Uint8Array(256) };
    const dv = new DataView(c.bytes.buffer);
    const lo = c.imageBase + BigInt(c.sizeOfHeaders);
    const hi = c.imageBase + BigInt(c.sizeOfImage);
    for (let o = 64; o + 8 <= c.bytes.length; o += pe32plus ? 8 : 4) {
      const r = rnd();
      // Near either bound (one below, at, one above), anywhere, or a word whose high half is the image's.
      const v =
        r < 0.15 ? lo - 1n + BigInt(Math.floor(rnd() * 3)) : r < 0.3 ? hi - 1n + BigInt(Math.floor(rnd() * 3)) : r < 0.45 ? (c.imageBase & ~0xffffffffn) | BigInt(Math.floor(rnd() * 2 ** 32)) : BigInt(Math.floor(rnd() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(rnd() * 2 ** 32));
      if (pe32plus) dv.setBigUint64(o, BigInt.asUintN(64, v), true);
      else dv.setUint32(o, Number(BigInt.asUintN(32, v)), true);
      if (!pe32plus && rnd() < 0.15) c.bytes[o] = rnd() < 0.5 ? 0x68 : 0xff;
      if (!pe32plus && c.bytes[o] === 0xff) c.bytes[o + 1] = rnd() < 0.5 ? 0x15 : 0x25;
    }
    const want = definition(c);
    if (want !== null) found++;
    assert.equal(findAbsoluteAddress(input(c)), want, `case ${t}: ${pe32plus ? "PE32+" : "PE32"} base 0x${c.imageBase.toString(16)} headers 0x${c.sizeOfHeaders.toString(16)} image 0x${c.sizeOfImage.toString(16)}${c.code ? " code" : ""}`);
  }
  // The cases exercise both outcomes.
  assert.ok(found > 400 && found < 3600, `${found} of 4000 cases hold an address`);
});
