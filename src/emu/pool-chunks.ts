/**
 * The pool allocator's storage (pool.ts): the chunks of guest memory it carves blocks from, and
 * the queues of freed blocks of one size waiting for reuse. Pure data structures: no engine access.
 */

/** A pool chunk: its guest range and, when the addon maps it over JS memory (mapHost), its bytes. */
export interface Chunk {
  base: bigint;
  /** base - the pool's base, as a number (block keys are such offsets). */
  key: number;
  size: number;
  /** base + size. */
  end: bigint;
  /** The chunk's memory (JS writes it in place), or null when it is written through the addon. */
  bytes: Uint8Array | null;
  /** The same memory as 32-bit words (fill patterns are byte-symmetric, so host byte order does not matter). */
  words: Uint32Array | null;
}

/**
 * Freed blocks of one rounded size waiting for reuse, oldest first: a just-freed block is reused
 * last (FIFO), so a double free stays detectable as long as possible.
 */
export class FreeQueue {
  // Parallel columns (no object per entry): the block's user address, its chunk and offset there.
  private users: bigint[] = [];
  private chunks: Chunk[] = [];
  private offsets: number[] = [];
  private head = 0;
  private tail = 0;
  push(user: bigint, chunk: Chunk, offset: number): void {
    if (this.tail === this.users.length) {
      this.users.push(user);
      this.chunks.push(chunk);
      this.offsets.push(offset);
    } else {
      this.users[this.tail] = user;
      this.chunks[this.tail] = chunk;
      this.offsets[this.tail] = offset;
    }
    this.tail++;
  }
  /** Index of the oldest freed block (read it with user/chunk/offset before the next call), or -1. */
  take(): number {
    if (this.head === this.tail) return -1;
    const i = this.head++;
    if (this.head === this.tail) {
      // Empty: start again at the front (the columns keep their capacity).
      this.head = this.tail = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      const at = this.head - 1;
      this.users.copyWithin(0, at, this.tail);
      this.chunks.copyWithin(0, at, this.tail);
      this.offsets.copyWithin(0, at, this.tail);
      this.tail -= at;
      this.head = 1;
      return 0;
    }
    return i;
  }
  user(i: number): bigint {
    return this.users[i]!;
  }
  chunk(i: number): Chunk {
    return this.chunks[i]!;
  }
  offset(i: number): number {
    return this.offsets[i]!;
  }
}
