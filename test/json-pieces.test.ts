/**
 * writeJsonPieces / writeJsonBytes (the batched `--json` writer) against jsonText, the whole
 * document as one string: the same text, byte for byte, on values that exercise every rule of
 * JSON.stringify the writer lays out itself (omitted members, null array slots, toJSON, bigints,
 * empty containers, nesting deeper than the laid-out levels, Map and Date as leaves) and on the
 * characters jsonText escapes, in batches small and large. Independent check: JSON.parse of the
 * output gives back the value JSON.stringify's own output parses to.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeJsonBytes, writeJsonPieces } from "../src/text/json-pieces.js";
import { jsonText } from "../src/text/terminal.js";

const tricky: unknown[] = [
  {},
  [],
  { a: undefined },
  Object.create(null),
  { a: [], b: {}, c: [undefined, () => 1, Symbol("s")], d: { x: { y: [1, { z: 2 }] } }, e: 10n, f: new Date(0), g: new Map([[1, 2]]) },
  { h: "\u202e\x7f→\u0085\u00e9", i: null, "k\u2028": [[[]]], "\x9b": "\ufeff\u061c\ufffa\u2066" },
  [1, "a", [2, [3, [4]]], { toJSON: () => undefined }, { toJSON: () => ({ q: 1 }) }],
  { a: { toJSON: () => undefined }, b: { toJSON: () => [1, [2]] } },
  { big: { deep: { deeper: [1n, { x: 2n }] } } },
  [[[[]]]],
  [{}],
  { a: [{}, [], { b: {} }] },
  5,
  "x\u202e",
  undefined,
  null,
];

const UNSAFE_AT = new Map([
  [600, "\x7f"],
  [1000, "\x85"],
  [1400, "\u061c"],
  [1800, "\u202e"],
  [2200, "\u2066"],
  [2600, "\ufeff"],
  [2900, "\ufffa"],
]);

/** A scan-report-like value: hundreds of modules, most holding a non-Latin-1 character, a few an unsafe one. */
function report(): unknown {
  const modules = Array.from({ length: 3000 }, (_, i) => ({
    path: `dir/${i}.dll`,
    // One unsafe character of each kind, each in a module of its own (and a batch of its own).
    findings: [{ rule: "r", message: "x".repeat(i % 50) + (UNSAFE_AT.get(i) ?? "a → b"), size: i }],
    imports: i % 5 ? [{ dll: "k.dll", names: ["A", "B"] }] : [],
  }));
  return { root: "/x", jobs: 1, modules, graph: { nodes: modules.map((m) => m.path), edges: [] } };
}

function pieces(v: unknown): string {
  let out = "";
  writeJsonPieces(v, 2, (s) => (out += s));
  return out;
}

function bytes(v: unknown): string {
  const bufs: Buffer[] = [];
  writeJsonBytes(v, 2, (b) => bufs.push(Buffer.from(b))); // copied: the writer reuses its buffer
  return Buffer.concat(bufs).toString("utf8");
}

test("writeJsonPieces and writeJsonBytes write jsonText's document", () => {
  for (const v of [...tricky, report()]) {
    const whole = jsonText(v, 2);
    assert.equal(pieces(v), whole);
    assert.equal(bytes(v), whole);
  }
});

test("the batched document parses to what JSON.stringify's does, escapes included", () => {
  const v = report();
  const text = bytes(v);
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(v)));
  for (const c of UNSAFE_AT.values()) {
    assert.ok(!text.includes(c), `U+${c.charCodeAt(0).toString(16)} is escaped`);
    assert.ok(text.includes("\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")));
  }
  assert.ok(text.includes("→"));
});
