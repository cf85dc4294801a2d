/**
 * x64 4-level page tables of the emulated machine (docs/machine.md, "Page tables"): CR3 holds the
 * physical address of a PML4 page; PML4, PDPT, PD and PT pages live in emulated physical memory
 * and describe the emulator's real virtual mappings (./vmap.ts) — kernel modules, driver images,
 * pool, stacks, system data, MMIO mappings, user buffers — with 4 KiB pages only (no large pages).
 *
 * Tables are generated when read, from the live map: a read of a table frame (MmMapIoSpace,
 * \Device\PhysicalMemory, MmCopyMemory) or a self-map view (./paging-views.ts) sees the mappings
 * of that moment. Table frames are assigned on first use from a range no other allocator uses
 * (16 MiB up); leaf PFNs are the frames MmGetPhysicalAddress gives (./state.ts), so walking the
 * tables and MmGetPhysicalAddress agree.
 *
 * Entry bits (Intel SDM vol. 3A §4.5, tables 4-15 to 4-20): P 0, R/W 1, U/S 2, PWT 3, PCD 4, A 5,
 * D 6, PS 7, G 8, PFN 12–51, XD 63. Leaves: P|A, R/W|D when the page is writable, U/S below the
 * canonical split, G for kernel pages, XD unless executable. Upper levels: P|R/W|A|D (0x63), U/S
 * too for the user half — Windows keeps upper levels permissive and decides at the leaf.
 *
 * The self-map (recursive) PML4 entry: Windows points one PML4 entry at the PML4 itself, so every
 * table is also visible at a virtual address (MiGetPteAddress: PTE_BASE + ((va >> 9) &
 * 0x7FFFFFFFF8)). Before Windows 10 1607 the slot was fixed at 0x1ED (PTE_BASE
 * 0xFFFFF68000000000); since 1607 it is randomized at boot and read from MiGetPteAddress's
 * immediate (Alex Ionescu, "Owning the Image Object File Format, the Compiler Toolchain, and the
 * Operating System" (2016) and Morten Schenk, "Windows 10 Kernel Exploitation: Taking the Sting
 * out of KASLR" (Black Hat USA 2017), both describing the randomized self-ref entry). kmdll keeps
 * the classic slot 0x1ED: a driver finds it by walking the PML4 for the entry pointing at CR3.
 */
