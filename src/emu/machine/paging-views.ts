/**
 * The page tables (./paging.ts) as drivers reach them: through physical memory (MmMapIoSpace and
 * \Device\PhysicalMemory views of a table frame read the table as it is at map time), and through
 * the self-map region (MmGetVirtualForPhysical of a table frame gives its self-map address, a page
 * kmdll maps on demand: a "view").
 *
 * Views are regenerated from the live map at every sync (before and after each kernel routine call, each read of
 * a table frame, and a write-protection stop on a view: ../paging-trap.ts). What a driver wrote
 * into a view or into a table frame since the last sync is a page-table write: a `hardware` event
 * (kind "pte", op "write", the entry's physical address, the value, the `va` it maps, the `level`),
 * kept as the entry's value, and for a leaf (PTE) applied to the emulator's memory:
 *   - another PFN: the page's bytes go back to its old frame and the new frame's bytes are copied
 *     in (a copy, as MmMapIoSpace does: writes to it reach the frame when the PTE changes again);
 *   - P, R/W, XD: the page's Unicorn rights change (no access, read-only, writable, executable).
 * Writes to upper-level entries are kept and reported, not applied (a warning says so).
 */
import type { KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";
import { hex } from "../api/util.js";
import { hw, machineOf, physicalOf, readPhys, setTableHooks, writePhys, writePhysAliased, type MemCtx } from "./state.js";
import { CR3, LEVEL_NAMES, PFN_MASK, PTE, entryVa, inSelfMap, pagingOf, selfMapAddress, tableAt, tableBytes, tableExists, tableFrame, tableOfSelfMap, type Table } from "./paging.js";
import { VA_MASK, vmapOf } from "./vmap.js";
import { noteModelGap } from "./gaps.js";

const PAGE = 0x1000n;
/** Views kmdll maps at most (each is one Unicorn region). */
const MAX_VIEWS = 256;

interface View {
  table: Table;
  va: bigint;
  /** What kmdll last put there (a driver's write shows as a difference). */
  last: Uint8Array;
}

interface ViewState {
  views: Map<bigint, View>;
  /** Pages a driver pointed at another frame: the bytes copied in (written back when it moves again). */
  remaps: Map<bigint, { own: bigint | undefined; frame: bigint; snapshot: Uint8Array }>;
  warned: Set<string>;
  syncing: boolean;
  /** What the views were generated from (the virtual map's version, the machine's frame epoch): unchanged → nothing to regenerate. */
  from: string;
}
const viewsOf = componentState("machine.pagingViews", (): ViewState => ({ views: new Map(), remaps: new Map(), warned: new Set(), syncing: false, from: "" }));

/** Set once any kernel in this process mapped a view: until then a sync has nothing to do (the per-call check stays free). */
let anyViews = false;
export const viewsExist = (): boolean => anyViews;

/** Whether this kernel models page tables (x64 emulators). */
export const pagingModelled = (kernel: KernelState): boolean => vmapOf(kernel) !== null;

const frameOf = (ctx: MemCtx) => (va: bigint) => physicalOf(ctx, va) & ~(PAGE - 1n);

function bytesOf(ctx: MemCtx, t: Table): Uint8Array {
  return tableBytes(ctx.kernel, t, frameOf(ctx));
}

/** Map (once) the self-map page of table `t` and fill it; returns its address, or 0 past the limit. */
export function viewOf(ctx: MemCtx, t: Table): bigint {
  const vs = viewsOf(ctx.kernel);
  const va = selfMapAddress(t);
  if (vs.views.has(va)) {
    sync(ctx);
    return va;
  }
  const vm = vmapOf(ctx.kernel);
  if (!vm) return 0n;
  if (vs.views.size >= MAX_VIEWS) {
    noteModelGap(ctx.kernel, `more than ${MAX_VIEWS} page-table pages at their self-map addresses (MmGetVirtualForPhysical of another one returns NULL)`, ctx.caller?.module);
    return 0n;
  }
  sync(ctx);
  vm.engine.mapMemory(va, Number(PAGE), 1 /* READ: a write stops and is served (../paging-trap.ts) */);
  const bytes = bytesOf(ctx, t);
  vm.engine.write(va, bytes);
  vs.views.set(va, { table: t, va, last: bytes });
  vs.from = "";
  anyViews = true;
  return va;
}

/**
 * A guest access to an unmapped self-map address (a driver that computes PTE addresses from
 * PTE_BASE, as MiGetPteAddress does): map that table's view when the table is there. Returns
 * whether the access can be retried (false: no such table — a page fault on Windows too).
 */
export function viewForAccess(ctx: MemCtx, va: bigint): boolean {
  if (!pagingModelled(ctx.kernel)) return false;
  const t = tableOfSelfMap(va);
  if (!t || viewsOf(ctx.kernel).views.has(selfMapAddress(t))) return false;
  if (!tableExists(ctx.kernel, t, frameOf(ctx))) return false;
  return viewOf(ctx, t) !== 0n;
}

/** The view holding `va`, if any. */
export function viewAt(kernel: KernelState, va: bigint): View | undefined {
  return viewsOf(kernel).views.get(BigInt.asUintN(64, va) & ~(PAGE - 1n));
}

/**
 * Bring every view up to date: entries a driver changed become page-table writes, then each view
 * gets the tables as they are now.
 */
export function sync(ctx: MemCtx): void {
  const vs = viewsOf(ctx.kernel);
  // Applying a write reads physical memory, which may be a table (and sync again): once is enough.
  if (vs.views.size === 0 || vs.syncing) return;
  const vm = vmapOf(ctx.kernel)!;
  vs.syncing = true;
  try {
    const changed: [View, Uint8Array, Uint8Array][] = [];
    for (const v of vs.views.values()) {
      const now = vm.engine.read(v.va, Number(PAGE));
      if (same(now, v.last)) continue;
      changed.push([v, v.last, now]);
      v.last = now;
    }
    for (const [v, before, after] of changed) entryWrites(ctx, v.table, before, after, "self-map");
    const from = `${vm.version}:${machineOf(ctx.kernel).epoch}`;
    if (!changed.length && from === vs.from) return;
    vs.from = from;
    for (const v of vs.views.values()) {
      const fresh = bytesOf(ctx, v.table);
      if (!same(fresh, v.last)) vm.engine.write(v.va, fresh);
      v.last = fresh;
    }
  } finally {
    vs.syncing = false;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Each 8-byte entry of `t` that differs between `before` and `after` is a page-table write. */
function entryWrites(ctx: MemCtx, t: Table, before: Uint8Array, after: Uint8Array, via: string): void {
  const b = new DataView(before.buffer, before.byteOffset, before.byteLength);
  const a = new DataView(after.buffer, after.byteOffset, after.byteLength);
  for (let i = 0; i < 512; i++) {
    const old = b.getBigUint64(i * 8, true);
    const val = a.getBigUint64(i * 8, true);
    if (old !== val) entryWrite(ctx, t, i, old, val, via);
  }
}

function entryWrite(ctx: MemCtx, t: Table, i: number, old: bigint, val: bigint, via: string): void {
  const frame = tableFrame(ctx.kernel, t) ?? 0n;
  const pa = frame * PAGE + BigInt(i * 8);
  const va = entryVa(t, i);
  hw(ctx, "pte", "write", pa, 8, val, { va: hex(va), level: LEVEL_NAMES[t.level], old: hex(old), via });
  pagingOf(ctx.kernel).overrides.set(pa, val);
  machineOf(ctx.kernel).epoch++;
  if (t.level === 1 && !inSelfMap((va & VA_MASK) >> 12n)) applyLeaf(ctx, va, old, val);
  else warnOnce(ctx, `level${t.level}`, `a driver wrote a ${LEVEL_NAMES[t.level]} (${hex(pa)}, mapping ${hex(va)}): kmdll keeps the value but applies only leaf PTE writes to the emulated memory`);
}

function warnOnce(ctx: MemCtx, key: string, message: string): void {
  const vs = viewsOf(ctx.kernel);
  if (vs.warned.has(key)) return;
  vs.warned.add(key);
  ctx.kernel.emit?.({ event: "warning", module: ctx.caller?.module ?? "?", message, rule: "page-table-write" });
}

/** A leaf PTE changed: move the page to its new frame and give it the new rights. */
function applyLeaf(ctx: MemCtx, va: bigint, old: bigint, val: bigint): void {
  const vm = vmapOf(ctx.kernel)!;
  const rights = vm.rights(va);
  if (rights === undefined) return; // not mapped by the emulator: nothing to change
  const st = machineOf(ctx.kernel);
  const vs = viewsOf(ctx.kernel);
  const page = va / PAGE;
  const oldFrame = (old & PFN_MASK) >> 12n;
  const newFrame = (val & PFN_MASK) >> 12n;
  if (val & PTE.P && newFrame !== oldFrame && newFrame !== 0n) {
    const bytes = ctx.mem.read(va, Number(PAGE));
    const r = vs.remaps.get(page);
    let own: bigint | undefined;
    if (r) {
      // Copy-out of what changed since the copy-in, as at MmUnmapIoSpace.
      copyOut(ctx, r.frame * PAGE, bytes, r.snapshot);
      own = r.own;
    } else {
      own = st.va2pa.get(page);
      // The page leaves its own frame: the frame keeps the page's bytes.
      if (own !== undefined && st.pa2va.get(own) === page) {
        st.pa2va.delete(own);
        writePhys(st, own * PAGE, bytes);
      }
    }
    const incoming = readPhys(ctx, newFrame * PAGE, Number(PAGE));
    st.va2pa.set(page, newFrame);
    if (newFrame === own) {
      vs.remaps.delete(page);
      if (!st.pa2va.has(own)) st.pa2va.set(own, page);
    } else vs.remaps.set(page, { own, frame: newFrame, snapshot: incoming });
    ctx.mem.write(va, incoming);
  }
  const want = !(val & PTE.P) ? 0 : 1 | (val & PTE.RW ? 2 : 0) | (val & PTE.XD ? 0 : 4);
  if (want !== rights) {
    if (vm.isSoft(va)) vm.engine.softProtect(va, Number(PAGE), want);
    else vm.engine.protect(va, Number(PAGE), want);
  }
}

/** Write back the runs of `now` that differ from `snapshot` (only what the driver changed). */
function copyOut(ctx: MemCtx, pa: bigint, now: Uint8Array, snapshot: Uint8Array): void {
  for (let i = 0; i < now.length; ) {
    if (now[i] === snapshot[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < now.length && now[j] !== snapshot[j]) j++;
    writePhysAliased(ctx, pa + BigInt(i), now.subarray(i, j));
    i = j;
  }
}

/** A driver wrote physical memory inside a table frame (a copy-out at MmUnmapIoSpace, MmCopyMemory...). */
function writeTable(ctx: MemCtx, pa: bigint, bytes: Uint8Array): boolean {
  const t = tableAt(ctx.kernel, pa / PAGE);
  if (!t || !pagingModelled(ctx.kernel)) return false;
  sync(ctx);
  const before = bytesOf(ctx, t);
  const after = before.slice();
  after.set(bytes, Number(pa % PAGE));
  entryWrites(ctx, t, before, after, "physical");
  sync(ctx);
  return true;
}

setTableHooks({
  read(ctx, frame) {
    const t = tableAt(ctx.kernel, frame);
    if (!t || !pagingModelled(ctx.kernel)) return undefined;
    sync(ctx);
    return bytesOf(ctx, t);
  },
  write: writeTable,
  physicalOf(ctx, va) {
    if (!pagingModelled(ctx.kernel)) return undefined;
    const t = tableOfSelfMap(va);
    if (!t) return undefined;
    const f = pagingOf(ctx.kernel).frames.get((BigInt(t.level) << 48n) | t.prefix);
    return f === undefined ? 0n : f * PAGE + (va & (PAGE - 1n));
  },
  virtualOf(ctx, pa) {
    if (!pagingModelled(ctx.kernel)) return undefined;
    const t = tableAt(ctx.kernel, pa / PAGE);
    if (!t) return undefined;
    const va = viewOf(ctx, t);
    return va === 0n ? 0n : va + (pa % PAGE);
  },
});

/** CR3 as `mov reg, cr3` reads it (x64). */
export const cr3Value = (): bigint => CR3;
