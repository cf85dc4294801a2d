/**
 * The C runtime routines ntoskrnl.exe exports (mem*, str*, wcs*, ctype, printf family, qsort).
 * Semantics follow the Microsoft CRT: _snprintf/_vsnprintf return -1 on truncation and write no
 * NUL when the output fills the buffer exactly; ntoskrnl's swprintf is the legacy two-argument form.
 */
import type { ApiContext, ApiDefinition, GuestMemory } from "./types.js";
import { formatKernelPrintf, vaListReader } from "./printf.js";
import { describeCString, encodeLatin1, encodeUtf16, hex, lengthArg, nt, upcaseChar, downcaseChar } from "./util.js";
import { componentState } from "./state.js";

const MAX = 0x100000; // longest string a routine scans before it faults as the kernel would run off
const B = (n: number) => BigInt(n);

function strlenAt(mem: GuestMemory, p: bigint, max = MAX): number {
  for (let i = 0; i < max; i++) if (mem.u8(p + B(i)) === 0) return i;
  return max;
}
function wcslenAt(mem: GuestMemory, p: bigint, max = MAX): number {
  for (let i = 0; i < max; i++) if (mem.u16(p + B(i * 2)) === 0) return i;
  return max;
}
const lowerA = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
const upperA = (c: number) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);

/** Compare up to n units (1 or 2 bytes each) of two strings; `fold` maps each unit first. */
function cmpStr(mem: GuestMemory, a: bigint, b: bigint, n: number, unit: 1 | 2, fold: (c: number) => number): number {
  for (let i = 0; i < n; i++) {
    const ca = fold(unit === 1 ? mem.u8(a + B(i)) : mem.u16(a + B(i * 2)));
    const cb = fold(unit === 1 ? mem.u8(b + B(i)) : mem.u16(b + B(i * 2)));
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca === 0) return 0;
  }
  return 0;
}

function find(mem: GuestMemory, p: bigint, c: number, unit: 1 | 2, last: boolean): bigint {
  let found = 0n;
  for (let i = 0; i < MAX; i++) {
    const a = p + B(i * unit);
    const v = unit === 1 ? mem.u8(a) : mem.u16(a);
    if (v === c) {
      found = a;
      if (!last) return a;
    }
    if (v === 0) return found;
  }
  return found;
}

function strstr(mem: GuestMemory, hay: bigint, needle: bigint, unit: 1 | 2): bigint {
  const rd = (a: bigint) => (unit === 1 ? mem.u8(a) : mem.u16(a));
  const nlen = unit === 1 ? strlenAt(mem, needle) : wcslenAt(mem, needle);
  if (nlen === 0) return hay;
  const hlen = unit === 1 ? strlenAt(mem, hay) : wcslenAt(mem, hay);
  const h = mem.read(hay, hlen * unit);
  const n = mem.read(needle, nlen * unit);
  outer: for (let i = 0; i + n.length <= h.length; i += unit) {
    for (let j = 0; j < n.length; j++) if (h[i + j] !== n[j]) continue outer;
    return hay + B(i);
  }
  void rd;
  return 0n;
}

/** Write formatted output with the MS _snprintf contract; returns the count or -1 on truncation. */
function emit(ctx: ApiContext, buf: bigint, count: number | null, text: string, wide: boolean): number {
  const unit = wide ? 2 : 1;
  const data = wide ? encodeUtf16(text) : encodeLatin1(text);
  const chars = text.length;
  if (count === null) {
    ctx.mem.write(buf, data);
    ctx.mem.write(buf + B(chars * unit), new Uint8Array(unit));
    return chars;
  }
  if (chars < count) {
    ctx.mem.write(buf, data);
    ctx.mem.write(buf + B(chars * unit), new Uint8Array(unit));
    return chars;
  }
  ctx.mem.write(buf, data.subarray(0, count * unit));
  return chars === count ? chars : -1;
}

function argReader(ctx: ApiContext, first: number): () => bigint {
  let i = first;
  return () => ctx.arg(i++);
}

