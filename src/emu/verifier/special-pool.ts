/**
 * Driver Verifier's special pool (docs/verifier.md, "Special pool"): with `--verifier all` (or
 * `--special-pool overrun|underrun`) every pool allocation of a driver gets page(s) of its own,
 * with no-access pages on both sides:
 *   - "overrun" (Verify End, Driver Verifier's default): the block ends at the end of its last page
 *     (rounded to the 16-byte pool alignment); the head of the first page is filled with a pattern;
 *     an access past the end faults at the instruction in the page after it → 0xD6.
 *   - "underrun" (Verify Start): the block starts at the start of its first page; an access before
 *     it faults in the page before it → 0xD6; the tail of the last page is the pattern.
 * A write into the pattern bytes is found at free: 0xC1 with subcode 0x23 (nearby bytes in the
 * page) or 0x24 (bytes after the end of the allocation). A freed block's pages are unmapped and
 * its addresses are never handed out again, so a later access faults → 0xD5 (use after free).
 *
 * The whole range is one soft-protected region of the addon (NativeEngine.softMap): a block's
 * pages are made present with softProtect and unmapped again at free, without a Unicorn region per
 * block (Unicorn 2.0.1 allocates each region with a search over all of them and aborts past about
 * 4096 regions, docs/emulator.md "Limits"). Live blocks are bounded by MAX_SPECIAL_BLOCKS (host
 * memory: a page or more each); past that, for blocks larger than MAX_SPECIAL_SIZE, and once the
 * range is used up, allocations come from normal pool (Driver Verifier also falls back to normal
 * pool when special pool runs out), with one note per reason.
 */
import type { NativeEngine } from "../native.js";

const PAGE = 0x1000;
const PAGE_N = 0x1000n;
/** Live special-pool blocks at once (each a page or more of host memory). */
export const MAX_SPECIAL_BLOCKS = 8192;
/** Largest allocation given special pool (16 pages). */
export const MAX_SPECIAL_SIZE = 16 * PAGE;
/** The fill byte of the unused part of a special-pool page. */
export const SPECIAL_PATTERN = 0x5a;
/** Freed ranges remembered for naming a use after free (older ones still fault, as "freed special pool"). */
const FREED_MEMORY = 4096;

export type SpecialPoolMode = "overrun" | "underrun";
export type SpecialPoolOption = SpecialPoolMode | "off";

/** Parse a --special-pool value; null when it is not one. */
export function specialPoolOption(v: string): SpecialPoolOption | null {
  return v === "off" || v === "overrun" || v === "underrun" ? v : null;
}

export interface SpecialBlock {
  user: bigint;
  size: number;
  /** First mapped page and number of mapped pages. */
  base: bigint;
  pages: number;
  /** A paged pool type (suspended at IRQL >= DISPATCH_LEVEL, ./pageable.ts). */
  paged?: boolean;
}

export type SpecialFault =
  | { kind: "beyond-end" | "before-start"; block: SpecialBlock }
  | { kind: "freed"; block: SpecialBlock | null };

export interface SpecialCorruption {
  /** 0x23: bytes before the block (head of the page) changed; 0x24: bytes after its end. */
  subcode: 0x23 | 0x24;
  address: bigint;
}

export class SpecialPool {
  private cursor: bigint;
  readonly live = new Map<bigint, SpecialBlock>();
  private readonly freed: SpecialBlock[] = [];
  /** Allocations that went to normal pool because special pool was full (or the block too large). */
  fellBack = 0;
  /** Fallback reasons already reported ("large", "full"). */
  readonly noted = new Set<string>();

  constructor(
    private readonly uc: NativeEngine,
    readonly base: bigint,
    readonly end: bigint,
    readonly mode: SpecialPoolMode,
  ) {
    this.cursor = base;
    uc.softMap(base, Number(end - base));
  }

  contains(a: bigint): boolean {
    return a >= this.base && a < this.end;
  }

