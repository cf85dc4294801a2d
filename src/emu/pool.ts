/**
 * The emulated pool: PoolServices for the API handlers (ExAllocatePool*, ExFreePool*), with
 * detection of double frees, frees of foreign pointers, tag mismatches and leaks per module.
 *
 * Memory comes from 1 MiB chunks mapped on demand and never unmapped (Unicorn 2.0.1 copies a
 * region whenever a page inside it is re-protected, so chunks stay modest). Each block has a
 * 16-byte header like the real x64 POOL_HEADER (tag at +4) and is 16-byte aligned.
 */
import type { NativeEngine } from "./native.js";
import { POOL_BASE, POOL_CHUNK, alignUp } from "./layout.js";
import type { SpecialCorruption, SpecialPool } from "./verifier/special-pool.js";
import { FreeQueue, type Chunk } from "./pool-chunks.js";

export interface PoolBlock {
  address: bigint;
  size: number;
  tag: number;
  poolType: number;
  /** Owning module (lower-case base name) — the module that called the allocator. */
  module: string;
  /** "mod.sys+0x1234" of the call site, or null. */
  site: string | null;
  /** Sequence number of the allocation (deterministic order). */
  seq: number;
  /**
   * The kernel routine that allocated the block for its caller (RtlAnsiStringToUnicodeString,
   * MmGetPhysicalMemoryRanges, ...) when the caller did not call a pool allocator itself.
   */
  by?: string;
}

export type PoolProblem =
  | { kind: "double-free"; address: bigint; block: PoolBlock; site: string | null }
  | { kind: "foreign-free"; address: bigint; site: string | null; inside?: PoolBlock }
  | { kind: "tag-mismatch"; address: bigint; block: PoolBlock; tag: number; site: string | null }
  /** Special pool: bytes around the block changed (found at free; 0xC1). */
  | { kind: "special-corruption"; address: bigint; block: PoolBlock; corruption: SpecialCorruption; site: string | null }
  /** Special pool full or the block too large: normal pool served it (reported once). */
  | { kind: "special-fallback"; size: number; live: number; reason: "large" | "full" | "range" };

const HEADER = 16;

/**
 * A tracked block: a PoolBlock that also knows whether it was freed and where it lives (not part
 * of PoolBlock). Every field is set in the constructor, in one order and without class-field
 * initializers, so all blocks share one shape and construction is cheap before V8 optimizes it
 * (an allocation per ExAllocatePool* call, issue 19). A freed block that was never handed out of
 * the allocator (`shown`: blockInfo, blockContaining, liveOf, a pool problem) is renewed in place
 * when its address serves the next allocation, so nobody can see it change and the allocation
 * makes no object.
 */
class Block implements PoolBlock {
  declare readonly address: bigint;
  declare size: number;
  declare tag: number;
  declare poolType: number;
  declare module: string;
  declare site: string | null;
  declare seq: number;
  declare by: string | undefined;
  declare private isFreed: boolean;
  /** Whether the block left the allocator (then it is never renewed: a holder would see it change). */
  declare shown: boolean;
  /** Where a normal-pool block lives (its chunk and the user address's offset there); null/-1 for special pool. */
  declare private readonly where: Chunk | null;
  declare private readonly at: number;
  constructor(address: bigint, size: number, tag: number, poolType: number, module: string, site: string | null, seq: number, chunk: Chunk | null, offset: number, by: string | undefined) {
    this.address = address;
    this.shown = false;
    this.where = chunk;
    this.at = offset;
    this.renew(size, tag, poolType, module, site, seq, by);
  }
  /** A new allocation at this freed, never shown block's address (same chunk and offset). */
  renew(size: number, tag: number, poolType: number, module: string, site: string | null, seq: number, by: string | undefined): void {
    this.size = size;
    this.tag = tag;
    this.poolType = poolType;
    this.module = module;
    this.site = site;
    this.seq = seq;
    this.by = by;
    this.isFreed = false;
  }
  get freed(): boolean {
    return this.isFreed;
  }
  markFreed(): void {
    this.isFreed = true;
  }
  get chunk(): Chunk | null {
    return this.where;
  }
  get offset(): number {
    return this.at;
  }
}

/** A block handed out of the allocator: from now on it is never renewed (see Block). */
function shown<T extends Block | undefined | null>(b: T): T {
  if (b) b.shown = true;
  return b;
}

