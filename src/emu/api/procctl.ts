/**
 * Process and thread control on the emulated process table (processes.ts): ZwTerminateProcess,
 * ZwOpenThread (ZwDuplicateObject: dupobject.ts), ZwSetInformationProcess / ZwSetInformationThread,
 * PsLookupProcessThreadByCid, PsSuspendProcess / PsResumeProcess, process exit synchronization,
 * job objects (ZwCreateJobObject, ZwAssignProcessToJobObject, ZwSetInformationJobObject,
 * ZwTerminateJobObject, ZwIsProcessInJob) and small accessors (PsGetProcessDebugPort,
 * PsGetProcessExitProcessCalled, PsGetProcessWin32Process, SeLocateProcessImageName,
 * KeIsAttachedProcess, PsGetThreadTeb).
 *
 * Termination (Microsoft Learn ZwTerminateProcess; ReactOS NtTerminateProcess/PspTerminateProcess
 * for the order): the System process is refused (STATUS_ACCESS_DENIED, as TerminateProcess on
 * PID 4 is); a process already terminating gets STATUS_PROCESS_IS_TERMINATING (0xC000010A); a
 * critical process (BreakOnTermination: smss, csrss, wininit, winlogon, services, lsass, or set
 * with ZwSetInformationProcess(ProcessBreakOnTermination)) is bug check 0xEF CRITICAL_PROCESS_DIED
 * (P1 the process). Otherwise the process exits — at once, or when the last
 * PsAcquireProcessExitSynchronization is released: it leaves the lookups (PsLookupProcessByProcessId,
 * ZwOpenProcess, SystemProcessInformation) and ActiveProcessLinks, its handle table is closed,
 * its job left (its token is dropped with the object), and every process notify routine is called with Create FALSE /
 * CreateInfo NULL. The EPROCESS stays valid while referenced (PsGetProcessExitStatus gives the
 * exit status). NtCurrentProcess() means the current process: the attached one while attached.
 *
 * Layouts: CLIENT_ID { UniqueProcess, UniqueThread } (pointer-sized); JOBOBJECT_BASIC_LIMIT_INFORMATION
 * 64 / 48 bytes (x64 / x86), LimitFlags at 16; JOBOBJECT_EXTENDED_LIMIT_INFORMATION 144 / 112
 * (winnt.h); PROCESS_ACCESS_TOKEN { HANDLE Token, HANDLE Thread }. A job does not keep its
 * processes' objects nor they the job's: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE acts when the job
 * object goes (its last handle closed, no reference left).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { encodeUtf16, hex, nt, readPtr, writePtr } from "./util.js";
import { dereference, insertHandle, lookupHandle, objectManager, reference, registerObject } from "./ob.js";
import { holderOf } from "../obmgr/index.js";
import { componentState } from "./state.js";
import { attachedProcess, isAttached, processOfHandle, systemProcess, threadById, threadOfHandle } from "./process.js";
import { processByObject, processLife, removeProcess, type EmuProcess, type ProcessLife } from "./processes.js";
import { notifyProcessExit } from "./notify.js";
import { setThreadPriority } from "./threadx.js";
import { releaseProcessToken, setPrimaryToken, setThreadImpersonation } from "./token-model.js";

const B = (n: number) => BigInt(n);
export const STATUS_PROCESS_IS_TERMINATING = 0xc000010a;
const STATUS_INVALID_CID = 0xc000000b;
const STATUS_PROCESS_IN_JOB = 0x00000123;
const STATUS_PROCESS_NOT_IN_JOB = 0x00000124;
export const OBJ_KERNEL_HANDLE = 0x200;
const JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000;
const TAG_JOB = 0x20626f4a; // 'Job '

export const isSystem = (ctx: ApiContext, p: bigint) => p === systemProcess(ctx);
export function emu(ctx: ApiContext, p: bigint): EmuProcess | undefined {
  return processByObject(ctx.kernel, ctx.mem, p) ?? (isSystem(ctx, p) ? { pid: 4, parent: 0, name: "System", session: 0, object: p, imagePath: "", createTime: 0n } : undefined);
}
function requireProcess(ctx: ApiContext, p: bigint, api: string): EmuProcess {
  const e = emu(ctx, p);
  if (!e) return ctx.fault("bugcheck", `${api}(${hex(p)}): not a process object`, { code: "0x00000005" });
  return e;
}
function requireThread(ctx: ApiContext, t: bigint, api: string): bigint {
  const th = threadOfHandle(ctx, t, true);
  if (typeof th === "number") return ctx.fault("bugcheck", `${api}(${hex(t)}): not a thread object`, { code: "0x00000005" });
  return th;
}

// ---- termination --------------------------------------------------------------------------

/** The last step of a process's exit (see the file comment). */
function finishExit(ctx: ApiContext, p: EmuProcess, life: ProcessLife): void {
  if (life.exited) return;
  life.exited = true;
  removeProcess(ctx.kernel, ctx.mem, p);
  for (const [, e] of life.handles) if (e.object !== undefined) dereference(ctx, e.object, "ObKillProcess");
  life.handles.clear();
  if (life.job !== undefined) {
    jobs(ctx.kernel).get(life.job)?.processes.delete(p.object);
    life.job = undefined;
  }
  notifyProcessExit(ctx, p.object, p.pid, p.parent);
  // The process table's reference: the object goes when the last driver reference does, and its
  // primary token with it (PspDeleteProcess), so PsReferencePrimaryToken still works until then.
  const o = objectManager(ctx.kernel).objects.get(p.object);
  if (o?.permanent) {
    o.permanent = false;
    const before = o.onDelete;
    o.onDelete = (c) => {
      releaseProcessToken(c ?? ctx, p.object);
      before?.(c);
    };
    dereference(ctx, p.object, "PspDeleteProcess");
  }
}

