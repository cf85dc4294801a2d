/**
 * Rtl AVL generic tables (RTL_AVL_TABLE, ntddk.h): the *GenericTableAvl routines. Same contract
 * as the splay-tree tables of gentable.ts (Microsoft Learn, "RtlInitializeGenericTableAvl",
 * "RtlInsertElementGenericTableAvl", ...): the caller's CompareRoutine orders the elements, its
 * AllocateRoutine gets sizeof(RTL_BALANCED_LINKS) + BufferSize bytes per element and the data is
 * copied right after the links, its FreeRoutine gets the block back on delete; an equal key
 * returns the existing element with *NewElement = FALSE; a failed allocation returns NULL.
 * Differences from the splay tables (there is no insertion-order list): RtlGetElementGenericTableAvl
 * counts in collation order (ReactOS's sdk/lib/rtl/avltable.c walks the tree in order too), and
 * RtlLookupFirstMatchingElementGenericTableAvl returns the first element in collation order the
 * comparator calls equal, its RestartKey set for RtlEnumerateGenericTableWithoutSplayingAvl.
 *
 * RTL_AVL_TABLE (x64 / x86): BalancedRoot (RTL_BALANCED_LINKS: Parent, LeftChild, RightChild,
 * Balance, 32 / 16 bytes), OrderedPointer 0x20/0x10, WhichOrderedElement 0x28/0x14,
 * NumberGenericTableElements 0x2C/0x18, DepthOfTree 0x30/0x1C, RestartKey 0x38/0x20,
 * DeleteCount 0x40/0x24, CompareRoutine 0x48/0x28, AllocateRoutine 0x50/0x2C, FreeRoutine
 * 0x58/0x30, TableContext 0x60/0x34. The fields drivers read are kept as Windows keeps them
 * (the count; BalancedRoot.RightChild is the tree's root, NULL when empty; BalancedRoot.Parent
 * points at itself); the order itself lives in kmdll (a sorted array per table, binary search
 * with the guest comparator) and the element links are written as leaves of the root.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { componentState } from "./state.js";
import { tableEnumerators } from "./gentable.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";

const B = (n: number) => BigInt(n);
/** RTL_GENERIC_COMPARE_RESULTS */
const GenericLessThan = 0;
const GenericGreaterThan = 1;

function layout() {
  const p = ptrSize();
  const links = p === 8 ? 32 : 16;
  return {
    parent: 0n,
    right: B(2 * p),
    ordered: B(links),
    which: B(links + p),
    count: B(links + p + 4),
    depth: B(links + p + 8),
    restart: B(p === 8 ? 0x38 : 0x20),
    deleteCount: B(p === 8 ? 0x40 : 0x24),
    compare: B(p === 8 ? 0x48 : 0x28),
    allocate: B(p === 8 ? 0x50 : 0x2c),
    free: B(p === 8 ? 0x58 : 0x30),
    context: B(p === 8 ? 0x60 : 0x34),
    /** The caller's data follows the element's RTL_BALANCED_LINKS. */
    data: B(links),
  };
}

interface AvlState {
  /** Element (links) addresses in collation order. */
  sorted: bigint[];
  /** Index of the element RtlEnumerateGenericTableAvl returned last. */
  enumAt: number;
}
const tables = componentState("avltable", () => new Map<bigint, AvlState>());

function stateOf(ctx: ApiContext, table: bigint): AvlState {
  const m = tables(ctx.kernel);
  let st = m.get(table);
  if (!st) {
    // A table RtlInitializeGenericTableAvl did not set up here: read its header (a wild pointer is
    // a clean fault) and treat it as empty when it says so, otherwise as one kmdll cannot walk.
    const count = ctx.mem.u32(table + layout().count);
    if (count !== 0) ctx.warn(`${ctx.api}(${hex(table)}): not a table RtlInitializeGenericTableAvl initialized (${count} element(s) kmdll did not insert are ignored)`);
    st = { sorted: [], enumAt: -1 };
    m.set(table, st);
  }
  return st;
}

function compare(ctx: ApiContext, table: bigint, a: bigint, b: bigint): number {
  return Number(BigInt.asUintN(32, ctx.callGuest(readPtr(ctx.mem, table + layout().compare), [table, a, b])));
}

/** Binary search: the index of an element equal to `data` (the first such one), or where it would go. */
function find(ctx: ApiContext, table: bigint, st: AvlState, data: bigint): { index: number; found: boolean } {
  const L = layout();
  let lo = 0;
  let hi = st.sorted.length;
  let hit = -1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = compare(ctx, table, data, st.sorted[mid]! + L.data);
    if (r === GenericLessThan) hi = mid;
    else if (r === GenericGreaterThan) lo = mid + 1;
    else {
      hit = mid;
      hi = mid;
    }
  }
  return hit >= 0 ? { index: hit, found: true } : { index: lo, found: false };
}

function depthOf(n: number): number {
  return n === 0 ? 0 : Math.floor(Math.log2(n)) + 1;
}