/** A block's size rounded up to 16 bytes (at least 16); sizes are at most 2^30, so int32 arithmetic is exact. */
function round16(size: number): number {
  return (Math.max(size, 1) + 15) & ~15;
}

/** "Tag" text of a pool tag as the kernel shows it (little-endian ASCII). */
export function tagText(tag: number): string {
  let s = "";
  for (let i = 0; i < 4; i++) {
    const c = (tag >>> (8 * i)) & 0xff;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".";
  }
  return s;
}

/**
 * Total pool the emulated machine has (mapped chunks). Past it allocations fail with NULL, as
 * on Windows when pool is exhausted, instead of growing the host process without bound.
 */
export const POOL_LIMIT = 256 * 1024 * 1024;

export class PoolAllocator {
  private mappedBytes = 0;
  private chunks: Chunk[] = [];
  /** The chunk new blocks are carved from, and the cursor/end inside it (offsets). */
  private current: Chunk | null = null;
  private cursor = 0;
  private cursorEnd = 0;
  private nextChunk: bigint;
  /** Whether chunks are mapped over JS memory (the addon's mapHost). */
  private readonly host: boolean;
  /**
   * Blocks by user address: live ones and freed ones not yet reused (for naming a double free).
   * Normal pool by the address's offset from the pool's base (a number: a lookup makes no BigInt
   * when the caller has the address's 32-bit halves, see freeAt), special pool by address.
   */
  private readonly blocks = new Map<number, Block>();
  private readonly specialBlocks = new Map<bigint, Block>();
  /** The pool base's 32-bit halves. */
  private readonly baseLo: number;
  private readonly baseHi: number;
  /** Free lists by rounded block size (user size rounded to 16). */
  private freeLists = new Map<number, FreeQueue>();
  private seq = 0;
  /** Problems reported by free(); the emulator turns them into events/faults. */
  onProblem: (p: PoolProblem) => void = () => {};
  stats = { allocations: 0, frees: 0, bytesLive: 0 };
  private readonly stage = new Uint8Array(4096);
  /** Driver Verifier's special pool (./verifier/special-pool.ts): drivers' blocks on pages of their own. */
  special: SpecialPool | null = null;

  constructor(
    private readonly uc: NativeEngine,
    private readonly base: bigint = POOL_BASE,
    /** Map chunks over JS memory (NativeEngine.mapHost): block headers are then written without a call into the addon. */
    hostChunks = false,
  ) {
    this.nextChunk = base;
    this.host = hostChunks;
    this.baseLo = Number(base & 0xffffffffn);
    this.baseHi = Number((base >> 32n) & 0xffffffffn);
  }

  /** The normal-pool key of an address (its offset from the pool's base), or -1 outside the mapped chunks. */
  private keyOf(a: bigint): number {
    if (a < this.base || a >= this.nextChunk) return -1;
    return Number(a - this.base);
  }

  /** The block at user address a (normal or special pool), live or freed and not yet reused. */
  private blockAt(a: bigint): Block | undefined {
    const k = this.keyOf(a);
    return k >= 0 ? this.blocks.get(k) : this.specialBlocks.get(a);
  }

  private mapChunk(minBytes: number): void {
    const size = Math.max(POOL_CHUNK, alignUp(minBytes, 0x10000));
    const base = this.nextChunk;
    let bytes: Uint8Array | null = null;
    let words: Uint32Array | null = null;
    if (this.host) {
      const buffer = new ArrayBuffer(size);
      this.uc.mapHost(base, buffer, 3 /* READ|WRITE */);
      bytes = new Uint8Array(buffer);
      words = new Uint32Array(buffer);
    } else {
      this.uc.mapMemory(base, size, 3 /* READ|WRITE */);
    }
    const chunk = { base, key: Number(base - this.base), size, end: base + BigInt(size), bytes, words };
    this.chunks.push(chunk);
    this.mappedBytes += size;
    this.nextChunk = base + BigInt(size) + 0x10000n; // unmapped gap between chunks
    this.current = chunk;
    this.cursor = 0;
    this.cursorEnd = size;
  }

  /** The chunk holding a normal-pool address (the current one first: most blocks are recent). */
  private chunkAt(addr: bigint): Chunk | undefined {
    const cur = this.current;
    if (cur && addr >= cur.base && addr < cur.end) return cur;
    return this.chunks.find((c) => addr >= c.base && addr < c.end);
  }

