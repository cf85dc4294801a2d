/**
 * Rtl bitmaps (RTL_BITMAP { SizeOfBitMap 0, Buffer 8 } on x64): initialize, set/clear/test
 * single bits and ranges, find clear/set runs (wrapping from the hint as the kernel does), count,
 * find-and-set, runs, and the 64-bit bit scans. Semantics from Microsoft Learn (wdm.h) and the
 * ReactOS implementation's documented behaviour: a search that fails returns 0xFFFFFFFF, ranges
 * past the end are "not clear"/"not set".
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";

const B = (n: number) => BigInt(n);
const NOT_FOUND = 0xffffffff;
/** Larger bitmaps than this (512 Mi bits) are certainly a wild header. */
const MAX_BITS = 0x20000000;

interface Bits {
  size: number;
  buffer: bigint;
  get(i: number): boolean;
  set(i: number, v: boolean): void;
  flush(): void;
}

function load(ctx: ApiContext, header: bigint, api: string): Bits {
  const size = ctx.mem.u32(header);
  const buffer = readPtr(ctx.mem, header + BigInt(ptrSize()));
  if (size > MAX_BITS) ctx.fault("invalid-read", `${api}: RTL_BITMAP ${hex(header)} claims ${size} bits`, { address: hex(header) });
  const bytes = size === 0 ? new Uint8Array(0) : ctx.mem.read(buffer, ((size + 31) >>> 5) * 4);
  let dirty = false;
  return {
    size,
    buffer,
    get: (i) => ((bytes[i >>> 3]! >>> (i & 7)) & 1) === 1,
    set: (i, v) => {
      dirty = true;
      if (v) bytes[i >>> 3]! |= 1 << (i & 7);
      else bytes[i >>> 3]! &= ~(1 << (i & 7));
    },
    flush: () => {
      if (dirty) ctx.mem.write(buffer, bytes);
    },
  };
}

function rangeCheck(ctx: ApiContext, b: Bits, start: number, count: number, api: string): void {
  if (start + count > b.size) ctx.fault("bugcheck", `${api}: bits [${start}, ${start + count}) are past the end of a ${b.size}-bit map`, { code: "0x00000139" });
}

function allAre(b: Bits, start: number, count: number, v: boolean): boolean {
  if (start + count > b.size) return false;
  for (let i = start; i < start + count; i++) if (b.get(i) !== v) return false;
  return true;
}

/** First run of `count` bits equal to `v`, searching from `hint` to the end, then from 0. */
function find(b: Bits, count: number, hint: number, v: boolean): number {
  if (count === 0) return 0;
  if (count > b.size) return NOT_FOUND;
  const h = hint >= b.size ? 0 : hint;
  const from = (lo: number, hi: number): number => {
    for (let i = lo; i + count <= hi; i++) {
      let ok = true;
      for (let j = 0; j < count; j++)
        if (b.get(i + j) !== v) {
          ok = false;
          i += j;
          break;
        }
      if (ok) return i;
    }
    return NOT_FOUND;
  };
  const a = from(h, b.size);
  return a !== NOT_FOUND ? a : from(0, Math.min(b.size, h + count - 1));
}

function count(b: Bits, v: boolean): number {
  let n = 0;
  for (let i = 0; i < b.size; i++) if (b.get(i) === v) n++;
  return n;
}

/** Clear runs in index order: [start, length][]. */
function clearRuns(b: Bits): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < b.size; ) {
    if (b.get(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j < b.size && !b.get(j)) j++;
    out.push([i, j - i]);
    i = j;
  }
  return out;
}

