/**
 * ZwQuerySystemInformation(SystemProcessInformation = 5 / SystemExtendedProcessInformation = 57):
 * one SYSTEM_PROCESS_INFORMATION per process of the booted system (processes.ts), each followed
 * by its threads (SYSTEM_THREAD_INFORMATION, or SYSTEM_EXTENDED_THREAD_INFORMATION for class
 * 57), image names after all entries, ImageName.Buffer pointing into the caller's buffer.
 *
 * Layouts (winternl.h / the ReactOS and Process Hacker headers; the x86 numbers are what clang's
 * offsetof gives over mingw-w64's i686 winternl.h, checked in test/process-info-layout.test.ts):
 * SYSTEM_PROCESS_INFORMATION 0x100 bytes on x64 / 0xB8 on x86 — NextEntryOffset 0,
 * NumberOfThreads 4, CreateTime 0x20, ImageName 0x38 (Length, MaximumLength, Buffer at 0x40 /
 * 0x3C), BasePriority 0x48 / 0x40, UniqueProcessId 0x50 / 0x44, InheritedFromUniqueProcessId
 * 0x58 / 0x48, HandleCount 0x60 / 0x4C, SessionId 0x64 / 0x50. SYSTEM_THREAD_INFORMATION 0x50 /
 * 0x40 bytes — CreateTime 0x10, StartAddress 0x20 / 0x1C, ClientId 0x28 / 0x20 (UniqueProcess,
 * UniqueThread), Priority 0x38 / 0x28, BasePriority 0x3C / 0x2C, ContextSwitches 0x40 / 0x30,
 * ThreadState 0x44 / 0x34 (5 = Waiting), WaitReason 0x48 / 0x38 (6 = UserRequest for user
 * processes, 0 = Executive for System); the extended form adds StackBase, StackLimit,
 * Win32StartAddress, TebBase and three reserved pointers (0x88 / 0x60).
 */
import type { ApiContext } from "./types.js";
import { encodeUtf16 } from "./util.js";
import { linkedProcesses, processTable } from "./processes.js";
import { sched } from "../sched/index.js";
import { ptrSize } from "../../nt/arch-layout.js";

/** Offsets for x64 and x86 (see above). */
export const PROCESS_INFO_LAYOUT = {
  x64: { entry: 0x100, imageBuffer: 0x40, basePriority: 0x48, pid: 0x50, parent: 0x58, session: 0x64, thread: 0x50, extendedThread: 0x88, tStart: 0x20, tClientId: 0x28, tPriority: 0x38, tBasePriority: 0x3c, tState: 0x44, tWaitReason: 0x48 },
  x86: { entry: 0xb8, imageBuffer: 0x3c, basePriority: 0x40, pid: 0x44, parent: 0x48, session: 0x50, thread: 0x40, extendedThread: 0x60, tStart: 0x1c, tClientId: 0x20, tPriority: 0x28, tBasePriority: 0x2c, tState: 0x34, tWaitReason: 0x38 },
} as const;
const CURRENT_TID = 8;

export function processInformation(ctx: ApiContext, buf: bigint, extended: boolean): Uint8Array {
  const L = ptrSize() === 8 ? PROCESS_INFO_LAYOUT.x64 : PROCESS_INFO_LAYOUT.x86;
  const P = ptrSize();
  const setPtr = (dv: DataView, off: number, v: bigint) => (P === 8 ? dv.setBigUint64(off, v, true) : dv.setUint32(off, Number(BigInt.asUintN(32, v)), true));
  const PROCESS_ENTRY = L.entry;
  // Along ActiveProcessLinks, as Windows enumerates them: a process a driver unlinked is not listed.
  const linked = linkedProcesses(ctx.kernel, ctx.mem);
  const procs = processTable(ctx.kernel, ctx.mem).list.filter((p) => linked.has(p.object));
  const threadSize = extended ? L.extendedThread : L.thread;
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
      setPtr(dv, o + L.imageBuffer, buf + BigInt(names));
      names += e.name.length * 2 + 2;
    }
    dv.setUint32(o + L.basePriority, 8, true); // BasePriority: NORMAL_PRIORITY_CLASS
    setPtr(dv, o + L.pid, BigInt(e.p.pid));
    setPtr(dv, o + L.parent, BigInt(e.p.parent));
    dv.setUint32(o + L.session, e.p.session, true);
    e.threads.forEach((t, j) => {
      const to = o + PROCESS_ENTRY + j * threadSize;
      dv.setBigUint64(to + 0x10, e.p.createTime, true);
      setPtr(dv, to + L.tStart, t.start);
      setPtr(dv, to + L.tClientId, BigInt(e.p.pid));
      setPtr(dv, to + L.tClientId + P, BigInt(t.tid));
      dv.setInt32(to + L.tPriority, 8, true);
      dv.setInt32(to + L.tBasePriority, 8, true);
      dv.setUint32(to + L.tState, 5, true); // Waiting
      dv.setUint32(to + L.tWaitReason, e.p.pid === 4 ? 0 : 6, true);
    });
    o += entrySize;
  });
  return img;
}
