/**
 * The secure CRT exports of ntoskrnl (memcpy_s, strcpy_s, sprintf_s, _itoa_s, ...) and the
 * integer-to-string routines. Contract of the Microsoft CRT documentation: errno-style results
 * (0, EINVAL 22, ERANGE 34, STRUNCATE 80); on failure the destination is emptied when it can be;
 * in the kernel the invalid-parameter handler returns instead of terminating.
 */
import { ptrSize } from "../../nt/arch-layout.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { encodeLatin1, encodeUtf16, nt } from "./util.js";
import { formatKernelPrintf, vaListReader } from "./printf.js";

const B = (n: number) => BigInt(n);
const EINVAL = 22;
const ERANGE = 34;
const STRUNCATE = 80;
const TRUNCATE = 0xffffffffffffffffn;
/** _TRUNCATE is (size_t)-1: all ones in a pointer-sized count. */
const isTruncate = (count: bigint): boolean => count === TRUNCATE || (ptrSize() === 4 && count === 0xffffffffn);
const MAX = 0x100000;

function cstr(ctx: ApiContext, p: bigint, wide: boolean): string {
  return wide ? ctx.mem.wstring(p, MAX) : ctx.mem.cstring(p, MAX);
}
function put(ctx: ApiContext, p: bigint, s: string, wide: boolean): void {
  ctx.mem.write(p, wide ? encodeUtf16(s + "\0") : encodeLatin1(s + "\0"));
}
function empty(ctx: ApiContext, p: bigint, wide: boolean): void {
  if (wide) ctx.mem.setU16(p, 0);
  else ctx.mem.setU8(p, 0);
}

function memcpyS(ctx: ApiContext): number {
  const [dest, size, src, count] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  if (count === 0n) return 0;
  if (dest === 0n) return EINVAL;
  if (src === 0n || size < count) {
    if (size <= B(MAX)) ctx.mem.write(dest, new Uint8Array(Number(size)));
    return src === 0n ? EINVAL : ERANGE;
  }
  if (count > B(MAX * 64)) ctx.fault("invalid-read", `memcpy_s: count ${count} runs past mapped memory`, {});
  ctx.mem.write(dest, ctx.mem.read(src, Number(count)));
  return 0;
}

function copyS(ctx: ApiContext, wide: boolean, append: boolean): number {
  const [dest, size, src] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  if (dest === 0n || size === 0n) return EINVAL;
  if (src === 0n) {
    empty(ctx, dest, wide);
    return EINVAL;
  }
  const prefix = append ? cstr(ctx, dest, wide) : "";
  if (append && B(prefix.length) >= size) {
    empty(ctx, dest, wide);
    return EINVAL;
  }
  const s = prefix + cstr(ctx, src, wide);
  if (B(s.length) >= size) {
    empty(ctx, dest, wide);
    return ERANGE;
  }
  put(ctx, dest, s, wide);
  return 0;
}

function ncopyS(ctx: ApiContext, wide: boolean): number {
  const [dest, size, src, count] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  if (count === 0n && dest === 0n && size === 0n) return 0;
  if (dest === 0n || size === 0n) return EINVAL;
  if (count === 0n) {
    empty(ctx, dest, wide);
    return 0;
  }
  if (src === 0n) {
    empty(ctx, dest, wide);
    return EINVAL;
  }
  let s = cstr(ctx, src, wide);
  if (!isTruncate(count) && B(s.length) > count) s = s.slice(0, Number(count));
  if (B(s.length) >= size) {
    if (isTruncate(count)) {
      put(ctx, dest, s.slice(0, Number(size) - 1), wide);
      return STRUNCATE;
    }
    empty(ctx, dest, wide);
    return ERANGE;
  }
  put(ctx, dest, s, wide);
  return 0;
}

function sprintfS(ctx: ApiContext, wide: boolean, va: boolean): number {
  const [buf, size, fmtPtr] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  if (buf === 0n || size === 0n || fmtPtr === 0n) return -1;
  let i = 3;
  const next = va ? vaListReader(ctx.mem, ctx.arg(3)) : () => ctx.arg(i++);
  const text = formatKernelPrintf(cstr(ctx, fmtPtr, wide), next, ctx.mem, wide);
  if (B(text.length) >= size) {
    empty(ctx, buf, wide);
    return -1;
  }
  put(ctx, buf, text, wide);
  return text.length;
}

function radixText(v: bigint, radix: number): string | null {
  if (radix < 2 || radix > 36) return null;
  return v.toString(radix);
}
/** _itoa_s family: value, buffer, size (in characters), radix. Signed decimal only for signed types. */
function itoaS(ctx: ApiContext, bits: 32 | 64, signed: boolean, wide: boolean): number {
  const raw = ctx.arg(0);
  const value = signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
  const [buf, size] = [ctx.arg(1), ctx.arg(2)];
  const radix = ctx.u32(3);
  if (buf === 0n || size === 0n) return EINVAL;
  const text = radixText(signed && radix !== 10 ? BigInt.asUintN(bits, value) : value, radix);
  if (text === null) {
    empty(ctx, buf, wide);
    return EINVAL;
  }
  if (B(text.length) >= size) {
    empty(ctx, buf, wide);
    return ERANGE;
  }
  put(ctx, buf, text, wide);
  return 0;
}

export const apis: ApiDefinition[] = [
  nt("memcpy_s", 4, memcpyS),
  nt("memmove_s", 4, memcpyS),
  nt("strcpy_s", 3, (ctx) => copyS(ctx, false, false)),
  nt("wcscpy_s", 3, (ctx) => copyS(ctx, true, false)),
  nt("strcat_s", 3, (ctx) => copyS(ctx, false, true)),
  nt("wcscat_s", 3, (ctx) => copyS(ctx, true, true)),
  nt("strncpy_s", 4, (ctx) => ncopyS(ctx, false)),
  nt("wcsncpy_s", 4, (ctx) => ncopyS(ctx, true)),
  nt("sprintf_s", 3, (ctx) => sprintfS(ctx, false, false)),
  nt("swprintf_s", 3, (ctx) => sprintfS(ctx, true, false)),
  nt("vsprintf_s", 4, (ctx) => sprintfS(ctx, false, true)),
  nt("_itoa_s", 4, (ctx) => itoaS(ctx, 32, true, false)),
  nt("_itow_s", 4, (ctx) => itoaS(ctx, 32, true, true)),
  nt("_ultoa_s", 4, (ctx) => itoaS(ctx, 32, false, false)),
  nt("_i64toa_s", 4, (ctx) => itoaS(ctx, 64, true, false)),
  ...(["_itoa", "_itow"] as const).map((name) =>
    nt(name, 3, (ctx) => {
      const radix = ctx.u32(2);
      const v = BigInt.asIntN(32, ctx.arg(0));
      const text = radixText(radix === 10 ? v : BigInt.asUintN(32, v), radix) ?? "";
      put(ctx, ctx.arg(1), text, name === "_itow");
      return ctx.arg(1);
    }),
  ),
];
