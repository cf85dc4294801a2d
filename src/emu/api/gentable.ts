/**
 * Rtl generic tables (RTL_GENERIC_TABLE, ntddk.h): a caller-allocated table header, elements the
 * caller's AllocateRoutine allocates and FreeRoutine frees, ordered by the caller's
 * CompareRoutine (all three called as guest code). Semantics from Microsoft Learn
 * ("RtlInitializeGenericTable", "RtlInsertElementGenericTable", … (ntddk.h)):
 * - each element is allocated with room for the table's own links before the caller's data
 *   ("caller-supplied routines must not access the first sizeof(RTL_SPLAY_LINKS) +
 *   sizeof(LIST_ENTRY) bytes"); the data starts at the next 8-byte boundary after them;
 * - inserting a key that compares equal returns the existing element with *NewElement = FALSE;
 * - RtlGetElementGenericTable(I) is the I-th element in insertion order (InsertOrderList);
 *   RtlEnumerateGenericTable(WithoutSplaying) walk collation order.
 * The header fields drivers read are kept as Windows keeps them: TableRoot (NULL when empty),
 * InsertOrderList, OrderedPointer/WhichOrderedElement, NumberGenericTableElements. The collation
 * order lives in kmdll (a sorted array per table, binary search with the guest comparator); the
 * splay links of the elements are written as roots with no children, not as a tree.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { componentState } from "./state.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";

const B = (n: number) => BigInt(n);
/** RTL_GENERIC_COMPARE_RESULTS */
const GenericLessThan = 0;
const GenericGreaterThan = 1;
/** Bound of the walk of an insertion list kmdll did not build (a corrupt or circular list). */
const MAX_ELEMENTS = 1 << 20;

/** Offsets of RTL_GENERIC_TABLE for the current arch (x64 / x86). */
function layout() {
  const p = ptrSize();
  return {
    root: 0n,
    list: B(p),
    ordered: B(3 * p),
    which: B(4 * p),
    count: B(4 * p + 4),
    compare: B(4 * p + 8),
    allocate: B(5 * p + 8),
    free: B(6 * p + 8),
    size: 8 * p + 8,
    /** Element: RTL_SPLAY_LINKS (3 pointers), LIST_ENTRY, then the caller's data 8-aligned. */
    nodeList: B(3 * p),
    data: B((5 * p + 7) & ~7),
  };
}

interface TableState {
  /** Element (splay links) addresses in collation order. */
  sorted: bigint[];
  /** Index of the element RtlEnumerateGenericTable returned last. */
  enumAt: number;
}
const tables = componentState("gentable", () => new Map<bigint, TableState>());

function stateOf(ctx: ApiContext, table: bigint): TableState {
  const m = tables(ctx.kernel);
  let st = m.get(table);
  if (!st) {
    // A table we did not see initialized (copied header, or made by other code): order its
    // elements from the insertion list with the guest comparator.
    st = { sorted: [], enumAt: -1 };
    m.set(table, st);
    const L = layout();
    const head = table + L.list;
    for (let e = readPtr(ctx.mem, head), n = 0; e !== head && e !== 0n && n < MAX_ELEMENTS; e = readPtr(ctx.mem, e), n++) {
      const node = e - L.nodeList;
      const { index } = find(ctx, table, st, node + L.data);
      st.sorted.splice(index, 0, node);
    }
  }
  return st;
}

function compare(ctx: ApiContext, table: bigint, a: bigint, b: bigint): number {
  const routine = readPtr(ctx.mem, table + layout().compare);
  return Number(BigInt.asUintN(32, ctx.callGuest(routine, [table, a, b])));
}

/** Binary search: the index of an element equal to `data`, or where it would go. */
function find(ctx: ApiContext, table: bigint, st: TableState, data: bigint): { index: number; found: boolean } {
  const L = layout();
  let lo = 0;
  let hi = st.sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = compare(ctx, table, data, st.sorted[mid]! + L.data);
    if (r === GenericLessThan) hi = mid;
    else if (r === GenericGreaterThan) lo = mid + 1;
    else return { index: mid, found: true };
  }
  return { index: lo, found: false };
}

/** After a change: TableRoot, count, and the cached ordered pointer reset to the list head. */
function writeHeader(ctx: ApiContext, table: bigint, st: TableState): void {
  const L = layout();
  writePtr(ctx.mem, table + L.root, st.sorted[st.sorted.length >>> 1] ?? 0n);
  ctx.mem.setU32(table + L.count, st.sorted.length);
  writePtr(ctx.mem, table + L.ordered, table + L.list);
  ctx.mem.setU32(table + L.which, 0);
}

function lookupApi(ctx: ApiContext): bigint {
  const [table, buffer] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(table), hex(buffer)]);
  const st = stateOf(ctx, table);
  const r = find(ctx, table, st, buffer);
  return r.found ? st.sorted[r.index]! + layout().data : 0n;
}

