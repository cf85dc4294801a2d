/**
 * A regular file read piece by piece: `bytes` has the file's full size, and 4 KiB chunks (pages)
 * are read into it when a parser asks for them (the ByteLoader `load`; neighbouring chunks one
 * range asks for are read with one call). Parsing the headers and the import/export tables of a
 * 26 MB DLL then reads a few pages instead of the whole file, the way a reader that maps the file
 * touches only the pages it looks at (scanning wine64's 694 images reads about 20 MiB of 637).
 *
 * The buffers come from a small per-thread pool and go back to it on close(), with the chunks
 * that were read zeroed again (so a buffer is all zeros but for what this file read): scanning
 * thousands of files allocates a few buffers, not one zero-filled buffer per file. `bytes` must
 * not be used after close().
 */
import { closeSync, readSync } from "node:fs";
import { KmdllError } from "../errors.js";
import { openRegularFile, readError } from "./file.js";

const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;

/** Free zero-filled buffers, for the next files (at most POOL_MAX kept). */
const pool: ArrayBuffer[] = [];
const POOL_MAX = 4;

function acquire(size: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < pool.length; i++) {
    if (pool[i]!.byteLength >= size && (best < 0 || pool[i]!.byteLength < pool[best]!.byteLength)) best = i;
  }
  if (best >= 0) return pool.splice(best, 1)[0]!;
  let cap = CHUNK;
  while (cap < size) cap *= 2;
  return new ArrayBuffer(cap);
}

function release(buffer: ArrayBuffer): void {
  if (pool.length >= POOL_MAX) {
    // Keep the larger buffers: drop the smallest.
    let small = 0;
    for (let i = 1; i < pool.length; i++) if (pool[i]!.byteLength < pool[small]!.byteLength) small = i;
    if (pool[small]!.byteLength >= buffer.byteLength) return;
    pool.splice(small, 1);
  }
  pool.push(buffer);
}

export class PartialFile {
  /** The file's bytes; only the chunks loaded so far hold file data (the rest are zeros). */
  readonly bytes: Uint8Array;
  private fd: number | null;
  private readonly loaded: Uint8Array;
  private chunksRead = 0;

  private constructor(
    readonly path: string,
    fd: number,
    size: number,
  ) {
    this.fd = fd;
    this.bytes = new Uint8Array(acquire(size), 0, size);
    this.loaded = new Uint8Array((size + CHUNK - 1) >>> CHUNK_BITS);
  }

  /** Open a regular file (directories, devices and FIFOs are refused, like readFileBytes). */
  static open(path: string): PartialFile {
    const { fd, size } = openRegularFile(path);
    return new PartialFile(path, fd, size);
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Chunks read from the file so far (for tests and benchmarks). */
  get reads(): number {
    return this.chunksRead;
  }

  /** Bytes read from the file so far (whole chunks, the last one clipped to the file). */
  get bytesRead(): number {
    let n = 0;
    for (let c = 0; c < this.loaded.length; c++) if (this.loaded[c]) n += Math.min(CHUNK, this.bytes.length - (c << CHUNK_BITS));
    return n;
  }

  /** Read [offset, offset+size) (clipped to the file) if not read yet. A ByteLoader. */
  readonly load = (offset: number, size: number): void => {
    const end = Math.min(this.bytes.length, offset + size);
    const loaded = this.loaded;
    let c = Math.max(0, offset) >>> CHUNK_BITS;
    // The common case: a small read inside one chunk already read.
    if (loaded[c] === 1 && (end - 1) >>> CHUNK_BITS === c) return;
    while (c << CHUNK_BITS < end) {
      if (loaded[c] === 1) {
        c++;
        continue;
      }
      // A run of chunks not read yet: one read for all of them.
      let last = c;
      while ((last + 1) << CHUNK_BITS < end && loaded[last + 1] === 0) last++;
      this.readChunks(c, last);
      c = last + 1;
    }
  };

  /** Read the whole file (what is not read yet). */
  loadAll(): Uint8Array {
    this.load(0, this.bytes.length);
    return this.bytes;
  }

  /** Read chunks first..last (inclusive). */
  private readChunks(first: number, last: number): void {
    if (this.fd === null) throw new KmdllError(`${this.path}: cannot read file: already closed`);
    const start = first << CHUNK_BITS;
    const want = Math.min((last + 1 - first) << CHUNK_BITS, this.bytes.length - start);
    let got = 0;
    try {
      while (got < want) {
        const n = readSync(this.fd, this.bytes, start + got, want - got, start + got);
        if (n === 0) break;
        got += n;
      }
    } catch (e) {
      throw readError(this.path, e);
    }
    if (got < want) throw new KmdllError(`${this.path}: cannot read file: it became shorter while being read`);
    this.loaded.fill(1, first, last + 1);
    this.chunksRead += last + 1 - first;
  }

  /** Close the file and give the buffer back (zeroed); `bytes` must not be used afterwards. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    const b = this.bytes;
    for (let c = 0; c < this.loaded.length; c++) if (this.loaded[c]) b.fill(0, c << CHUNK_BITS, Math.min(b.length, (c + 1) << CHUNK_BITS));
    this.loaded.fill(0);
    release(b.buffer as ArrayBuffer);
  }
}
