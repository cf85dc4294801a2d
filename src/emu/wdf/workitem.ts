/**
 * KMDF work items (Microsoft Learn, wdfworkitem.h), run by the emulator's deterministic scheduler
 * like IoQueueWorkItem's (at PASSIVE_LEVEL, at the next scheduling point):
 *
 *   WdfWorkItemCreate(Config, Attributes, WorkItem): Config->Size must be
 *     sizeof(WDF_WORKITEM_CONFIG) (else STATUS_INFO_LENGTH_MISMATCH) and EvtWorkItemFunc set (else
 *     STATUS_INVALID_PARAMETER); Attributes NULL or without a ParentObject:
 *     STATUS_WDF_PARENT_NOT_SPECIFIED (0xC0200212); a parent that is not a WDFDEVICE and whose
 *     chain of parents leads to none: STATUS_INVALID_DEVICE_REQUEST.
 *   WdfWorkItemEnqueue(WorkItem): queues it once (a work item already queued stays queued once);
 *     the callback gets the WDFWORKITEM.
 *   WdfWorkItemFlush(WorkItem): a queued work item runs now; the call returns when it has run.
 *   WdfWorkItemGetParentObject(WorkItem): the parent.
 *   Deleting a work item (WdfObjectDelete, or its parent's deletion) flushes it first, as the
 *   framework's dispose does, so no callback runs after its device is gone.
 * A handle that is not a live WDFWORKITEM is a WDF_VIOLATION bug check report.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { getPtr, putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { sched, runWork } from "../sched/core.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, readAttributes, wdfState, type WdfObject } from "./objects.js";
import { wdf } from "./layouts.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
/** ntstatus.h: the ParentObject member of WDF_OBJECT_ATTRIBUTES was NULL. */
export const STATUS_WDF_PARENT_NOT_SPECIFIED = 0xc0200212;
const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004;

/** Whether `h` is a WDFDEVICE or an object whose chain of parents reaches one. */
function leadsToDevice(ctx: ApiContext, h: bigint | null): boolean {
  const objects = wdfState(ctx.kernel).objects;
  for (let i = 0; h !== null && i < 64; i++) {
    const o = objects.get(h);
    if (!o) return false;
    if (o.kind === "device") return true;
    h = o.parent;
  }
  return false;
}

const queuedIndex = (ctx: ApiContext, o: WdfObject) => sched(ctx).work.findIndex((w) => w.kind === "wdf" && w.item === o.handle);

/** Run the work item now if it is queued (WdfWorkItemFlush; deletion). */
function flush(ctx: ApiContext, o: WdfObject): void {
  const st = sched(ctx);
  const i = queuedIndex(ctx, o);
  if (i < 0) return;
  const [w] = st.work.splice(i, 1);
  runWork(ctx, w!);
}

function create(ctx: ApiContext): number {
  const [config, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(ctx.arg(0)), hex(config), hex(attrs), hex(out)]);
  const C = wdf("WDF_WORKITEM_CONFIG");
  if (config === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
  const m = ctx.mem;
  if (m.u32(config + B(C.Size)) !== C.$size) return STATUS_INFO_LENGTH_MISMATCH;
  const func = getPtr(m, config + B(C.EvtWorkItemFunc));
  if (func === 0n) return STATUS.INVALID_PARAMETER;
  const a = readAttributes(ctx, attrs);
  if (attrs === 0n || a.parent === null) return STATUS_WDF_PARENT_NOT_SPECIFIED;
  objectOf(ctx, a.parent, null, "Attributes->ParentObject");
  if (!leadsToDevice(ctx, a.parent)) return STATUS.INVALID_DEVICE_REQUEST;
  const o = newObject(ctx, "workItem", a, { workFunc: func });
  o.beforeDelete = (c) => flush(c, o);
  putPtr(m, out, o.handle);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  fx("WdfWorkItemCreate", 4, create),
  fx("WdfWorkItemEnqueue", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    const o = objectOf(ctx, ctx.arg(1), "workItem", "WorkItem");
    if (queuedIndex(ctx, o) >= 0) return;
    sched(ctx).work.push({ kind: "wdf", item: o.handle, routine: o.workFunc!, args: [o.handle], module: ctx.caller?.module ?? "?" });
  }),
  fx("WdfWorkItemFlush", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    flush(ctx, objectOf(ctx, ctx.arg(1), "workItem", "WorkItem"));
  }),
  fx("WdfWorkItemGetParentObject", 2, (ctx) => objectOf(ctx, ctx.arg(1), "workItem", "WorkItem").parent ?? 0n),
];
