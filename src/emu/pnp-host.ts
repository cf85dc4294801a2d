/**
 * The PnP manager (src/emu/pnp) run from the executor: its work happens between guest calls (after
 * a DriverEntry, before a DriverUnload, after a scenario step), so guest code it calls (AddDevice,
 * dispatch routines, notification callbacks) runs as top-level emulator calls; a fault there
 * becomes the step's crash report.
 */
import type { PnpStep } from "../executor.js";
import { EmuStop, type Emulator } from "./emulator.js";
import { GuestFault } from "./memory.js";
import { ioState, type IoEnv } from "./iomgr/index.js";
import { objectManager } from "./obmgr/index.js";
import { LAYOUT } from "../nt/arch-layout.js";
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
    return { ok: true, start: r?.start ?? [], stop: r?.stop ?? [], ...(r?.vetoed ? { vetoed: r.vetoed } : {}), ...(r?.reasons ? { reasons: r.reasons } : {}) };
  } catch (e) {
    let report;
    if (e instanceof EmuStop) report = e.report;
    else if (e instanceof GuestFault) report = emu.report(e.access === "read" ? "invalid-read" : "invalid-write", `${e.message} in the PnP manager`, 0n, { address: e.address });
    else throw e;
    emu.emit(faultEvent(report) as never);
    return { ok: false, reason: report.kind === "timeout" ? "timeout" : "fault", message: report.message };
  }
}

/** Whether this kernel has a device tree to manage (a device file was given, or a driver reported a device). */
export function hasDevices(emu: Emulator): boolean {
  const st = pnpState(emu.kernel);
  return st.file !== null || st.nodes.length > 0;
}

export const pnpOps = {
  started: (emu: Emulator, driver: bigint, module: string, service: string) => runPnp(emu, (env) => serviceStarted(env, service, driver, module)),
  stopping: (emu: Emulator, service: string) => runPnp(emu, (env) => serviceStopping(env, service)),
  failed: (emu: Emulator, service: string, message: string, driverEntryFailed?: boolean) => void runPnp(emu, (env) => serviceFailed(env, service, message, driverEntryFailed)),
  settle: (emu: Emulator) => runPnp(emu, (env) => settle(env)),
};

/**
 * End of a simulation: device objects a driver deleted (IoDeleteDevice) that are still referenced
 * — an ObReferenceObject (a bus driver's reference on a reported PDO, IoGetAttachedDeviceReference)
 * never matched by ObDereferenceObject — are `leak` events (kind "object"): Windows keeps such a
 * device object, and its driver image, forever.
 */
export function deviceObjectLeaks(emu: Emulator): void {
  for (const d of ioState(emu.kernel).devices.values()) {
    if (!d.deleted) continue;
    const module = emu.kernel.moduleAt?.(emu.readPtr(d.driver + BigInt(LAYOUT.DRIVER_OBJECT.DriverStart))) ?? driverService(emu, d.driver);
    const label = d.name ?? `${module} (unnamed device)`;
    const count = objectManager(emu.kernel).objects.get(d.address)?.pointerCount ?? 0;
    emu.emit({ event: "leak", kind: "object", module, type: "Device", name: label, object: "Device", device: label, references: count, message: `device object ${label} was deleted (IoDeleteDevice) but ${count} reference(s) to it were never released (ObDereferenceObject)` });
  }
}

/** "pnpbus.sys" from the DRIVER_OBJECT's DriverName (\Driver\pnpbus) once the image is gone. */
function driverService(emu: Emulator, driver: bigint): string {
  try {
    const us = driver + BigInt(LAYOUT.DRIVER_OBJECT.DriverName);
    const len = emu.mem.u16(us);
    const buf = emu.readPtr(us + BigInt(LAYOUT.UNICODE_STRING.Buffer));
    let s = "";
    for (let i = 0; i < Math.min(len, 256) / 2; i++) s += String.fromCharCode(emu.mem.u16(buf + BigInt(2 * i)));
    return `${s.split("\\").pop() || "?"}.sys`;
  } catch {
    return "?";
  }
}
