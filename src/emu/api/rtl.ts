/**
 * Run-time library: counted strings (UNICODE_STRING / ANSI_STRING), conversions, memory routines,
 * versions, random numbers. Semantics (lengths, NUL termination, statuses) follow the documented
 * behaviour on Microsoft Learn and ReactOS's rtl/unicode.c.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { ansiText, ansiTextDeref, describeCString, describeUnicode, downcaseChar, encodeLatin1, encodeUtf16, hex, lengthArg, nt, q, readCounted, readPtr, unicodeText, unicodeTextDeref, upcaseChar, writeCounted, writePtr } from "./util.js";

const B = (n: number) => BigInt(n);
/** Pool tag of strings the Rtl routines allocate ('GrtS' in C, "StrG" in memory). */
const STRING_TAG = 0x47727453;
const MAX_USHORT = 0xffff;

/** The version kmdll reports (Windows 10 22H2). */
export const EMULATED_VERSION = { major: 10, minor: 0, build: 19045 };

function initCounted(ctx: ApiContext, wide: boolean, maxLen: number): number {
  const dest = ctx.arg(0);
  const src = ctx.arg(1);
  ctx.describe([hex(dest), wide ? describeCString(ctx, src, true) : describeCString(ctx, src)]);
  if (src === 0n) {
    writeCounted(ctx.mem, dest, { length: 0, maximumLength: 0, buffer: 0n });
    return STATUS.SUCCESS;
  }
  const unit = wide ? 2 : 1;
  let n = 0;
  while ((wide ? ctx.mem.u16(src + B(n * 2)) : ctx.mem.u8(src + B(n))) !== 0) {
    n++;
    if (n * unit > maxLen) break;
  }
  const bytes = n * unit;
  if (bytes > maxLen) {
    writeCounted(ctx.mem, dest, { length: maxLen, maximumLength: maxLen + unit, buffer: src });
    return STATUS.NAME_TOO_LONG;
  }
  writeCounted(ctx.mem, dest, { length: bytes, maximumLength: bytes + unit, buffer: src });
  return STATUS.SUCCESS;
}

/** Copy `text` (already converted) into an existing destination string; NUL-terminate when room. */
function storeInto(ctx: ApiContext, dest: bigint, data: Uint8Array, unit: 1 | 2): void {
  const d = readCounted(ctx.mem, dest);
  ctx.mem.write(d.buffer, data);
  if (data.length + unit <= d.maximumLength) ctx.mem.write(d.buffer + B(data.length), new Uint8Array(unit));
  writeCounted(ctx.mem, dest, { ...d, length: data.length });
}

/** Allocate a string buffer of `max` bytes from pool and point `dest` at it. */
function allocInto(ctx: ApiContext, dest: bigint, data: Uint8Array, unit: 1 | 2): boolean {
  const max = data.length + unit;
  const buf = ctx.pool.allocate(max, STRING_TAG, 1 /* PagedPool */, false);
  if (buf === 0n) return false;
  ctx.mem.write(buf, data);
  ctx.mem.write(buf + B(data.length), new Uint8Array(unit));
  writeCounted(ctx.mem, dest, { length: data.length, maximumLength: max, buffer: buf });
  return true;
}

function compareUnits(a: number[], b: number[], fold: ((c: number) => number) | null): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = fold ? fold(a[i]!) : a[i]!;
    const y = fold ? fold(b[i]!) : b[i]!;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

function units(s: string): number[] {
  return [...Array(s.length).keys()].map((i) => s.charCodeAt(i));
}

const upperAnsi = (c: number) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);

function parseInteger(text: string, base: number): { ok: boolean; value: number } {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 0x20) i++;
  let neg = false;
  if (text[i] === "+" || text[i] === "-") {
    neg = text[i] === "-";
    i++;
  }
  if (base === 0) {
    base = 10;
    if (text[i] === "0") {
      const p = text[i + 1];
      if (p === "x" || p === "X") (base = 16), (i += 2);
      else if (p === "o" || p === "O") (base = 8), (i += 2);
      else if (p === "b" || p === "B") (base = 2), (i += 2);
    }
  } else if (![2, 8, 10, 16].includes(base)) return { ok: false, value: 0 };
  let v = 0;
  for (; i < text.length; i++) {
    const d = parseInt(text[i]!, 36);
    if (Number.isNaN(d) || d >= base) break;
    v = (Math.imul(v, base) + d) >>> 0;
  }
  return { ok: true, value: neg ? -v | 0 : v | 0 };
}