function printfApi(name: string, opts: { wide: boolean; counted: boolean; va: boolean }): ApiDefinition {
  const fmtIndex = opts.counted ? 2 : 1;
  return nt(name, fmtIndex + 1, (ctx) => {
    const buf = ctx.arg(0);
    const count = opts.counted ? Number(BigInt.asUintN(64, ctx.arg(1))) : null;
    const fmtPtr = ctx.arg(fmtIndex);
    const fmt = opts.wide ? ctx.mem.wstring(fmtPtr, MAX) : ctx.mem.cstring(fmtPtr, MAX);
    const next = opts.va ? vaListReader(ctx.mem, ctx.arg(fmtIndex + 1)) : argReader(ctx, fmtIndex + 1);
    const text = formatKernelPrintf(fmt, next, ctx.mem, opts.wide);
    ctx.describe([hex(buf), ...(count === null ? [] : [String(count)]), describeCString(ctx, fmtPtr, opts.wide)]);
    return emit(ctx, buf, count === null ? null : Math.min(count, 0x7fffffff), text, opts.wide);
  });
}

function toInt(s: string): number {
  const m = /^[\s]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  const v = Number(m[1]);
  return v > 2147483647 ? 2147483647 : v < -2147483648 ? -2147483648 : v;
}

const rngState = componentState("crt", () => ({ seed: 1 }));
const rng = (ctx: ApiContext) => rngState(ctx.kernel);

