/**
 * The processes of a booted Windows: System (PID 4, the emulator's own EPROCESS) and the user
 * processes every installation runs after logon — smss, csrss (sessions 0 and 1), wininit,
 * winlogon, services, lsass, svchost, dwm, explorer — each a real EPROCESS object in kernel
 * memory, linked through ActiveProcessLinks from PsInitialSystemProcess, known to the object
 * manager (permanent objects) and listed by ZwQuerySystemInformation. Drivers look processes up
 * by name (SystemProcessInformation, PsGetProcessImageFileName) and then use them
 * (PsLookupProcessByProcessId, KeStackAttachProcess, ObOpenObjectByPointer, ZwOpenProcess).
 * The machine file's `processes` array replaces the list (docs/machine.md).
 *
 * What is not modelled: the user processes have no user address space (PEB, image base and
 * section are NULL; attaching changes no page tables) and their threads are listed but are not
 * thread objects (PsLookupThreadByThreadId does not find them).
 *
 * EPROCESS is opaque: the fields filled follow Windows 10 22H2 (build 19045, the build kmdll
 * reports; 2004 to 22H2 share one kernel layout, 19041's), offsets as the public symbols give them:
 *  - x64 (Vergilius Project, kernels/x64/windows-10/22h2/_EPROCESS): Pcb.Header.Type 0 (3),
 *    Pcb.DirectoryTableBase 0x28 (the one CR3 of kmdll's single address space, machine/paging.ts),
 *    UniqueProcessId 0x440, ActiveProcessLinks 0x448, InheritedFromUniqueProcessId 0x540,
 *    ImageFileName 0x5A8 (15 characters + NUL), Protection 0x87A; 0xA40 bytes.
 *  - x86 (the 19041 x86 ntoskrnl symbols as the ntdiff/headers project prints them,
 *    Win10_2004_20H1/x86/System32/ntoskrnl.exe; KPROCESS grew to 0xE0 in 2004, so the Windows 7 to
 *    1909 offsets 0xB4/0xB8 no longer hold): UniqueProcessId 0xE4, ActiveProcessLinks 0xE8,
 *    InheritedFromUniqueProcessId 0x170, ImageFileName 0x1AC, Protection 0x3A6; 0x4C0 bytes.
 * Protection is PS_PROTECTION: Type in bits 0-2, Signer in bits 4-7; none unless the machine file
 * sets it — PsIsProtectedProcess is TRUE for Type 2, "protected".
 *
 * The processes are linked through ActiveProcessLinks from PsActiveProcessHead (a LIST_ENTRY in
 * kernel pool: ntoskrnl does not export it; drivers reach it from PsInitialSystemProcess's links),
 * System first, on both arches, so the rootkit idiom works as on Windows: find ImageFileName by
 * scanning the current (System) EPROCESS for "System", UniqueProcessId by scanning for the PID,
 * ActiveProcessLinks just after it, then walk or unlink (process-links.ts sees an unlink).
 */
import type { GuestMemory, KernelState } from "./types.js";
import { componentState } from "./state.js";
import { CR3, machineOf, pagingModelled, type ProcessSpec } from "../machine/index.js";
import { registerObject } from "./ob.js";
import { BOOT_SYSTEM_TIME } from "./ke.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { VOLUME_DEVICE } from "../volume/volume.js";
import { readPtr, writePtr } from "./util.js";

/** EPROCESS offsets, Windows 10 22H2 x64 (see above). */
export const EPROCESS = { DirectoryTableBase: 0x28, UniqueProcessId: 0x440, ActiveProcessLinks: 0x448, InheritedFromUniqueProcessId: 0x540, ImageFileName: 0x5a8, Protection: 0x87a, $size: 0xa40 } as const;
/** EPROCESS offsets, Windows 10 22H2 x86 (see above; KPROCESS.DirectoryTableBase 0x18). */
export const EPROCESS_X86 = { DirectoryTableBase: 0x18, UniqueProcessId: 0xe4, ActiveProcessLinks: 0xe8, InheritedFromUniqueProcessId: 0x170, ImageFileName: 0x1ac, Protection: 0x3a6, $size: 0x4c0 } as const;
export type EprocessLayout = { readonly [K in keyof typeof EPROCESS]: number };
/** The EPROCESS layout of the emulated arch (ARM64 uses x64's, as kmdll's other ARM64 kernel objects do). */
export function eprocessLayout(): EprocessLayout {
  return ptrSize() === 4 ? EPROCESS_X86 : EPROCESS;
}
const TAG_PROC = 0x636f7250; // 'Proc'
const B = (n: number) => BigInt(n);