function integerToUnicode(ctx: ApiContext, value: bigint, base: number, dest: bigint): number {
  if (base === 0) base = 10;
  if (![2, 8, 10, 16].includes(base)) return STATUS.INVALID_PARAMETER;
  const text = value.toString(base).toUpperCase();
  const d = readCounted(ctx.mem, dest);
  const bytes = text.length * 2;
  if (bytes >= d.maximumLength) return STATUS.BUFFER_OVERFLOW;
  storeInto(ctx, dest, encodeUtf16(text), 2);
  return STATUS.SUCCESS;
}

function upDownCase(ctx: ApiContext, f: (c: number) => number): number {
  return upDownCaseOf(ctx, f, ctx.arg(0), ctx.arg(1), (ctx.u32(2) & 0xff) !== 0);
}

/** RtlUpcase/DowncaseUnicodeString's work on explicit arguments (NDIS's NdisUpcaseUnicodeString too). */
export function upDownCaseOf(ctx: ApiContext, f: (c: number) => number, dest: bigint, src: bigint, alloc: boolean): number {
  ctx.describe([hex(dest), describeUnicode(ctx, src), alloc ? "TRUE" : "FALSE"]);
  const s = readCounted(ctx.mem, src);
  const out = new Uint8Array(s.length & ~1);
  const inp = ctx.mem.read(s.buffer, out.length);
  for (let i = 0; i < out.length; i += 2) {
    const c = f(inp[i]! | (inp[i + 1]! << 8));
    out[i] = c & 0xff;
    out[i + 1] = c >>> 8;
  }
  if (alloc) {
    const buf = ctx.pool.allocate(Math.max(out.length, 1), STRING_TAG, 1, false);
    if (buf === 0n) return STATUS.NO_MEMORY;
    ctx.mem.write(buf, out);
    writeCounted(ctx.mem, dest, { length: out.length, maximumLength: out.length, buffer: buf });
    return STATUS.SUCCESS;
  }
  const d = readCounted(ctx.mem, dest);
  if (out.length > d.maximumLength) return STATUS.BUFFER_OVERFLOW;
  ctx.mem.write(d.buffer, out);
  writeCounted(ctx.mem, dest, { ...d, length: out.length });
  return STATUS.SUCCESS;
}

function freeString(ctx: ApiContext): void {
  const s = ctx.arg(0);
  ctx.describe([describeUnicode(ctx, s)]);
  const c = readCounted(ctx.mem, s);
  if (c.buffer !== 0n) ctx.pool.free(c.buffer, null);
  writeCounted(ctx.mem, s, { length: 0, maximumLength: 0, buffer: 0n });
}

function fillVersion(ctx: ApiContext, p: bigint): number {
  const V = LAYOUT.RTL_OSVERSIONINFOW;
  const X = LAYOUT.RTL_OSVERSIONINFOEXW;
  // Microsoft Learn: "RtlGetVersion returns STATUS_SUCCESS" — the size is not checked (signed drivers
  // pass an uninitialised one and read dwBuildNumber); only the EX size gets the extended fields.
  const size = ctx.mem.u32(p + B(V.dwOSVersionInfoSize));
  ctx.mem.setU32(p + B(V.dwMajorVersion), EMULATED_VERSION.major);
  ctx.mem.setU32(p + B(V.dwMinorVersion), EMULATED_VERSION.minor);
  ctx.mem.setU32(p + B(V.dwBuildNumber), EMULATED_VERSION.build);
  ctx.mem.setU32(p + B(V.dwPlatformId), 2 /* VER_PLATFORM_WIN32_NT */);
  ctx.mem.setU16(p + B(V.szCSDVersion), 0);
  if (size === X.$size) {
    ctx.mem.setU16(p + B(X.wServicePackMajor), 0);
    ctx.mem.setU16(p + B(X.wServicePackMinor), 0);
    ctx.mem.setU16(p + B(X.wSuiteMask), 0x100 /* VER_SUITE_SINGLEUSERTS */);
    ctx.mem.setU8(p + B(X.wProductType), 1 /* VER_NT_WORKSTATION */);
  }
  return STATUS.SUCCESS;
}

/** RtlUniform: the documented Lehmer generator (ReactOS rtl/random.c). */
function uniform(ctx: ApiContext, seedPtr: bigint): number {
  const seed = ctx.mem.u32(seedPtr);
  const r = Number((BigInt(seed) * 0x7fffffedn + 0x7fffffc3n) % 0x7fffffffn);
  ctx.mem.setU32(seedPtr, r);
  return r;
}

