/**
 * wcstoul(nptr, endptr, base), the C runtime routine ntoskrnl.exe exports (Microsoft C runtime
 * reference, "strtoul, _strtoul_l, wcstoul, _wcstoul_l"): skips leading white space (iswspace:
 * U+0009–U+000D, U+0020), takes an optional + or -, then digits of `base` — base 0 reads a "0x"/"0X"
 * prefix as 16, a leading "0" as 8, else 10; base 16 may carry the "0x" prefix; letters a–z / A–Z
 * are the digits 10–35. The value is an unsigned long (32 bits on Windows): on overflow
 * ULONG_MAX (0xFFFFFFFF, errno ERANGE); a leading minus negates the converted value modulo 2^32.
 * *endptr (when endptr is not NULL) gets the address of the first character not converted, or
 * nptr itself when nothing was converted (result 0). A base other than 0 and 2–36 converts nothing
 * (0, errno EINVAL: kmdll keeps no errno). A NULL or wild nptr is read as it is (a clean
 * invalid-read fault, as the read faults in Windows).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt, writePtr } from "./util.js";

const B = (n: number) => BigInt(n);
const MAX_CHARS = 4096;

function digit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

/** Parse at `p` (2-byte characters): the value and the index past the last converted character (0: none). */
export function parseUnsigned(ch: (i: number) => number, base: number): { value: number; end: number } {
  if (base !== 0 && (base < 2 || base > 36)) return { value: 0, end: 0 };
  let i = 0;
  while (ch(i) === 0x20 || (ch(i) >= 9 && ch(i) <= 13)) i++;
  let negative = false;
  if (ch(i) === 0x2b || ch(i) === 0x2d) negative = ch(i++) === 0x2d;
  const hexPrefix = ch(i) === 0x30 && (ch(i + 1) | 0x20) === 0x78 && digit(ch(i + 2)) < 16;
  if ((base === 0 || base === 16) && hexPrefix) {
    base = 16;
    i += 2;
  } else if (base === 0) base = ch(i) === 0x30 ? 8 : 10;
  const start = i;
  let value = 0n;
  let overflow = false;
  while (i < MAX_CHARS && digit(ch(i)) < base) {
    value = value * B(base) + B(digit(ch(i)));
    if (value > 0xffffffffn) overflow = true;
    i++;
  }
  if (i === start) return { value: 0, end: 0 };
  if (overflow) return { value: 0xffffffff, end: i };
  const v = Number(value);
  return { value: negative ? (0x100000000 - v) % 0x100000000 : v, end: i };
}

function wcstoul(ctx: ApiContext): number {
  const [nptr, endptr, base] = [ctx.arg(0), ctx.arg(1), ctx.i32(2)];
  ctx.describe([hex(nptr), hex(endptr), String(base)]);
  const { value, end } = parseUnsigned((i) => ctx.mem.u16(nptr + B(2 * i)), base);
  if (endptr !== 0n) writePtr(ctx.mem, endptr, nptr + B(2 * end));
  return value;
}

export const apis: ApiDefinition[] = [nt("wcstoul", 3, wcstoul)];
