/**
 * Processes, threads and object queries: PsLookupProcessByProcessId / PsLookupThreadByThreadId,
 * KeStackAttachProcess / KeUnstackDetachProcess (and the older KeAttachProcess/KeDetachProcess),
 * Ps*Process* accessors, ZwOpenProcess, ZwQueryInformationProcess, ObOpenObjectByPointer,
 * ObQueryNameString and ZwQuerySystemInformation (SystemBasicInformation,
 * SystemModuleInformation listing the loaded modules, SystemProcessInformation,
 * SystemKernelDebuggerInformation: no debugger, SystemCodeIntegrityInformation: enforced).
 *
 * The processes are a booted system's (processes.ts): System (PID 4), whose threads are the
 * current thread (TID 8) and the system threads drivers create (src/emu/sched), and the user
 * processes of a logged-on session (on x64 and x86 alike). Layouts:
 * RTL_PROCESS_MODULES and SYSTEM_BASIC_INFORMATION as documented by the ntddk/ReactOS headers,
 * laid out for the emulated arch (pointer-sized fields 4 bytes on x86: RTL_PROCESS_MODULE_INFORMATION
 * 284 bytes after a 4-byte count, 296 after 8 on x64; SYSTEM_BASIC_INFORMATION 44 / 64 bytes;
 * PROCESS_BASIC_INFORMATION 24 / 48; OBJECT_NAME_INFORMATION 8 / 16; SYSTEM_PROCESS_INFORMATION
 * for both arches in process-info.ts); EPROCESS.ImageFileName at
 * 0x5A8 (x64) / 0x1AC (x86) follows Windows 10 22H2 (undocumented; processes.ts).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { firmwareTableInformation } from "./firmware.js";
import { timeOfDayInformation } from "./timeofday.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { encodeLatin1, encodeUtf16, hex, nt, q, readPtr, writePtr } from "./util.js";
import { insertHandle, lookupHandle, objectManager, reference } from "./ob.js";
import { holderOf } from "../obmgr/index.js";
import { sched } from "../sched/index.js";
import { BOOT_SYSTEM_TIME, currentThread } from "./ke.js";
import { eprocessLayout, processByObject, processByPid, processLife, processTable, protectionType, type EmuProcess } from "./processes.js";
import { processInformation } from "./process-info.js";
import { KTHREAD_APCSTATE_PROCESS } from "../system.js";
import { activeProcessorMask, processorCount } from "../machine/topology.js";
import { builtinModulePath } from "../../nt/system-modules.js";

const B = (n: number) => BigInt(n);
export const SYSTEM_PID = 4n;
const CURRENT_TID = 8n;
/** KAPC_STATE (wdm.h): 0x30 bytes on x64, 0x18 on x86. */
const KAPC_STATE_SIZE = 0x30;
const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004;
const STATUS_INVALID_CID = 0xc000000b;

export function systemProcess(ctx: ApiContext): bigint {
  const p = ctx.kernel.currentProcess ?? 0xfffff80200003000n;
  // ImageFileName (15 characters + NUL), written on first use (processes.ts writes it at boot).
  const name = p + B(eprocessLayout().ImageFileName);
  if (ctx.mem.isMapped(name, 16) && ctx.mem.u8(name) === 0) ctx.mem.write(name, encodeLatin1("System\0"));
  return p;
}

/** Thread object by ID: the current thread (8) or a system thread a driver created. */
export function threadById(ctx: ApiContext, id: bigint): bigint | null {
  if (id === CURRENT_TID) return currentThread(ctx);
  for (const t of sched(ctx).threads.values()) if (t.id === id && t.state !== "terminated") return t.object;
  return null;
}
export function threadId(ctx: ApiContext, thread: bigint): bigint | null {
  if (thread === currentThread(ctx)) return CURRENT_TID;
  return sched(ctx).threads.get(thread)?.id ?? null;
}
/**
 * IoGetRequestorProcess(Id) (their handlers are in io.ts): the process of the thread that sent
 * the IRP (Irp->Tail.Overlay.Thread's ThreadsProcess, as ReactOS's IoGetRequestorProcess reads
 * it); NULL / 0 for an IRP without a thread (Learn). Every emulated thread belongs to the System
 * process, as PsGetCurrentProcessId answers.
 */