/** RtlUnicodeStringToAnsiString's work on explicit arguments (NDIS's NdisUnicodeStringToAnsiString too). */
export function unicodeStringToAnsi(ctx: ApiContext, dest: bigint, src: bigint, alloc: boolean): number {
  const text = unicodeTextDeref(ctx.mem, src) ?? "";
  ctx.describe([hex(dest), q(text), alloc ? "TRUE" : "FALSE"]);
  let data = encodeLatin1(text);
  if (data.length + 1 > MAX_USHORT) return STATUS.INVALID_PARAMETER;
  if (alloc) return allocInto(ctx, dest, data, 1) ? STATUS.SUCCESS : STATUS.NO_MEMORY;
  const d = readCounted(ctx.mem, dest);
  let status: number = STATUS.SUCCESS;
  if (data.length >= d.maximumLength) {
    if (d.maximumLength === 0) return STATUS.BUFFER_OVERFLOW;
    status = STATUS.BUFFER_OVERFLOW;
    data = data.subarray(0, d.maximumLength - 1);
  }
  storeInto(ctx, dest, data, 1);
  return status;
}

export const apis: ApiDefinition[] = [
  // ---- initialisation
  nt("RtlInitUnicodeString", 2, (ctx) => void initCounted(ctx, true, 0xfffc)),
  nt("RtlInitUnicodeStringEx", 2, (ctx) => initCounted(ctx, true, 0xfffc)),
  nt("RtlInitAnsiString", 2, (ctx) => void initCounted(ctx, false, 0xfffe)),
  nt("RtlInitAnsiStringEx", 2, (ctx) => initCounted(ctx, false, 0xfffe)),
  nt("RtlInitString", 2, (ctx) => void initCounted(ctx, false, 0xfffe)),
  // ---- copy / append
  nt("RtlCopyUnicodeString", 2, (ctx) => {
    const dest = ctx.arg(0);
    const src = ctx.arg(1);
    ctx.describe([hex(dest), describeUnicode(ctx, src)]);
    if (src === 0n) {
      writeCounted(ctx.mem, dest, { ...readCounted(ctx.mem, dest), length: 0 });
      return;
    }
    const s = readCounted(ctx.mem, src);
    const d = readCounted(ctx.mem, dest);
    const n = Math.min(s.length, d.maximumLength) & ~1;
    storeInto(ctx, dest, ctx.mem.read(s.buffer, n), 2);
  }),
  nt("RtlCopyString", 2, (ctx) => {
    const dest = ctx.arg(0);
    const src = ctx.arg(1);
    ctx.describe([hex(dest), q(src === 0n ? null : ansiText(ctx.mem, src))]);
    if (src === 0n) {
      writeCounted(ctx.mem, dest, { ...readCounted(ctx.mem, dest), length: 0 });
      return;
    }
    const s = readCounted(ctx.mem, src);
    const d = readCounted(ctx.mem, dest);
    storeInto(ctx, dest, ctx.mem.read(s.buffer, Math.min(s.length, d.maximumLength)), 1);
  }),
  nt("RtlAppendUnicodeStringToString", 2, (ctx) => {
    const dest = ctx.arg(0);
    const src = ctx.arg(1);
    ctx.describe([describeUnicode(ctx, dest), describeUnicode(ctx, src)]);
    const s = readCounted(ctx.mem, src);
    if (s.length === 0) return STATUS.SUCCESS;
    const d = readCounted(ctx.mem, dest);
    if (d.length + s.length > d.maximumLength) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(d.buffer + B(d.length), ctx.mem.read(s.buffer, s.length));
    const len = d.length + s.length;
    if (len + 2 <= d.maximumLength) ctx.mem.setU16(d.buffer + B(len), 0);
    writeCounted(ctx.mem, dest, { ...d, length: len });
    return STATUS.SUCCESS;
  }),
  nt("RtlAppendUnicodeToString", 2, (ctx) => {
    const dest = ctx.arg(0);
    const src = ctx.arg(1);
    ctx.describe([describeUnicode(ctx, dest), describeCString(ctx, src, true)]);
    if (src === 0n) return STATUS.SUCCESS;
    const text = ctx.mem.wstring(src, 0x8000);
    const d = readCounted(ctx.mem, dest);
    const bytes = text.length * 2;
    if (d.length + bytes > d.maximumLength) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(d.buffer + B(d.length), encodeUtf16(text));
    const len = d.length + bytes;
    if (len + 2 <= d.maximumLength) ctx.mem.setU16(d.buffer + B(len), 0);
    writeCounted(ctx.mem, dest, { ...d, length: len });
    return STATUS.SUCCESS;
  }),
  nt("RtlAppendStringToString", 2, (ctx) => {
    const dest = ctx.arg(0);
    const src = ctx.arg(1);
    const s = readCounted(ctx.mem, src);
    if (s.length === 0) return STATUS.SUCCESS;
    const d = readCounted(ctx.mem, dest);
    if (d.length + s.length > d.maximumLength) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(d.buffer + B(d.length), ctx.mem.read(s.buffer, s.length));
    writeCounted(ctx.mem, dest, { ...d, length: d.length + s.length });
    return STATUS.SUCCESS;
  }),
  // ---- comparison
  nt("RtlCompareUnicodeString", 3, (ctx) => {
    const a = unicodeTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const b = unicodeTextDeref(ctx.mem, ctx.arg(1)) ?? "";
    const ci = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe([q(a), q(b), ci ? "TRUE" : "FALSE"]);
    return compareUnits(units(a), units(b), ci ? upcaseChar : null);
  }),
  nt("RtlEqualUnicodeString", 3, (ctx) => {
    const a = unicodeTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const b = unicodeTextDeref(ctx.mem, ctx.arg(1)) ?? "";
    const ci = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe([q(a), q(b), ci ? "TRUE" : "FALSE"]);
    return a.length === b.length && compareUnits(units(a), units(b), ci ? upcaseChar : null) === 0 ? 1 : 0;
  }),
  nt("RtlPrefixUnicodeString", 3, (ctx) => {
    const a = unicodeTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const b = unicodeTextDeref(ctx.mem, ctx.arg(1)) ?? "";
    const ci = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe([q(a), q(b), ci ? "TRUE" : "FALSE"]);
    return a.length <= b.length && compareUnits(units(a), units(b.slice(0, a.length)), ci ? upcaseChar : null) === 0 ? 1 : 0;
  }),
  // TRUE if String1 ends String2 (phnt ntrtl.h; the Windows SDK metadata's Wdk::System::SystemServices).
  nt("RtlSuffixUnicodeString", 3, (ctx) => {
    const a = unicodeTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const b = unicodeTextDeref(ctx.mem, ctx.arg(1)) ?? "";
    const ci = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe([q(a), q(b), ci ? "TRUE" : "FALSE"]);
    return a.length <= b.length && compareUnits(units(a), units(b.slice(b.length - a.length)), ci ? upcaseChar : null) === 0 ? 1 : 0;
  }),
  nt("RtlCompareString", 3, (ctx) => {
    const a = ansiTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const b = ansiTextDeref(ctx.mem, ctx.arg(1)) ?? "";
    const ci = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe([q(a), q(b), ci ? "TRUE" : "FALSE"]);
    return compareUnits(units(a), units(b), ci ? upperAnsi : null);
  }),
  nt("RtlEqualString", 3, (ctx) => {
    const a = ansiTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const b = ansiTextDeref(ctx.mem, ctx.arg(1)) ?? "";
    const ci = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe([q(a), q(b), ci ? "TRUE" : "FALSE"]);
    return a.length === b.length && compareUnits(units(a), units(b), ci ? upperAnsi : null) === 0 ? 1 : 0;
  }),
  // ---- conversion
  nt("RtlAnsiStringToUnicodeString", 3, (ctx) => {
    const dest = ctx.arg(0);
    const src = ctx.arg(1);
    const alloc = (ctx.u32(2) & 0xff) !== 0;
    const text = ansiTextDeref(ctx.mem, src) ?? "";
    ctx.describe([hex(dest), q(text), alloc ? "TRUE" : "FALSE"]);
    const data = encodeUtf16(text);
    if (data.length + 2 > MAX_USHORT) return STATUS.INVALID_PARAMETER;
    if (alloc) return allocInto(ctx, dest, data, 2) ? STATUS.SUCCESS : STATUS.NO_MEMORY;
    const d = readCounted(ctx.mem, dest);
    if (data.length >= d.maximumLength) return STATUS.BUFFER_OVERFLOW;
    storeInto(ctx, dest, data, 2);
    return STATUS.SUCCESS;
  }),
  nt("RtlUnicodeStringToAnsiString", 3, (ctx) => unicodeStringToAnsi(ctx, ctx.arg(0), ctx.arg(1), (ctx.u32(2) & 0xff) !== 0)),
  nt("RtlFreeUnicodeString", 1, (ctx) => freeString(ctx)),
  nt("RtlFreeAnsiString", 1, (ctx) => freeString(ctx)),
  nt("RtlUpcaseUnicodeString", 3, (ctx) => upDownCase(ctx, upcaseChar)),
  nt("RtlDowncaseUnicodeString", 3, (ctx) => upDownCase(ctx, downcaseChar)),
  nt("RtlUpcaseUnicodeChar", 1, (ctx) => upcaseChar(ctx.u32(0) & 0xffff)),
  nt("RtlDowncaseUnicodeChar", 1, (ctx) => downcaseChar(ctx.u32(0) & 0xffff)),
  nt("RtlUpperChar", 1, (ctx) => upperAnsi(ctx.u32(0) & 0xff)),
  nt("RtlAnsiCharToUnicodeChar", 1, (ctx) => {
    // PUCHAR *SourceCharacter: read one byte and advance the pointer
    const pp = ctx.arg(0);
    const p = readPtr(ctx.mem, pp);
    const c = ctx.mem.u8(p);
    writePtr(ctx.mem, pp, p + 1n);
    return c;
  }),
  nt("RtlIntegerToUnicodeString", 3, (ctx) => {
    ctx.describe([String(ctx.u32(0)), String(ctx.u32(1)), hex(ctx.arg(2))]);
    return integerToUnicode(ctx, BigInt(ctx.u32(0)), ctx.u32(1), ctx.arg(2));
  }),
  nt("RtlInt64ToUnicodeString", 3, (ctx) => {
    ctx.describe([String(BigInt.asUintN(64, ctx.arg(0))), String(ctx.u32(1)), hex(ctx.arg(2))]);
    return integerToUnicode(ctx, BigInt.asUintN(64, ctx.arg(0)), ctx.u32(1), ctx.arg(2));
  }),
  nt("RtlUnicodeStringToInteger", 3, (ctx) => {
    const text = unicodeTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    ctx.describe([q(text), String(ctx.u32(1)), hex(ctx.arg(2))]);
    const r = parseInteger(text, ctx.u32(1));
    if (!r.ok) return STATUS.INVALID_PARAMETER;
    ctx.mem.setU32(ctx.arg(2), r.value >>> 0);
    return STATUS.SUCCESS;
  }),
  nt("RtlCharToInteger", 3, (ctx) => {
    const text = ctx.mem.cstring(ctx.arg(0), 256);
    ctx.describe([q(text), String(ctx.u32(1)), hex(ctx.arg(2))]);
    const r = parseInteger(text, ctx.u32(1));
    if (!r.ok) return STATUS.INVALID_PARAMETER;
    ctx.mem.setU32(ctx.arg(2), r.value >>> 0);
    return STATUS.SUCCESS;
  }),
  // ---- memory
  nt("RtlCompareMemory", 3, (ctx) => {
    const n = lengthArg(ctx, 2, ctx.arg(0), false);
    const a = ctx.mem.read(ctx.arg(0), n);
    const b = ctx.mem.read(ctx.arg(1), n);
    let i = 0;
    while (i < n && a[i] === b[i]) i++;
    return i;
  }),
  nt("RtlCopyMemory", 3, (ctx) => void ctx.mem.write(ctx.arg(0), ctx.mem.read(ctx.arg(1), lengthArg(ctx, 2, ctx.arg(0), true)))),
  nt("RtlMoveMemory", 3, (ctx) => void ctx.mem.write(ctx.arg(0), ctx.mem.read(ctx.arg(1), lengthArg(ctx, 2, ctx.arg(0), true)))),
  nt("RtlZeroMemory", 2, (ctx) => void ctx.mem.write(ctx.arg(0), new Uint8Array(lengthArg(ctx, 1, ctx.arg(0), true)))),
  nt("RtlFillMemory", 3, (ctx) => void ctx.mem.write(ctx.arg(0), new Uint8Array(lengthArg(ctx, 1, ctx.arg(0), true)).fill(ctx.u32(2) & 0xff))),
  // ---- system information
  nt("RtlGetVersion", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return fillVersion(ctx, ctx.arg(0));
  }),
  nt("RtlUniform", 1, (ctx) => uniform(ctx, ctx.arg(0))),
  nt("RtlRandom", 1, (ctx) => uniform(ctx, ctx.arg(0))),
  nt("RtlRandomEx", 1, (ctx) => uniform(ctx, ctx.arg(0))),
  nt("RtlAssert", 4, (ctx) => {
    const expr = ctx.mem.cstring(ctx.arg(0), 256);
    const file = ctx.mem.cstring(ctx.arg(1), 256);
    ctx.fault("bugcheck", `assertion failed: ${expr} (${file}:${ctx.u32(2)})`, { assertion: expr, file, line: ctx.u32(2) });
  }),
];
