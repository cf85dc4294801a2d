/** Fast byte-string decoding for the many short names in archives and COFF objects. */
import { latin1Range } from "../binary.js";

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
  return latin1Range(b, start, end);
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

/**
 * A Latin-1 byte string quoted for an error message: printable ASCII as is, `"` and `\` escaped,
 * \n \r \t as such, and every other byte as \xNN — so a message about a binary file stays one
 * readable line.
 */
export function quoteBytes(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (c === 0x22 || c === 0x5c) out += `\\${s[i]}`;
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else out += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}
