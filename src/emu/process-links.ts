/**
 * Direct kernel object manipulation of the process list (DKOM): a driver that unlinks an EPROCESS
 * from ActiveProcessLinks hides the process from every walker of the list (Task Manager's
 * NtQuerySystemInformation on Windows XP, tools that walk from PsInitialSystemProcess) — the
 * rootkit.com FU idiom (`*(Blink) = Flink; *(Flink + 4) = Blink`), copied by many drivers since.
 *
 * Nothing traps the stores (the links live in ordinary pool). Instead, as for the x86 service table
 * (ssdt-x86.ts), when a guest call the kernel made returns, the list is walked from
 * PsActiveProcessHead and compared with the live processes (api/processes.ts): a process that
 * left the list is a `hardware` event of kind "process-list", op "unlink", naming the routine; one
 * that came back is op "relink".
 *
 * At the unloading image's DriverUnload end, a process it unlinked and left out of the list is a
 * verifier finding (verifier/unload.ts), decided by what Windows would do when that process exits:
 * PspProcessDelete removes its ActiveProcessLinks with RemoveEntryList, whose Windows 10
 * safe-unlinking check (Flink->Blink and Blink->Flink must point back at the entry) fails for an
 * entry whose own links still name its old neighbours — FU's unlink leaves them so — and raises
 * bug check 0x139 KERNEL_SECURITY_CHECK_FAILURE, parameter 1 = 3 (LIST_ENTRY corruption): an
 * error-level finding. An entry pointed back at itself (the later idiom) passes the check: the
 * process stays hidden without a crash — a warning-level finding, so the hiding is never silent.
 */
import type { Emulator } from "./emulator.js";
import { componentState } from "./api/state.js";
import { eprocessLayout, linkedProcesses, processTable, type EmuProcess } from "./api/processes.js";
import { readPtr } from "./api/util.js";
import { ptrSize } from "../nt/arch-layout.js";

interface LinkState {
  /** Process objects absent from the list when last walked → the module ("?" when unknown) and routine (0 when unknown) that unlinked them. */
  hidden: Map<bigint, { module: string; routine: bigint }>;
}
const linkState = componentState("process-links", (): LinkState => ({ hidden: new Map() }));

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** Compare the list with the live processes after `routine` ran (null: not known): unlink / relink events. */
export function noteProcessListWrites(emu: Emulator, routine: bigint | null): void {
  const t = processTable(emu.kernel, emu.mem);
  if (t.head === 0n || t.list.length === 0) return;
  const st = linkState(emu.kernel);
  const now = linkedProcesses(emu.kernel, emu.mem);
  for (const p of t.list) {
    const wasHidden = st.hidden.has(p.object);
    const isHidden = !now.has(p.object);
    if (wasHidden === isHidden) continue;
    const mod = routine !== null ? (emu.moduleAt(routine)?.name ?? "?") : "?";
    if (isHidden) st.hidden.set(p.object, { module: mod, routine: routine ?? 0n });
    else st.hidden.delete(p.object);
    emu.emit({
      event: "hardware",
      module: mod,
      kind: "process-list",
      op: isHidden ? "unlink" : "relink",
      address: hex(p.object + BigInt(eprocessLayout().ActiveProcessLinks)),
      size: 2 * ptrSize(),
      process: p.name,
      pid: p.pid,
      message: isHidden
        ? `${p.name} (PID ${p.pid}, EPROCESS ${hex(p.object)}) taken out of ActiveProcessLinks: hidden from process-list walkers`
        : `${p.name} (PID ${p.pid}, EPROCESS ${hex(p.object)}) back in ActiveProcessLinks`,
      ...(routine !== null ? { site: emu.where(routine) } : {}),
    });
  }
}

export interface HiddenProcess {
  process: EmuProcess;
  /** Its own links no longer fit its neighbours: RemoveEntryList at its exit fails the safe-unlink check (0x139). */
  corrupt: boolean;
  /** The driver routine that unlinked it (0 when not known). */
  routine: bigint;
}

/** Processes `module` unlinked and left out of the list (checked at its unload). */
export function processesHiddenBy(emu: Emulator, module: string): HiddenProcess[] {
  noteProcessListWrites(emu, null);
  const t = processTable(emu.kernel, emu.mem);
  const st = linkState(emu.kernel);
  const n = BigInt(ptrSize());
  const at = BigInt(eprocessLayout().ActiveProcessLinks);
  const out: HiddenProcess[] = [];
  for (const p of t.list) {
    const by = st.hidden.get(p.object);
    if (by?.module !== module) continue;
    const entry = p.object + at;
    const back = (a: bigint, off: bigint) => emu.mem.isMapped(a + off, ptrSize()) && readPtr(emu.mem, a + off) === entry;
    const flink = readPtr(emu.mem, entry);
    const blink = readPtr(emu.mem, entry + n);
    out.push({ process: p, corrupt: !(back(flink, n) && back(blink, 0n)), routine: by.routine });
  }
  return out;
}
