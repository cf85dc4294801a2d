/**
 * Verifier checks made on each kernel routine call (./irql-table.ts).
 */
import type { Emulator } from "../emulator.js";
import { maxIrqlOf } from "./irql-table.js";
import { heldOf } from "./locks.js";
import { keState } from "../api/ke.js";

const IRQL_NAMES = ["PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL"];
const irqlName = (i: number) => IRQL_NAMES[i] ?? `IRQL ${i}`;

/** A routine called above its documented maximum IRQL (Driver Verifier: 0xC4 DDI compliance / 0xA). */
export function checkCallIrql(emu: Emulator, routine: string, retAddr: bigint, callerText: string): void {
  const max = maxIrqlOf(routine);
  const irql = emu.kernel.irql;
  if (max === null || irql <= max) return;
  emu.verifier.finding(emu, {
    rule: "irql-max",
    message: `${routine} called at ${irqlName(irql)} from ${callerText} (documented: IRQL <= ${irqlName(max)})`,
    rip: retAddr,
    bugcheck: { code: "0x000000C4" },
  });
}

/** What a driver callback must give back as it found it. */
export interface EntryState {
  irql: number;
  held: Set<bigint>;
  criticalRegion: number;
}

export function entryState(emu: Emulator): EntryState {
  return { irql: emu.kernel.irql, held: new Set(heldOf(emu.kernel).keys()), criticalRegion: keState(emu.kernel).criticalRegion };
}

/**
 * Checks when a driver callback returns (DriverEntry, DllInitialize, DllUnload, DriverUnload,
 * dispatch and completion routines, DPCs, work items): IRQL changed, spin locks or fast mutexes
 * acquired and still held, critical regions entered and not left. At the top level (a routine
 * the kernel called, not a nested callback) the IRQL is put back so later steps run sanely.
 */
export function checkReturn(emu: Emulator, entry: EntryState, routine: bigint, label: string | undefined, topLevel: boolean): void {
  const what = label?.replace(/^callback /, "") ?? emu.where(routine);
  const irql = emu.kernel.irql;
  if (irql !== entry.irql) {
    emu.verifier.finding(emu, {
      rule: "irql-on-return",
      message: `${what} returned at ${irqlName(irql)}; it was called at ${irqlName(entry.irql)}`,
      rip: routine,
      bugcheck: { code: "0x000000C8" },
    });
    if (topLevel) emu.kernel.irql = entry.irql;
  }
  for (const [address, h] of heldOf(emu.kernel)) {
    if (entry.held.has(address)) continue;
    emu.verifier.finding(emu, {
      rule: h.kind === "spin lock" ? "spinlock-held-on-return" : "fast-mutex-held-on-return",
      message: `${what} returned holding the ${h.kind} at 0x${address.toString(16)} (acquired by ${h.site})`,
      rip: routine,
      bugcheck: { code: "0x000000C4" },
    });
  }
  const cr = keState(emu.kernel).criticalRegion;
  if (cr !== entry.criticalRegion) {
    emu.verifier.finding(emu, {
      rule: "critical-region-on-return",
      message: `${what} returned with ${cr > entry.criticalRegion ? `${cr - entry.criticalRegion} KeEnterCriticalRegion without KeLeaveCriticalRegion` : `${entry.criticalRegion - cr} KeLeaveCriticalRegion too many`}`,
      rip: routine,
      bugcheck: { code: "0x00000001" },
    });
  }
}
