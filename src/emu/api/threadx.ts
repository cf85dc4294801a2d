/**
 * Thread priorities, yielding, previous mode and processor groups/nodes (one group, one node,
 * the machine's processors; machine.ts), KeQueryLogicalProcessorRelationship (machine/topology.ts).
 * Threads start at priority 8 (a system thread's default), base priority increment 0. ZwQueryInformationThread (ThreadBasicInformation 0,
 * ThreadTimes 1; other classes STATUS_INVALID_INFO_CLASS). Part of the "process" family.
 */
import { previousMode } from "./previous-mode.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { machineOf, relationshipRecords } from "../machine/index.js";
import { schedulerSlot } from "./ke.js";
import { sched } from "../sched/index.js";
import { queryThread } from "./thread-info.js";
import { ptrSize } from "../../nt/arch-layout.js";

const B = (n: number) => BigInt(n);
const STATUS_NO_YIELD_PERFORMED = 0x40000024;
const priorities = (ctx: ApiContext) => ctx.kernel.state("priorities", () => new Map<bigint, { priority: number; base: number }>());
const prio = (ctx: ApiContext, t: bigint) => priorities(ctx).get(t) ?? { priority: 8, base: 0 };
/** ZwSetInformationThread(ThreadPriority / ThreadBasePriority) (procctl.ts): the values KeQueryPriorityThread reads. */
export function setThreadPriority(ctx: ApiContext, t: bigint, change: { priority?: number; base?: number }): void {
  priorities(ctx).set(t, { ...prio(ctx, t), ...change });
}
const allProcessors = (ctx: ApiContext) => (1n << B(machineOf(ctx.kernel).spec.processors)) - 1n;

export const apis: ApiDefinition[] = [
  nt("ZwQueryInformationThread", 5, (ctx) => queryThread(ctx)),
  nt("KeSetPriorityThread", 2, (ctx) => {
    const p = ctx.i32(1);
    if (p < 1 || p > 31) ctx.fault("bugcheck", `KeSetPriorityThread: priority ${p} outside 1..31`, { code: "0x0000005C" });
    const old = prio(ctx, ctx.arg(0));
    priorities(ctx).set(ctx.arg(0), { ...old, priority: p });
    return old.priority;
  }),
  nt("KeQueryPriorityThread", 1, (ctx) => prio(ctx, ctx.arg(0)).priority),
  nt("KeSetBasePriorityThread", 2, (ctx) => {
    const old = prio(ctx, ctx.arg(0));
    priorities(ctx).set(ctx.arg(0), { ...old, base: ctx.i32(1) });
    return old.base >>> 0;
  }),
  nt("ZwYieldExecution", 0, (ctx) => {
    // Ready work (work items, system threads, due timers) runs now; with none, there is nothing to yield to.
    const st = sched(ctx);
    if (st.work.length === 0 && st.ready.length === 0) return STATUS_NO_YIELD_PERFORMED;
    schedulerSlot(ctx).current?.runUntil(ctx, () => st.work.length === 0 && st.ready.length === 0, ctx.kernel.clock?.interruptTime() ?? 0n);
    return STATUS.SUCCESS;
  }),
  nt("ExGetPreviousMode", 0, (ctx) => previousMode(ctx.kernel).mode),
  nt("IoIsSystemThread", 1, () => 1),
  nt("KeQueryActiveGroupCount", 0, () => 1),
  nt("KeQueryMaximumGroupCount", 0, () => 1),
  nt("KeQueryGroupAffinity", 1, (ctx) => ((ctx.u32(0) & 0xffff) === 0 ? allProcessors(ctx) : 0n)),
  nt("KeGetCurrentNodeNumber", 0, () => 0),
  nt("KeQueryNodeMaximumProcessorCount", 1, (ctx) => ((ctx.u32(0) & 0xffff) === 0 ? machineOf(ctx.kernel).spec.processors : 0)),
  nt("KeQueryNodeActiveAffinity", 3, (ctx) => {
    const node = ctx.u32(0) & 0xffff;
    const aff = ctx.arg(1);
    if (aff !== 0n) {
      ctx.mem.write(aff, new Uint8Array(16)); // GROUP_AFFINITY { Mask, Group, Reserved[3] }
      if (node === 0) ctx.mem.setU64(aff, allProcessors(ctx));
    }
    if (ctx.arg(2) !== 0n) ctx.mem.setU16(ctx.arg(2), node === 0 ? machineOf(ctx.kernel).spec.processors : 0);
  }),
  nt("KeSetSystemGroupAffinityThread", 2, (ctx) => {
    const prev = ctx.arg(1);
    if (prev !== 0n) {
      ctx.mem.write(prev, new Uint8Array(16));
      ctx.mem.setU64(prev, allProcessors(ctx));
    }
    const mask = ctx.mem.u64(ctx.arg(0));
    const group = ctx.mem.u16(ctx.arg(0) + 8n);
    if (group !== 0 || (mask & allProcessors(ctx)) === 0n) ctx.fault("bugcheck", `KeSetSystemGroupAffinityThread: affinity group ${group} mask 0x${mask.toString(16)} names no active processor`, { code: "0x00000005" });
  }),
  nt("KeQueryLogicalProcessorRelationship", 4, queryRelationship),
  nt("KeRevertToUserGroupAffinityThread", 1, (ctx) => void ctx.mem.u64(ctx.arg(0))),
];

/**
 * KeQueryLogicalProcessorRelationship(ProcessorNumber OPTIONAL, RelationshipType, Information
 * OPTIONAL, Length): the records of machine/topology.ts. *Length gets the bytes the records need;
 * a smaller *Length → STATUS_INFO_LENGTH_MISMATCH (Information untouched), else they are copied
 * and STATUS_SUCCESS. A PROCESSOR_NUMBER naming no active processor, or a relationship Windows 10
 * 2004 does not know (Die, NumaNodeEx, Module and beyond) → STATUS_INVALID_PARAMETER. Unreadable
 * pointers fault as on Windows (the copy into a bad Information too).
 */
function queryRelationship(ctx: ApiContext): number {
  const [pn, rel, info, len] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe(() => [pn === 0n ? "NULL" : hex(pn), String(rel), hex(info), hex(len)]);
  const m = machineOf(ctx.kernel).spec;
  let processor: number | null = null;
  if (pn !== 0n) {
    const group = ctx.mem.u16(pn);
    processor = ctx.mem.u8(pn + 2n);
    if (group !== 0 || processor >= m.processors) return STATUS.INVALID_PARAMETER;
  }
  const have = ctx.mem.u32(len);
  const records = relationshipRecords(m.processors, m.cpu, ptrSize(), rel, processor);
  if (records === null) return STATUS.INVALID_PARAMETER;
  ctx.mem.setU32(len, records.length);
  if (have < records.length) return STATUS.INFO_LENGTH_MISMATCH;
  ctx.mem.write(info, records);
  return STATUS.SUCCESS;
}
