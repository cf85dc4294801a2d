/**
 * WDFCOLLECTION (wdfcollection.h; Microsoft Learn: WdfCollectionCreate, WdfCollectionGetCount,
 * WdfCollectionAdd, WdfCollectionRemove, WdfCollectionRemoveItem, WdfCollectionGetItem,
 * WdfCollectionGetFirstItem, WdfCollectionGetLastItem): an ordered list of WDF objects.
 *
 *   WdfCollectionCreate(CollectionAttributes, Collection): attributes optional (parented to the
 *     driver unless they name a parent); Collection NULL is a WDF_VIOLATION.
 *   WdfCollectionAdd(Collection, Object): appends the object and takes a reference on it (an
 *     object deleted while in a collection stays allocated until it is removed or the collection
 *     is deleted); Object must be a live WDF object (else WDF_VIOLATION).
 *   WdfCollectionRemove(Collection, Item) / WdfCollectionRemoveItem(Collection, Index): take the
 *     item out and drop the reference; an object that is not in the collection, or an index past
 *     the end, changes nothing (the framework's verifier breaks into the debugger: a warning here).
 *   WdfCollectionGetItem(Collection, Index): the object at Index, NULL past the end;
 *     GetFirstItem / GetLastItem: NULL when empty; GetCount: the number of items.
 *   Deleting the collection drops the references it holds.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { getPtr, putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState, type WdfObject } from "./objects.js";
import { dereferenceObject } from "./lifetime.js";
import { required } from "./memory.js";

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const items = new WeakMap<WdfObject, bigint[]>();

function collectionOf(ctx: ApiContext): { o: WdfObject; list: bigint[] } {
  const o = objectOf(ctx, ctx.arg(1), "collection", "Collection");
  return { o, list: items.get(o)! };
}

/** Drop the collection's reference on an item (the last one frees an object deleted meanwhile). */
function release(ctx: ApiContext, h: bigint): void {
  const it = wdfState(ctx.kernel).objects.get(h);
  if (it && it.refs > 0) dereferenceObject(ctx, it);
}

function create(ctx: ApiContext): number {
  const [attrs, out] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(attrs), hex(out)]);
  required(ctx, out, "Collection");
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== 0) return bad;
  const a = readAttributes(ctx, attrs);
  if (a.parent !== null) objectOf(ctx, a.parent, null, "CollectionAttributes->ParentObject");
  const o = newObject(ctx, "collection", a);
  if (o.parent === null) {
    const drv = ctx.arg(0) === 0n ? 0n : getPtr(ctx.mem, ctx.arg(0));
    o.parent = wdfState(ctx.kernel).objects.has(drv) ? drv : null;
  }
  const list: bigint[] = [];
  items.set(o, list);
  o.dispose = (c) => {
    for (const h of list.splice(0)) release(c, h);
  };
  putPtr(ctx.mem, out, o.handle);
  return STATUS.SUCCESS;
}

/** WdfCollectionAdd: the collection references the item and keeps it last (also for WdfRegistryQueryMultiString). */
export function collectionAdd(coll: WdfObject, item: WdfObject): void {
  item.refs++;
  items.get(coll)!.push(item.handle);
}

export const apis: ApiDefinition[] = [
  fx("WdfCollectionCreate", 3, create),
  fx("WdfCollectionGetCount", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    return collectionOf(ctx).list.length;
  }),
  fx("WdfCollectionAdd", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const { o } = collectionOf(ctx);
    collectionAdd(o, objectOf(ctx, ctx.arg(2), null, "Object"));
    return STATUS.SUCCESS;
  }),
  fx("WdfCollectionRemove", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const { o, list } = collectionOf(ctx);
    const i = list.indexOf(ctx.arg(2));
    if (i < 0) {
      ctx.warn(`WdfCollectionRemove: ${hex(ctx.arg(2))} is not in WDFCOLLECTION ${hex(o.handle)} (nothing removed)`);
      return;
    }
    list.splice(i, 1);
    release(ctx, ctx.arg(2));
  }),
  fx("WdfCollectionRemoveItem", 3, (ctx) => {
    const index = ctx.u32(2);
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), String(index)]);
    const { o, list } = collectionOf(ctx);
    if (index >= list.length) {
      ctx.warn(`WdfCollectionRemoveItem: index ${index} is past the end of WDFCOLLECTION ${hex(o.handle)} (${list.length} items; nothing removed)`);
      return;
    }
    const [h] = list.splice(index, 1);
    release(ctx, h!);
  }),
  fx("WdfCollectionGetItem", 3, (ctx) => {
    const index = ctx.u32(2);
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), String(index)]);
    return collectionOf(ctx).list[index] ?? 0n;
  }),
  fx("WdfCollectionGetFirstItem", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    return collectionOf(ctx).list[0] ?? 0n;
  }),
  fx("WdfCollectionGetLastItem", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    const { list } = collectionOf(ctx);
    return list[list.length - 1] ?? 0n;
  }),
];