/**
 * A Windows 10 session after logon (PIDs as such a system shows them; parents that have exited —
 * the per-session smss instances, userinit — keep their PIDs, as on Windows).
 */
export const DEFAULT_PROCESSES: readonly ProcessSpec[] = [
  { pid: 4, parent: 0, name: "System", session: 0 },
  { pid: 92, parent: 4, name: "Registry", session: 0 },
  { pid: 340, parent: 4, name: "smss.exe", session: 0 },
  { pid: 448, parent: 436, name: "csrss.exe", session: 0 },
  { pid: 524, parent: 436, name: "wininit.exe", session: 0 },
  { pid: 532, parent: 516, name: "csrss.exe", session: 1 },
  { pid: 612, parent: 516, name: "winlogon.exe", session: 1 },
  { pid: 656, parent: 524, name: "services.exe", session: 0 },
  { pid: 676, parent: 524, name: "lsass.exe", session: 0 },
  { pid: 788, parent: 656, name: "svchost.exe", session: 0 },
  { pid: 832, parent: 656, name: "svchost.exe", session: 0 },
  { pid: 988, parent: 612, name: "dwm.exe", session: 1 },
  { pid: 3120, parent: 3088, name: "explorer.exe", session: 1 },
];

export interface EmuProcess extends ProcessSpec {
  object: bigint;
  /** The NT path of its image (ProcessImageFileName), "" for System and Registry. */
  imagePath: string;
  /** Creation time (100 ns units since 1601), a little after boot for each in turn. */
  createTime: bigint;
}

interface Table {
  list: EmuProcess[];
  byObject: Map<bigint, EmuProcess>;
  byPid: Map<bigint, EmuProcess>;
  head: bigint;
}

const table = componentState("process-table", (): Table => ({ list: [], byObject: new Map(), byPid: new Map(), head: 0n }));

function imagePathOf(p: ProcessSpec): string {
  if (p.pid === 4 || !/\.exe$/i.test(p.name)) return "";
  const dir = /^explorer\.exe$/i.test(p.name) ? "\\Windows\\" : "\\Windows\\System32\\";
  return `${VOLUME_DEVICE}${dir}${p.name}`;
}

/**
 * The process table, built on first use: EPROCESS objects (System's is the emulator's own),
 * ActiveProcessLinks in list order, object-manager entries. Built before a driver's first
 * routine runs (executor.ts), so a driver that walks the list without calling anything finds it.
 */
export function processTable(kernel: KernelState, mem: GuestMemory): Table {
  const t = table(kernel);
  if (t.head !== 0n || !kernel.kernelPool || kernel.currentProcess === undefined) return t;
  const specs = machineOf(kernel).spec.processes ?? DEFAULT_PROCESSES;
  const L = eprocessLayout();
  const x64 = ptrSize() === 8;
  // PsActiveProcessHead: an empty LIST_ENTRY (Flink = Blink = itself).
  const head = kernel.kernelPool.allocate(16, TAG_PROC);
  writePtr(mem, head, head);
  writePtr(mem, head + B(ptrSize()), head);
  t.head = head;
  let system = specs.find((p) => p.pid === 4) ?? DEFAULT_PROCESSES[0]!;
  const ordered = [system, ...specs.filter((p) => p !== system)];
  ordered.forEach((p, i) => {
    const isSystem = p === system;
    const object = isSystem ? kernel.currentProcess! : kernel.kernelPool!.allocate(L.$size, TAG_PROC);
    const e: EmuProcess = { ...p, object, imagePath: imagePathOf(p), createTime: BOOT_SYSTEM_TIME + BigInt(i) * 10_000_000n };
    if (isSystem) system = e;
    mem.setU8(object, 3); // DISPATCHER_HEADER.Type: ProcessObject
    const name = new Uint8Array(16);
    for (let c = 0; c < Math.min(15, p.name.length); c++) name[c] = p.name.charCodeAt(c) & 0xff;
    writePtr(mem, object + B(L.UniqueProcessId), BigInt(p.pid));
    if (x64 && pagingModelled(kernel)) mem.setU64(object + B(L.DirectoryTableBase), CR3);
    writePtr(mem, object + B(L.InheritedFromUniqueProcessId), BigInt(p.parent));
    mem.write(object + B(L.ImageFileName), name);
    mem.setU8(object + B(L.Protection), p.protection ?? 0);
    // InsertTailList(PsActiveProcessHead, &ActiveProcessLinks).
    const links = object + B(L.ActiveProcessLinks);
    const last = readPtr(mem, head + B(ptrSize()));
    writePtr(mem, links, head);
    writePtr(mem, links + B(ptrSize()), last);
    writePtr(mem, last, links);
    writePtr(mem, head + B(ptrSize()), links);
    if (!isSystem) registerObject(kernel, object, { type: "Process", name: p.name, pointerCount: 1, permanent: true });
    t.list.push(e);
    t.byObject.set(object, e);
    t.byPid.set(BigInt(p.pid), e);
  });
  return t;
}

