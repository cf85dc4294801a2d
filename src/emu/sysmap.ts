/**
 * System mappings that alias other guest memory: the second system-space mapping Windows makes
 * for an MDL's locked pages (MmMapLockedPagesSpecifyCache, MmMapLockedPages). On Windows the new
 * VA has its own PTEs over the same physical pages, so its rights are independent of the
 * original's (a driver can write its own read-only code through it, and MmProtectMdlSystemAddress
 * changes only the mapping's rights); writes through it change the original bytes.
 *
 * The addon makes such an alias over memory it can name on the host (NativeEngine.softAlias): a
 * soft-protected region (driver images, kernel modules, special pool) or a region mapped over JS
 * memory (pool chunks, kernel stacks); each alias is one Unicorn region in the system-PTE range
 * of the address space. Other memory (the user address space; pool when the addon lacks
 * "mapHost") is not aliased: the caller then keeps the original VA as the "mapping".
 */
import type { NativeEngine } from "./native.js";
import type { AddressSpace } from "./arch/space.js";

const PAGE = 0x1000n;
/** Aliases alive at once: each is a Unicorn region (Unicorn 2.0.1 aborts past about 4096 in all). */
export const MAX_SYSTEM_ALIASES = 256;

export class SystemMappings {
  private next: bigint;
  /** Alias base → its size (pages ready for reuse are kept by size in `free`). */
  private readonly live = new Map<bigint, number>();
  private readonly free = new Map<number, bigint[]>();

  constructor(private readonly uc: NativeEngine, private readonly space: AddressSpace) {
    this.next = space.systemPtesBase;
  }

  /** Whether the addon can alias memory at all. */
  get available(): boolean {
    return typeof this.uc.softAlias === "function" && typeof this.uc.softUnalias === "function";
  }

  /**
   * A new system VA over the pages [src, src+size) (page-aligned) with UC_PROT_* rights `perms`,
   * or null when the addon cannot alias that memory (see above), the range is full or
   * too many aliases are alive.
   */
  alias(src: bigint, size: number, perms: number): bigint | null {
    if (!this.available || size <= 0 || size % 0x1000 !== 0 || (src & (PAGE - 1n)) !== 0n || this.live.size >= MAX_SYSTEM_ALIASES) return null;
    const reuse = this.free.get(size);
    let va = reuse?.pop();
    const fresh = va === undefined;
    // One unmapped guard page after each mapping (system PTE mappings are not adjacent on Windows either).
    if (fresh) {
      if (this.next + BigInt(size) + PAGE > this.space.systemPtesEnd) return null;
      va = this.next;
    }
    try {
      this.uc.softAlias!(va!, src, size, perms);
    } catch {
      if (!fresh) reuse!.push(va!);
      return null;
    }
    if (fresh) this.next += BigInt(size) + PAGE;
    this.live.set(va!, size);
    return va!;
  }

  /** Whether `va` is the base of a live alias. */
  has(va: bigint): boolean {
    return this.live.has(va);
  }

  /** New UC_PROT_* rights for a live alias's pages; false when `va` is not one. */
  protect(va: bigint, perms: number): boolean {
    const size = this.live.get(va);
    if (size === undefined) return false;
    this.uc.softProtect(va, size, perms);
    return true;
  }

  /** Remove a live alias (its VA becomes invalid; the original keeps its bytes); false when `va` is not one. */
  unmap(va: bigint): boolean {
    const size = this.live.get(va);
    if (size === undefined) return false;
    this.uc.softUnalias!(va);
    this.live.delete(va);
    const list = this.free.get(size) ?? [];
    list.push(va);
    this.free.set(size, list);
    return true;
  }
}