/** After a change: the root, count, depth, and the cached ordered pointer reset. */
function writeHeader(ctx: ApiContext, table: bigint, st: AvlState): void {
  const L = layout();
  const m = ctx.mem;
  const root = st.sorted[st.sorted.length >>> 1] ?? 0n;
  writePtr(m, table + L.right, root);
  if (root !== 0n) writePtr(m, root + L.parent, table);
  m.setU32(table + L.count, st.sorted.length);
  m.setU32(table + L.depth, depthOf(st.sorted.length));
  writePtr(m, table + L.ordered, 0n);
  m.setU32(table + L.which, 0);
}

function remove(ctx: ApiContext, table: bigint, st: AvlState, index: number): void {
  const L = layout();
  const node = st.sorted[index]!;
  st.sorted.splice(index, 1);
  if (st.enumAt >= index) st.enumAt--;
  ctx.mem.setU32(table + L.deleteCount, ctx.mem.u32(table + L.deleteCount) + 1);
  writeHeader(ctx, table, st);
  ctx.callGuest(readPtr(ctx.mem, table + L.free), [table, node]);
}

export const apis: ApiDefinition[] = [
  nt("RtlInitializeGenericTableAvl", 5, (ctx) => {
    const table = ctx.arg(0);
    ctx.describe([hex(table), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4))]);
    const L = layout();
    const m = ctx.mem;
    m.write(table, new Uint8Array(Number(L.context) + ptrSize()));
    writePtr(m, table + L.parent, table);
    writePtr(m, table + L.compare, ctx.arg(1));
    writePtr(m, table + L.allocate, ctx.arg(2));
    writePtr(m, table + L.free, ctx.arg(3));
    writePtr(m, table + L.context, ctx.arg(4));
    tables(ctx.kernel).set(table, { sorted: [], enumAt: -1 });
  }),
  nt("RtlInsertElementGenericTableAvl", 4, (ctx) => {
    const [table, buffer, size, newElement] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3)];
    ctx.describe([hex(table), hex(buffer), String(size), hex(newElement)]);
    const L = layout();
    const m = ctx.mem;
    const st = stateOf(ctx, table);
    const r = find(ctx, table, st, buffer);
    if (r.found) {
      if (newElement !== 0n) m.setU8(newElement, 0);
      return st.sorted[r.index]! + L.data;
    }
    const node = BigInt.asUintN(ptrSize() * 8, ctx.callGuest(readPtr(m, table + L.allocate), [table, L.data + B(size)]));
    if (node === 0n) {
      if (newElement !== 0n) m.setU8(newElement, 0);
      return 0n;
    }
    if (size > 0) m.write(node + L.data, m.read(buffer, size));
    // RTL_BALANCED_LINKS: a leaf of the root, balanced.
    m.write(node, new Uint8Array(Number(L.data)));
    st.sorted.splice(r.index, 0, node);
    if (st.enumAt >= r.index) st.enumAt++;
    writeHeader(ctx, table, st);
    if (newElement !== 0n) m.setU8(newElement, 1);
    return node + L.data;
  }),
  nt("RtlLookupElementGenericTableAvl", 2, (ctx) => {
    const [table, buffer] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(table), hex(buffer)]);
    const st = stateOf(ctx, table);
    const r = find(ctx, table, st, buffer);
    return r.found ? st.sorted[r.index]! + layout().data : 0n;
  }),
  nt("RtlLookupFirstMatchingElementGenericTableAvl", 3, (ctx) => {
    const [table, buffer, restartKey] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(table), hex(buffer), hex(restartKey)]);
    const st = stateOf(ctx, table);
    const r = find(ctx, table, st, buffer);
    const node = r.found ? st.sorted[r.index]! : 0n;
    writePtr(ctx.mem, restartKey, node);
    return node === 0n ? 0n : node + layout().data;
  }),
  nt("RtlDeleteElementGenericTableAvl", 2, (ctx) => {
    const [table, buffer] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(table), hex(buffer)]);
    const st = stateOf(ctx, table);
    const r = find(ctx, table, st, buffer);
    if (!r.found) return 0;
    remove(ctx, table, st, r.index);
    return 1;
  }),
  nt("RtlGetElementGenericTableAvl", 2, (ctx) => {
    const [table, i] = [ctx.arg(0), ctx.u32(1)];
    ctx.describe([hex(table), String(i)]);
    const node = stateOf(ctx, table).sorted[i];
    return node === undefined ? 0n : node + layout().data;
  }),
  nt("RtlNumberGenericTableElementsAvl", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return ctx.mem.u32(ctx.arg(0) + layout().count);
  }),
  nt("RtlIsGenericTableEmptyAvl", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return ctx.mem.u32(ctx.arg(0) + layout().count) === 0 ? 1 : 0;
  }),
  ...tableEnumerators("RtlEnumerateGenericTableAvl", stateOf, () => layout().data),
];
