/**
 * Property test (fast-check): mutated fixture bytes — random byte flips anywhere, random 32-bit
 * values written into the headers and into the section holding the import/export tables, and
 * truncations — either parse (possibly with warnings) or throw a KmdllError. Never any other
 * exception; results stay bounded (import limits, warning caps), and the inspect summary of any
 * parsed result serialises.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parsePe, imageSummary, IMPORT_LIMITS } from "../src/formats/pe/index.js";
import { KmdllError } from "../src/errors.js";
import { toJson } from "../src/cli/context.js";
import { fixture } from "./helpers.js";
import { layout } from "./pe-mutate.js";

const images = [layout(fixture("x64", "mydriver.sys")), layout(fixture("x86", "client.sys")), layout(fixture("x64", "client.sys"))];

type Edit = { kind: "byte"; at: number; value: number } | { kind: "u32"; region: "headers" | "rdata"; at: number; value: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("u32" as const),
    region: fc.constantFrom("headers" as const, "rdata" as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0x1000, 0x2000, 0x2010), fc.nat({ max: 0xffffffff })),
  }),
);

function apply(which: number, edits: Edit[], truncate: number | null): Uint8Array {
  const L = images[which]!;
  const b = L.bytes.slice();
  const dv = new DataView(b.buffer);
  const rdata = L.image.sections.find((s) => s.name === ".rdata")!;
  for (const e of edits) {
    if (e.kind === "byte") b[e.at % b.length] = e.value;
    else {
      const [start, size] = e.region === "headers" ? [0, Math.min(L.image.optional.sizeOfHeaders, b.length)] : [rdata.pointerToRawData, rdata.sizeOfRawData];
      const at = start + ((e.at % Math.max(1, size - 4)) & ~3);
      if (at + 4 <= b.length) dv.setUint32(at, e.value, true);
    }
  }
  return truncate === null ? b : b.subarray(0, truncate % (b.length + 1));
}

test("mutated images: parsePe returns or throws KmdllError, never anything else", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: images.length - 1 }),
      fc.array(edit, { minLength: 1, maxLength: 12 }),
      fc.option(fc.nat(), { freq: 4 }),
      (which, edits, truncate) => {
        const bytes = apply(which, edits, truncate);
        let image;
        try {
          image = parsePe(bytes);
        } catch (e) {
          if (e instanceof KmdllError) {
            assert.ok(!e.message.includes("\n"));
            return;
          }
          throw e;
        }
        const total = [...image.imports, ...image.delayImports].reduce((a, m) => a + m.functions.length, 0);
        assert.ok(total <= IMPORT_LIMITS.functionsTotal);
        assert.ok(image.warnings.length <= 2000);
        assert.equal(typeof toJson(imageSummary(image, "fuzz.sys")), "string");
      },
    ),
    { numRuns: Number(process.env.KMDLL_FUZZ_RUNS ?? 400), seed: Number(process.env.KMDLL_FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
});
