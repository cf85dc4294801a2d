/**
 * Event objects by handle and by name (ZwCreateEvent, ZwOpenEvent, ZwSetEvent, ZwResetEvent,
 * ZwClearEvent, ZwWaitForSingleObject, IoCreateNotificationEvent, IoCreateSynchronizationEvent):
 * KEVENTs in kernel pool, named in \BaseNamedObjects, freed with their last reference. Waits run
 * the scheduler (src/emu/sched) like KeWaitForSingleObject. Part of the "sched" family.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { hex, nt, q, readPtr, unicodeText, writePtr } from "./util.js";
import { EventNotificationObject, EventSynchronizationObject, clockOf, header, initHeader, setSignal, trySatisfy, waitWithTimeout } from "./ke.js";
import { insertHandle, lookupHandle, registerObject } from "./ob.js";
import { dueOf, sched, scheduler } from "../sched/index.js";

const B = (n: number) => BigInt(n);

// ---- event objects by handle ---------------------------------------------------------------------

function createEvent(ctx: ApiContext, type: number, signaled: boolean, name: string | null): bigint {
  const st = sched(ctx);
  const ev = ctx.kernel.kernelPool!.allocate(LAYOUT.KEVENT.$size, 0x746e7645 /* 'Evnt' */);
  initHeader(ctx, ev, type, LAYOUT.KEVENT.$size, signaled ? 1 : 0);
  const key = name?.toLowerCase() ?? null;
  registerObject(ctx.kernel, ev, {
    type: "Event",
    ...(name ? { name } : {}),
    pointerCount: 0,
    onDelete: () => {
      if (key !== null) st.named.delete(key);
      ctx.kernel.kernelPool?.free(ev);
    },
  });
  if (key !== null) st.named.set(key, ev);
  return ev;
}

function objectName(ctx: ApiContext, oa: bigint): { name: string | null; attributes: number } {
  if (oa === 0n) return { name: null, attributes: 0 };
  const p = readPtr(ctx.mem, oa + B(LAYOUT.OBJECT_ATTRIBUTES.ObjectName));
  return { name: p === 0n ? null : unicodeText(ctx.mem, p), attributes: ctx.mem.u32(oa + B(LAYOUT.OBJECT_ATTRIBUTES.Attributes)) };
}

function eventOfHandle(ctx: ApiContext, h: bigint): bigint | number {
  const e = lookupHandle(ctx.kernel, h);
  if (!e) return STATUS.INVALID_HANDLE;
  if (e.type !== "Event" || e.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
  return e.object;
}

function namedEvent(ctx: ApiContext, api: string, type: number): bigint {
  const name = unicodeText(ctx.mem, ctx.arg(0));
  const out = ctx.arg(1);
  ctx.describe([q(name), hex(out)]);
  if (name === null || name === "") return 0n;
  const st = sched(ctx);
  let ev = st.named.get(name.toLowerCase());
  // Documented for both routines: a new event is created in the Signaled state; an existing one is opened as it is.
  if (ev === undefined) ev = createEvent(ctx, type, true, name);
  else if (header(ctx, ev).type !== type) ctx.warn(`${api}(${q(name)}): opened an existing event of the other type`);
  const h = insertHandle(ctx.kernel, { type: "Event", object: ev, access: 0x1f0003, kernelHandle: true });
  writePtr(ctx.mem, out, h);
  return ev;
}

export const apis: ApiDefinition[] = [
  // ---- events by handle
  nt("ZwCreateEvent", 5, (ctx) => {
    const out = ctx.arg(0);
    const { name, attributes } = objectName(ctx, ctx.arg(2));
    const type = ctx.u32(3) === 0 ? EventNotificationObject : EventSynchronizationObject;
    ctx.describe([hex(out), hex(ctx.u32(1)), q(name), type === 0 ? "NotificationEvent" : "SynchronizationEvent", ctx.u32(4) & 0xff ? "TRUE" : "FALSE"]);
    if (ctx.u32(3) > 1) return STATUS.INVALID_PARAMETER;
    const st = sched(ctx);
    if (name && st.named.has(name.toLowerCase())) {
      if ((attributes & 0x80) === 0) return STATUS.OBJECT_NAME_COLLISION; // OBJ_OPENIF not set
      writePtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Event", object: st.named.get(name.toLowerCase())!, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 }));
      return STATUS.OBJECT_NAME_EXISTS;
    }
    const ev = createEvent(ctx, type, (ctx.u32(4) & 0xff) !== 0, name);
    writePtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Event", object: ev, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 }));
    return STATUS.SUCCESS;
  }),
  nt("ZwOpenEvent", 3, (ctx) => {
    const { name, attributes } = objectName(ctx, ctx.arg(2));
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), q(name)]);
    if (!name) return STATUS.OBJECT_NAME_INVALID;
    const ev = sched(ctx).named.get(name.toLowerCase());
    if (ev === undefined) return STATUS.OBJECT_NAME_NOT_FOUND;
    writePtr(ctx.mem, ctx.arg(0), insertHandle(ctx.kernel, { type: "Event", object: ev, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 }));
    return STATUS.SUCCESS;
  }),
  ...(["ZwSetEvent", "ZwResetEvent"] as const).map((name) =>
    nt(name, 2, (ctx) => {
      const ev = eventOfHandle(ctx, ctx.arg(0));
      if (typeof ev === "number") return ev;
      const prev = header(ctx, ev).signal;
      setSignal(ctx, ev, name === "ZwSetEvent" ? 1 : 0);
      if (ctx.arg(1) !== 0n) ctx.mem.setU32(ctx.arg(1), prev);
      return STATUS.SUCCESS;
    }),
  ),
  nt("ZwClearEvent", 1, (ctx) => {
    const ev = eventOfHandle(ctx, ctx.arg(0));
    if (typeof ev === "number") return ev;
    setSignal(ctx, ev, 0);
    return STATUS.SUCCESS;
  }),
  nt("ZwWaitForSingleObject", 3, (ctx) => {
    const e = lookupHandle(ctx.kernel, ctx.arg(0));
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "TRUE" : "FALSE", ctx.arg(2) === 0n ? "NULL (infinite)" : String(BigInt.asIntN(64, ctx.mem.u64(ctx.arg(2))))]);
    if (!e) return STATUS.INVALID_HANDLE;
    if (e.object === undefined || !["Event", "Thread", "Process"].includes(e.type)) return STATUS.OBJECT_TYPE_MISMATCH;
    const obj = e.object;
    if (trySatisfy(ctx, obj)) return STATUS.SUCCESS;
    sched(ctx);
    return waitWithTimeout(ctx, ctx.arg(2), "ZwWaitForSingleObject", `${e.type.toLowerCase()} ${hex(obj)}`, () => (trySatisfy(ctx, obj) ? STATUS.SUCCESS : null));
  }),
  nt("IoCreateNotificationEvent", 2, (ctx) => namedEvent(ctx, "IoCreateNotificationEvent", EventNotificationObject)),
  nt("IoCreateSynchronizationEvent", 2, (ctx) => namedEvent(ctx, "IoCreateSynchronizationEvent", EventSynchronizationObject)),
];
