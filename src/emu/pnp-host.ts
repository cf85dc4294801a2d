/**
 * The PnP manager (src/emu/pnp) run from the executor: its work happens between guest calls (after
 * a DriverEntry, before a DriverUnload, after a scenario step), so guest code it calls (AddDevice,
 * dispatch routines, notification callbacks) runs as top-level emulator calls; a fault there
 * becomes the step's crash report.
 */
import type { PnpStep } from "../executor.js";
import { EmuStop, type Emulator } from "./emulator.js";
import { GuestFault } from "./memory.js";
import type { IoEnv } from "./iomgr/index.js";
import { pnpState, serviceFailed, serviceStarted, serviceStopping, settle, type PnpOutcome } from "./pnp/index.js";
import { faultEvent } from "./executor.js";

function pnpEnv(emu: Emulator): IoEnv {
  return {
    mem: emu.mem,
    kernel: emu.kernel,
    from: "PnP manager",
    callGuest: (a, args) => {
      const r = emu.call(a, args, emu.where(a));
      if (!r.ok) throw new EmuStop(r.fault);
      return r.value;
    },
    warn: (message, extra) => emu.emit({ event: "warning", message, ...extra }),
    fault: (kind, message, extra) => {
      throw new EmuStop(emu.report(kind, message, emu.uc.regRead(emu.C.regs.RIP), extra ?? {}));
    },
  };
}

/** Run one PnP manager operation; a fault in guest code (or in the manager touching bad memory) is a report. */
export function runPnp(emu: Emulator, op: (env: IoEnv) => PnpOutcome | void): PnpStep {
  try {
    const r = op(pnpEnv(emu));
    return { ok: true, start: r?.start ?? [], stop: r?.stop ?? [] };
  } catch (e) {
    let report;
    if (e instanceof EmuStop) report = e.report;
    else if (e instanceof GuestFault) report = emu.report(e.access === "read" ? "invalid-read" : "invalid-write", `${e.message} in the PnP manager`, 0n, { address: e.address });
    else throw e;
    emu.emit(faultEvent(report) as never);
    return { ok: false, reason: report.kind === "timeout" ? "timeout" : "fault", message: report.message };
  }
}

/** Whether this kernel has a device tree to manage (a device file was given). */
export function hasDevices(emu: Emulator): boolean {
  return pnpState(emu.kernel).file !== null;
}

export const pnpOps = {
  started: (emu: Emulator, driver: bigint, module: string, service: string) => runPnp(emu, (env) => serviceStarted(env, service, driver, module)),
  stopping: (emu: Emulator, service: string) => runPnp(emu, (env) => serviceStopping(env, service)),
  failed: (emu: Emulator, service: string, message: string) => void runPnp(emu, (env) => serviceFailed(env, service, message)),
  settle: (emu: Emulator) => runPnp(emu, (env) => settle(env)),
};