export const apis: ApiDefinition[] = [
  nt("RtlInitializeBitMap", 3, (ctx) => {
    ctx.mem.setU32(ctx.arg(0), ctx.u32(2));
    writePtr(ctx.mem, ctx.arg(0) + BigInt(ptrSize()), ctx.arg(1)); // RTL_BITMAP: SizeOfBitMap, then Buffer (pointer-aligned)
  }),
  ...(["RtlClearAllBits", "RtlSetAllBits"] as const).map((name) =>
    nt(name, 1, (ctx) => {
      const size = ctx.mem.u32(ctx.arg(0));
      if (size > MAX_BITS) ctx.fault("invalid-read", `${name}: RTL_BITMAP claims ${size} bits`, { address: hex(ctx.arg(0)) });
      ctx.mem.write(readPtr(ctx.mem, ctx.arg(0) + BigInt(ptrSize())), new Uint8Array(((size + 31) >>> 5) * 4).fill(name === "RtlSetAllBits" ? 0xff : 0));
    }),
  ),
  ...(["RtlClearBits", "RtlSetBits"] as const).map((name) =>
    nt(name, 3, (ctx) => {
      const b = load(ctx, ctx.arg(0), name);
      const [start, n] = [ctx.u32(1), ctx.u32(2)];
      rangeCheck(ctx, b, start, n, name);
      for (let i = start; i < start + n; i++) b.set(i, name === "RtlSetBits");
      b.flush();
    }),
  ),
  ...(["RtlClearBit", "RtlSetBit"] as const).map((name) =>
    nt(name, 2, (ctx) => {
      const b = load(ctx, ctx.arg(0), name);
      rangeCheck(ctx, b, ctx.u32(1), 1, name);
      b.set(ctx.u32(1), name === "RtlSetBit");
      b.flush();
    }),
  ),
  nt("RtlTestBit", 2, (ctx) => {
    const b = load(ctx, ctx.arg(0), "RtlTestBit");
    rangeCheck(ctx, b, ctx.u32(1), 1, "RtlTestBit");
    return b.get(ctx.u32(1)) ? 1 : 0;
  }),
  nt("RtlAreBitsClear", 3, (ctx) => (allAre(load(ctx, ctx.arg(0), "RtlAreBitsClear"), ctx.u32(1), ctx.u32(2), false) ? 1 : 0)),
  nt("RtlAreBitsSet", 3, (ctx) => (allAre(load(ctx, ctx.arg(0), "RtlAreBitsSet"), ctx.u32(1), ctx.u32(2), true) ? 1 : 0)),
  nt("RtlFindClearBits", 3, (ctx) => find(load(ctx, ctx.arg(0), "RtlFindClearBits"), ctx.u32(1), ctx.u32(2), false)),
  nt("RtlFindSetBits", 3, (ctx) => find(load(ctx, ctx.arg(0), "RtlFindSetBits"), ctx.u32(1), ctx.u32(2), true)),
  ...(["RtlFindClearBitsAndSet", "RtlFindSetBitsAndClear"] as const).map((name) =>
    nt(name, 3, (ctx) => {
      const b = load(ctx, ctx.arg(0), name);
      const want = name === "RtlFindSetBitsAndClear";
      const at = find(b, ctx.u32(1), ctx.u32(2), want);
      if (at !== NOT_FOUND && ctx.u32(1) > 0) {
        for (let i = at; i < at + ctx.u32(1); i++) b.set(i, !want);
        b.flush();
      }
      return at;
    }),
  ),
  nt("RtlNumberOfSetBits", 1, (ctx) => count(load(ctx, ctx.arg(0), "RtlNumberOfSetBits"), true)),
  nt("RtlNumberOfClearBits", 1, (ctx) => count(load(ctx, ctx.arg(0), "RtlNumberOfClearBits"), false)),
  nt("RtlNumberOfSetBitsUlongPtr", 1, (ctx) => {
    let v = ctx.arg(0);
    let n = 0;
    for (; v; v &= v - 1n) n++;
    return n;
  }),
  nt("RtlFindFirstRunClear", 2, (ctx) => {
    const runs = clearRuns(load(ctx, ctx.arg(0), "RtlFindFirstRunClear"));
    const r = runs[0];
    ctx.mem.setU32(ctx.arg(1), r ? r[0] : 0);
    return r ? r[1] : 0;
  }),
  nt("RtlFindLongestRunClear", 2, (ctx) => {
    const runs = clearRuns(load(ctx, ctx.arg(0), "RtlFindLongestRunClear"));
    const r = runs.reduce<[number, number] | null>((best, x) => (!best || x[1] > best[1] ? x : best), null);
    ctx.mem.setU32(ctx.arg(1), r ? r[0] : 0);
    return r ? r[1] : 0;
  }),
  nt("RtlFindNextForwardRunClear", 3, (ctx) => {
    const b = load(ctx, ctx.arg(0), "RtlFindNextForwardRunClear");
    let i = ctx.u32(1);
    while (i < b.size && b.get(i)) i++;
    let j = i;
    while (j < b.size && !b.get(j)) j++;
    ctx.mem.setU32(ctx.arg(2), i);
    return j - i;
  }),
  nt("RtlFindLastBackwardRunClear", 3, (ctx) => {
    const b = load(ctx, ctx.arg(0), "RtlFindLastBackwardRunClear");
    let i = Math.min(ctx.u32(1), b.size - 1);
    while (i >= 0 && b.get(i)) i--;
    if (i < 0) {
      ctx.mem.setU32(ctx.arg(2), 0);
      return 0;
    }
    let j = i;
    while (j >= 0 && !b.get(j)) j--;
    ctx.mem.setU32(ctx.arg(2), j + 1);
    return i - j;
  }),
  nt("RtlFindClearRuns", 4, (ctx) => {
    const runs = clearRuns(load(ctx, ctx.arg(0), "RtlFindClearRuns"));
    const max = ctx.u32(2);
    const chosen = (ctx.u32(3) & 0xff ? [...runs].sort((a, b) => b[1] - a[1] || a[0] - b[0]) : runs).slice(0, max);
    chosen.forEach(([s, n], i) => {
      ctx.mem.setU32(ctx.arg(1) + B(i * 8), s);
      ctx.mem.setU32(ctx.arg(1) + B(i * 8 + 4), n);
    });
    return chosen.length;
  }),
  nt("RtlFindLeastSignificantBit", 1, (ctx) => {
    const v = ctx.arg(0);
    if (v === 0n) return 0xff; // (CCHAR)-1
    let i = 0;
    while (((v >> BigInt(i)) & 1n) === 0n) i++;
    return i;
  }),
  nt("RtlFindMostSignificantBit", 1, (ctx) => {
    const v = ctx.arg(0);
    if (v === 0n) return 0xff;
    return v.toString(2).length - 1;
  }),
];
