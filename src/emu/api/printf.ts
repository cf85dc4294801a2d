/**
 * The kernel printf dialect (DbgPrint, DbgPrintEx, vDbgPrintEx, ntoskrnl's sprintf/_snprintf/
 * _vsnprintf and their wide forms), as a pure function over a guest-memory view.
 *
 * Conversions: %d %i %u %o %x %X %p %c %C %s %S %Z %wZ %e %f %g %E %G %a %%, with the size
 * prefixes h hh l ll L w I I32 I64 z j t, the flags - + 0 space #, width and precision (both may
 * be `*`). `%s`/`%c` follow the width of the formatting routine (narrow for DbgPrint/sprintf,
 * wide for swprintf); `%S`/`%C` the opposite; `%hs`/`%hc` are always narrow, `%ls`/`%ws`/`%lc`/`%wc`
 * always wide. `%Z` prints an ANSI_STRING, `%wZ` a UNICODE_STRING (counted, no NUL needed).
 * NULL string pointers print "(null)". `%n` is refused (printed literally, as is any unknown
 * conversion) — kernel printf does not write through arguments.
 *
 * Arguments are taken as 64-bit slots (MS x64: every vararg occupies 8 bytes), so `nextArg`
 * yields raw slot values and the size prefix decides how many bits count.
 */
import { ptrSize as archPtrSize } from "../../nt/arch-layout.js";
import type { GuestMemory } from "./types.js";

export interface PrintfOptions {
  /** Pointer size of the guest (8 on x64, 4 on x86): %p width, %I, %z, %t. Default 8. */
  pointerSize?: 4 | 8;
  /** Offset of Buffer in UNICODE_STRING/ANSI_STRING (from the generated layouts). Default = pointerSize. */
  stringBufferOffset?: number;
  /** Longest string read through %s/%S before it is cut (guards against unterminated buffers). */
  maxString?: number;
  /**
   * Largest field width or precision honoured (default 1 MiB): `%999999999d` would otherwise ask
   * for more than a JS string can hold. Every caller cuts the text to a buffer far smaller than
   * this (DbgPrint 512 bytes, the _snprintf count), so the visible result is the same.
   */
  maxField?: number;
}

type Size = "hh" | "h" | "" | "l" | "ll" | "L" | "w" | "I" | "I32" | "I64" | "z" | "j" | "t";

const NULL_TEXT = "(null)";