  /** Whether an address lies in a pool chunk. */
  inPool(addr: bigint): boolean {
    return this.chunks.some((c) => addr >= c.base && addr < c.end) || (this.special?.contains(addr) ?? false);
  }

  allocate(size: number, tag: number, poolType: number, zero: boolean, module: string, site: string | null, by?: string): bigint {
    if (!Number.isFinite(size) || size < 0 || size > 0x40000000) return 0n;
    if (this.special !== null && module !== "(kernel)") {
      const p = this.allocateSpecial(this.special, size, tag, poolType, zero, module, site);
      if (p !== null) return p;
    }
    const rounded = round16(size);
    const queue = this.freeLists.get(rounded);
    const reuse = queue ? queue.take() : -1;
    let user: bigint;
    let chunk: Chunk;
    let offset: number;
    if (reuse >= 0) {
      user = queue!.user(reuse);
      chunk = queue!.chunk(reuse);
      offset = queue!.offset(reuse);
    } else {
      if (this.cursor + rounded + HEADER > this.cursorEnd && !this.grow(rounded + HEADER)) return 0n;
      chunk = this.current!;
      offset = this.cursor + HEADER;
      user = chunk.base + BigInt(offset);
      this.cursor += rounded + HEADER;
    }
    // POOL_HEADER: PreviousSize/PoolIndex/BlockSize/PoolType (4 bytes), PoolTag at +4.
    // Fresh pool is not zeroed on Windows; fill with a recognisable pattern unless asked to zero.
    const n = HEADER + rounded;
    const t = tag >>> 0;
    const hdr = Math.min(0xffff, n >> 4);
    const direct = chunk.bytes;
    if (direct && n <= 1024) {
      // In place over JS memory, word by word (a small block is cheaper so than with fill()).
      const w = chunk.words!;
      const first = (offset - HEADER) >>> 2;
      const end = first + (n >>> 2);
      w[first] = w[first + 1] = w[first + 2] = w[first + 3] = 0;
      const pattern = zero ? 0 : 0xcdcdcdcd;
      for (let i = first + 4; i < end; i++) w[i] = pattern;
      const at = offset - HEADER;
      direct[at + 2] = hdr & 0xff;
      direct[at + 3] = hdr >>> 8;
      direct[at + 4] = t & 0xff;
      direct[at + 5] = (t >>> 8) & 0xff;
      direct[at + 6] = (t >>> 16) & 0xff;
      direct[at + 7] = t >>> 24;
    } else this.writeHeader(direct, offset, user, n, hdr, t, zero);
    const key = chunk.key + offset;
    const old = reuse >= 0 ? this.blocks.get(key) : undefined;
    let block: Block;
    if (old !== undefined && old.freed && !old.shown) {
      block = old;
      block.renew(size, t, poolType, module, site, ++this.seq, by || undefined);
    } else {
      block = new Block(user, size, t, poolType, module, site, ++this.seq, chunk, offset, by || undefined);
      this.blocks.set(key, block);
    }
    return this.count(block);
  }

  /** Driver Verifier's special pool serves a driver's block, or null (normal pool serves it). */
  private allocateSpecial(special: SpecialPool, size: number, tag: number, poolType: number, zero: boolean, module: string, site: string | null): bigint | null {
    const why = special.refusal(size);
    // POOL_TYPE: every paged type is odd (PagedPool 1, PagedPoolCacheAligned 5, PagedPoolSession 33 ...).
    const p = special.allocate(size, zero, (poolType & 1) === 1);
    if (p !== null) {
      const b = new Block(p, size, tag >>> 0, poolType, module, site, ++this.seq, null, -1, undefined);
      this.specialBlocks.set(p, b);
      return this.count(b);
    }
    if (why && !special.noted.has(why)) {
      special.noted.add(why);
      this.onProblem({ kind: "special-fallback", size, live: special.live.size, reason: why });
    }
    return null;
  }

  /** Map a new chunk for a block of `bytes` (header included); false when the pool limit forbids it. */
  private grow(bytes: number): boolean {
    const chunkSize = Math.max(POOL_CHUNK, alignUp(bytes, 0x10000));
    if (this.mappedBytes + chunkSize > POOL_LIMIT) return false;
    this.mapChunk(bytes);
    return true;
  }

