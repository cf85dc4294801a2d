/** Fast byte-string decoding for the many short names in archives and COFF objects. */
import { latin1 } from "../binary.js";

/** Bytes [start, end) as a Latin-1 string (one char per byte). */
export function byteString(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 24) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  if (n <= 1024) return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
  return latin1(b.subarray(start, end));
}

/** A fixed-size field: up to the first NUL (and without trailing spaces when trimSpaces). */
export function fieldString(b: Uint8Array, start: number, len: number, trimSpaces = true): string {
  let end = Math.min(start + len, b.length);
  for (let i = start; i < end; i++) {
    if (b[i] === 0) {
      end = i;
      break;
    }
  }
  while (trimSpaces && end > start && b[end - 1] === 0x20) end--;
  return byteString(b, start, end);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A Latin-1 byte string re-read as UTF-8 when it is valid UTF-8 (names are written as UTF-8). */
export function displayName(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s;
  const bytes = Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  try {
    return utf8.decode(bytes);
  } catch {
    return s;
  }
}
