/** The Windows-only parts of the kernel printf dialect, on a fake guest memory (pure function). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatKernelPrintf, vaListReader } from "../src/emu/api/printf.js";
import { L64 } from "../src/nt/layouts.js";
import { FakeMemory } from "./api-fake.js";

function fmt(mem: FakeMemory, format: string, args: bigint[], wide = false): string {
  let i = 0;
  return formatKernelPrintf(format, () => args[i++] ?? 0n, mem, wide);
}

/** A UNICODE_STRING / ANSI_STRING in fake memory, laid out by the generated layouts. */
function counted(mem: FakeMemory, bytes: Uint8Array, max = bytes.length): bigint {
  const s = mem.alloc(L64.UNICODE_STRING.$size);
  const buf = mem.alloc(Math.max(max, 1));
  mem.write(buf, bytes);
  mem.setU16(s + BigInt(L64.UNICODE_STRING.Length), bytes.length);
  mem.setU16(s + BigInt(L64.UNICODE_STRING.MaximumLength), max);
  mem.setU64(s + BigInt(L64.UNICODE_STRING.Buffer), buf);
  return s;
}

test("%wZ and %Z print Length bytes (no NUL needed), NULL as (null)", () => {
  const mem = new FakeMemory();
  const u = counted(mem, new Uint8Array(Buffer.from("abcdef", "utf16le")).subarray(0, 8), 12); // "abcd", then garbage
  const a = counted(mem, new Uint8Array(Buffer.from("xyzXYZ", "latin1")).subarray(0, 3));
  assert.equal(fmt(mem, "[%wZ][%Z][%8wZ][%-6Z][%.2wZ]", [u, a, u, a, u]), "[abcd][xyz][    abcd][xyz   ][ab]");
  assert.equal(fmt(mem, "%wZ|%Z", [0n, 0n]), "(null)|(null)");
});

test("string precision limits the read: an unterminated buffer at the end of a page is fine", () => {
  const mem = new FakeMemory();
  const page = mem.alloc(0x1000);
  const end = page + 0xffcn;
  mem.write(end, Uint8Array.from([0x41, 0x42, 0x43, 0x44])); // no NUL before the unmapped page
  assert.equal(fmt(mem, "%.4s", [end]), "ABCD");
  assert.throws(() => fmt(mem, "%s", [end]));
});

test("wide formatting swaps %s/%S and %c/%C; h/l/w force the width", () => {
  const mem = new FakeMemory();
  const n = mem.putCString("narrow");
  const w = mem.putWString("wide");
  assert.equal(fmt(mem, "%s|%S|%hs|%ls|%ws", [w, n, n, w, w], true), "wide|narrow|narrow|wide|wide");
  assert.equal(fmt(mem, "%s|%S|%hs|%ls|%ws", [n, w, n, w, w], false), "narrow|wide|narrow|wide|wide");
  assert.equal(fmt(mem, "%c%C%hc%lc%wc", [0x263an, 0x41n, 0x42n, 0x263an, 0x263an], true), "\u263aAB\u263a\u263a");
  assert.equal(fmt(mem, "%c%C", [0x141n, 0x263an], false), "A\u263a");
});

test("sizes: %I64, %I32, %I, %ll, %z, %h, %hh; %p is 16 upper-case digits on x64", () => {
  const mem = new FakeMemory();
  const big = 0xfedcba9876543210n;
  assert.equal(fmt(mem, "%I64x|%I64X|%llx|%Ix|%zx|%jx|%tx", [big, big, big, big, big, big, big]), Array(7).fill("fedcba9876543210").map((s, i) => (i === 1 ? s.toUpperCase() : s)).join("|"));
  assert.equal(fmt(mem, "%x|%lx|%I32x|%hx|%hhx", [big, big, big, big, big]), "76543210|76543210|76543210|3210|10");
  assert.equal(fmt(mem, "%d|%I64d|%hd", [big, big, 0x8000n]), "1985229328|-81985529216486896|-32768");
  assert.equal(fmt(mem, "%p|%p", [0x1234n, big]), "0000000000001234|FEDCBA9876543210");
  assert.equal(formatKernelPrintf("%p", () => 0x1234n, mem, false, { pointerSize: 4 }), "00001234");
});

test("unknown conversions and %n are printed literally without consuming arguments", () => {
  const mem = new FakeMemory();
  assert.equal(fmt(mem, "%y%d|%n%d|%-5k|%", [1n, 2n]), "%y1|%n2|%-5k|%");
  assert.equal(fmt(mem, "%5%|%%|%-3%", []), "%|%|%");
});

test("floating point from the integer slots (x64 varargs pass doubles in integer registers)", () => {
  const mem = new FakeMemory();
  const bits = (d: number) => new DataView(Float64Array.of(d).buffer).getBigUint64(0, true);
  assert.equal(fmt(mem, "%f|%.2f|%e|%g|%g|%8.3f", [bits(1.5), bits(3.14159), bits(12345.678), bits(0.0001), bits(1e20), bits(-2.5)]), "1.500000|3.14|1.234568e+04|0.0001|1e+20|  -2.500");
});

test("vaListReader walks 8-byte slots", () => {
  const mem = new FakeMemory();
  const va = mem.alloc(32);
  mem.setU64(va, 7n);
  mem.setU64(va + 8n, mem.putCString("str"));
  mem.setU64(va + 16n, BigInt.asUintN(64, -3n));
  assert.equal(formatKernelPrintf("%d %s %d", vaListReader(mem, va), mem, false), "7 str -3");
});