  /** Why the next allocation of `size` bytes cannot be special pool, or null when it can. */
  refusal(size: number): "large" | "full" | "range" | null {
    const n = Math.max(size, 1);
    if (n > MAX_SPECIAL_SIZE) return "large";
    if (this.live.size >= MAX_SPECIAL_BLOCKS) return "full";
    return this.cursor + BigInt((Math.ceil(n / PAGE) + 2) * PAGE) > this.end ? "range" : null;
  }

  /** A block for `size` bytes, or null (normal pool takes it: see refusal). */
  allocate(size: number, zero: boolean, paged = false): bigint | null {
    const n = Math.max(size, 1);
    const pages = Math.ceil(n / PAGE);
    const span = BigInt((pages + 1) * PAGE); // the pages, then one unmapped page (the next block's gap)
    if (this.refusal(size) !== null) {
      this.fellBack++;
      return null;
    }
    const base = this.cursor + PAGE_N; // an unmapped page before every block
    this.cursor = base + span;
    const bytes = pages * PAGE;
    this.uc.softProtect(base, bytes, 3 /* READ|WRITE */);
    const rounded = Math.ceil(n / 16) * 16;
    const offset = this.mode === "overrun" ? bytes - Math.min(rounded, bytes) : 0;
    const fill = new Uint8Array(bytes).fill(SPECIAL_PATTERN);
    fill.fill(zero ? 0 : 0xcd, offset, offset + size);
    this.uc.write(base, fill);
    const user = base + BigInt(offset);
    this.live.set(user, { user, size, base, pages, ...(paged ? { paged } : {}) });
    return user;
  }

  owns(user: bigint): boolean {
    return this.live.has(user);
  }

  /** Free a live block: check its pattern bytes, unmap its pages. Null when `user` is not a live block. */
  free(user: bigint): { block: SpecialBlock; corruption: SpecialCorruption | null } | null {
    const block = this.live.get(user);
    if (!block) return null;
    const bytes = block.pages * PAGE;
    const page = this.uc.read(block.base, bytes);
    const offset = Number(block.user - block.base);
    let corruption: SpecialCorruption | null = null;
    for (let i = 0; i < offset; i++)
      if (page[i] !== SPECIAL_PATTERN) {
        corruption = { subcode: 0x23, address: block.base + BigInt(i) };
        break;
      }
    if (!corruption)
      for (let i = offset + block.size; i < bytes; i++)
        if (page[i] !== SPECIAL_PATTERN) {
          corruption = { subcode: 0x24, address: block.base + BigInt(i) };
          break;
        }
    this.uc.softProtect(block.base, bytes, -1);
    this.live.delete(user);
    this.freed.push(block);
    if (this.freed.length > FREED_MEMORY) this.freed.shift();
    return { block, corruption };
  }

  /** For kernel routines touching guest memory: a description when [a, a+n) lies in a freed block, else null. */
  freedAt(a: bigint, n: number): string | null {
    if (a + BigInt(n) <= this.base || a >= this.cursor) return null;
    const hit = this.classify(a);
    if (hit?.kind !== "freed") return null;
    return hit.block ? `a freed ${hit.block.size}-byte special-pool block at 0x${hit.block.user.toString(16)}` : "freed special pool";
  }

  /** What an invalid access at `a` (inside the special-pool range) hit. */
  classify(a: bigint): SpecialFault | null {
    if (!this.contains(a) || a >= this.cursor) return null;
    for (const b of this.live.values()) {
      const end = b.base + BigInt(b.pages * PAGE);
      if (a >= b.base && a < end) return null; // mapped: not a fault
      if (a >= end && a < end + PAGE_N) return { kind: "beyond-end", block: b };
      if (a < b.base && a >= b.base - PAGE_N) return { kind: "before-start", block: b };
    }
    for (let i = this.freed.length - 1; i >= 0; i--) {
      const b = this.freed[i]!;
      if (a >= b.base && a < b.base + BigInt(b.pages * PAGE)) return { kind: "freed", block: b };
    }
    return { kind: "freed", block: null };
  }
}