  /**
   * Header and fill of a block larger than 1 KiB or in a chunk written through the addon (the
   * small in-place case is in allocate): in place over JS memory, else staged in a reused buffer
   * (no allocation per call for small blocks).
   */
  private writeHeader(direct: Uint8Array | null, offset: number, user: bigint, n: number, hdr: number, t: number, zero: boolean): void {
    const at = direct ? offset - HEADER : 0;
    const bytes = direct ?? (n <= this.stage.length ? this.stage : new Uint8Array(n));
    bytes.fill(0, at, at + HEADER);
    bytes.fill(zero ? 0 : 0xcd, at + HEADER, at + n);
    bytes[at + 2] = hdr & 0xff;
    bytes[at + 3] = hdr >>> 8;
    bytes[at + 4] = t & 0xff;
    bytes[at + 5] = (t >>> 8) & 0xff;
    bytes[at + 6] = (t >>> 16) & 0xff;
    bytes[at + 7] = t >>> 24;
    if (!direct) this.uc.write(user - BigInt(HEADER), bytes.length === n ? bytes : bytes.subarray(0, n));
  }

  private count(block: Block): bigint {
    this.stats.allocations++;
    this.stats.bytesLive += block.size;
    return block.address;
  }

  /** Free a block; returns false (after reporting) on a double free or foreign pointer. */
  free(addr: bigint, tag: number | null, site: string | null): boolean {
    const a = BigInt.asUintN(64, addr);
    return this.freeBlock(a, this.blockAt(a), tag, site);
  }

  /**
   * free() of the address whose 32-bit halves the caller has (an API call's register argument,
   * signed or unsigned: int32 halves pass between functions without a heap number): a normal
   * pool block is found without BigInt arithmetic.
   */
  freeAt(lo: number, hi: number, tag: number | null, site: string | null): boolean {
    const k = ((hi >>> 0) - this.baseHi) * 4294967296 + ((lo >>> 0) - this.baseLo);
    const block = k >= 0 && k < this.mappedSpan() ? this.blocks.get(k) : undefined;
    if (block) return this.freeBlock(block.address, block, tag, site);
    const a = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    return this.freeBlock(a, this.blockAt(a), tag, site);
  }

  /** Offsets below this are normal pool (the chunks mapped so far and their gaps). */
  private mappedSpan(): number {
    const c = this.current;
    return c ? c.key + c.size : 0;
  }

  private freeBlock(a: bigint, block: Block | undefined, tag: number | null, site: string | null): boolean {
    if (!block || block.freed) {
      if (block) this.onProblem({ kind: "double-free", address: a, block: shown(block), site });
      else this.onProblem({ kind: "foreign-free", address: a, site, inside: this.blockContaining(a) ?? undefined });
      return false;
    }
    // Tag 0 is no tag at all: ExFreePool is ExFreePoolWithTag(P, 0), which checks nothing.
    if (tag !== null && tag >>> 0 !== 0 && tag >>> 0 !== block.tag) {
      this.onProblem({ kind: "tag-mismatch", address: a, block: shown(block), tag: tag >>> 0, site });
    }
    block.markFreed();
    this.stats.frees++;
    this.stats.bytesLive -= block.size;
    if (block.chunk === null && this.special?.owns(a)) {
      // Special pool: the pages are unmapped (a later access faults) and never reused.
      const r = this.special.free(a);
      if (r?.corruption) this.onProblem({ kind: "special-corruption", address: a, block: shown(block), corruption: r.corruption, site });
      return true;
    }
    const rounded = round16(block.size);
    let list = this.freeLists.get(rounded);
    if (!list) this.freeLists.set(rounded, (list = new FreeQueue()));
    const chunk = block.chunk ?? this.chunkAt(a)!;
    list.push(a, chunk, block.offset >= 0 ? block.offset : Number(a - chunk.base));
    return true;
  }

  /** A block (live or freed and not yet reused) by its user address. */
  blockInfo(addr: bigint): PoolBlock | undefined {
    return shown(this.blockAt(addr));
  }

  /** The live block containing addr (not necessarily at its start). */
  blockContaining(addr: bigint): PoolBlock | null {
    for (const m of [this.blocks, this.specialBlocks]) for (const b of m.values()) if (!b.freed && addr >= b.address && addr < b.address + BigInt(Math.max(b.size, 1))) return shown(b);
    return null;
  }

  /** Live blocks owned by a module, in allocation order. */
  liveOf(module: string): PoolBlock[] {
    const m = module.toLowerCase();
    return [...this.blocks.values(), ...this.specialBlocks.values()].filter((b) => b.module === m && !b.freed && shown(b)).sort((x, y) => x.seq - y.seq);
  }
}
