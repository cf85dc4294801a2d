/**
 * ZwQuerySystemInformation(SystemProcessInformation = 5 / SystemExtendedProcessInformation = 57):
 * one SYSTEM_PROCESS_INFORMATION per process of the booted system (processes.ts), each followed
 * by its threads (SYSTEM_THREAD_INFORMATION, or SYSTEM_EXTENDED_THREAD_INFORMATION for class
 * 57), image names after all entries, ImageName.Buffer pointing into the caller's buffer.
 *
 * Layouts (x64; winternl.h / the ReactOS and Process Hacker headers): SYSTEM_PROCESS_INFORMATION
 * 0x100 bytes — NextEntryOffset 0, NumberOfThreads 4, CreateTime 0x20, ImageName 0x38 (Length,
 * MaximumLength, Buffer at 0x40), BasePriority 0x48, UniqueProcessId 0x50,
 * InheritedFromUniqueProcessId 0x58, HandleCount 0x60, SessionId 0x64. SYSTEM_THREAD_INFORMATION
 * 0x50 bytes — CreateTime 0x10, StartAddress 0x20, ClientId 0x28 (UniqueProcess, UniqueThread),
 * Priority 0x38, BasePriority 0x3C, ContextSwitches 0x40, ThreadState 0x44 (5 = Waiting),
 * WaitReason 0x48 (6 = UserRequest for user processes, 0 = Executive for System); the extended
 * form adds StackBase, StackLimit, Win32StartAddress, TebBase and three reserved pointers (0x88).
 */
import type { ApiContext } from "./types.js";
import { encodeUtf16 } from "./util.js";
import { processTable } from "./processes.js";
import { sched } from "../sched/index.js";

const PROCESS_ENTRY = 0x100;
const THREAD = 0x50;
const EXTENDED_THREAD = 0x88;
const CURRENT_TID = 8;

export function processInformation(ctx: ApiContext, buf: bigint, extended: boolean): Uint8Array {
  const procs = processTable(ctx.kernel, ctx.mem).list;
  const threadSize = extended ? EXTENDED_THREAD : THREAD;
  const threadsOf = (pid: number): { tid: number; start: bigint }[] =>
    pid === 4
      ? [{ tid: CURRENT_TID, start: 0n }, ...[...sched(ctx).threads.values()].filter((t) => t.state !== "terminated").map((t) => ({ tid: Number(t.id), start: t.start }))]
      : [{ tid: pid + 4, start: 0n }];
  const entries = procs.map((p) => ({ p, threads: threadsOf(p.pid), name: p.pid === 4 ? "" : p.name }));
  let size = 0;
  for (const e of entries) size += PROCESS_ENTRY + e.threads.length * threadSize;
  let names = size;
  for (const e of entries) size += e.name.length ? e.name.length * 2 + 2 : 0;
  const img = new Uint8Array(size);
  const dv = new DataView(img.buffer);
  let o = 0;
  entries.forEach((e, i) => {
    const entrySize = PROCESS_ENTRY + e.threads.length * threadSize;
    if (i < entries.length - 1) dv.setUint32(o, entrySize, true);
    dv.setUint32(o + 4, e.threads.length, true);
    dv.setBigUint64(o + 0x20, e.p.createTime, true);
    if (e.name.length) {
      img.set(encodeUtf16(e.name), names);
      dv.setUint16(o + 0x38, e.name.length * 2, true);
      dv.setUint16(o + 0x3a, e.name.length * 2 + 2, true);
      dv.setBigUint64(o + 0x40, buf + BigInt(names), true);
      names += e.name.length * 2 + 2;
    }
    dv.setUint32(o + 0x48, 8, true); // BasePriority: NORMAL_PRIORITY_CLASS
    dv.setBigUint64(o + 0x50, BigInt(e.p.pid), true);
    dv.setBigUint64(o + 0x58, BigInt(e.p.parent), true);
    dv.setUint32(o + 0x64, e.p.session, true);
    e.threads.forEach((t, j) => {
      const to = o + PROCESS_ENTRY + j * threadSize;
      dv.setBigUint64(to + 0x10, e.p.createTime, true);
      dv.setBigUint64(to + 0x20, t.start, true);
      dv.setBigUint64(to + 0x28, BigInt(e.p.pid), true);
      dv.setBigUint64(to + 0x30, BigInt(t.tid), true);
      dv.setInt32(to + 0x38, 8, true);
      dv.setInt32(to + 0x3c, 8, true);
      dv.setUint32(to + 0x44, 5, true); // Waiting
      dv.setUint32(to + 0x48, e.p.pid === 4 ? 0 : 6, true);
    });
    o += entrySize;
  });
  return img;
}
