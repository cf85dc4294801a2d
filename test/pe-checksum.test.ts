/**
 * computePeChecksum against checksums written by GNU ld (wine's PE files) and against a
 * straightforward word-by-word reference written here from the algorithm's description.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { computePeChecksum, parsePe } from "../src/formats/pe/index.js";
import { fixture } from "./helpers.js";

/** Sum of 16-bit LE words with end-around carry, skipping the CheckSum field, plus the length. */
function reference(b: Uint8Array, skip: number): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) {
    if (i >= skip && i < skip + 4) continue;
    s += b[i]! | ((i + 1 < b.length ? b[i + 1]! : 0) << 8);
    s = (s & 0xffff) + (s >>> 16);
  }
  return (s + b.length) >>> 0;
}

test("checksum equals the word-by-word reference (fixtures, odd lengths, unaligned buffers)", () => {
  for (const f of [fixture("x64", "mydriver.sys"), fixture("x86", "client.sys")]) {
    const b = new Uint8Array(readFileSync(f));
    const off = parsePe(b).optional.checkSumOffset;
    assert.equal(computePeChecksum(b, off), reference(b, off));
    const odd = b.subarray(0, b.length - 3);
    assert.equal(computePeChecksum(odd, off), reference(odd, off));
    const unaligned = new Uint8Array(b.length + 1).subarray(1);
    unaligned.set(b);
    assert.equal(computePeChecksum(unaligned, off), reference(b, off));
    assert.equal(computePeChecksum(new Uint8Array(b.length), off), reference(new Uint8Array(b.length), off));
    const ff = new Uint8Array(b.length).fill(0xff);
    assert.equal(computePeChecksum(ff, off), reference(ff, off));
  }
});

// Wine's PE files carry the checksum GNU ld computed; winebuild then overwrites 16 bytes of the
// DOS stub with "Wine builtin DLL". Restoring the standard stub bytes gives back the file ld
// checksummed — for most files; some were modified further after linking, so the test requires
// a large majority, not all.
const STUB = Uint8Array.from(Buffer.from("0e1fba0e00b409cd21b8014ccd21546869732070726f6772616d2063616e6e6f", "hex"));
const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

test("checksum matches GNU ld's on wine's PE files (stub restored)", { skip: !existsSync(WINE) && "wine64 not installed" }, () => {
  let candidates = 0;
  let matches = 0;
  for (const name of readdirSync(WINE).sort().slice(0, 400)) {
    const b = new Uint8Array(readFileSync(join(WINE, name)));
    const image = parsePe(b);
    if (image.checksum.stored === 0 || Buffer.from(b.subarray(0x40, 0x50)).toString("latin1") !== "Wine builtin DLL") continue;
    assert.equal(image.checksum.computed, computePeChecksum(b, image.optional.checkSumOffset));
    b.set(STUB, 0x40);
    candidates++;
    if (computePeChecksum(b, image.optional.checkSumOffset) === image.checksum.stored) matches++;
  }
  assert.ok(candidates >= 300, `${candidates} candidate files`);
  assert.ok(matches / candidates > 0.5, `${matches}/${candidates} match`);
});
