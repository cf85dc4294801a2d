/**
 * The emulator's virtual address space as the page-table model (./paging.ts) sees it: which pages
 * are mapped, with which Unicorn rights (UC_PROT_READ 1, WRITE 2, EXEC 4). Fed by every map,
 * protect and unmap the emulator makes (trackEngine wraps the engine once, when the emulator is
 * built), so the tables a driver walks describe exactly the memory Unicorn gives it.
 *
 * Pages of a plain region get their rights at map time and from protect; pages of a soft region
 * (NativeEngine.softMap) exist only once softProtect gives them rights (-1 unmaps them again).
 * softSuspend (pageable code at high IRQL) does not change them: the PTE stays as Windows keeps it.
 */
import type { NativeEngine } from "../native.js";
import { componentState } from "../api/state.js";

const PAGE = 0x1000n;
/** 48-bit virtual addresses (4-level paging): the bits a walk uses. */
export const VA_MASK = (1n << 48n) - 1n;

export class VirtualMap {
  /** Page number (48-bit VA / 4 KiB) → Unicorn rights (0: mapped without access). */
  private readonly pages = new Map<bigint, number>();
  /** Soft regions (softMap): [base, end) pairs, 48-bit. */
  private readonly soft: [bigint, bigint][] = [];
  /** Bumped on every change: the page tables regenerate what they show from it. */
  version = 0;
  /** Page-table index (see index()) and the version it was built at. */
  private built = -1;
  private byTable = new Map<bigint, Map<number, number>>();

  constructor(readonly engine: NativeEngine) {}

  private set(addr: bigint, size: number | bigint, perms: number | null): void {
    const first = (BigInt.asUintN(64, addr) & VA_MASK) / PAGE;
    const n = (BigInt(size) + PAGE - 1n) / PAGE;
    for (let i = 0n; i < n; i++) {
      if (perms === null) this.pages.delete(first + i);
      else this.pages.set(first + i, perms);
    }
    this.version++;
  }

  mapped(addr: bigint, size: number, perms: number): void {
    this.set(addr, size, perms);
  }
  unmapped(addr: bigint, size: number): void {
    this.set(addr, size, null);
  }
  /** uc_mem_protect: only pages that are mapped change. */
  protected_(addr: bigint, size: number, perms: number): void {
    const first = (BigInt.asUintN(64, addr) & VA_MASK) / PAGE;
    const n = (BigInt(size) + PAGE - 1n) / PAGE;
    for (let i = 0n; i < n; i++) if (this.pages.has(first + i)) this.pages.set(first + i, perms);
    this.version++;
  }
  softMapped(addr: bigint, size: number): void {
    const a = BigInt.asUintN(64, addr) & VA_MASK;
    this.soft.push([a, a + BigInt(size)]);
  }
  softProtected(addr: bigint, size: number, perms: number): void {
    this.set(addr, size, perms < 0 ? null : perms);
  }

  /** Rights of the page holding `va`, or undefined when it is not mapped. */
  rights(va: bigint): number | undefined {
    return this.pages.get((BigInt.asUintN(64, va) & VA_MASK) / PAGE);
  }

  /** Whether `va` lies in a soft region (its rights change with softProtect, not protect). */
  isSoft(va: bigint): boolean {
    const a = BigInt.asUintN(64, va) & VA_MASK;
    return this.soft.some(([b, e]) => a >= b && a < e);
  }

  /**
   * Mapped pages grouped by page table: (48-bit VA >> 21) → (PT index → rights), pages for which
   * `skip` is true left out. Rebuilt when the map changed since the last call.
   */
  index(skip: (page: bigint) => boolean): Map<bigint, Map<number, number>> {
    if (this.built === this.version) return this.byTable;
    const t = new Map<bigint, Map<number, number>>();
    for (const [page, perms] of this.pages) {
      if (skip(page)) continue;
      const key = page >> 9n;
      let m = t.get(key);
      if (!m) t.set(key, (m = new Map()));
      m.set(Number(page & 0x1ffn), perms);
    }
    this.byTable = t;
    this.built = this.version;
    return t;
  }
}

/** The virtual map of this kernel's emulator (provided by the Emulator; empty without one). */
export const vmapOf = componentState("machine.vmap", (): VirtualMap | null => null);

/** Record every map, protect and unmap of `uc` in `vmap` (the methods are replaced on the instance). */
export function trackEngine(uc: NativeEngine, vmap: VirtualMap): NativeEngine {
  const o = {
    mapMemory: uc.mapMemory.bind(uc),
    unmapMemory: uc.unmapMemory.bind(uc),
    protect: uc.protect.bind(uc),
    softMap: uc.softMap.bind(uc),
    softProtect: uc.softProtect.bind(uc),
    mapHost: uc.mapHost.bind(uc),
  };
  // The addon's methods are read-only prototype properties: shadow them with own properties.
  const set = <K extends keyof NativeEngine>(k: K, f: NativeEngine[K]) => Object.defineProperty(uc, k, { value: f, writable: true, configurable: true });
  set("mapMemory", (a, n, p) => {
    o.mapMemory(a, n, p);
    vmap.mapped(a, n, p);
  });
  set("mapHost", (a, buf, p) => {
    o.mapHost(a, buf, p);
    vmap.mapped(a, buf.byteLength, p);
  });
  set("unmapMemory", (a, n) => {
    o.unmapMemory(a, n);
    vmap.unmapped(a, n);
  });
  set("protect", (a, n, p) => {
    o.protect(a, n, p);
    vmap.protected_(a, n, p);
  });
  set("softMap", (a, n) => {
    o.softMap(a, n);
    vmap.softMapped(a, n);
  });
  set("softProtect", (a, n, p) => {
    o.softProtect(a, n, p);
    vmap.softProtected(a, n, p);
  });
  // A second system mapping of other memory (MmMapLockedPagesSpecifyCache, ../sysmap.ts) has PTEs
  // of its own on Windows: a driver that walks the tables for the address it was given (WinPmem's
  // rogue page) must find them. Its frames are the original pages' (../api/mdl-map.ts).
  if (uc.softAlias && uc.softUnalias) {
    const alias = uc.softAlias.bind(uc), unalias = uc.softUnalias.bind(uc);
    const sizes = new Map<bigint, number>();
    set("softAlias", (a, src, n, p) => {
      alias(a, src, n, p);
      // Freed alias VAs are reused (../sysmap.ts): the soft range is recorded once.
      if (!sizes.has(a) && !vmap.isSoft(a)) vmap.softMapped(a, n);
      sizes.set(a, n);
      vmap.softProtected(a, n, p);
    });
    set("softUnalias", (a) => {
      unalias(a);
      const n = sizes.get(a);
      if (n !== undefined) vmap.softProtected(a, n, -1);
    });
  }
  return uc;
}
