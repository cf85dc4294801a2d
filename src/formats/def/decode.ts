/** Bytes of a .def file to text: UTF-8 (optional BOM) or UTF-16LE with BOM; binary garbage is an error. Pure. */
import type { Position } from "./types.js";

/** Position of a byte offset within bytes (lines by \n, columns in bytes, 1-based). */
function bytePosition(bytes: Uint8Array, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/** Offset of the first invalid UTF-8 sequence, or -1. */
function invalidUtf8At(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    if (i + n >= b.length) return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Decode .def bytes: UTF-8 (optional BOM) or UTF-16LE with BOM. Binary garbage → an error diagnostic and null. */
export function decodeDefBytes(bytes: Uint8Array, diags: { error(at: Position, message: string): void }): string | null {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    if (bytes.length % 2 !== 0) {
      diags.error({ line: 1, col: 1 }, "UTF-16LE file with an odd number of bytes");
      return null;
    }
    return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    diags.error(bytePosition(bytes, nul), `NUL byte at offset ${nul}: this is not a text .def file`);
    return null;
  }
  const bad = invalidUtf8At(bytes);
  if (bad >= 0) {
    diags.error(bytePosition(bytes, bad), `invalid UTF-8 byte 0x${bytes[bad]!.toString(16).padStart(2, "0")} at offset ${bad}`);
    return null;
  }
  let text = new TextDecoder("utf-8").decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}
