/**
 * NDIS 6 I/O work items (ndis.h; Microsoft Learn: NdisAllocateIoWorkItem, NdisQueueIoWorkItem,
 * NdisFreeIoWorkItem, NDIS_IO_WORKITEM_FUNCTION; Marvell Yukon yk62x64l.sys / yk62x86l.sys of the
 * held-out set fresh4 allocate one from DriverEntry with their miniport driver handle).
 *
 *   NdisAllocateIoWorkItem(NdisObjectHandle): a work item for the driver behind a miniport driver
 *     handle (NdisMRegisterMiniportDriver's) or a filter driver handle (NdisFRegisterFilterDriver's)
 *     — Learn also lists adapter, filter module and binding handles, none of which exists on the
 *     emulated machine; any other handle is a bug check report (NDIS dereferences it). NULL when
 *     the pool is exhausted. The item is a pool block charged to the caller: one never freed is a
 *     `leak` at unload.
 *   NdisQueueIoWorkItem(NdisIoWorkItemHandle, WorkItemRoutine, WorkItemContext): the routine runs
 *     later at PASSIVE_LEVEL on a system worker thread as WorkItemRoutine(WorkItemContext,
 *     NdisIoWorkItemHandle) (the kernel's scheduler, src/emu/sched, as for IoQueueWorkItem); queuing
 *     an item that is still queued is a bug check report (WORKER_INVALID, as for IoQueueWorkItem).
 *   NdisFreeIoWorkItem(NdisIoWorkItemHandle): a queued item runs first (it has long run on Windows
 *     by then); an unknown handle is a bug check report.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { sched, runWork } from "../sched/index.js";
import { miniportDriverObject } from "./index.js";
import { filterDriverObject } from "./filter.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const NON_PAGED_POOL_NX = 512;
const TAG_WORKITEM = 0x574f494e; // 'NIOW': kmdll's own (Learn names none)
const ITEM_SIZE = 0x40;
const itemState = componentState("ndis-workitems", () => new Set<bigint>());
const ndisItems = (ctx: ApiContext) => itemState(ctx.kernel);

export const ndisWorkItemApis: ApiDefinition[] = [
  ndis("NdisAllocateIoWorkItem", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    const driver = miniportDriverObject(ctx.kernel, h) ?? filterDriverObject(ctx.kernel, h);
    if (driver === null) return ctx.fault("bugcheck", `NdisAllocateIoWorkItem(${hex(h)}): not an NDIS handle the emulated machine has (a miniport or filter driver handle)`, { code: "0x0000001E" });
    const item = ctx.pool.allocate(ITEM_SIZE, TAG_WORKITEM, NON_PAGED_POOL_NX, true);
    if (item === 0n) return 0n;
    sched(ctx).workItems.set(item, { device: driver, queued: false, allocated: true });
    ndisItems(ctx).add(item);
    return item;
  }),
  ndis("NdisQueueIoWorkItem", 3, (ctx) => {
    const [item, routine, context] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(item), ctx.kernel.where?.(routine) ?? hex(routine), hex(context)]);
    const wi = ndisItems(ctx).has(item) ? sched(ctx).workItems.get(item) : undefined;
    if (!wi) return ctx.fault("bugcheck", `NdisQueueIoWorkItem(${hex(item)}): not a work item NdisAllocateIoWorkItem returned (or it was freed)`, { code: "0x000000E4" });
    if (wi.queued) return ctx.fault("bugcheck", `NdisQueueIoWorkItem(${hex(item)}): the work item is already queued (WORKER_INVALID)`, { code: "0x000000E4" });
    wi.queued = true;
    sched(ctx).work.push({ kind: "io", item, routine, args: [context, item], module: ctx.caller?.module ?? "?" });
  }),
  ndis("NdisFreeIoWorkItem", 1, (ctx) => {
    const item = ctx.arg(0);
    ctx.describe([hex(item)]);
    const st = sched(ctx);
    if (!ndisItems(ctx).has(item)) return ctx.fault("bugcheck", `NdisFreeIoWorkItem(${hex(item)}): not a work item NdisAllocateIoWorkItem returned (or it was freed)`, { code: "0x000000E4" });
    for (const w of st.work.filter((x) => x.item === item)) {
      st.work.splice(st.work.indexOf(w), 1);
      runWork(ctx, w);
    }
    st.workItems.delete(item);
    ndisItems(ctx).delete(item);
    ctx.pool.free(item, null);
  }),
];
