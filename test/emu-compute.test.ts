/**
 * Pure computations in the emulator vs the same C compiled natively for Linux with the host
 * clang (examples/emu-compute/compute_core.c): stack arguments, recursion, 64-bit signed
 * division, a sort and a hash over a pool buffer must give identical results.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { repoPath, tool } from "./helpers.js";
import { coreApis, loadFixture } from "./emu-harness.js";
import { apis as int64Apis } from "../src/emu/api/int64.js";

const M64 = (1n << 64n) - 1n;
const u = (n: bigint | number) => BigInt.asUintN(64, BigInt(n));

/** Cases: [export, args]. Negative values test sign extension of narrow parameters. */
const CASES: [string, bigint[]][] = [
  ["Mix10", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(BigInt)],
  ["Mix10", [-1n, -0x123456789abn, -300n, -7n, 0xfffffff0n, 1n << 40n, -2147483648n, 99n, 65535n, -(1n << 62n)]],
  ["Mix10", [0x7fffffffn, M64, 0x18000n, 0x1ffn, 0x1_0000_0001n, 5n, 0x1_8000_0000n, -1n, 0x1_0001n, 3n]],
  ["Fib", [20n]],
  ["Fib", [1n]],
  ["Ackermann", [2n, 3n]],
  ["Ackermann", [3n, 4n]],
  ["DivMod", [-1000000000007n, 13n]],
  ["DivMod", [1000000000007n, -13n]],
  ["DivMod", [-(1n << 63n), -1n << 32n]],
  ["DivMod", [-(1n << 63n) + 1n, 7n]],
  ["DivMod", [123n, 0n]],
  ["SortChecksum", [12345n, 500n]],
  ["SortChecksum", [0n, 1n]],
  ["SortChecksum", [0xdeadbeefn, 512n]],
  ["PoolHash", [7n, 10000n]],
  ["PoolHash", [99n, 1n]],
  ["Burn", [100000n, 3n]],
];

function nativeResults(): bigint[] {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-native-"));
  try {
    const core = repoPath("examples", "emu-compute", "compute_core.c");
    const calls: Record<string, string> = {
      Mix10: "Mix10((int)a[0], (i64)a[1], (short)a[2], (signed char)a[3], (u32)a[4], (i64)a[5], (int)a[6], (i64)a[7], (unsigned short)a[8], (i64)a[9])",
      Fib: "Fib((u32)a[0])",
      Ackermann: "Ackermann(a[0], a[1])",
      DivMod: "DivMod((i64)a[0], (i64)a[1])",
      SortChecksum: "SortChecksum(a[0], (u32)a[1])",
      PoolHash: "PoolHash(a[0], (u32)a[1])",
      Burn: "Burn(a[0], a[1])",
    };
    const src = [
      "#include <stdio.h>",
      "#include <stdlib.h>",
      "#include <string.h>",
      "#define CORE_ALLOC(n) malloc(n)",
      "#define CORE_FREE(p) free(p)",
      "#define CORE_API",
      `#include "${core}"`,
      "int main(int argc, char **argv) {",
      "  for (int k = 1; k + 1 < argc; k += 2) {",
      "    u64 a[10] = {0}; int n = 0; char *s = argv[k + 1];",
      "    while (*s && n < 10) { a[n++] = strtoull(s, &s, 0); if (*s == ',') s++; }",
      "    u64 r = 0;",
      ...Object.entries(calls).map(([name, expr]) => `    if (!strcmp(argv[k], "${name}")) r = (u64)${expr};`),
      '    printf("%llu\\n", r);',
      "  }",
      "  return 0;",
      "}",
    ].join("\n");
    writeFileSync(join(dir, "main.c"), src);
    tool("clang", ["-O2", "-o", join(dir, "native"), join(dir, "main.c")]);
    const argv = CASES.flatMap(([n, args]) => [n, args.map((a) => u(a).toString()).join(",")]);
    const out = tool(join(dir, "native"), argv).stdout.trim().split("\n");
    return out.map((l) => BigInt(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The 64-bit parameters of each export (compute_core.c): two stack slots each on x86, low half first. */
const WIDE_PARAMS: Record<string, number[]> = { Mix10: [1, 5, 7, 9], Fib: [], Ackermann: [0, 1], DivMod: [0, 1], SortChecksum: [0], PoolHash: [0], Burn: [0, 1] };

test("x86: the same exports built for x86 give the same results (64-bit values in two stack slots and EDX:EAX; division by ntoskrnl's _alldiv/_allrem)", () => {
  const expected = nativeResults();
  const d = loadFixture("emucomp.sys", { apis: [...coreApis, ...int64Apis], arch: "x86" }, "x86");
  try {
    CASES.forEach(([name, args], i) => {
      const slots = args.flatMap((a, k) => (WIDE_PARAMS[name]!.includes(k) ? [u(a) & 0xffffffffn, u(a) >> 32n] : [u(a) & 0xffffffffn]));
      const r = d.call(name, ...slots);
      assert.ok(r.ok, `${name}(${args.join(", ")}) faulted: ${r.ok ? "" : r.message}`);
      // A 64-bit result comes back in EDX:EAX (the top-level call leaves EDX as the routine set it).
      const edx = d.ex.emu.uc.regRead(d.ex.emu.C.regsX86.EDX);
      if (r.ok) assert.equal((BigInt.asUintN(32, edx) << 32n) | BigInt.asUintN(32, r.value), expected[i], `${name}(${args.join(", ")})`);
    });
    assert.deepEqual(d.ex.emu.pool.liveOf("emucomp.sys"), []);
  } finally {
    d.ex.close();
  }
});

test("pure-computation exports equal the same C compiled natively", () => {
  const expected = nativeResults();
  assert.equal(expected.length, CASES.length);
  const d = loadFixture("emucomp.sys");
  try {
    CASES.forEach(([name, args], i) => {
      const r = d.call(name, ...args);
      assert.ok(r.ok, `${name}(${args.join(", ")}) faulted: ${r.ok ? "" : r.message}`);
      if (r.ok) assert.equal(r.value, expected[i], `${name}(${args.join(", ")})`);
    });
    // The pool buffers of PoolHash were freed: nothing outstanding for the module.
    assert.deepEqual(d.ex.emu.pool.liveOf("emucomp.sys"), []);
    d.ex.unmapImage("emucomp.sys");
    assert.equal(d.events.filter((e) => e.event === "leak").length, 0);
  } finally {
    d.ex.close();
  }
});

test("ARM64: the same exports built for ARM64 give the same results (AAPCS64: X0-X7, then the stack; result in X0)", () => {
  const expected = nativeResults();
  const d = loadFixture("emucomp.sys", { arch: "arm64" }, "arm64");
  try {
    assert.equal(d.image.machine, "arm64");
    CASES.forEach(([name, args], i) => {
      const r = d.call(name, ...args);
      assert.ok(r.ok, `${name}(${args.join(", ")}) faulted: ${r.ok ? "" : r.message}`);
      if (r.ok) assert.equal(r.value, expected[i], `${name}(${args.join(", ")})`);
    });
    assert.deepEqual(d.ex.emu.pool.liveOf("emucomp.sys"), []);
  } finally {
    d.ex.close();
  }
});