/** ZwTerminateProcess's rules on a process object; a status. */
export function terminateProcess(ctx: ApiContext, object: bigint, exitStatus: number, api: string): number {
  if (isSystem(ctx, object)) return STATUS.ACCESS_DENIED;
  const p = emu(ctx, object);
  if (!p) return STATUS.INVALID_HANDLE;
  const life = processLife(ctx.kernel, p);
  if (life.exitStatus !== undefined) return STATUS_PROCESS_IS_TERMINATING;
  if (life.breakOnTermination)
    ctx.fault("bugcheck", `${api}: terminating the critical process ${p.name} (PID ${p.pid}) (CRITICAL_PROCESS_DIED)`, { code: "0x000000EF", parameters: [hex(object), "0x0", "0x0", "0x0"] });
  life.exitStatus = exitStatus >>> 0;
  if (life.exitSync === 0) finishExit(ctx, p, life);
  return STATUS.SUCCESS;
}

// ---- jobs -----------------------------------------------------------------------------------

interface Job {
  processes: Set<bigint>;
  limitFlags: number;
  info: Map<number, Uint8Array>;
}
const jobs = componentState("jobs", () => new Map<bigint, Job>());
function jobOfHandle(ctx: ApiContext, h: bigint): [bigint, Job] | number {
  const e = lookupHandle(ctx.kernel, h);
  if (!e) return STATUS.INVALID_HANDLE;
  if (e.type !== "Job" || e.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
  const j = jobs(ctx.kernel).get(e.object);
  return j ? [e.object, j] : STATUS.INVALID_HANDLE;
}
/** JOBOBJECTINFOCLASS → the structure's size on this arch (winnt.h). */
function jobInfoSize(cls: number): number | null {
  const x64 = ptrSize() === 8;
  if (cls === 2) return x64 ? 64 : 48; // JobObjectBasicLimitInformation
  if (cls === 9) return x64 ? 144 : 112; // JobObjectExtendedLimitInformation
  if (cls === 4 || cls === 6) return 4; // JobObjectBasicUIRestrictions, JobObjectEndOfJobTimeInformation
  return null;
}

// ---- information classes ------------------------------------------------------------------

/** ZwSetInformationProcess classes kmdll records: class → size (winternl.h / ntddk.h; ReactOS ntpsapi.h). */
function processInfoSize(cls: number): number | null {
  const P = ptrSize();
  switch (cls) {
    case 5: // ProcessBasePriority (KPRIORITY)
    case 29: // ProcessBreakOnTermination (ULONG)
    case 33: // ProcessIoPriority
    case 39: // ProcessPagePriority
      return 4;
    case 18: // ProcessPriorityClass: { BOOLEAN Foreground; UCHAR PriorityClass }
      return 2;
    case 21: // ProcessAffinityMask (KAFFINITY)
      return P;
    case 9: // ProcessAccessToken: PROCESS_ACCESS_TOKEN
      return 2 * P;
    default:
      return null;
  }
}
/** ZwSetInformationThread classes: class → size (ntddk.h THREADINFOCLASS). */
function threadInfoSize(cls: number): number | null {
  const P = ptrSize();
  switch (cls) {
    case 2: // ThreadPriority
    case 3: // ThreadBasePriority
    case 13: // ThreadIdealProcessor
    case 14: // ThreadPriorityBoost
    case 18: // ThreadBreakOnTermination
      return 4;
    case 4: // ThreadAffinityMask
    case 5: // ThreadImpersonationToken (HANDLE)
    case 9: // ThreadQuerySetWin32StartAddress
      return P;
    case 17: // ThreadHideFromDebugger
      return 0;
    default:
      return null;
  }
}
const threadInfo = componentState("thread-set-info", () => new Map<bigint, Map<number, Uint8Array>>());
const threadPriorityOK = (cls: number, v: number) => (cls !== 2 || (v >= 1 && v <= 31)) && (cls !== 3 || (v >= -16 && v <= 16));

function cidOf(ctx: ApiContext, cid: bigint): { pid: bigint; tid: bigint } {
  const P = B(ptrSize());
  return { pid: readPtr(ctx.mem, cid), tid: readPtr(ctx.mem, cid + P) };
}

export const apis: ApiDefinition[] = [
  nt("ZwTerminateProcess", 2, (ctx) => {
    const [h, status] = [ctx.arg(0), ctx.u32(1)];
    ctx.describe([hex(h), hex(status)]);
    // NULL: every other thread of the current process; in the System process that is refused too.
    if (h === 0n) return isSystem(ctx, attachedProcess(ctx)) ? STATUS.ACCESS_DENIED : terminateProcess(ctx, attachedProcess(ctx), status, "ZwTerminateProcess");
    const p = processOfHandle(ctx, h);
    if (typeof p === "number") return p;
    return terminateProcess(ctx, p, status, "ZwTerminateProcess");
  }),
  nt("ZwOpenThread", 4, (ctx) => {
    const [out, access, oa, cid] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(out), hex(access), hex(oa), hex(cid)]);
    if (cid === 0n) return STATUS.INVALID_PARAMETER;
    const { pid, tid } = cidOf(ctx, cid);
    const t = threadById(ctx, tid);
    // Every thread object kmdll has belongs to the System process (PID 4).
    if (t === null || (pid !== 0n && pid !== 4n)) return STATUS_INVALID_CID;
    const attributes = oa === 0n ? 0 : ctx.mem.u32(oa + B(LAYOUT.OBJECT_ATTRIBUTES.Attributes));
    writePtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Thread", object: t, access, kernelHandle: (attributes & OBJ_KERNEL_HANDLE) !== 0 }));
    return STATUS.SUCCESS;
  }),
  nt("PsLookupProcessThreadByCid", 3, (ctx) => {
    const [cid, procOut, threadOut] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(cid), hex(procOut), hex(threadOut)]);
    const { pid, tid } = cidOf(ctx, cid);
    const t = threadById(ctx, tid);
    if (t === null || pid !== 4n) return STATUS_INVALID_CID;
    reference(ctx, t, "PsLookupProcessThreadByCid", holderOf(ctx));
    writePtr(ctx.mem, threadOut, t);
    if (procOut !== 0n) {
      reference(ctx, systemProcess(ctx), "PsLookupProcessThreadByCid", holderOf(ctx));
      writePtr(ctx.mem, procOut, systemProcess(ctx));
    }
    return STATUS.SUCCESS;
  }),
  nt("ZwSetInformationProcess", 4, (ctx) => {
    const [h, cls, buf, len] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3)];
    ctx.describe([hex(h), String(cls), hex(buf), String(len)]);
    const p = processOfHandle(ctx, h);
    if (typeof p === "number") return p;
    const size = processInfoSize(cls);
    if (size === null) {
      ctx.warn(`kmdll does not implement ZwSetInformationProcess class ${cls}`, { kind: "unimplemented-api" });
      return STATUS.INVALID_INFO_CLASS;
    }
    if (len !== size) return STATUS.INFO_LENGTH_MISMATCH;
    const img = ctx.mem.read(buf, size);
    const e = requireProcess(ctx, p, "ZwSetInformationProcess");
    const life = processLife(ctx.kernel, e);
    if (life.exitStatus !== undefined) return STATUS_PROCESS_IS_TERMINATING;
    if (cls === 9) {
      const status = setPrimaryToken(ctx, p, readPtr(ctx.mem, buf));
      if (status !== STATUS.SUCCESS) return status;
    }
    if (cls === 29) life.breakOnTermination = new DataView(img.buffer).getUint32(0, true) !== 0;
    life.info.set(cls, img);
    return STATUS.SUCCESS;
  }),
  nt("ZwSetInformationThread", 4, (ctx) => {
    const [h, cls, buf, len] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3)];
    ctx.describe([hex(h), String(cls), hex(buf), String(len)]);
    const t = threadOfHandle(ctx, h);
    if (typeof t === "number") return t;
    const size = threadInfoSize(cls);
    if (size === null) {
      ctx.warn(`kmdll does not implement ZwSetInformationThread class ${cls}`, { kind: "unimplemented-api" });
      return STATUS.INVALID_INFO_CLASS;
    }
    if (len !== size) return STATUS.INFO_LENGTH_MISMATCH;
    const img = ctx.mem.read(buf, size);
    if (size === 4 && !threadPriorityOK(cls, new DataView(img.buffer).getInt32(0, true))) return STATUS.INVALID_PARAMETER;
    if (cls === 5) {
      const status = setThreadImpersonation(ctx, t, readPtr(ctx.mem, buf));
      if (status !== STATUS.SUCCESS) return status;
    }
    // The priorities KeQueryPriorityThread / KeSetBasePriorityThread work on (threadx.ts).
    if (cls === 2) setThreadPriority(ctx, t, { priority: new DataView(img.buffer).getInt32(0, true) });
    if (cls === 3) setThreadPriority(ctx, t, { base: new DataView(img.buffer).getInt32(0, true) });
    const m = threadInfo(ctx.kernel);
    if (!m.has(t)) m.set(t, new Map());
    m.get(t)!.set(cls, img);
    return STATUS.SUCCESS;
  }),
  nt("PsSuspendProcess", 1, (ctx) => {
    const p = requireProcess(ctx, ctx.arg(0), "PsSuspendProcess");
    ctx.describe([hex(ctx.arg(0)), p.name]);
    const life = processLife(ctx.kernel, p);
    if (life.exitStatus !== undefined) return STATUS_PROCESS_IS_TERMINATING;
    if (p.pid === 4) ctx.warn("PsSuspendProcess(System): kmdll counts the suspension but does not suspend its kernel threads");
    life.suspendCount++;
    return STATUS.SUCCESS;
  }),
  nt("PsResumeProcess", 1, (ctx) => {
    const p = requireProcess(ctx, ctx.arg(0), "PsResumeProcess");
    ctx.describe([hex(ctx.arg(0)), p.name]);
    const life = processLife(ctx.kernel, p);
    if (life.exitStatus !== undefined) return STATUS_PROCESS_IS_TERMINATING;
    if (life.suspendCount > 0) life.suspendCount--;
    return STATUS.SUCCESS;
  }),
  nt("PsGetProcessDebugPort", 1, (ctx) => (requireProcess(ctx, ctx.arg(0), "PsGetProcessDebugPort"), 0n)),
  nt("PsGetProcessExitProcessCalled", 1, (ctx) => (processLife(ctx.kernel, requireProcess(ctx, ctx.arg(0), "PsGetProcessExitProcessCalled")).exitStatus !== undefined ? 1 : 0)),
  nt("PsAcquireProcessExitSynchronization", 1, (ctx) => {
    const life = processLife(ctx.kernel, requireProcess(ctx, ctx.arg(0), "PsAcquireProcessExitSynchronization"));
    if (life.exitStatus !== undefined) return STATUS_PROCESS_IS_TERMINATING;
    life.exitSync++;
    return STATUS.SUCCESS;
  }),
  nt("PsReleaseProcessExitSynchronization", 1, (ctx) => {
    const p = requireProcess(ctx, ctx.arg(0), "PsReleaseProcessExitSynchronization");
    const life = processLife(ctx.kernel, p);
    if (life.exitSync === 0) return ctx.fault("bugcheck", `PsReleaseProcessExitSynchronization(${hex(ctx.arg(0))}): not acquired (the process's rundown protection would underflow)`, { code: "0x00000005" });
    life.exitSync--;
    if (life.exitSync === 0 && life.exitStatus !== undefined) finishExit(ctx, p, life);
  }),
  // No window manager runs (win32k family): no process has a Win32 process structure, so this is
  // a stub (Windows gives GUI processes — csrss, winlogon, explorer — a W32PROCESS).
  { ...nt("PsGetProcessWin32Process", 1, (ctx) => (requireProcess(ctx, ctx.arg(0), "PsGetProcessWin32Process"), 0n)), stub: true, notes: "NULL for every process: no win32k session runs" },
  nt("SeLocateProcessImageName", 2, (ctx) => {
    const [process, out] = [ctx.arg(0), ctx.arg(1)];
    const p = requireProcess(ctx, process, "SeLocateProcessImageName");
    ctx.describe([hex(process), p.name, hex(out)]);
    // One paged-pool block: the UNICODE_STRING, then the NT path of the image (empty for System).
    const chars = encodeUtf16(p.imagePath);
    const us = LAYOUT.UNICODE_STRING.$size;
    const a = ctx.pool.allocate(us + chars.length + 2, 0x6e506553 /* 'SePn' */, 1, true);
    if (a === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.setU16(a, chars.length);
    ctx.mem.setU16(a + 2n, chars.length + 2);
    writePtr(ctx.mem, a + B(LAYOUT.UNICODE_STRING.Buffer), a + B(us));
    ctx.mem.write(a + B(us), chars);
    writePtr(ctx.mem, out, a);
    return STATUS.SUCCESS;
  }),
  nt("KeIsAttachedProcess", 0, (ctx) => (isAttached(ctx) ? 1 : 0)),
  // System threads have no TEB (Learn: the TEB is a user-mode structure).
  nt("PsGetThreadTeb", 1, (ctx) => (requireThread(ctx, ctx.arg(0), "PsGetThreadTeb"), 0n)),
  nt("ZwCreateJobObject", 3, (ctx) => {
    const [out, access, oa] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    ctx.describe([hex(out), hex(access), hex(oa)]);
    const attributes = oa === 0n ? 0 : ctx.mem.u32(oa + B(LAYOUT.OBJECT_ATTRIBUTES.Attributes));
    const body = ctx.kernel.kernelPool?.allocate(0x40, TAG_JOB) ?? 0n;
    if (body === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    const job: Job = { processes: new Set(), limitFlags: 0, info: new Map() };
    jobs(ctx.kernel).set(body, job);
    // JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the processes are terminated when the job object goes
    // (its last handle closed and no reference left).
    registerObject(ctx.kernel, body, {
      type: "Job",
      pointerCount: 0,
      onDelete: (c) => {
        for (const p of [...job.processes]) {
          const e = emu(ctx, p);
          if (e) processLife(ctx.kernel, e).job = undefined;
          if (c && job.limitFlags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE && e && processLife(ctx.kernel, e).exitStatus === undefined) terminateProcess(c, p, 0, "ZwClose(job)");
        }
        jobs(ctx.kernel).delete(body);
        ctx.kernel.kernelPool?.free(body);
      },
    });
    writePtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Job", object: body, access, kernelHandle: (attributes & OBJ_KERNEL_HANDLE) !== 0 }));
    return STATUS.SUCCESS;
  }),
  nt("ZwAssignProcessToJobObject", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    const j = jobOfHandle(ctx, ctx.arg(0));
    if (typeof j === "number") return j;
    const p = processOfHandle(ctx, ctx.arg(1));
    if (typeof p === "number") return p;
    if (isSystem(ctx, p)) return STATUS.ACCESS_DENIED;
    const life = processLife(ctx.kernel, requireProcess(ctx, p, "ZwAssignProcessToJobObject"));
    if (life.exitStatus !== undefined) return STATUS_PROCESS_IS_TERMINATING;
    if (life.job === j[0]) return STATUS.SUCCESS;
    // Nested jobs are not modelled: a process in another job is refused (the pre-Windows 8 rule).
    if (life.job !== undefined) return STATUS.ACCESS_DENIED;
    life.job = j[0];
    j[1].processes.add(p);
    return STATUS.SUCCESS;
  }),
  nt("ZwIsProcessInJob", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    const p = processOfHandle(ctx, ctx.arg(0));
    if (typeof p === "number") return p;
    const life = processLife(ctx.kernel, requireProcess(ctx, p, "ZwIsProcessInJob"));
    if (ctx.arg(1) === 0n) return life.job !== undefined ? STATUS_PROCESS_IN_JOB : STATUS_PROCESS_NOT_IN_JOB;
    const j = jobOfHandle(ctx, ctx.arg(1));
    if (typeof j === "number") return j;
    return life.job === j[0] ? STATUS_PROCESS_IN_JOB : STATUS_PROCESS_NOT_IN_JOB;
  }),
  nt("ZwSetInformationJobObject", 4, (ctx) => {
    const [h, cls, buf, len] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3)];
    ctx.describe([hex(h), String(cls), hex(buf), String(len)]);
    const j = jobOfHandle(ctx, h);
    if (typeof j === "number") return j;
    const size = jobInfoSize(cls);
    if (size === null) {
      ctx.warn(`kmdll does not implement ZwSetInformationJobObject class ${cls}`, { kind: "unimplemented-api" });
      return STATUS.INVALID_INFO_CLASS;
    }
    if (len !== size) return STATUS.INFO_LENGTH_MISMATCH;
    const img = ctx.mem.read(buf, size);
    if (cls === 2 || cls === 9) j[1].limitFlags = new DataView(img.buffer).getUint32(16, true);
    j[1].info.set(cls, img);
    return STATUS.SUCCESS;
  }),
  nt("ZwTerminateJobObject", 2, (ctx) => {
    const [h, status] = [ctx.arg(0), ctx.u32(1)];
    ctx.describe([hex(h), hex(status)]);
    const j = jobOfHandle(ctx, h);
    if (typeof j === "number") return j;
    for (const p of [...j[1].processes]) {
      const e = emu(ctx, p);
      if (e && processLife(ctx.kernel, e).exitStatus === undefined) terminateProcess(ctx, p, status, "ZwTerminateJobObject");
    }
    return STATUS.SUCCESS;
  }),
];