export const apis: ApiDefinition[] = [
  nt("RtlInitializeGenericTable", 5, (ctx) => {
    const table = ctx.arg(0);
    ctx.describe([hex(table), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4))]);
    const L = layout();
    const m = ctx.mem;
    writePtr(m, table + L.root, 0n);
    writePtr(m, table + L.list, table + L.list);
    writePtr(m, table + L.list + B(ptrSize()), table + L.list);
    writePtr(m, table + L.ordered, table + L.list);
    m.setU32(table + L.which, 0);
    m.setU32(table + L.count, 0);
    writePtr(m, table + L.compare, ctx.arg(1));
    writePtr(m, table + L.allocate, ctx.arg(2));
    writePtr(m, table + L.free, ctx.arg(3));
    writePtr(m, table + B(L.size - ptrSize()), ctx.arg(4));
    tables(ctx.kernel).set(table, { sorted: [], enumAt: -1 });
  }),
  nt("RtlInsertElementGenericTable", 4, (ctx) => {
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
    const total = Number(L.data) + size;
    const node = BigInt.asUintN(ptrSize() * 8, ctx.callGuest(readPtr(m, table + L.allocate), [table, B(total)]));
    if (node === 0n) {
      if (newElement !== 0n) m.setU8(newElement, 0);
      return 0n;
    }
    if (size > 0) m.write(node + L.data, m.read(buffer, size));
    // Splay links: a root with no children (kmdll keeps the order itself).
    writePtr(m, node, node);
    writePtr(m, node + B(ptrSize()), 0n);
    writePtr(m, node + B(2 * ptrSize()), 0n);
    // InsertTailList(&Table->InsertOrderList, &node->list).
    const head = table + L.list;
    const entry = node + L.nodeList;
    const tail = readPtr(m, head + B(ptrSize()));
    writePtr(m, entry, head);
    writePtr(m, entry + B(ptrSize()), tail);
    writePtr(m, tail, entry);
    writePtr(m, head + B(ptrSize()), entry);
    st.sorted.splice(r.index, 0, node);
    if (st.enumAt >= r.index) st.enumAt++;
    writeHeader(ctx, table, st);
    if (newElement !== 0n) m.setU8(newElement, 1);
    return node + L.data;
  }),
  nt("RtlLookupElementGenericTable", 2, lookupApi),
  nt("RtlDeleteElementGenericTable", 2, (ctx) => {
    const [table, buffer] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(table), hex(buffer)]);
    const L = layout();
    const m = ctx.mem;
    const st = stateOf(ctx, table);
    const r = find(ctx, table, st, buffer);
    if (!r.found) return 0;
    const node = st.sorted[r.index]!;
    // RemoveEntryList(&node->list).
    const entry = node + L.nodeList;
    const flink = readPtr(m, entry);
    const blink = readPtr(m, entry + B(ptrSize()));
    writePtr(m, blink, flink);
    writePtr(m, flink + B(ptrSize()), blink);
    st.sorted.splice(r.index, 1);
    if (st.enumAt >= r.index) st.enumAt--;
    writeHeader(ctx, table, st);
    ctx.callGuest(readPtr(m, table + L.free), [table, node]);
    return 1;
  }),
  nt("RtlGetElementGenericTable", 2, (ctx) => {
    const [table, i] = [ctx.arg(0), ctx.u32(1)];
    ctx.describe([hex(table), String(i)]);
    const L = layout();
    const m = ctx.mem;
    const count = m.u32(table + L.count);
    if (i >= count) return 0n;
    const head = table + L.list;
    let e = readPtr(m, head);
    for (let n = 0; n < i && e !== head; n++) e = readPtr(m, e);
    return e === head ? 0n : e - L.nodeList + L.data;
  }),
  nt("RtlNumberGenericTableElements", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return ctx.mem.u32(ctx.arg(0) + layout().count);
  }),
  nt("RtlIsGenericTableEmpty", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return readPtr(ctx.mem, ctx.arg(0) + layout().root) === 0n ? 1 : 0;
  }),
  ...tableEnumerators("RtlEnumerateGenericTable", stateOf, () => layout().data),
];

/**
 * RtlEnumerateGenericTable[Avl] and RtlEnumerateGenericTableWithoutSplaying[Avl]: the splay and
 * AVL tables enumerate the same way (in key order, from their sorted node lists); `name` is the
 * first routine's name (the second adds "WithoutSplaying" before the Avl suffix).
 */
export function tableEnumerators(name: string, stateOf: (ctx: ApiContext, table: bigint) => { enumAt: number; sorted: bigint[] }, data: () => bigint): ApiDefinition[] {
  const avl = name.endsWith("Avl");
  const withoutSplaying = avl ? name.slice(0, -3) + "WithoutSplayingAvl" : name + "WithoutSplaying";
  return [
    nt(name, 2, (ctx) => {
      const [table, restart] = [ctx.arg(0), ctx.u32(1) & 0xff];
      ctx.describe([hex(table), restart ? "TRUE" : "FALSE"]);
      const st = stateOf(ctx, table);
      st.enumAt = restart ? 0 : st.enumAt + 1;
      const node = st.sorted[st.enumAt];
      if (node === undefined) {
        st.enumAt = st.sorted.length;
        return 0n;
      }
      return node + data();
    }),
    nt(withoutSplaying, 2, (ctx) => {
      const [table, restartKey] = [ctx.arg(0), ctx.arg(1)];
      ctx.describe([hex(table), hex(restartKey)]);
      const st = stateOf(ctx, table);
      const key = readPtr(ctx.mem, restartKey);
      const at = key === 0n ? 0 : st.sorted.indexOf(key) + 1;
      // A key that is not an element of the table restarts nowhere: NULL, as after the last one.
      const node = key !== 0n && at === 0 ? undefined : st.sorted[at];
      if (node === undefined) return 0n;
      writePtr(ctx.mem, restartKey, node);
      return node + data();
    }),
  ];
}
