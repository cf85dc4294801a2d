/**
 * formatKernelPrintf against the host C library: the same formats and arguments are compiled into
 * a native program with the host clang and run; both outputs must be equal for the subset of
 * conversions whose meaning C99 and the Windows kernel share (%d %i %u %x %X %c %s, flags, width,
 * precision, `*`, h/hh/ll sizes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import fc from "fast-check";
import { formatKernelPrintf } from "../src/emu/api/printf.js";
import { FakeMemory } from "./api-fake.js";
import { tool } from "./helpers.js";

type Arg = { kind: "int"; v: number } | { kind: "uint"; v: number } | { kind: "ll"; v: bigint } | { kind: "str"; v: string };
interface Spec {
  flags: string;
  width: number | "*" | null;
  precision: number | "*" | null;
  size: "" | "h" | "hh" | "ll";
  conv: "d" | "i" | "u" | "x" | "X" | "c" | "s";
}
type Piece = string | Spec;
interface Case {
  pieces: Piece[];
  args: Arg[];
}

const literal = fc.stringMatching(/^[A-Za-z0-9 ,:.()=\-]{0,6}$/);
const specArb: fc.Arbitrary<Spec> = fc
  .record({
    flags: fc.subarray(["-", "+", " ", "0", "#"]).chain((f) => fc.shuffledSubarray(f, { minLength: f.length, maxLength: f.length })).map((f) => f.join("")),
    width: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 24 }), fc.constant("*" as const)),
    precision: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 20 }), fc.constant("*" as const)),
    size: fc.constantFrom("" as const, "h" as const, "hh" as const, "ll" as const),
    conv: fc.constantFrom("d" as const, "i" as const, "u" as const, "x" as const, "X" as const, "c" as const, "s" as const),
  })
  .map((s) => {
    // Keep to what C99 defines identically: no '0'/'#'/size on %s and %c, no precision on %c,
    // '#' only on %x/%X, no width 0 digit string ("%0" would be a flag).
    let flags = s.flags;
    if (s.conv === "s" || s.conv === "c") flags = flags.replace(/[0#]/g, "");
    if (s.conv !== "x" && s.conv !== "X") flags = flags.replace(/#/g, "");
    const size = s.conv === "s" || s.conv === "c" ? "" : s.size;
    const precision = s.conv === "c" ? null : s.precision;
    const width = s.width === 0 ? null : s.width;
    return { ...s, flags, size, precision, width };
  });

const caseArb: fc.Arbitrary<Case> = fc
  .array(fc.tuple(literal, specArb), { minLength: 1, maxLength: 4 })
  .chain((parts) => {
    const argArbs: fc.Arbitrary<Arg>[] = [];
    const pieces: Piece[] = [];
    for (const [lit, spec] of parts) {
      pieces.push(lit, spec);
      if (spec.width === "*") argArbs.push(fc.integer({ min: -20, max: 20 }).map((v) => ({ kind: "int" as const, v })));
      if (spec.precision === "*") argArbs.push(fc.integer({ min: -3, max: 20 }).map((v) => ({ kind: "int" as const, v })));
      if (spec.conv === "s") argArbs.push(fc.stringMatching(/^[A-Za-z0-9 _.]{0,12}$/).map((v) => ({ kind: "str" as const, v })));
      else if (spec.conv === "c") argArbs.push(fc.integer({ min: 33, max: 126 }).map((v) => ({ kind: "int" as const, v })));
      else if (spec.size === "ll")
        argArbs.push(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((v) => ({ kind: "ll" as const, v })));
      else if (spec.conv === "d" || spec.conv === "i")
        argArbs.push(fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -300, max: 300 })).map((v) => ({ kind: "int" as const, v })));
      else argArbs.push(fc.oneof(fc.nat({ max: 0xffffffff }), fc.nat({ max: 300 })).map((v) => ({ kind: "uint" as const, v })));
    }
    return fc.tuple(...argArbs).map((args) => ({ pieces, args }));
  });

function specText(s: Spec): string {
  return `%${s.flags}${s.width ?? ""}${s.precision === null ? "" : "." + s.precision}${s.size}${s.conv}`;
}
function formatOf(c: Case): string {
  return c.pieces.map((p) => (typeof p === "string" ? p.replace(/%/g, "%%") : specText(p))).join("");
}
function cArg(a: Arg): string {
  switch (a.kind) {
    case "int":
      return a.v === -2147483648 ? "(int)(-2147483647-1)" : `(int)${a.v}`;
    case "uint":
      return `${a.v}u`;
    case "ll":
      return a.v === -(1n << 63n) ? "(long long)(-9223372036854775807LL-1)" : `${a.v}LL`;
    case "str":
      return JSON.stringify(a.v);
  }
}

test("formatKernelPrintf equals the host C printf on the shared subset (400 random formats + fixed cases)", () => {
  const fixed: Case[] = [
    { pieces: ["", { flags: "", width: null, precision: null, size: "", conv: "d" }], args: [{ kind: "int", v: -2147483648 }] },
    { pieces: ["", { flags: "#", width: 10, precision: null, size: "", conv: "x" }], args: [{ kind: "uint", v: 0 }] },
    { pieces: ["", { flags: "0", width: 8, precision: 3, size: "", conv: "d" }], args: [{ kind: "int", v: -5 }] },
    { pieces: ["", { flags: "", width: null, precision: 0, size: "", conv: "u" }], args: [{ kind: "uint", v: 0 }] },
    { pieces: ["", { flags: "-", width: "*", precision: "*", size: "", conv: "s" }], args: [{ kind: "int", v: -9 }, { kind: "int", v: 3 }, { kind: "str", v: "abcdef" }] },
    { pieces: ["", { flags: "+ ", width: null, precision: null, size: "hh", conv: "d" }], args: [{ kind: "int", v: 200 }] },
  ];
  const random = fc.sample(caseArb, { numRuns: 400, seed: 0x6b6d646c });
  const cases = [...fixed, ...random];
  const dir = mkdtempSync(join(tmpdir(), "kmdll-printf-"));
  try {
    const lines = cases.map((c) => `  p(${JSON.stringify(formatOf(c))}${c.args.map((a) => ", " + cArg(a)).join("")});`);
    writeFileSync(
      join(dir, "p.c"),
      `#include <stdio.h>\n#include <stdarg.h>\nstatic void p(const char *f, ...) { char b[512]; va_list ap; va_start(ap, f); vsnprintf(b, sizeof b, f, ap); va_end(ap); fputs(b, stdout); fputc('\\n', stdout); }\nint main(void) {\n${lines.join("\n")}\n  return 0;\n}\n`,
    );
    tool("clang", ["-O0", "-w", "-Wno-format", "-o", join(dir, "p"), join(dir, "p.c")]);
    const expected = tool(join(dir, "p"), []).stdout.split("\n");
    const mem = new FakeMemory();
    cases.forEach((c, k) => {
      const slots = c.args.map((a) => (a.kind === "str" ? mem.putCString(a.v) : BigInt(a.v)));
      let idx = 0;
      const got = formatKernelPrintf(formatOf(c), () => BigInt.asUintN(64, slots[idx++] ?? 0n), mem, false);
      assert.equal(got, expected[k], `format ${JSON.stringify(formatOf(c))} args ${JSON.stringify(c.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
