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
  private chunks: { base: bigint; size: number }[] = [];
  private cursor = 0n;
  private cursorEnd = 0n;
  private nextChunk: bigint;
  /** Live blocks by user address. */
  readonly live = new Map<bigint, PoolBlock>();
  /** Freed blocks not yet reused (user address → the block as it was). */
  private freed = new Map<bigint, PoolBlock>();
  /** Free lists by rounded block size (user size rounded to 16). */
  private freeLists = new Map<number, bigint[]>();
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
  ) {
    this.nextChunk = base;
  }

  private mapChunk(minBytes: number): void {
    const size = Math.max(POOL_CHUNK, alignUp(minBytes, 0x10000));
    const base = this.nextChunk;
    this.uc.mapMemory(base, size, 3 /* READ|WRITE */);
    this.chunks.push({ base, size });
    this.mappedBytes += size;
    this.nextChunk = base + BigInt(size) + 0x10000n; // unmapped gap between chunks
    this.cursor = base;
    this.cursorEnd = base + BigInt(size);
  }

  /** Whether an address lies in a pool chunk. */
  inPool(addr: bigint): boolean {
    return this.chunks.some((c) => addr >= c.base && addr < c.base + BigInt(c.size)) || (this.special?.contains(addr) ?? false);
  }

  allocate(size: number, tag: number, poolType: number, zero: boolean, module: string, site: string | null, by?: string): bigint {
    if (!Number.isFinite(size) || size < 0 || size > 0x40000000) return 0n;
    if (this.special && module !== "(kernel)") {
      const why = this.special.refusal(size);
      // POOL_TYPE: every paged type is odd (PagedPool 1, PagedPoolCacheAligned 5, PagedPoolSession 33 ...).
      const p = this.special.allocate(size, zero, (poolType & 1) === 1);
      if (p !== null) return this.track({ address: p, size, tag: tag >>> 0, poolType, module, site, seq: ++this.seq });
      if (why && !this.special.noted.has(why)) {
        this.special.noted.add(why);
        this.onProblem({ kind: "special-fallback", size, live: this.special.live.size, reason: why });
      }
    }
    const rounded = alignUp(Math.max(size, 1), 16);
    let user: bigint | undefined;
    const list = this.freeLists.get(rounded);
    if (list && list.length) {
      user = list.pop()!;
      this.freed.delete(user);
    } else {
      const need = BigInt(rounded + HEADER);
      if (this.cursor + need > this.cursorEnd) {
        const chunk = Math.max(POOL_CHUNK, alignUp(rounded + HEADER, 0x10000));
        if (this.mappedBytes + chunk > POOL_LIMIT) return 0n;
        this.mapChunk(rounded + HEADER);
      }
      user = this.cursor + BigInt(HEADER);
      this.cursor += need;
    }
    // POOL_HEADER: PreviousSize/PoolIndex/BlockSize/PoolType (4 bytes), PoolTag at +4.
    // Fresh pool is not zeroed on Windows; fill with a recognisable pattern unless asked to zero.
    // Small blocks are staged in a reused buffer (no allocation per call).
    const n = HEADER + rounded;
    const blockBytes = n <= this.stage.length ? this.stage.subarray(0, n) : new Uint8Array(n);
    blockBytes.fill(0, 0, HEADER);
    blockBytes.fill(zero ? 0 : 0xcd, HEADER);
    const hdr = Math.min(0xffff, n >> 4);
    blockBytes[2] = hdr & 0xff;
    blockBytes[3] = hdr >>> 8;
    const t = tag >>> 0;
    blockBytes[4] = t & 0xff;
    blockBytes[5] = (t >>> 8) & 0xff;
    blockBytes[6] = (t >>> 16) & 0xff;
    blockBytes[7] = t >>> 24;
    this.uc.write(user - BigInt(HEADER), blockBytes);
    return this.track({ address: user, size, tag: tag >>> 0, poolType, module, site, seq: ++this.seq, ...(by ? { by } : {}) });
  }

  private track(block: PoolBlock): bigint {
    this.live.set(block.address, block);
    this.stats.allocations++;
    this.stats.bytesLive += block.size;
    return block.address;
  }

  /** Free a block; returns false (after reporting) on a double free or foreign pointer. */
  free(addr: bigint, tag: number | null, site: string | null): boolean {
    const a = BigInt.asUintN(64, addr);
    const block = this.live.get(a);
    if (!block) {
      const was = this.freed.get(a);
      if (was) this.onProblem({ kind: "double-free", address: a, block: was, site });
      else this.onProblem({ kind: "foreign-free", address: a, site, inside: this.blockContaining(a) ?? undefined });
      return false;
    }
    // Tag 0 is no tag at all: ExFreePool is ExFreePoolWithTag(P, 0), which checks nothing.
    if (tag !== null && tag >>> 0 !== 0 && tag >>> 0 !== block.tag) {
      this.onProblem({ kind: "tag-mismatch", address: a, block, tag: tag >>> 0, site });
    }
    this.live.delete(a);
    this.freed.set(a, block);
    if (this.special?.owns(a)) {
      // Special pool: the pages are unmapped (a later access faults) and never reused.
      const r = this.special.free(a);
      this.stats.frees++;
      this.stats.bytesLive -= block.size;
      if (r?.corruption) this.onProblem({ kind: "special-corruption", address: a, block, corruption: r.corruption, site });
      return true;
    }
    const rounded = alignUp(Math.max(block.size, 1), 16);
    let list = this.freeLists.get(rounded);
    if (!list) this.freeLists.set(rounded, (list = []));
    list.unshift(a); // FIFO reuse: a just-freed block is reused last, so double frees stay detectable
    this.stats.frees++;
    this.stats.bytesLive -= block.size;
    return true;
  }

  /** A block (live or freed and not yet reused) by its user address. */
  blockInfo(addr: bigint): PoolBlock | undefined {
    return this.live.get(addr) ?? this.freed.get(addr);
  }

  /** The live block containing addr (not necessarily at its start). */
  blockContaining(addr: bigint): PoolBlock | null {
    for (const b of this.live.values()) if (addr >= b.address && addr < b.address + BigInt(Math.max(b.size, 1))) return b;
    return null;
  }

  /** Live blocks owned by a module, in allocation order. */
  liveOf(module: string): PoolBlock[] {
    const m = module.toLowerCase();
    return [...this.live.values()].filter((b) => b.module === m).sort((x, y) => x.seq - y.seq);
  }
}