export const apis: ApiDefinition[] = [
  // ---- memory
  nt("memcpy", 3, (ctx) => {
    const n = lengthArg(ctx, 2, ctx.arg(0), true);
    ctx.mem.write(ctx.arg(0), ctx.mem.read(ctx.arg(1), n));
    return ctx.arg(0);
  }),
  nt("memmove", 3, (ctx) => {
    ctx.mem.write(ctx.arg(0), ctx.mem.read(ctx.arg(1), lengthArg(ctx, 2, ctx.arg(0), true)));
    return ctx.arg(0);
  }),
  nt("memset", 3, (ctx) => {
    ctx.mem.write(ctx.arg(0), new Uint8Array(lengthArg(ctx, 2, ctx.arg(0), true)).fill(ctx.u32(1) & 0xff));
    return ctx.arg(0);
  }),
  nt("memcmp", 3, (ctx) => {
    const n = lengthArg(ctx, 2, ctx.arg(0), false);
    const a = ctx.mem.read(ctx.arg(0), n);
    const b = ctx.mem.read(ctx.arg(1), n);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return 0;
  }),
  nt("memchr", 3, (ctx) => {
    const n = lengthArg(ctx, 2, ctx.arg(0), false);
    const c = ctx.u32(1) & 0xff;
    const p = ctx.arg(0);
    for (let i = 0; i < n; i++) if (ctx.mem.u8(p + B(i)) === c) return p + B(i);
    return 0n;
  }),
  // ---- narrow strings
  nt("strlen", 1, (ctx) => strlenAt(ctx.mem, ctx.arg(0))),
  nt("strnlen", 2, (ctx) => strlenAt(ctx.mem, ctx.arg(0), Number(BigInt.asUintN(32, ctx.arg(1))))),
  nt("strcpy", 2, (ctx) => {
    const n = strlenAt(ctx.mem, ctx.arg(1));
    ctx.mem.write(ctx.arg(0), ctx.mem.read(ctx.arg(1), n + 1));
    return ctx.arg(0);
  }),
  nt("strncpy", 3, (ctx) => {
    const count = lengthArg(ctx, 2, ctx.arg(0), true);
    const n = strlenAt(ctx.mem, ctx.arg(1), count);
    const out = new Uint8Array(count);
    out.set(ctx.mem.read(ctx.arg(1), n));
    ctx.mem.write(ctx.arg(0), out);
    return ctx.arg(0);
  }),
  nt("strcat", 2, (ctx) => {
    const d = strlenAt(ctx.mem, ctx.arg(0));
    const n = strlenAt(ctx.mem, ctx.arg(1));
    ctx.mem.write(ctx.arg(0) + B(d), ctx.mem.read(ctx.arg(1), n + 1));
    return ctx.arg(0);
  }),
  nt("strncat", 3, (ctx) => {
    const d = strlenAt(ctx.mem, ctx.arg(0));
    const n = strlenAt(ctx.mem, ctx.arg(1), Number(ctx.arg(2)));
    ctx.mem.write(ctx.arg(0) + B(d), ctx.mem.read(ctx.arg(1), n));
    ctx.mem.setU8(ctx.arg(0) + B(d + n), 0);
    return ctx.arg(0);
  }),
  nt("strcmp", 2, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), MAX, 1, (c) => c)),
  nt("strncmp", 3, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), Number(ctx.arg(2)), 1, (c) => c)),
  nt("_stricmp", 2, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), MAX, 1, lowerA)),
  nt("_strnicmp", 3, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), Number(ctx.arg(2)), 1, lowerA)),
  nt("strchr", 2, (ctx) => find(ctx.mem, ctx.arg(0), ctx.u32(1) & 0xff, 1, false)),
  nt("strrchr", 2, (ctx) => find(ctx.mem, ctx.arg(0), ctx.u32(1) & 0xff, 1, true)),
  nt("strstr", 2, (ctx) => strstr(ctx.mem, ctx.arg(0), ctx.arg(1), 1)),
  nt("strspn", 2, (ctx) => {
    const set = new Set(ctx.mem.read(ctx.arg(1), strlenAt(ctx.mem, ctx.arg(1))));
    let i = 0;
    while (set.has(ctx.mem.u8(ctx.arg(0) + B(i)))) i++;
    return i;
  }),
  nt("_strlwr", 1, (ctx) => mapInPlace(ctx, 1, lowerA)),
  nt("_strupr", 1, (ctx) => mapInPlace(ctx, 1, upperA)),
  // ---- wide strings
  nt("wcslen", 1, (ctx) => wcslenAt(ctx.mem, ctx.arg(0))),
  nt("wcsnlen", 2, (ctx) => wcslenAt(ctx.mem, ctx.arg(0), Number(BigInt.asUintN(32, ctx.arg(1))))),
  nt("wcscpy", 2, (ctx) => {
    const n = wcslenAt(ctx.mem, ctx.arg(1));
    ctx.mem.write(ctx.arg(0), ctx.mem.read(ctx.arg(1), (n + 1) * 2));
    return ctx.arg(0);
  }),
  nt("wcsncpy", 3, (ctx) => {
    const count = lengthArg(ctx, 2, ctx.arg(0), true, 2);
    const n = wcslenAt(ctx.mem, ctx.arg(1), count);
    const out = new Uint8Array(count * 2);
    out.set(ctx.mem.read(ctx.arg(1), n * 2));
    ctx.mem.write(ctx.arg(0), out);
    return ctx.arg(0);
  }),
  nt("wcscat", 2, (ctx) => {
    const d = wcslenAt(ctx.mem, ctx.arg(0));
    const n = wcslenAt(ctx.mem, ctx.arg(1));
    ctx.mem.write(ctx.arg(0) + B(d * 2), ctx.mem.read(ctx.arg(1), (n + 1) * 2));
    return ctx.arg(0);
  }),
  nt("wcsncat", 3, (ctx) => {
    const d = wcslenAt(ctx.mem, ctx.arg(0));
    const n = wcslenAt(ctx.mem, ctx.arg(1), Number(ctx.arg(2)));
    ctx.mem.write(ctx.arg(0) + B(d * 2), ctx.mem.read(ctx.arg(1), n * 2));
    ctx.mem.setU16(ctx.arg(0) + B((d + n) * 2), 0);
    return ctx.arg(0);
  }),
  nt("wcscmp", 2, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), MAX, 2, (c) => c)),
  nt("wcsncmp", 3, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), Number(ctx.arg(2)), 2, (c) => c)),
  nt("_wcsicmp", 2, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), MAX, 2, downcaseChar)),
  nt("_wcsnicmp", 3, (ctx) => cmpStr(ctx.mem, ctx.arg(0), ctx.arg(1), Number(ctx.arg(2)), 2, downcaseChar)),
  nt("wcschr", 2, (ctx) => find(ctx.mem, ctx.arg(0), ctx.u32(1) & 0xffff, 2, false)),
  nt("wcsrchr", 2, (ctx) => find(ctx.mem, ctx.arg(0), ctx.u32(1) & 0xffff, 2, true)),
  nt("wcsstr", 2, (ctx) => strstr(ctx.mem, ctx.arg(0), ctx.arg(1), 2)),
  nt("_wcslwr", 1, (ctx) => mapInPlace(ctx, 2, downcaseChar)),
  nt("_wcsupr", 1, (ctx) => mapInPlace(ctx, 2, upcaseChar)),
  // ---- characters and numbers
  nt("toupper", 1, (ctx) => upperA(ctx.i32(0))),
  nt("tolower", 1, (ctx) => lowerA(ctx.i32(0))),
  nt("towupper", 1, (ctx) => upcaseChar(ctx.u32(0) & 0xffff)),
  nt("towlower", 1, (ctx) => downcaseChar(ctx.u32(0) & 0xffff)),
  nt("isdigit", 1, (ctx) => (ctx.i32(0) >= 0x30 && ctx.i32(0) <= 0x39 ? 4 : 0)),
  nt("isxdigit", 1, (ctx) => (/[0-9a-fA-F]/.test(String.fromCharCode(ctx.i32(0) & 0xff)) && ctx.i32(0) < 0x80 ? 0x80 : 0)),
  nt("isspace", 1, (ctx) => ([0x20, 9, 10, 11, 12, 13].includes(ctx.i32(0)) ? 8 : 0)),
  nt("isupper", 1, (ctx) => (ctx.i32(0) >= 0x41 && ctx.i32(0) <= 0x5a ? 1 : 0)),
  nt("islower", 1, (ctx) => (ctx.i32(0) >= 0x61 && ctx.i32(0) <= 0x7a ? 2 : 0)),
  nt("isprint", 1, (ctx) => (ctx.i32(0) >= 0x20 && ctx.i32(0) < 0x7f ? 0x157 : 0)),
  nt("atoi", 1, (ctx) => toInt(ctx.mem.cstring(ctx.arg(0), 64))),
  nt("atol", 1, (ctx) => toInt(ctx.mem.cstring(ctx.arg(0), 64))),
  nt("_wtoi", 1, (ctx) => toInt(ctx.mem.wstring(ctx.arg(0), 64))),
  nt("_wtol", 1, (ctx) => toInt(ctx.mem.wstring(ctx.arg(0), 64))),
  nt("srand", 1, (ctx) => {
    rng(ctx).seed = ctx.u32(0);
  }),
  nt("rand", 0, (ctx) => {
    // the MS CRT linear congruential generator
    const r = rng(ctx);
    r.seed = (Math.imul(r.seed, 214013) + 2531011) >>> 0;
    return (r.seed >>> 16) & 0x7fff;
  }),
  nt("qsort", 4, (ctx) => {
    const base = ctx.arg(0);
    const num = Number(ctx.arg(1));
    const width = Number(ctx.arg(2));
    const cmp = ctx.arg(3);
    // Insertion sort in place: the guest comparator always sees elements where they lie.
    const at = (i: number) => base + B(i * width);
    for (let i = 1; i < num; i++) {
      for (let j = i; j > 0; j--) {
        const r = Number(BigInt.asIntN(32, ctx.callGuest(cmp, [at(j - 1), at(j)], true)));
        if (r <= 0) break;
        const a = ctx.mem.read(at(j - 1), width);
        ctx.mem.write(at(j - 1), ctx.mem.read(at(j), width));
        ctx.mem.write(at(j), a);
      }
    }
  }),
  nt("bsearch", 5, (ctx) => {
    const key = ctx.arg(0);
    const base = ctx.arg(1);
    let lo = 0;
    let hi = Number(ctx.arg(2)) - 1;
    const width = Number(ctx.arg(3));
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = Number(BigInt.asIntN(32, ctx.callGuest(ctx.arg(4), [key, base + B(mid * width)], true)));
      if (r === 0) return base + B(mid * width);
      if (r < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return 0n;
  }),
  // ---- printf family
  printfApi("sprintf", { wide: false, counted: false, va: false }),
  printfApi("vsprintf", { wide: false, counted: false, va: true }),
  printfApi("_snprintf", { wide: false, counted: true, va: false }),
  printfApi("_vsnprintf", { wide: false, counted: true, va: true }),
  printfApi("swprintf", { wide: true, counted: false, va: false }),
  printfApi("_swprintf", { wide: true, counted: false, va: false }),
  printfApi("_vswprintf", { wide: true, counted: false, va: true }),
  printfApi("_snwprintf", { wide: true, counted: true, va: false }),
  printfApi("_vsnwprintf", { wide: true, counted: true, va: true }),
];

function mapInPlace(ctx: ApiContext, unit: 1 | 2, f: (c: number) => number): bigint {
  const p = ctx.arg(0);
  for (let i = 0; i < MAX; i++) {
    const a = p + B(i * unit);
    const c = unit === 1 ? ctx.mem.u8(a) : ctx.mem.u16(a);
    if (c === 0) break;
    if (unit === 1) ctx.mem.setU8(a, f(c));
    else ctx.mem.setU16(a, f(c));
  }
  return p;
}
