import { Buffer } from "node:buffer";
import { FormatError } from "../errors.js";

/**
 * Fills a buffer on demand: called with a range inside the buffer before it is read (a file
 * read piece by piece — see io/partial-file.ts — so that parsing touches only the bytes it needs).
 */
export type ByteLoader = (offset: number, size: number) => void;

/**
 * Bounds-checked little-endian reads over a byte buffer. Every read names the structure being
 * read so that a truncated or hostile file yields a FormatError with structure and offset,
 * never a RangeError or a read outside the buffer. Pure: no I/O (a `loader` may fill the
 * buffer lazily; code reading `bytes` directly calls `load` first).
 */
export class ByteView {
  readonly bytes: Uint8Array;
  /** The bytes as a DataView (for readers that checked a whole range with `need` first). */
  readonly dv: DataView;
  private readonly loader: ByteLoader | undefined;
  constructor(bytes: Uint8Array, loader?: ByteLoader) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.loader = loader;
  }
  /** Make [offset, offset+size) (clipped to the buffer) readable through `bytes`. */
  load(offset: number, size: number): void {
    if (!this.loader) return;
    const start = Math.max(0, offset);
    const end = Math.min(this.bytes.length, offset + size);
    if (end > start) this.loader(start, end - start);
  }
  get length(): number {
    return this.bytes.length;
  }
  /** True when [offset, offset+size) lies inside the buffer. */
  has(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && Number.isSafeInteger(size) && offset >= 0 && size >= 0 && offset + size <= this.bytes.length;
  }
  need(offset: number, size: number, structure: string): void {
    if (!this.has(offset, size)) {
      throw new FormatError(structure, `needs ${size} bytes but the file has ${Math.max(0, this.bytes.length - Math.max(0, offset))} there (file size ${this.bytes.length})`, offset);
    }
    if (this.loader && size > 0) this.loader(offset, size);
  }
  u8(offset: number, structure: string): number {
    this.need(offset, 1, structure);
    return this.bytes[offset]!;
  }
  u16(offset: number, structure: string): number {
    this.need(offset, 2, structure);
    return this.dv.getUint16(offset, true);
  }
  u32(offset: number, structure: string): number {
    this.need(offset, 4, structure);
    return this.dv.getUint32(offset, true);
  }
  u64(offset: number, structure: string): bigint {
    this.need(offset, 8, structure);
    return this.dv.getBigUint64(offset, true);
  }
  u16be(offset: number, structure: string): number {
    this.need(offset, 2, structure);
    return this.dv.getUint16(offset, false);
  }
  u32be(offset: number, structure: string): number {
    this.need(offset, 4, structure);
    return this.dv.getUint32(offset, false);
  }
  slice(offset: number, size: number, structure: string): Uint8Array {
    this.need(offset, size, structure);
    return this.bytes.subarray(offset, offset + size);
  }
  /** A NUL-terminated byte string (Latin-1), at most maxLen bytes; unterminated → error. */
  cstring(offset: number, structure: string, maxLen = 4096): string {
    if (!this.has(offset, 1)) this.need(offset, 1, structure);
    const end = Math.min(this.bytes.length, offset + maxLen);
    this.load(offset, end - offset);
    for (let i = offset; i < end; i++) {
      if (this.bytes[i] === 0) return latin1Range(this.bytes, offset, i);
    }
    throw new FormatError(structure, `string is not NUL-terminated within ${maxLen} bytes`, offset);
  }
  /** Fixed-size field of ASCII padded with NULs (or spaces when trimSpaces). */
  fixedString(offset: number, size: number, structure: string, trimSpaces = false): string {
    const raw = this.slice(offset, size, structure);
    let n = raw.indexOf(0);
    if (n < 0) n = raw.length;
    const s = latin1(raw.subarray(0, n));
    return trimSpaces ? s.replace(/ +$/, "") : s;
  }
}

/**
 * Node's Latin-1 decoder of a byte range (what `buffer.toString("latin1", start, end)` calls).
 * It takes any Uint8Array as `this` and makes one flat string in one native call, without the
 * subarray object and the argument list that String.fromCharCode.apply needs (decoding the names
 * of import and export tables was a tenth of a scan's time).
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** Latin-1 decode of b[start, end) (each byte one character, U+0000..U+00FF): one flat string. */
export function latin1Range(b: Uint8Array, start: number, end: number): string {
  if (latin1Slice !== undefined) return latin1Slice.call(b, start, end);
  return fromCharCodes(b.subarray(start, end));
}

/** Latin-1 decode of all of b (see latin1Range). */
export function latin1(b: Uint8Array): string {
  return latin1Range(b, 0, b.length);
}

function fromCharCodes(b: Uint8Array): string {
  // One flat string per call: fromCharCode over the bytes (in 8 KiB pieces, the argument count
  // limit). Appending one character at a time builds a chain of cons strings that must be
  // flattened again when the name is compared or hashed (several times slower on export tables).
  if (b.length <= 8192) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** Little-endian writer that grows as needed; used by the .lib writer and test generators. */
export class ByteWriter {
  private buf: Uint8Array;
  private dv: DataView;
  length = 0;
  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u8(v: number): this { this.ensure(1); this.buf[this.length++] = v & 0xff; return this; }
  u16(v: number): this { this.ensure(2); this.dv.setUint16(this.length, v, true); this.length += 2; return this; }
  u32(v: number): this { this.ensure(4); this.dv.setUint32(this.length, v >>> 0, true); this.length += 4; return this; }
  u32be(v: number): this { this.ensure(4); this.dv.setUint32(this.length, v >>> 0, false); this.length += 4; return this; }
  u64(v: bigint): this { this.ensure(8); this.dv.setBigUint64(this.length, BigInt.asUintN(64, v), true); this.length += 8; return this; }
  bytes(b: Uint8Array): this { this.ensure(b.length); this.buf.set(b, this.length); this.length += b.length; return this; }
  /** ASCII/Latin-1 string, optionally NUL-terminated. */
  ascii(s: string, nul = false): this {
    this.ensure(s.length + 1);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i) & 0xff;
    if (nul) this.buf[this.length++] = 0;
    return this;
  }
  zeros(n: number): this { this.ensure(n); this.buf.fill(0, this.length, this.length + n); this.length += n; return this; }
  align(n: number, fill = 0): this { while (this.length % n) this.u8(fill); return this; }
  patchU32(at: number, v: number): void { this.dv.setUint32(at, v >>> 0, true); }
  patchU32be(at: number, v: number): void { this.dv.setUint32(at, v >>> 0, false); }
  toBytes(): Uint8Array { return this.buf.slice(0, this.length); }
}