/** Format `format` like the kernel's printf. `wide` selects swprintf semantics for %s/%c/%S/%C. */
export function formatKernelPrintf(
  format: string,
  nextArg: () => bigint,
  mem: GuestMemory,
  wide: boolean,
  options: PrintfOptions = {},
): string {
  const ptrSize = options.pointerSize ?? archPtrSize();
  const bufOff = options.stringBufferOffset ?? ptrSize;
  const maxString = options.maxString ?? 0x10000;
  const maxField = options.maxField ?? 0x100000;
  let out = "";
  let i = 0;
  const n = format.length;
  while (i < n) {
    const ch = format[i]!;
    if (ch !== "%") {
      const next = format.indexOf("%", i);
      const end = next < 0 ? n : next;
      out += format.slice(i, end);
      i = end;
      continue;
    }
    const start = i;
    i++;
    if (i >= n) {
      out += "%";
      break;
    }
    if (format[i] === "%") {
      out += "%";
      i++;
      continue;
    }
    // flags
    let left = false, plus = false, space = false, zero = false, alt = false;
    for (; i < n; i++) {
      const f = format[i];
      if (f === "-") left = true;
      else if (f === "+") plus = true;
      else if (f === " ") space = true;
      else if (f === "0") zero = true;
      else if (f === "#") alt = true;
      else break;
    }
    // width
    let width = 0;
    if (format[i] === "*") {
      const w = Number(BigInt.asIntN(32, nextArg()));
      if (w < 0) {
        left = true;
        width = -w;
      } else width = w;
      i++;
    } else {
      while (i < n && format[i]! >= "0" && format[i]! <= "9") {
        width = width * 10 + (format.charCodeAt(i) - 48);
        i++;
      }
    }
    if (width > maxField) width = maxField;
    // precision
    let precision = -1;
    if (format[i] === ".") {
      i++;
      if (format[i] === "*") {
        const p = Number(BigInt.asIntN(32, nextArg()));
        precision = p < 0 ? -1 : p;
        i++;
      } else {
        precision = 0;
        while (i < n && format[i]! >= "0" && format[i]! <= "9") {
          precision = precision * 10 + (format.charCodeAt(i) - 48);
          i++;
        }
      }
    }
    if (precision > maxField) precision = maxField;
    // size prefix
    let size: Size = "";
    if (format.startsWith("I64", i)) (size = "I64"), (i += 3);
    else if (format.startsWith("I32", i)) (size = "I32"), (i += 3);
    else if (format[i] === "I") (size = "I"), i++;
    else if (format.startsWith("hh", i)) (size = "hh"), (i += 2);
    else if (format.startsWith("ll", i)) (size = "ll"), (i += 2);
    else if (format[i] === "h") (size = "h"), i++;
    else if (format[i] === "l") (size = "l"), i++;
    else if (format[i] === "L") (size = "L"), i++;
    else if (format[i] === "w") (size = "w"), i++;
    else if (format[i] === "z") (size = "z"), i++;
    else if (format[i] === "j") (size = "j"), i++;
    else if (format[i] === "t") (size = "t"), i++;
    if (i >= n) {
      out += format.slice(start);
      break;
    }
    const conv = format[i]!;
    i++;
    const pad = (body: string, numeric: boolean, prefixLen = 0): string => {
      if (body.length >= width) return body;
      if (left) return body + " ".repeat(width - body.length);
      if (zero && numeric) return body.slice(0, prefixLen) + "0".repeat(width - body.length) + body.slice(prefixLen);
      if (zero && !numeric) return "0".repeat(width - body.length) + body; // MS CRT zero-pads strings too
      return " ".repeat(width - body.length) + body;
    };
    const bitsOf = (): number => {
      switch (size) {
        case "hh":
          return 8;
        case "h":
          return 16;
        case "ll":
        case "I64":
        case "L":
        case "j":
          return 64;
        case "I":
        case "z":
        case "t":
          return ptrSize * 8;
        default:
          return 32; // "", "l", "w", "I32": long is 32 bits on Windows
      }
    };
    switch (conv) {
      case "d":
      case "i":
      case "u":
      case "x":
      case "X":
      case "o": {
        const bits = bitsOf();
        // A 64-bit argument takes two 32-bit stack slots on x86 (low half first).
        const raw = bits === 64 && ptrSize === 4 ? BigInt.asUintN(32, nextArg()) | (BigInt.asUintN(32, nextArg()) << 32n) : nextArg();
        const signed = conv === "d" || conv === "i";
        let v = signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
        const neg = v < 0n;
        if (neg) v = -v;
        const radix = conv === "x" || conv === "X" ? 16 : conv === "o" ? 8 : 10;
        let digits = precision === 0 && v === 0n ? "" : v.toString(radix);
        if (conv === "X") digits = digits.toUpperCase();
        if (precision > digits.length) digits = "0".repeat(precision - digits.length) + digits;
        let prefix = "";
        if (signed) prefix = neg ? "-" : plus ? "+" : space ? " " : "";
        else if (alt && v !== 0n && conv === "x") prefix = "0x";
        else if (alt && v !== 0n && conv === "X") prefix = "0X";
        else if (alt && conv === "o" && !digits.startsWith("0")) digits = "0" + digits;
        const numericZero = zero && precision < 0;
        const body = prefix + digits;
        if (body.length >= width) out += body;
        else if (left) out += body + " ".repeat(width - body.length);
        else if (numericZero) out += prefix + "0".repeat(width - body.length) + digits;
        else out += " ".repeat(width - body.length) + body;
        break;
      }
      case "p": {
        const raw = BigInt.asUintN(ptrSize * 8, nextArg());
        let digits = raw.toString(16).toUpperCase();
        const minDigits = precision >= 0 ? precision : ptrSize * 2;
        if (digits.length < minDigits) digits = "0".repeat(minDigits - digits.length) + digits;
        const body = (alt ? "0X" : "") + digits;
        out += pad(body, true, alt ? 2 : 0);
        break;
      }
      case "c":
      case "C": {
        const raw = nextArg();
        const wideChar = size === "l" || size === "w" ? true : size === "h" || size === "hh" ? false : (conv === "C") !== wide;
        const code = wideChar ? Number(BigInt.asUintN(16, raw)) : Number(BigInt.asUintN(8, raw));
        out += pad(String.fromCharCode(code), false);
        break;
      }
      case "s":
      case "S": {
        const ptr = BigInt.asUintN(ptrSize * 8, nextArg());
        const wideStr = size === "l" || size === "w" ? true : size === "h" || size === "hh" ? false : (conv === "S") !== wide;
        let text: string;
        if (ptr === 0n) text = NULL_TEXT;
        else {
          const limit = precision >= 0 ? Math.min(precision, maxString) : maxString;
          text = wideStr ? mem.wstring(ptr, limit) : mem.cstring(ptr, limit);
        }
        if (precision >= 0 && text.length > precision) text = text.slice(0, precision);
        out += pad(text, false);
        break;
      }
      case "Z": {
        const ptr = BigInt.asUintN(ptrSize * 8, nextArg());
        const wideStr = size === "w" || size === "l";
        let text: string;
        if (ptr === 0n) text = NULL_TEXT;
        else {
          const length = mem.u16(ptr); // Length in bytes, first field of both string structures
          const buffer = ptrSize === 8 ? mem.u64(ptr + BigInt(bufOff)) : BigInt(mem.u32(ptr + BigInt(bufOff)));
          if (buffer === 0n) text = NULL_TEXT;
          else if (wideStr) text = decodeUtf16(mem.read(buffer, length & ~1));
          else text = decodeLatin1(mem.read(buffer, length));
        }
        if (precision >= 0 && text.length > precision) text = text.slice(0, precision);
        out += pad(text, false);
        break;
      }
      case "e":
      case "E":
      case "f":
      case "F":
      case "g":
      case "G":
      case "a":
      case "A": {
        const raw = nextArg();
        const buf = new DataView(new ArrayBuffer(8));
        buf.setBigUint64(0, BigInt.asUintN(64, raw), true);
        out += formatFloat(buf.getFloat64(0, true), conv, precision, { left, plus, space, zero, alt, width });
        break;
      }
      case "%":
        // "%5%": flags and width are ignored, a single '%' is printed (MS CRT and glibc agree).
        out += "%";
        break;
      default:
        // Unknown conversion (and %n): printed literally, arguments untouched.
        out += format.slice(start, i);
        break;
    }
  }
  return out;
}

