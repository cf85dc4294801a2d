/**
 * Verifier checks made on each kernel routine call (./irql-table.ts).
 */
import type { Emulator } from "../emulator.js";
import { maxIrqlOf } from "./irql-table.js";
import { heldOf } from "./locks.js";
import { keState } from "../api/ke.js";
import { callbackAt, type CallbackInfo } from "./callbacks.js";
import { hex } from "../api/util.js";

const IRQL_NAMES = ["PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL"];
const irqlName = (i: number) => IRQL_NAMES[i] ?? `IRQL ${i}`;

/**
 * A routine called above its documented maximum IRQL. Driver Verifier (bug check 0xC4, Microsoft
 * Learn): P1 0xE6 for a Zw routine not called at PASSIVE_LEVEL (P2 the driver code, P3 the IRQL),
 * P1 0xE5 for another kernel API called at the wrong IRQL (P2 the IRQL).
 */
export function checkCallIrql(emu: Emulator, routine: string, retAddr: bigint, callerText: string): void {
  const max = maxIrqlOf(routine);
  const irql = emu.kernel.irql;
  if (max === null || irql <= max) return;
  emu.verifier.finding(emu, {
    rule: "irql-max",
    message: `${routine} called at ${irqlName(irql)} from ${callerText} (documented: IRQL <= ${irqlName(max)})`,
    rip: retAddr,
    bugcheck: { code: "0x000000C4", parameters: routine.startsWith("Zw") ? ["0xe6", "$site", hex(irql), "0x0"] : ["0xe5", hex(irql), "0x0", "0x0"] },
  });
}

/** What a driver callback must give back as it found it. */
export interface EntryState {
  irql: number;
  held: Set<bigint>;
  criticalRegion: number;
  guardedRegion: number;
}

/** KeEnterGuardedRegion depth (api/locks.ts keeps it in the "guarded" kernel state). */
function guardedRegion(emu: Emulator): number {
  return emu.kernel.state("guarded", () => ({ region: 0 })).region;
}

/** A thread's APC disable count as Windows keeps it: decremented by each enter (a negative SHORT), as a 64-bit parameter. */
const apcCount = (n: number) => hex(BigInt.asUintN(64, BigInt(-n)));

export function entryState(emu: Emulator): EntryState {
  return { irql: emu.kernel.irql, held: new Set(heldOf(emu.kernel).keys()), criticalRegion: keState(emu.kernel).criticalRegion, guardedRegion: guardedRegion(emu) };
}

/**
 * The bug check for an IRQL changed by a callback, by kind (Microsoft Learn bug check reference):
 * dispatch routine 0xC9 P1 0x05 (device, IRQL before, after); completion routine 0xC4 P1 0xFA
 * (routine, before, after); worker routine 0xE1 WORKER_THREAD_RETURNED_AT_BAD_IRQL (routine,
 * IRQL, parameter, work item); others 0xC8 IRQL_UNEXPECTED_VALUE (its parameters describe
 * kernel-internal state kmdll does not model: left empty).
 */
function irqlBugcheck(cb: CallbackInfo | undefined, routine: bigint, before: number, after: number): { code: string; parameters: string[] } {
  if (cb?.kind === "dispatch") return { code: "0x000000C9", parameters: ["0x5", hex(cb.device ?? 0n), hex(before), hex(after)] };
  if (cb?.kind === "completion") return { code: "0x000000C4", parameters: ["0xfa", hex(routine), hex(before), hex(after)] };
  if (cb?.kind === "work-item") return { code: "0x000000E1", parameters: [hex(routine), hex(after), hex(cb.parameter ?? 0n), hex(cb.item ?? 0n)] };
  return { code: "0x000000C8", parameters: [] };
}

/**
 * The bug check for an APC disable count changed by a callback (critical or guarded region left
 * entered, or left once too often): dispatch routine 0xC4 P1 0xC5 (routine, count now, count
 * before); completion routine 0xC4 P1 0xFB (same); worker routine 0x01 APC_INDEX_MISMATCH (P1 the
 * routine, P4 = 1: a worker routine); others 0x01 as well.
 */
function apcBugcheck(cb: CallbackInfo | undefined, routine: bigint, now: number, before: number): { code: string; parameters: string[] } {
  if (cb?.kind === "dispatch") return { code: "0x000000C4", parameters: ["0xc5", hex(routine), apcCount(now), apcCount(before)] };
  if (cb?.kind === "completion") return { code: "0x000000C4", parameters: ["0xfb", hex(routine), apcCount(now), apcCount(before)] };
  return { code: "0x00000001", parameters: [hex(routine), "0x0", apcCount(now), cb?.kind === "work-item" ? "0x1" : "0x0"] };
}

/**
 * Checks when a driver callback returns (DriverEntry, DllInitialize, DllUnload, DriverUnload,
 * dispatch and completion routines, DPCs, work items): IRQL changed, spin locks or fast mutexes
 * acquired and still held, critical or guarded regions entered and not left (APCs left disabled).
 * At the top level (a routine the kernel called, not a nested callback) the IRQL is put back so
 * later steps run sanely.
 */
export function checkReturn(emu: Emulator, entry: EntryState, routine: bigint, label: string | undefined, topLevel: boolean): void {
  const what = label?.replace(/^callback /, "") ?? emu.where(routine);
  const cb = callbackAt(emu.kernel, routine);
  if (cb?.kind === "lock" || cb?.kind === "cancel") return;
  const kind = cb ? `${cb.kind === "work-item" ? "work item" : cb.kind} routine ` : "";
  const irql = emu.kernel.irql;
  if (irql !== entry.irql) {
    emu.verifier.finding(emu, {
      rule: "irql-on-return",
      message: `${kind}${what} returned at ${irqlName(irql)}; it was called at ${irqlName(entry.irql)}`,
      rip: routine,
      bugcheck: irqlBugcheck(cb, routine, entry.irql, irql),
    });
    if (topLevel) emu.kernel.irql = entry.irql;
  }
  for (const [address, h] of heldOf(emu.kernel)) {
    if (entry.held.has(address)) continue;
    const spin = h.kind === "spin lock";
    emu.verifier.finding(emu, {
      rule: spin ? "spinlock-held-on-return" : "fast-mutex-held-on-return",
      message: `${kind}${what} returned holding the ${h.kind} at 0x${address.toString(16)} (acquired by ${h.site})`,
      rip: routine,
      // DDI compliance rule SpinLock (0xC4 P1 0x00040009); fast mutexes: IRQL left at APC_LEVEL, no rule id of their own.
      bugcheck: spin ? { code: "0x000000C4", parameters: ["0x40009", "0x0", "0x0", "0x0"] } : { code: "0x000000C4" },
    });
  }
  const cr = keState(emu.kernel).criticalRegion;
  const gr = guardedRegion(emu);
  const regions: [string, number, number, string][] = [
    ["critical-region-on-return", cr, entry.criticalRegion, "KeEnterCriticalRegion"],
    ["guarded-region-on-return", gr, entry.guardedRegion, "KeEnterGuardedRegion"],
  ];
  for (const [rule, now, before, enter] of regions) {
    if (now === before) continue;
    const leave = enter.replace("Enter", "Leave");
    emu.verifier.finding(emu, {
      rule,
      message: `${kind}${what} returned with APCs ${now > before ? "disabled" : "enabled too often"}: ${now > before ? `${now - before} ${enter} without ${leave}` : `${before - now} ${leave} too many`}`,
      rip: routine,
      bugcheck: apcBugcheck(cb, routine, cr + gr, entry.criticalRegion + entry.guardedRegion),
    });
  }
}
