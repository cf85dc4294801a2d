/**
 * Hostile input: `kmdll check` on corrupted copies of real drivers either reports findings or
 * fails with a one-line input error (KmdllError) — never another exception, never a hang.
 * Mutations come from fast-check (seeded, so a failure is reproducible).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { KmdllError } from "../src/errors.js";
import { parsePe } from "../src/formats/pe/parse.js";
import { runChecks } from "../src/check/runner.js";
import { FsModuleResolver } from "../src/check/io.js";
import type { Finding } from "../src/check/types.js";
import { fixture } from "./helpers.js";

const SOURCES = ["mydriver", "client", "bad-malloc", "bad-fixed", "bad-forwarded-entry"].flatMap((n) => [fixture("x64", n + ".sys"), fixture("x86", n + ".sys")]);
const images = SOURCES.map((p) => new Uint8Array(readFileSync(p)));

/** Parse + check; returns the findings, or null when the input was rejected as malformed. */
function checkBytes(bytes: Uint8Array): Finding[] | null {
  let image;
  try {
    image = parsePe(bytes);
  } catch (e) {
    if (e instanceof KmdllError) return null;
    throw e;
  }
  const modules = new FsModuleResolver({ arch: image.machine === "x86" ? "x86" : "x64", adjacentDir: fixture("x64", "") });
  return runChecks({ file: "mutated.sys", bytes, image, modules });
}

test("corrupted headers and tables: findings or a clean input error", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: images.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }),
      fc.boolean(),
      (which, edits, headersOnly) => {
        const src = images[which]!;
        const bytes = src.slice();
        // Aim half of the edits at the first 1 KB (headers, section table, directories).
        for (const [pos, val] of edits) bytes[headersOnly ? pos % Math.min(1024, bytes.length) : pos % bytes.length] = val;
        const fs = checkBytes(bytes);
        if (fs) for (const f of fs) assert.ok(f.rule && f.message && f.location, "well-formed finding");
      },
    ),
    { seed: 20261121, numRuns: 400 },
  );
});

test("truncated images: findings or a clean input error", () => {
  for (const src of images) {
    for (let len = 0; len < src.length; len += 97) checkBytes(src.subarray(0, len));
  }
});