export function processByObject(kernel: KernelState, mem: GuestMemory, object: bigint): EmuProcess | undefined {
  return processTable(kernel, mem).byObject.get(object);
}

export function processByPid(kernel: KernelState, mem: GuestMemory, pid: bigint): EmuProcess | undefined {
  return processTable(kernel, mem).byPid.get(pid);
}

/**
 * The process objects reachable from PsActiveProcessHead now, in list order (the walk stops at the
 * head, an unmapped link or a repeat). A driver may have unlinked some (process-links.ts): Windows
 * enumerates processes for SystemProcessInformation along this list (PsGetNextProcess), so a
 * hidden process is missing there too, while PsLookupProcessByProcessId (the CID table) still finds it.
 */
export function linkedProcesses(kernel: KernelState, mem: GuestMemory): Set<bigint> {
  const t = processTable(kernel, mem);
  const out = new Set<bigint>();
  if (t.head === 0n) return out;
  const at = B(eprocessLayout().ActiveProcessLinks);
  let e = t.head;
  for (let i = 0; i < t.list.length + 64; i++) {
    if (!mem.isMapped(e, ptrSize())) break;
    e = readPtr(mem, e);
    if (e === t.head || out.has(e - at)) break;
    out.add(e - at);
  }
  return out;
}

/** PS_PROTECTION.Type: 0 none, 1 light, 2 full (0 unless the machine file gives a protection byte). */
export function protectionType(p: EmuProcess): number {
  return (p.protection ?? 0) & 7;
}

/**
 * What happens to a process after boot (procctl.ts): termination (ExitStatus, ExitProcessCalled),
 * exit synchronization (PsAcquireProcessExitSynchronization defers the exit until released),
 * suspension count, BreakOnTermination (critical processes: smss, csrss, wininit, winlogon,
 * services, lsass — terminating one is bug check 0xEF CRITICAL_PROCESS_DIED, as on Windows),
 * the job it is in and the handles duplicated into it (its handle table: the emulator has no
 * user-mode code, so only ZwDuplicateObject puts handles there).
 */
export interface ProcessLife {
  /** ZwTerminateProcess was called: the exit status; the process exits when exitSync is 0. */
  exitStatus?: number;
  /** Gone from lookups, the process list and SystemProcessInformation (the object lives while referenced). */
  exited: boolean;
  exitSync: number;
  suspendCount: number;
  breakOnTermination: boolean;
  job?: bigint;
  handles: Map<bigint, import("./ob.js").HandleEntry>;
  /** ZwSetInformationProcess values by information class (read back by ZwQueryInformationProcess where it knows the class). */
  info: Map<number, Uint8Array>;
}
const CRITICAL = /^(smss|csrss|wininit|winlogon|services|lsass)\.exe$/i;
const lives = componentState("process-life", () => new Map<bigint, ProcessLife>());

export function processLife(kernel: KernelState, p: EmuProcess): ProcessLife {
  const m = lives(kernel);
  let l = m.get(p.object);
  if (!l) {
    l = { exited: false, exitSync: 0, suspendCount: 0, breakOnTermination: p.pid !== 4 && CRITICAL.test(p.name), handles: new Map(), info: new Map() };
    m.set(p.object, l);
  }
  return l;
}

/** Take an exited process out of the lookups and unlink it from ActiveProcessLinks (RemoveEntryList). */
export function removeProcess(kernel: KernelState, mem: GuestMemory, p: EmuProcess): void {
  const t = processTable(kernel, mem);
  t.byPid.delete(BigInt(p.pid));
  const i = t.list.indexOf(p);
  if (i >= 0) t.list.splice(i, 1);
  const n = B(ptrSize());
  const links = p.object + B(eprocessLayout().ActiveProcessLinks);
  const flink = readPtr(mem, links);
  const blink = readPtr(mem, links + n);
  writePtr(mem, blink, flink);
  writePtr(mem, flink + n, blink);
  writePtr(mem, links, links);
  writePtr(mem, links + n, links);
}