function decodeUtf16(bytes: Uint8Array): string {
  let s = "";
  for (let k = 0; k + 1 < bytes.length; k += 2) s += String.fromCharCode(bytes[k]! | (bytes[k + 1]! << 8));
  return s;
}

function decodeLatin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

interface FloatFlags {
  left: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  alt: boolean;
  width: number;
}

/** %e %f %g %a, C99 style (MS CRT prints infinities as "inf" since VS2015 too). */
function formatFloat(v: number, conv: string, precision: number, f: FloatFlags): string {
  const upper = conv === "E" || conv === "F" || conv === "G" || conv === "A";
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let body: string;
  let finite = true;
  if (Number.isNaN(v)) (body = "nan"), (finite = false);
  else if (!Number.isFinite(v)) (body = "inf"), (finite = false);
  else {
    const p = precision < 0 ? 6 : precision;
    const lc = conv.toLowerCase();
    if (lc === "f") body = a.toFixed(Math.min(p, 100));
    else if (lc === "e") body = expForm(a, p);
    else if (lc === "a") body = "0x" + a.toString(16) + "p+0";
    else {
      const P = p === 0 ? 1 : p;
      const exp = a === 0 ? 0 : Math.floor(Math.log10(a));
      const eStr = expForm(a, P - 1);
      const X = Number(eStr.slice(eStr.indexOf("e") + 1));
      void exp;
      if (P > X && X >= -4) body = a.toFixed(Math.min(P - 1 - X, 100));
      else body = eStr;
      if (!f.alt) body = stripZeros(body);
    }
    if (f.alt && !body.includes(".") && lc !== "a") body = body.replace(/^(\d+)/, "$1.");
  }
  if (upper) body = body.toUpperCase();
  const sign = neg ? "-" : f.plus ? "+" : f.space ? " " : "";
  const full = sign + body;
  if (full.length >= f.width) return full;
  if (f.left) return full + " ".repeat(f.width - full.length);
  if (f.zero && finite) return sign + "0".repeat(f.width - full.length) + body;
  return " ".repeat(f.width - full.length) + full;
}

function expForm(a: number, p: number): string {
  const s = a.toExponential(Math.min(p, 100)); // "1.23e+5"
  const m = /^([^e]+)e([+-])(\d+)$/.exec(s)!;
  return `${m[1]}e${m[2]}${m[3]!.padStart(2, "0")}`;
}

function stripZeros(s: string): string {
  const e = s.indexOf("e");
  let mant = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? "" : s.slice(e);
  if (mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
  return mant + exp;
}

/** Walk a va_list of the MS x64 ABI: a pointer to consecutive 8-byte slots. */
export function vaListReader(mem: GuestMemory, vaList: bigint, slotSize: number = archPtrSize()): () => bigint {
  let p = vaList;
  return () => {
    const v = slotSize === 8 ? mem.u64(p) : BigInt(mem.u32(p));
    p += BigInt(slotSize);
    return v;
  };
}