export function requestorProcess(ctx: ApiContext, api: string): bigint {
  const irp = ctx.arg(0);
  ctx.describe([hex(irp)]);
  const thread = readPtr(ctx.mem, irp + B(LAYOUT.IRP["Tail.Overlay.Thread"]));
  if (thread === 0n) return 0n;
  if (threadId(ctx, thread) === null) ctx.fault("invalid-read", `${api}(${hex(irp)}): Irp->Tail.Overlay.Thread ${hex(thread)} is not a thread object`, { address: hex(thread) });
  return systemProcess(ctx);
}
function isProcess(ctx: ApiContext, p: bigint): boolean {
  return p === systemProcess(ctx) || processByObject(ctx.kernel, ctx.mem, p) !== undefined;
}
function requireProcess(ctx: ApiContext, p: bigint, api: string): EmuProcess {
  const system = p === systemProcess(ctx);
  const e = processByObject(ctx.kernel, ctx.mem, p) ?? (system ? { pid: 4, parent: 0, name: "System", session: 0, object: p, imagePath: "", createTime: BOOT_SYSTEM_TIME } : undefined);
  if (!e) return ctx.fault("bugcheck", `${api}(${hex(p)}): not a process object`, { code: "0x00000005" });
  return e;
}

/** Resolve a process handle: NtCurrentProcess() (-1) or a handle from ZwOpenProcess / ObOpenObjectByPointer. */
export function processOfHandle(ctx: ApiContext, h: bigint): bigint | number {
  // NtCurrentProcess() is the current process: the attached one while attached (PsGetCurrentProcess).
  if (BigInt.asIntN(8 * ptrSize(), h) === -1n) return attachedProcess(ctx);
  if (BigInt.asIntN(8 * ptrSize(), h) === -2n) return STATUS.OBJECT_TYPE_MISMATCH; // NtCurrentThread()
  const e = lookupHandle(ctx.kernel, h);
  if (!e) return STATUS.INVALID_HANDLE;
  if (e.type !== "Process" || e.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
  return e.object;
}

/**
 * A thread: `pointer` false — a thread handle (NtCurrentThread() -2, or a handle of type Thread);
 * true — a thread object pointer (ETHREAD). A status when it is neither.
 */
export function threadOfHandle(ctx: ApiContext, h: bigint, pointer = false): bigint | number {
  if (pointer) return threadId(ctx, h) === null ? STATUS.OBJECT_TYPE_MISMATCH : h;
  if (BigInt.asIntN(8 * ptrSize(), h) === -2n) return currentThread(ctx);
  if (BigInt.asIntN(8 * ptrSize(), h) === -1n) return STATUS.OBJECT_TYPE_MISMATCH; // NtCurrentProcess()
  const e = lookupHandle(ctx.kernel, h);
  if (!e) return STATUS.INVALID_HANDLE;
  if (e.type !== "Thread" || e.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
  return e.object;
}

interface AttachState {
  stack: { process: bigint; apcState: bigint }[];
}
const attachState = (ctx: ApiContext) => ctx.kernel.state<AttachState>("attach", () => ({ stack: [] }));

/** The process the current thread runs in: the innermost attached one, else System (KTHREAD.ApcState.Process). */
export function attachedProcess(ctx: ApiContext): bigint {
  const st = attachState(ctx);
  return st.stack.length ? st.stack[st.stack.length - 1]!.process : systemProcess(ctx);
}
/** KeIsAttachedProcess: whether the current thread is attached to a process (any KeStackAttachProcess/KeAttachProcess in effect). */
export function isAttached(ctx: ApiContext): boolean {
  return attachState(ctx).stack.length > 0;
}
function setApcStateProcess(ctx: ApiContext): void {
  const t = currentThread(ctx);
  if (ctx.mem.isMapped(t + BigInt(KTHREAD_APCSTATE_PROCESS), 8)) ctx.mem.setU64(t + BigInt(KTHREAD_APCSTATE_PROCESS), attachedProcess(ctx));
}

/** Object type export names → kmdll type names, for type checks against an OBJECT_TYPE pointer. */
const TYPE_EXPORTS: Record<string, string> = { PsProcessType: "Process", PsThreadType: "Thread", IoDeviceObjectType: "Device", IoDriverObjectType: "Driver", IoFileObjectType: "File", ExEventObjectType: "Event" };
function typeName(ctx: ApiContext, objectType: bigint): string | null {
  for (const [exp, name] of Object.entries(TYPE_EXPORTS)) {
    const slot = ctx.kernel.resolveKernelExport?.(exp);
    if (slot && ctx.mem.isMapped(slot, ptrSize()) && readPtr(ctx.mem, slot) === objectType) return name;
  }
  return null;
}
function objectType(ctx: ApiContext, obj: bigint): string | null {
  if (isProcess(ctx, obj)) return "Process";
  if (obj === currentThread(ctx)) return "Thread";
  return objectManager(ctx.kernel).objects.get(obj)?.type ?? null;
}

/** The loaded modules in SystemModuleInformation's order (the kernel's built-in ones first), with their path and where its file name starts. */
export function systemModules(ctx: ApiContext): { name: string; base: bigint; size: number; builtin: boolean; path: string; nameOffset: number }[] {
  return (ctx.kernel.loadedModules?.() ?? [])
    .sort((a, b) => Number(b.builtin) - Number(a.builtin))
    .map((m) => {
      const path = m.builtin ? builtinModulePath(m.name) : `\\SystemRoot\\System32\\drivers\\${m.name}`;
      return { ...m, path: path.slice(0, 255), nameOffset: path.length - m.name.length };
    });
}

function moduleInformation(ctx: ApiContext): Uint8Array {
  const mods = systemModules(ctx);
  const P = ptrSize();
  // RTL_PROCESS_MODULE_INFORMATION: Section, MappedBase, ImageBase (pointers), ImageSize, Flags,
  // LoadOrderIndex, InitOrderIndex, LoadCount, OffsetToFileName, FullPathName[256].
  const f = 3 * P;
  const size = f + 16 + 256; // 0x128 on x64, 0x11c on x86
  const first = P; // the ULONG count, then the array at pointer alignment
  const img = new Uint8Array(first + mods.length * size);
  const dv = new DataView(img.buffer);
  dv.setUint32(0, mods.length, true);
  mods.forEach((m, i) => {
    const o = first + i * size;
    if (P === 8) dv.setBigUint64(o + 2 * P, m.base, true); // ImageBase (MappedBase and Section stay 0)
    else dv.setUint32(o + 2 * P, Number(m.base & 0xffffffffn), true);
    dv.setUint32(o + f, m.size, true);
    dv.setUint32(o + f + 4, 0x08804000, true); // Flags: LDRP_ENTRY_PROCESSED | LDRP_IMAGE_DLL | ...
    dv.setUint16(o + f + 8, i, true);
    dv.setUint16(o + f + 10, i, true);
    dv.setUint16(o + f + 12, 1, true);
    const path = encodeLatin1(m.path);
    dv.setUint16(o + f + 14, m.nameOffset, true);
    img.set(path, o + f + 16);
  });
  return img;
}

function basicInformation(ctx: ApiContext): Uint8Array {
  // SYSTEM_BASIC_INFORMATION: seven ULONGs, then MinimumUserModeAddress, MaximumUserModeAddress,
  // ActiveProcessorsAffinityMask (pointer-sized) and NumberOfProcessors (64 bytes on x64, 44 on x86).
  const P = ptrSize();
  const img = new Uint8Array(P === 8 ? 64 : 44);
  const dv = new DataView(img.buffer);
  dv.setUint32(4, 156250, true); // TimerResolution
  dv.setUint32(8, 0x1000, true); // PageSize
  dv.setUint32(12, 0x80000, true); // NumberOfPhysicalPages (2 GiB)
  dv.setUint32(16, 1, true); // LowestPhysicalPageNumber
  dv.setUint32(20, 0x7ffff, true); // HighestPhysicalPageNumber
  dv.setUint32(24, 0x10000, true); // AllocationGranularity
  const ptr = (off: number, v: bigint) => (P === 8 ? dv.setBigUint64(off, v, true) : dv.setUint32(off, Number(v), true));
  const at = P === 8 ? 32 : 28;
  ptr(at, 0x10000n); // MinimumUserModeAddress
  ptr(at + P, P === 8 ? 0x7ffffffeffffn : 0x7ffeffffn); // MaximumUserModeAddress
  ptr(at + 2 * P, activeProcessorMask(ctx.kernel)); // ActiveProcessorsAffinityMask (machine/topology.ts)
  img[at + 3 * P] = processorCount(ctx.kernel); // NumberOfProcessors
  return img;
}

/** x86: one SYSTEM_PROCESS_INFORMATION for System (x64 lists every process: process-info.ts). */
export const apis: ApiDefinition[] = [
  nt("PsLookupProcessByProcessId", 2, (ctx) => {
    const pid = ctx.arg(0);
    ctx.describe([hex(pid), hex(ctx.arg(1))]);
    const p = pid === SYSTEM_PID ? systemProcess(ctx) : processByPid(ctx.kernel, ctx.mem, pid)?.object;
    if (p === undefined) return STATUS.INVALID_PARAMETER;
    reference(ctx, p, "PsLookupProcessByProcessId", holderOf(ctx));
    writePtr(ctx.mem, ctx.arg(1), p);
    return STATUS.SUCCESS;
  }),
  nt("PsLookupThreadByThreadId", 2, (ctx) => {
    const t = threadById(ctx, ctx.arg(0));
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    if (t === null) return STATUS.INVALID_PARAMETER;
    reference(ctx, t, "PsLookupThreadByThreadId", holderOf(ctx));
    writePtr(ctx.mem, ctx.arg(1), t);
    return STATUS.SUCCESS;
  }),
  nt("KeStackAttachProcess", 2, (ctx) => {
    const p = ctx.arg(0);
    const apc = ctx.arg(1);
    ctx.describe([hex(p), hex(apc)]);
    requireProcess(ctx, p, "KeStackAttachProcess");
    if (ctx.kernel.irql > 2) ctx.fault("bugcheck", "KeStackAttachProcess above DISPATCH_LEVEL", { code: "0x0000000A" });
    ctx.mem.write(apc, new Uint8Array(ptrSize() === 8 ? KAPC_STATE_SIZE : 0x18));
    // The saved state points back at the process the thread came from (the System process here).
    writePtr(ctx.mem, apc + (ptrSize() === 8 ? 0x20n : 0x10n), attachedProcess(ctx)); // KAPC_STATE.Process (after two LIST_ENTRYs)
    attachState(ctx).stack.push({ process: p, apcState: apc });
    setApcStateProcess(ctx);
  }),
  nt("KeUnstackDetachProcess", 1, (ctx) => {
    const apc = ctx.arg(0);
    const st = attachState(ctx);
    const top = st.stack[st.stack.length - 1];
    if (!top || top.apcState !== apc)
      ctx.fault("bugcheck", `KeUnstackDetachProcess(${hex(apc)}): not the APC state of the innermost KeStackAttachProcess (INVALID_PROCESS_DETACH_ATTEMPT)`, { code: "0x00000006" });
    st.stack.pop();
    setApcStateProcess(ctx);
  }),
  nt("KeAttachProcess", 1, (ctx) => {
    requireProcess(ctx, ctx.arg(0), "KeAttachProcess");
    const st = attachState(ctx);
    if (st.stack.some((s) => s.apcState === 0n)) ctx.fault("bugcheck", "KeAttachProcess: already attached (INVALID_PROCESS_ATTACH_ATTEMPT)", { code: "0x00000005" });
    st.stack.push({ process: ctx.arg(0), apcState: 0n });
    setApcStateProcess(ctx);
  }),
  nt("KeDetachProcess", 0, (ctx) => {
    const st = attachState(ctx);
    const top = st.stack[st.stack.length - 1];
    if (!top || top.apcState !== 0n) ctx.fault("bugcheck", "KeDetachProcess without KeAttachProcess (INVALID_PROCESS_DETACH_ATTEMPT)", { code: "0x00000006" });
    st.stack.pop();
    setApcStateProcess(ctx);
  }),
  nt("PsGetProcessImageFileName", 1, (ctx) => {
    requireProcess(ctx, ctx.arg(0), "PsGetProcessImageFileName");
    return ctx.arg(0) + B(eprocessLayout().ImageFileName);
  }),
  nt("PsGetProcessSectionBaseAddress", 1, (ctx) => (requireProcess(ctx, ctx.arg(0), "PsGetProcessSectionBaseAddress"), 0n)),
  nt("PsGetProcessPeb", 1, (ctx) => (requireProcess(ctx, ctx.arg(0), "PsGetProcessPeb"), 0n)),
  nt("PsGetProcessWow64Process", 1, (ctx) => (requireProcess(ctx, ctx.arg(0), "PsGetProcessWow64Process"), 0n)),
  nt("PsGetProcessInheritedFromUniqueProcessId", 1, (ctx) => BigInt(requireProcess(ctx, ctx.arg(0), "PsGetProcessInheritedFromUniqueProcessId").parent)),
  nt("PsGetProcessExitStatus", 1, (ctx) => processLife(ctx.kernel, requireProcess(ctx, ctx.arg(0), "PsGetProcessExitStatus")).exitStatus ?? STATUS.PENDING),
  nt("PsGetProcessCreateTimeQuadPart", 1, (ctx) => requireProcess(ctx, ctx.arg(0), "PsGetProcessCreateTimeQuadPart").createTime),
  nt("PsGetProcessSessionId", 1, (ctx) => requireProcess(ctx, ctx.arg(0), "PsGetProcessSessionId").session),
  nt("PsIsProtectedProcess", 1, (ctx) => (protectionType(requireProcess(ctx, ctx.arg(0), "PsIsProtectedProcess")) === 2 ? 1 : 0)),
  nt("PsGetThreadProcess", 1, (ctx) => (threadId(ctx, ctx.arg(0)) === null ? ctx.fault("invalid-read", `PsGetThreadProcess(${hex(ctx.arg(0))}): not a thread object`, { address: hex(ctx.arg(0)) }) : systemProcess(ctx))),
  nt("IoThreadToProcess", 1, (ctx) => (threadId(ctx, ctx.arg(0)) === null ? ctx.fault("invalid-read", `IoThreadToProcess(${hex(ctx.arg(0))}): not a thread object`, { address: hex(ctx.arg(0)) }) : systemProcess(ctx))),
  nt("PsGetThreadProcessId", 1, (ctx) => (threadId(ctx, ctx.arg(0)) === null ? 0n : SYSTEM_PID)),
  nt("PsIsThreadTerminating", 1, (ctx) => (sched(ctx).threads.get(ctx.arg(0))?.state === "terminated" ? 1 : 0)),
  nt("ZwOpenProcess", 4, (ctx) => {
    const out = ctx.arg(0);
    const cid = ctx.arg(3);
    ctx.describe([hex(out), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(cid)]);
    if (cid === 0n) return STATUS.INVALID_PARAMETER;
    const pid = readPtr(ctx.mem, cid);
    const p = pid === SYSTEM_PID ? systemProcess(ctx) : processByPid(ctx.kernel, ctx.mem, pid)?.object;
    if (p === undefined) return STATUS_INVALID_CID;
    const attributes = ctx.arg(2) === 0n ? 0 : ctx.mem.u32(ctx.arg(2) + B(LAYOUT.OBJECT_ATTRIBUTES.Attributes));
    writePtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Process", object: p, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 }));
    return STATUS.SUCCESS;
  }),
  nt("ZwQueryInformationProcess", 5, (ctx) => {
    const p = processOfHandle(ctx, ctx.arg(0));
    const cls = ctx.u32(1);
    const buf = ctx.arg(2);
    const len = ctx.u32(3);
    const ret = ctx.arg(4);
    ctx.describe([hex(ctx.arg(0)), String(cls), hex(buf), String(len), hex(ret)]);
    if (typeof p === "number") return p;
    const proc = processByObject(ctx.kernel, ctx.mem, p);
    let img: Uint8Array;
    if (cls === 0) {
      // PROCESS_BASIC_INFORMATION: ExitStatus, PebBaseAddress, AffinityMask, BasePriority, UniqueProcessId, InheritedFrom...
      const P = ptrSize();
      img = new Uint8Array(6 * P);
      const dv = new DataView(img.buffer);
      dv.setUint32(0, (proc && processLife(ctx.kernel, proc).exitStatus) ?? STATUS.PENDING, true);
      const put = (at: number, v: bigint) => (P === 8 ? dv.setBigUint64(at, v, true) : dv.setUint32(at, Number(v), true));
      dv.setUint32(2 * P, 1, true);
      dv.setUint32(3 * P, 8, true);
      put(4 * P, BigInt(proc?.pid ?? 4));
      put(5 * P, BigInt(proc?.parent ?? 0));
    } else if (cls === 26) img = new Uint8Array(ptrSize()); // ProcessWow64Information: NULL
    else if (cls === 29) img = Uint8Array.of(proc && processLife(ctx.kernel, proc).breakOnTermination ? 1 : 0, 0, 0, 0); // ProcessBreakOnTermination (ULONG)
    else if (cls === 27) {
      // ProcessImageFileName: UNICODE_STRING + the NT path of the image (empty for System).
      const P = ptrSize();
      const path = encodeUtf16(proc?.imagePath ?? "");
      img = new Uint8Array(2 * P + path.length + (path.length ? 2 : 0));
      const dv = new DataView(img.buffer);
      dv.setUint16(0, path.length, true);
      dv.setUint16(2, path.length ? path.length + 2 : 0, true);
      if (path.length) {
        if (P === 8) dv.setBigUint64(8, buf + 16n, true);
        else dv.setUint32(4, Number(buf + 8n), true);
      }
      img.set(path, 2 * P);
    } else return STATUS.INVALID_INFO_CLASS;
    if (ret !== 0n) ctx.mem.setU32(ret, img.length);
    if (len !== img.length && !(cls === 27 && len > img.length)) return STATUS_INFO_LENGTH_MISMATCH;
    ctx.mem.write(buf, img);
    return STATUS.SUCCESS;
  }),
  nt("ObOpenObjectByPointer", 7, (ctx) => {
    const obj = ctx.arg(0);
    const attributes = ctx.u32(1);
    const type = ctx.arg(4);
    const out = ctx.arg(6);
    ctx.describe([hex(obj), hex(attributes), hex(ctx.arg(2)), hex(ctx.u32(3)), hex(type), ctx.u32(5) & 0xff ? "UserMode" : "KernelMode", hex(out)]);
    const have = objectType(ctx, obj);
    if (have === null) return ctx.fault("bugcheck", `ObOpenObjectByPointer(${hex(obj)}): not an object (BAD_OBJECT_HEADER)`, { code: "0x00000189" });
    if (type !== 0n) {
      const want = typeName(ctx, type);
      if (want !== null && want !== have) return STATUS.OBJECT_TYPE_MISMATCH;
    }
    writePtr(ctx.mem, out, insertHandle(ctx.kernel, { type: have, object: obj, access: ctx.u32(3), kernelHandle: (attributes & 0x200) !== 0 }));
    return STATUS.SUCCESS;
  }),
  nt("ObQueryNameString", 4, (ctx) => {
    const obj = ctx.arg(0);
    const buf = ctx.arg(1);
    const len = ctx.u32(2);
    const ret = ctx.arg(3);
    const o = objectManager(ctx.kernel).objects.get(obj);
    if (!o && !isProcess(ctx, obj) && obj !== currentThread(ctx)) ctx.fault("bugcheck", `ObQueryNameString(${hex(obj)}): not an object`, { code: "0x00000189" });
    const name = o?.name && o.name.startsWith("\\") ? o.name : "";
    ctx.describe([hex(obj), hex(buf), String(len), q(name)]);
    // OBJECT_NAME_INFORMATION: UNICODE_STRING followed by the characters (NUL-terminated when named).
    const chars = encodeUtf16(name);
    const us = B(LAYOUT.UNICODE_STRING.$size);
    const need = Number(us) + (name ? chars.length + 2 : 0);
    if (ret !== 0n) ctx.mem.setU32(ret, need);
    if (len < need) return STATUS_INFO_LENGTH_MISMATCH;
    ctx.mem.setU16(buf, chars.length);
    ctx.mem.setU16(buf + 2n, name ? chars.length + 2 : 0);
    writePtr(ctx.mem, buf + B(LAYOUT.UNICODE_STRING.Buffer), name ? buf + us : 0n);
    if (name) {
      ctx.mem.write(buf + us, chars);
      ctx.mem.setU16(buf + us + B(chars.length), 0);
    }
    return STATUS.SUCCESS;
  }),
  ...(["ZwQuerySystemInformation", "NtQuerySystemInformation"] as const).map((name) =>
    nt(name, 4, (ctx) => {
      const cls = ctx.u32(0);
      const buf = ctx.arg(1);
      const len = ctx.u32(2);
      const ret = ctx.arg(3);
      ctx.describe([cls === 0 ? "SystemBasicInformation" : cls === 5 ? "SystemProcessInformation" : cls === 11 ? "SystemModuleInformation" : cls === 57 ? "SystemExtendedProcessInformation" : cls === 76 ? "SystemFirmwareTableInformation" : cls === 3 ? "SystemTimeOfDayInformation" : String(cls), hex(buf), String(len), hex(ret)]);
      let img: Uint8Array;
      let exact = false;
      if (cls === 0) {
        img = basicInformation(ctx);
        exact = true;
      } else if (cls === 5 || cls === 57) img = processInformation(ctx, buf, cls === 57);
      else if (cls === 11) img = moduleInformation(ctx);
      else if (cls === 35) {
        // SystemKernelDebuggerInformation: { KernelDebuggerEnabled FALSE, KernelDebuggerNotPresent TRUE }.
        img = Uint8Array.from([0, 1]);
        exact = true;
      } else if (cls === 103) {
        // SystemCodeIntegrityInformation: { Length 8, CodeIntegrityOptions CODEINTEGRITY_OPTION_ENABLED }.
        img = Uint8Array.from([8, 0, 0, 0, 1, 0, 0, 0]);
        exact = true;
      } else if (cls === 76) return firmwareTableInformation(ctx, buf, len, ret);
      else if (cls === 3) return timeOfDayInformation(ctx, buf, len, ret);
      else return STATUS.INVALID_INFO_CLASS;
      if (ret !== 0n) ctx.mem.setU32(ret, img.length);
      if (cls === 11 && len < img.length && len >= 4) {
        // A short buffer still gets the module count and every entry that fits whole (Windows's
        // module query fills entries while they fit and counts them all; ReactOS's
        // ExpQueryModuleInformation does the same): some drivers read the count from it.
        const entry = 3 * ptrSize() + 16 + 256;
        const fit = len < ptrSize() ? 4 : ptrSize() + Math.floor((len - ptrSize()) / entry) * entry;
        ctx.mem.write(buf, img.subarray(0, fit));
      }
      if (exact ? len !== img.length : len < img.length) return STATUS_INFO_LENGTH_MISMATCH;
      ctx.mem.write(buf, img);
      return STATUS.SUCCESS;
    }),
  ),
  nt("PsGetThreadSessionId", 1, () => 0),
  nt("PsGetThreadWin32Thread", 1, () => 0n),
  nt("PsGetCurrentThreadWin32Thread", 0, () => 0n),
  nt("ObGetObjectType", 1, (ctx) => {
    const t = objectType(ctx, ctx.arg(0));
    const exp = t && Object.entries(TYPE_EXPORTS).find(([, n]) => n === t)?.[0];
    const slot = exp ? ctx.kernel.resolveKernelExport?.(exp) : null;
    return slot ? readPtr(ctx.mem, slot) : 0n;
  }),
];
