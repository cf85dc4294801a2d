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
 * EPROCESS is opaque: the fields filled follow Windows 10 2004 x64 (build 19041, the build kmdll
 * reports; offsets as the public symbols give them, e.g. the Vergilius Project):
 * Pcb.Header.Type 0 (3), Pcb.DirectoryTableBase 0x28 (x64: the one CR3 of kmdll's single address
 * space, machine/paging.ts), UniqueProcessId 0x440, ActiveProcessLinks 0x448,
 * InheritedFromUniqueProcessId 0x540, ImageFileName 0x5A8 (15 characters + NUL), Protection
 * 0x87A (PS_PROTECTION: Type in bits 0-2, Signer in bits 4-7; none unless the machine file sets
 * it — PsIsProtectedProcess is TRUE for Type 2, "protected"); 0xA40 bytes.
 */
import type { GuestMemory, KernelState } from "./types.js";
import { componentState } from "./state.js";
import { CR3, machineOf, pagingModelled, type ProcessSpec } from "../machine/index.js";
import { registerObject } from "./ob.js";
import { BOOT_SYSTEM_TIME } from "./ke.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { VOLUME_DEVICE } from "../volume/volume.js";
import { X86_EPROCESS_UNIQUE_PROCESS_ID } from "../system.js";

export const EPROCESS = { DirectoryTableBase: 0x28, UniqueProcessId: 0x440, ActiveProcessLinks: 0x448, InheritedFromUniqueProcessId: 0x540, ImageFileName: 0x5a8, Protection: 0x87a, $size: 0xa40 } as const;
const TAG_PROC = 0x636f7250; // 'Proc'

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
  // x86: the same processes; their EPROCESS objects carry Type, UniqueProcessId (system.ts's
  // Windows 7 x86 offset 0xB4) and ImageFileName (at PsGetProcessImageFileName's offset), and are
  // not linked through ActiveProcessLinks (head 1: the list is built, no PsActiveProcessHead).
  const x64 = ptrSize() === 8;
  const head = x64 ? kernel.kernelPool.allocate(16, TAG_PROC) : 1n;
  if (x64) {
    mem.setU64(head, head);
    mem.setU64(head + 8n, head);
  }
  t.head = head;
  let system = specs.find((p) => p.pid === 4) ?? DEFAULT_PROCESSES[0]!;
  const ordered = [system, ...specs.filter((p) => p !== system)];
  ordered.forEach((p, i) => {
    const isSystem = p === system;
    const object = isSystem ? kernel.currentProcess! : kernel.kernelPool!.allocate(EPROCESS.$size, TAG_PROC);
    const e: EmuProcess = { ...p, object, imagePath: imagePathOf(p), createTime: BOOT_SYSTEM_TIME + BigInt(i) * 10_000_000n };
    if (isSystem) system = e;
    mem.setU8(object, 3); // DISPATCHER_HEADER.Type: ProcessObject
    const name = new Uint8Array(16);
    for (let c = 0; c < Math.min(15, p.name.length); c++) name[c] = p.name.charCodeAt(c) & 0xff;
    if (!x64) {
      mem.setU32(object + BigInt(X86_EPROCESS_UNIQUE_PROCESS_ID), p.pid);
      if (!isSystem) mem.write(object + BigInt(EPROCESS.ImageFileName), name);
    } else {
      mem.setU64(object + BigInt(EPROCESS.UniqueProcessId), BigInt(p.pid));
      if (pagingModelled(kernel)) mem.setU64(object + BigInt(EPROCESS.DirectoryTableBase), CR3);
      mem.setU64(object + BigInt(EPROCESS.InheritedFromUniqueProcessId), BigInt(p.parent));
      mem.write(object + BigInt(EPROCESS.ImageFileName), name);
      mem.setU8(object + BigInt(EPROCESS.Protection), p.protection ?? 0);
      // Insert at the tail of PsActiveProcessHead.
      const links = object + BigInt(EPROCESS.ActiveProcessLinks);
      const last = mem.u64(head + 8n);
      mem.setU64(links, head);
      mem.setU64(links + 8n, last);
      mem.setU64(last, links);
      mem.setU64(head + 8n, links);
    }
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
  if (ptrSize() !== 8) return;
  const links = p.object + BigInt(EPROCESS.ActiveProcessLinks);
  const flink = mem.u64(links);
  const blink = mem.u64(links + 8n);
  mem.setU64(blink, flink);
  mem.setU64(flink + 8n, blink);
  mem.setU64(links, links);
  mem.setU64(links + 8n, links);
}
