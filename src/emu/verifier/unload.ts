/**
 * At unload: work the driver left pending that would later run code of the unloaded image —
 * armed timers and queued DPCs whose DeferredRoutine lies in it, queued work items, notify
 * routines still registered. On Windows each of these ends in bug check 0xCE
 * DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS when it fires (its parameters describe
 * that later page fault, so none are given here).
 */
import type { Emulator } from "../emulator.js";
import type { LoadedModule } from "../image.js";
import { schedState, KDPC } from "../sched/core.js";
import { callbacksOf } from "../api/notify.js";
import { handlesOwnedBy, objectManager, takeHeldBy } from "../obmgr/index.js";
import type { TraceEvent } from "../../events.js";
import { hooksLeftIn } from "../ssdt-table.js";
import { processesHiddenBy } from "../process-links.js";

/**
 * Handles the image opened and never closed (ZwCreateFile, ZwOpenKey, PsCreateSystemThread ...):
 * `leak` events (they fail `call` and `sim` as pool leaks do). The handles stay open, as on
 * Windows, where they outlive the driver in the system process's handle table.
 */
export function handleLeaks(emu: Emulator, mod: LoadedModule): TraceEvent[] {
  return handlesOwnedBy(emu.kernel, mod.name).map(([h, e]) => ({
    event: "leak",
    module: mod.name,
    kind: "handle",
    type: e.type,
    ...(e.object !== undefined ? { address: `0x${e.object.toString(16)}` } : {}),
    handle: `0x${h.toString(16)}`,
    ...(e.site ? { site: e.site } : {}),
    message: `unloaded with the ${e.type} handle 0x${h.toString(16)} it opened${e.site ? ` (${e.site})` : ""} still open (ZwClose it before unloading)`,
  }));
}

/**
 * Object references the image took (ObReferenceObject*, lookups, IoGetDeviceObjectPointer ...;
 * obmgr/holders.ts) and never dropped: `leak` events, kind "object". Windows has no bug check for
 * them at unload (Driver Verifier's leak check, 0xC4 P1 0x62, counts pool only): the object — a
 * device or driver object keeps its driver image loaded — simply never goes away
 * ("Debugging a failed driver unload"; Static Driver Verifier's DanglingDeviceObjectReference rule).
 */
export function objectLeaks(emu: Emulator, mod: LoadedModule): TraceEvent[] {
  const objects = objectManager(emu.kernel).objects;
  const out: TraceEvent[] = [];
  for (const [obj, h] of takeHeldBy(emu.kernel, mod.name)) {
    const o = objects.get(obj);
    if (!o) continue;
    const what = `${o.type} object${o.name ? " " + o.name : ""} at 0x${obj.toString(16)}`;
    out.push({
      event: "leak",
      module: mod.name,
      kind: "object",
      type: o.type,
      object: o.type,
      ...(o.name ? { name: o.name } : {}),
      address: `0x${obj.toString(16)}`,
      references: h.count,
      site: h.site,
      message: `unloaded still holding ${h.count} reference(s) to the ${what} (first taken by ${h.site}; ObDereferenceObject it before unloading)`,
    });
  }
  return out;
}

export function checkUnload(emu: Emulator, mod: LoadedModule): void {
  const inImage = (a: bigint) => a >= mod.base && a < mod.base + BigInt(mod.size);
  // System threads still alive whose code is in the image: they can never run again (kmdll drops them).
  const threads = abandonThreads(emu, inImage);
  if (!emu.verifier.enabled) return;
  const st = schedState(emu.kernel);
  const dpcRoutine = (dpc: bigint): bigint => {
    try {
      return emu.mem.u64(dpc + BigInt(KDPC.DeferredRoutine));
    } catch {
      return 0n;
    }
  };
  const pending: string[] = [];
  for (const [timer, t] of st.timers) if (t.dpc !== 0n && inImage(dpcRoutine(t.dpc))) pending.push(`timer 0x${timer.toString(16)} (DPC routine ${emu.where(dpcRoutine(t.dpc))})`);
  for (const dpc of st.dpcQueue) if (inImage(dpcRoutine(dpc))) pending.push(`queued DPC 0x${dpc.toString(16)} (routine ${emu.where(dpcRoutine(dpc))})`);
  for (const w of st.work) if (inImage(w.routine)) pending.push(`queued work item 0x${w.item.toString(16)} (routine ${emu.where(w.routine)})`);
  pending.push(...threads, ...hooksLeftIn(emu, inImage, mod.name));
  for (const r of callbacksOf(emu.kernel, mod.name)) if (inImage(r.routine)) pending.push(`${r.kind} notify routine ${emu.where(r.routine)} still registered`);
  hiddenProcesses(emu, mod);
  for (const p of pending)
    emu.verifier.finding(emu, {
      rule: "unload-pending-operations",
      message: `${mod.name} unloaded with a ${p}: it would run code of the unloaded image`,
      rip: mod.base,
      bugcheck: { code: "0x000000CE" },
    });
}

/** Threads whose start routine or parked code lies in the image: described, and never scheduled again. */
function abandonThreads(emu: Emulator, inImage: (a: bigint) => boolean): string[] {
  const out: string[] = [];
  for (const t of schedState(emu.kernel).threads.values()) {
    if (t.state === "terminated" || (!inImage(t.start) && !(t.cpu.saved && inImage(t.cpu.saved.pc)))) continue;
    const where = t.state === "waiting" && t.wait ? `waiting in ${t.wait.api} at ${t.wait.site} on ${t.wait.what}` : t.state === "ready" ? "ready to run, never started" : t.state;
    if (t.work) out.push(`work item 0x${t.work.item.toString(16)} (routine ${emu.where(t.start)}) still running on a system worker thread: ${where} (DllUnload/DriverUnload must make it return and wait until it has)`);
    else out.push(`system thread 0x${t.id.toString(16)} (start routine ${emu.where(t.start)}) still running: ${where} (DllUnload/DriverUnload must make it exit and wait for its thread object)`);
    t.state = "terminated";
    t.wait = undefined;
    emu.kernel.threads?.release(t.cpu);
  }
  return out;
}

/**
 * Processes the image took out of ActiveProcessLinks and left out at its unload (process-links.ts):
 * when such a process exits, RemoveEntryList's safe-unlink check fails for links that still name
 * the old neighbours (bug check 0x139, parameter 1 = 3: error); a self-linked entry exits cleanly
 * and stays hidden (warning).
 */
function hiddenProcesses(emu: Emulator, mod: LoadedModule): void {
  for (const h of processesHiddenBy(emu, mod.name)) {
    const what = `${h.process.name} (PID ${h.process.pid}${h.routine !== 0n ? `, unlinked in ${emu.where(h.routine)}` : ""})`;
    emu.verifier.finding(emu, {
      rule: "process-list-unlinked",
      level: h.corrupt ? "error" : "warning",
      message: h.corrupt
        ? `${mod.name} unloaded with ${what} taken out of ActiveProcessLinks and its own links still naming its old neighbours: when the process exits, RemoveEntryList fails its safe-unlink check (KERNEL_SECURITY_CHECK_FAILURE, LIST_ENTRY corruption); point them at the entry itself or put it back`
        : `${mod.name} unloaded with ${what} still hidden from ActiveProcessLinks (self-linked: its exit does not crash, but the process stays invisible to list walkers)`,
      // The unlinking routine: one finding per process (findings are kept once per rule and site).
      rip: h.routine !== 0n ? h.routine : mod.base,
      ...(h.corrupt ? { bugcheck: { code: "0x00000139", parameters: ["0x3"] } } : {}),
    });
  }
}