import type { KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";
import { VA_MASK, vmapOf } from "./vmap.js";
import { noteModelGap } from "./gaps.js";

const PAGE = 0x1000n;
export const SELF_MAP_INDEX = 0x1edn;
/** Canonical sign extension of a 48-bit address. */
export const canonical = (va48: bigint): bigint => (va48 & (1n << 47n) ? va48 | ~VA_MASK : va48) & ((1n << 64n) - 1n);
/** PTE_BASE, PDE_BASE, PPE_BASE, PXE_BASE of the self-map slot (ntddk/WinDbg names; MiGetPteAddress uses PTE_BASE). */
export const PTE_BASE = canonical(SELF_MAP_INDEX << 39n);
export const PDE_BASE = PTE_BASE + (SELF_MAP_INDEX << 30n);
export const PPE_BASE = PDE_BASE + (SELF_MAP_INDEX << 21n);
export const PXE_BASE = PPE_BASE + (SELF_MAP_INDEX << 12n);
/** Page-table frames: 16 MiB up to 512 MiB (contiguous memory below 16 MiB and guest frames from 512 MiB use the rest). */
const TABLE_FRAMES = 0x1000n;
const TABLE_FRAMES_END = 0x20000n;
/** CR3 of the system (the PML4's physical address; PCID 0, PWT/PCD clear). */
export const CR3 = TABLE_FRAMES * PAGE;

export const PTE = { P: 1n, RW: 2n, US: 4n, PWT: 8n, PCD: 0x10n, A: 0x20n, D: 0x40n, PS: 0x80n, G: 0x100n, XD: 1n << 63n } as const;
export const PFN_MASK = ((1n << 52n) - 1n) & ~(PAGE - 1n);
const UPPER = PTE.P | PTE.RW | PTE.A | PTE.D;

/** A table: level 4 (PML4), 3 (PDPT), 2 (PD) or 1 (PT), and the VA bits above what it maps (48-bit VA >> (12 + 9 × level)). */
export interface Table {
  level: number;
  prefix: bigint;
}
export const LEVEL_NAMES = ["", "PTE", "PDE", "PDPTE", "PML4E"] as const;

interface PagingState {
  frames: Map<bigint, bigint>;
  tables: Map<bigint, Table>;
  next: bigint;
  /** Entries a driver wrote (physical address of the entry → value), shown instead of the generated ones. */
  overrides: Map<bigint, bigint>;
  /** Children of each table (by key), rebuilt with the virtual map's version. */
  tree: { version: number; children: Map<bigint, Set<number>> } | null;
}

export const pagingOf = componentState("machine.paging", (): PagingState => ({
  frames: new Map([[key({ level: 4, prefix: 0n }), TABLE_FRAMES]]),
  tables: new Map([[TABLE_FRAMES, { level: 4, prefix: 0n }]]),
  next: TABLE_FRAMES + 1n,
  overrides: new Map(),
  tree: null,
}));

function key(t: Table): bigint {
  return (BigInt(t.level) << 48n) | t.prefix;
}

/** The frame of a table (assigned on first use); null when the table range is exhausted. */
export function tableFrame(kernel: KernelState, t: Table): bigint | null {
  const ps = pagingOf(kernel);
  const k = key(t);
  let f = ps.frames.get(k);
  if (f === undefined) {
    if (ps.next >= TABLE_FRAMES_END) {
      noteModelGap(kernel, `more than ${TABLE_FRAMES_END - TABLE_FRAMES} page-table pages (the tables leave the rest of the address space out)`);
      return null;
    }
    f = ps.next++;
    ps.frames.set(k, f);
    ps.tables.set(f, t);
  }
  return f;
}

/** The table stored in a physical frame, if the frame is a page-table page. */
export function tableAt(kernel: KernelState, frame: bigint): Table | undefined {
  return frame >= TABLE_FRAMES && frame < TABLE_FRAMES_END ? pagingOf(kernel).tables.get(frame) : undefined;
}

/** Whether a 48-bit page number lies in the self-map region (those pages are the tables themselves). */
export const inSelfMap = (page48: bigint): boolean => page48 >> 27n === SELF_MAP_INDEX;

/** The self-map virtual address of a table's page. */
export function selfMapAddress(t: Table): bigint {
  switch (t.level) {
    case 4:
      return PXE_BASE;
    case 3:
      return PPE_BASE + (t.prefix << 12n);
    case 2:
      return PDE_BASE + (t.prefix << 12n);
    default:
      return PTE_BASE + (t.prefix << 12n);
  }
}

/**
 * The table whose self-map view a virtual address is in, or undefined: a walk through the
 * recursive entry (the indexes of `va` below the self-map slot name the table).
 */
export function tableOfSelfMap(va: bigint): Table | undefined {
  let page = (BigInt.asUintN(64, va) & VA_MASK) >> 12n;
  if (!inSelfMap(page)) return undefined;
  // Each leading SELF_MAP_INDEX moves one level up (PTE → PDE → PDPTE → PML4E region).
  let level = 1;
  let rest = page & ((1n << 27n) - 1n);
  while (level < 4 && rest >> 18n === SELF_MAP_INDEX) {
    level++;
    rest = (rest << 9n) & ((1n << 27n) - 1n);
  }
  page = rest >> BigInt(9 * (level - 1));
  return { level, prefix: level === 4 ? 0n : page };
}

function children(kernel: KernelState): Map<bigint, Set<number>> {
  const vm = vmapOf(kernel);
  const ps = pagingOf(kernel);
  if (!vm) return new Map();
  const index = vm.index(inSelfMap);
  if (ps.tree && ps.tree.version === vm.version) return ps.tree.children;
  const out = new Map<bigint, Set<number>>();
  const add = (t: Table, child: bigint) => {
    const k = key(t);
    let s = out.get(k);
    if (!s) out.set(k, (s = new Set()));
    s.add(Number(child & 0x1ffn));
  };
  for (const pt of index.keys()) {
    add({ level: 2, prefix: pt >> 9n }, pt);
    add({ level: 3, prefix: pt >> 18n }, pt >> 9n);
    add({ level: 4, prefix: 0n }, pt >> 18n);
  }
  ps.tree = { version: vm.version, children: out };
  return out;
}

/** The value of a leaf entry for a page with Unicorn rights `perms` at frame `frame`. */
export function leafEntry(va: bigint, perms: number, frame: bigint): bigint {
  if (!(perms & 7) || frame === 0n) return 0n;
  const user = (BigInt.asUintN(64, va) & VA_MASK) < 1n << 47n;
  let e = (frame << 12n) | PTE.P | PTE.A;
  if (perms & 2) e |= PTE.RW | PTE.D;
  e |= user ? PTE.US : PTE.G;
  if (!(perms & 4)) e |= PTE.XD;
  return e;
}

/**
 * The 512 entries of a table as they are now. `frameOf` gives the physical frame of a mapped
 * page (MmGetPhysicalAddress's frame; 0 when it has none).
 */
export function tableEntries(kernel: KernelState, t: Table, frameOf: (va: bigint) => bigint): BigUint64Array {
  const out = new BigUint64Array(512);
  const vm = vmapOf(kernel);
  const ps = pagingOf(kernel);
  const pages = t.level === 1 ? vm?.index(inSelfMap).get(t.prefix) : undefined;
  if (t.level === 1) {
    for (const [i, perms] of pages ?? []) {
      const va = canonical(((t.prefix << 9n) | BigInt(i)) << 12n);
      out[i] = leafEntry(va, perms, perms & 7 ? frameOf(va) / PAGE : 0n);
    }
  } else {
    for (const i of children(kernel).get(key(t)) ?? []) {
      const child: Table = { level: t.level - 1, prefix: (t.prefix << 9n) | BigInt(i) };
      const f = tableFrame(kernel, child);
      if (f === null) continue;
      const user = t.level === 4 ? i < 256 : t.prefix << BigInt(12 + 9 * t.level) < 1n << 47n;
      out[i] = (f << 12n) | UPPER | (user ? PTE.US : 0n);
    }
    // The recursive entry: the PML4 maps itself (no-execute: tables are data).
    if (t.level === 4) out[Number(SELF_MAP_INDEX)] = CR3 | UPPER | PTE.XD;
  }
  if (ps.overrides.size) {
    const base = (tableFrame(kernel, t) ?? 0n) * PAGE;
    for (let i = 0; i < 512; i++) {
      const o = ps.overrides.get(base + BigInt(i * 8));
      // A leaf a driver wrote counts while the emulator still maps the page.
      if (o !== undefined && (t.level > 1 || pages?.has(i))) out[i] = o;
    }
  }
  return out;
}

/** The 4 KiB of a table page. */
export function tableBytes(kernel: KernelState, t: Table, frameOf: (va: bigint) => bigint): Uint8Array {
  return new Uint8Array(tableEntries(kernel, t, frameOf).buffer);
}

/** Virtual address of the first byte entry `i` of table `t` maps. */
export function entryVa(t: Table, i: number): bigint {
  return canonical(((t.prefix << 9n) | BigInt(i)) << BigInt(12 + 9 * (t.level - 1)));
}

/** Walk the tables for `va`: the physical address it translates to (0 when not present) and each level's entry. */
export function walk(kernel: KernelState, va: bigint, frameOf: (va: bigint) => bigint): { pa: bigint; entries: bigint[] } {
  const a = BigInt.asUintN(64, va) & VA_MASK;
  const entries: bigint[] = [];
  let frame = CR3 / PAGE;
  for (let level = 4; level >= 1; level--) {
    const t = tableAt(kernel, frame);
    if (!t) return { pa: 0n, entries };
    const i = Number((a >> BigInt(12 + 9 * (level - 1))) & 0x1ffn);
    const e = tableEntries(kernel, t, frameOf)[i]!;
    entries.push(e);
    if (!(e & PTE.P)) return { pa: 0n, entries };
    frame = (e & PFN_MASK) >> 12n;
  }
  return { pa: frame * PAGE + (a & 0xfffn), entries };
}

/** Whether a table is there: the PML4, or a table its parent's entry points at (present). */
export function tableExists(kernel: KernelState, t: Table, frameOf: (va: bigint) => bigint): boolean {
  if (t.level === 4) return true;
  const parent: Table = { level: t.level + 1, prefix: t.level === 3 ? 0n : t.prefix >> 9n };
  if (!tableExists(kernel, parent, frameOf)) return false;
  return (tableEntries(kernel, parent, frameOf)[Number(t.prefix & 0x1ffn)]! & PTE.P) !== 0n;
}
