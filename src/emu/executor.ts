/**
 * EmulatorExecutor: the kernel model's Executor (src/executor.ts) implemented with the
 * Unicorn emulator. The kernel model decides what happens; this maps, patches and runs.
 * Fault reports are emitted as `fault` events on the sink; the CallOutcome carries the message.
 */
import type { CallOutcome, Executor, ReinitializationCall, IoctlOutcome, PnpStep, UserIoOutcome, UserIoRequest } from "../executor.js";
import type { PeImage } from "../formats/pe/types.js";
import { KmdllError } from "../errors.js";
import { LAYOUT } from "../nt/arch-layout.js";
import { Emulator, type EmulatorOptions, type FaultReport, type RunResult } from "./emulator.js";
import { addr64 } from "./layout.js";
import { driversCreatedBy } from "./api/drvobj.js";
import { REINIT_LIMIT, isBootStart, nextReinit } from "./api/reinit.js";
import { loaderEntry, removeLoaderEntry } from "./iomgr/ldr-entry.js";
import { processTable } from "./api/processes.js";
import { createDriverObject, deviceLabel, devicesOf, driverEntryDone, writeUnicodeString } from "./iomgr/index.js";
import { finishIo, userDeviceIoControl, userRequest, type UserOutcome } from "./user/index.js";
import { deviceObjectLeaks, hasDevices, pnpOps } from "./pnp-host.js";
import { serviceWanted } from "./pnp/index.js";
import { failedCallWatch, type FailedCall } from "./failed-call.js";


/** A fault report as a SPEC §9 `fault` event. */
export function faultEvent(f: FaultReport): { event: "fault"; kind: FaultReport["kind"]; message: string; [k: string]: unknown } {
  return {
    event: "fault",
    kind: f.kind,
    module: f.module,
    message: f.message,
    rip: f.rip,
    ...(f.symbol ? { symbol: f.symbol } : {}),
    ...(f.address !== undefined ? { address: addr64(f.address) } : {}),
    ...(f.api ? { api: f.api } : {}),
    registers: f.registers,
    backtrace: f.backtrace,
    ...(f.extra ?? {}),
  };
}

export class EmulatorExecutor implements Executor {
  readonly emu: Emulator;
  private readonly driverObjects = new Map<string, bigint>();
  /** Reinitialization calls made per driver object (REINIT_LIMIT). */
  private readonly reinitCalls = new Map<bigint, number>();
  /** The last fault report of a call made through this executor. */
  lastFault: FaultReport | null = null;

  /** The last warning emitted since the current DriverEntry call began (for a precise failure message). */
  private warningDuringEntry: string | null = null;
  /** The last kernel call that returned an error status during the current DriverEntry call. */
  private failedDuringEntry: FailedCall | null = null;

  constructor(options: EmulatorOptions = {}) {
    const sink = options.sink;
    this.emu = new Emulator({
      ...options,
      sink: (e) => {
        if (e.event === "warning") this.warningDuringEntry = e.message;
        sink?.(e);
      },
    });
  }

  lastWarning(): string | null {
    return this.warningDuringEntry;
  }

  /** The last kernel call that failed during the last DriverEntry (failed-call.ts), or null. */
  lastFailedCall(): FailedCall | null {
    return this.failedDuringEntry;
  }

  mapImage(module: string, image: PeImage, bytes: Uint8Array): bigint {
    const m = this.emu.mapImage(module, image, bytes);
    // The booted system's processes exist before any driver code runs (drivers walk ActiveProcessLinks).
    processTable(this.emu.kernel, this.emu.mem);
    // Its KLDR_DATA_TABLE_ENTRY in the loaded-module list (DriverSection points at it).
    loaderEntry(this.emu.mem, this.emu.kernel, { name: m.name, base: m.base, size: m.size, entry: image.optional.addressOfEntryPoint ? m.base + BigInt(image.optional.addressOfEntryPoint) : 0n });
    return m.base;
  }

  unmapImage(module: string): void {
    removeLoaderEntry(this.emu.mem, this.emu.kernel, module);
    this.emu.unmapImage(module);
    this.driverObjects.delete(module.toLowerCase());
  }

  kernelExport(module: string, name: string | null, ordinal: number | null): bigint | null {
    return this.emu.kernelExport(module, name, ordinal);
  }

  writeIat(module: string, iatRva: number, address: bigint): void {
    this.emu.writeIat(module, iatRva, address);
  }

  private base(module: string): bigint {
    const m = this.emu.module(module);
    if (!m) throw new KmdllError(`${module} is not mapped`);
    return m.base;
  }

  private outcome(r: RunResult): CallOutcome {
    if (r.ok) {
      this.lastFault = null;
      return { ok: true, value: r.value };
    }
    // A fault of a driver that ZwLoadDriver/ZwUnloadDriver ran stops its caller with the same report: reported once.
    const seen = r.fault === this.lastFault;
    this.lastFault = r.fault;
    if (!seen) this.emu.emit(faultEvent(r.fault) as never);
    return { ok: false, reason: r.fault.kind === "timeout" ? "timeout" : "fault", message: r.fault.message };
  }

  /** Call with a UNICODE_STRING argument that is freed when the call returns (use after free detected). */
  private callWithTransientString(address: bigint, s: string, what: string, label: string, before: bigint[] = []): RunResult {
    const page = this.emu.scratchPage();
    writeUnicodeString(this.emu.mem, page.address, s);
    try {
      return this.emu.call(address, [...before, page.address], label);
    } finally {
      page.release(what);
    }
  }

  callDllInitialize(module: string, rva: number, registryPath: string): CallOutcome {
    const base = this.base(module);
    return this.outcome(
      this.callWithTransientString(base + BigInt(rva), registryPath, `the RegistryPath passed to ${module}!DllInitialize, freed when it returned`, `${module}!DllInitialize`),
    );
  }

  callDllUnload(module: string, rva: number): CallOutcome {
    return this.outcome(this.emu.call(this.base(module) + BigInt(rva), [], `${module}!DllUnload`, false, undefined, false));
  }

  /** The DRIVER_OBJECT created for a module's DriverEntry, if any. */
  driverObject(module: string): bigint | null {
    return this.driverObjects.get(module.toLowerCase()) ?? null;
  }

  callDriverEntry(module: string, rva: number, serviceName: string, registryPath: string): CallOutcome {
    const base = this.base(module);
    const mod = this.emu.module(module)!;
    this.warningDuringEntry = null;
    const obj = createDriverObject(this.emu.mem, this.emu.kernel, mod, base + BigInt(rva), serviceName);
    const section = loaderEntry(this.emu.mem, this.emu.kernel, { name: mod.name, base, size: mod.size, entry: base + BigInt(rva) });
    if (section !== 0n) this.emu.writePtr(obj + BigInt(LAYOUT.DRIVER_OBJECT.DriverSection), section);
    this.driverObjects.set(module.toLowerCase(), obj);
    const watch = { call: null as FailedCall | null };
    const outer = failedCallWatch.current;
    failedCallWatch.current = watch;
    let r: CallOutcome;
    try {
      r = this.outcome(
        this.callWithTransientString(base + BigInt(rva), registryPath, `the RegistryPath passed to ${module}!DriverEntry, freed when it returned`, `${module}!DriverEntry`, [obj]),
      );
    } finally {
      failedCallWatch.current = outer;
      this.failedDuringEntry = watch.call;
    }
    if (r.ok) driverEntryDone(this.emu.mem, obj);
    return r;
  }

  /**
   * The next reinitialization routine of a started driver (src/emu/api/reinit.ts): its driver
   * ones first, then — for a boot-start service only, as Windows calls those once after the boot
   * drivers — its boot-driver ones; each call increments DRIVER_EXTENSION.Count and passes it.
   */
  nextReinitialization(module: string, serviceName: string): ReinitializationCall | null {
    const obj = this.driverObject(module);
    if (obj === null) return null;
    const kernel = this.emu.kernel;
    const where = (a: bigint) => kernel.where?.(a) ?? `0x${a.toString(16)}`;
    const boot = isBootStart(kernel, serviceName);
    let e = nextReinit(kernel, obj, false);
    while (!e) {
      e = nextReinit(kernel, obj, true);
      if (!e || boot) break;
      this.emu.emit({ event: "warning", module, message: `${module} registered a boot-driver reinitialization routine (${where(e.routine)}) with IoRegisterBootDriverReinitialization; Windows calls those once, after the boot drivers have loaded, and service ${serviceName} is not a boot driver (its Start value is not 0), so it is never called` });
      e = null;
    }
    if (!e) return null;
    const calls = (this.reinitCalls.get(obj) ?? 0) + 1;
    this.reinitCalls.set(obj, calls);
    if (calls > REINIT_LIMIT) {
      this.emu.emit({ event: "warning", module, message: `${module}'s reinitialization routine (${where(e.routine)}) registered itself again on each of ${REINIT_LIMIT} calls; Windows would go on calling it for ever, kmdll stops calling it` });
      while (nextReinit(kernel, obj, false) || nextReinit(kernel, obj, true));
      return null;
    }
    const countAt = this.emu.readPtr(obj + BigInt(LAYOUT.DRIVER_OBJECT.DriverExtension)) + BigInt(LAYOUT.DRIVER_EXTENSION.Count);
    const count = this.emu.mem.u32(countAt) + 1;
    this.emu.mem.setU32(countAt, count);
    const at = where(e.routine);
    const routine = `${e.boot ? "boot " : ""}reinitialization routine at ${at.startsWith(module) ? at.slice(module.length) : at}`;
    const entry = e;
    return {
      routine,
      args: [`0x${obj.toString(16)}`, `0x${entry.context.toString(16)}`, String(count)],
      run: () => this.outcome(this.emu.call(entry.routine, [obj, entry.context, BigInt(count)], `${module}!${routine}`)),
    };
  }

  driverUnloadRoutine(module: string): bigint | null {
    const obj = this.driverObject(module);
    if (obj === null) return null;
    const r = this.emu.readPtr(obj + BigInt(LAYOUT.DRIVER_OBJECT.DriverUnload));
    return r === 0n ? null : r;
  }

  noUnloadDetail(module: string): string | null {
    const made = driversCreatedBy(this.emu.kernel, module, (a) => this.emu.readPtr(a));
    if (!made.length) return null;
    return `its DriverEntry made ${made.join(", ")} with IoCreateDriver; NtUnloadDriver only unloads the service's own driver object`;
  }

  callDriverUnload(module: string): CallOutcome {
    const obj = this.driverObject(module);
    const routine = this.driverUnloadRoutine(module);
    if (obj === null || routine === null) return { ok: false, reason: "no-unload", message: `${module} has no DriverUnload routine` };
    const r = this.outcome(this.emu.call(routine, [obj], `${module}!DriverUnload`, false, undefined, false));
    if (r.ok) {
      const left = devicesOf(this.emu.mem, obj);
      if (left.length)
        this.emu.emit({ event: "warning", module, message: `${module} unloaded with ${left.length} device object(s) left: ${left.map((d) => deviceLabel(this.emu, d)).join(", ")} (DriverUnload must IoDeleteDevice them; their dispatch routines are gone)` });
    }
    return r;
  }

  /** DeviceIoControl from user mode on a path (`ioctl:\\Device\\X:CODE`, kmdll surface): IRP_MJ_CREATE, the IOCTL, cleanup and close. */
  deviceIoControl(device: string, code: number, input: Uint8Array, outputLength: number): IoctlOutcome {
    const r = this.userOutcome(userDeviceIoControl(this.emu, device, code, input, outputLength));
    if (!r.ok) return r;
    return { ok: true, status: r.status, information: r.information, output: r.output ?? new Uint8Array(), completed: r.completed };
  }

  /** A request of the simulation's user-mode program (open/read/write/ioctl/close steps). */
  userIo(request: UserIoRequest): UserIoOutcome {
    return this.userOutcome(userRequest(this.emu, request));
  }

  private userOutcome(r: UserOutcome): UserIoOutcome {
    if (r.ok) {
      this.lastFault = null;
      return r;
    }
    this.lastFault = r.fault;
    this.emu.emit(faultEvent(r.fault) as never);
    return { ok: false, reason: r.fault.kind === "timeout" ? "timeout" : "fault", message: r.fault.message };
  }

  pnpServiceStarted(module: string, service: string): PnpStep {
    const obj = this.driverObject(module);
    if (obj === null || !hasDevices(this.emu)) return { ok: true, start: [], stop: [] };
    return pnpOps.started(this.emu, obj, module, service);
  }

  pnpServiceStopping(service: string): PnpStep {
    return hasDevices(this.emu) ? pnpOps.stopping(this.emu, service) : { ok: true, start: [], stop: [] };
  }

  pnpServiceFailed(service: string, message: string, driverEntryFailed?: boolean): void {
    if (hasDevices(this.emu)) pnpOps.failed(this.emu, service, message, driverEntryFailed);
  }

  pnpWants(service: string): boolean {
    return hasDevices(this.emu) && serviceWanted(this.emu.kernel, service);
  }

  pnpSettle(): PnpStep {
    return hasDevices(this.emu) ? pnpOps.settle(this.emu) : { ok: true, start: [], stop: [] };
  }

  /** End of a simulation: interface references never dereferenced become `leak` events. */
  finish(): void {
    finishIo(this.emu);
    deviceObjectLeaks(this.emu);
  }

  callRoutine(module: string, rva: number, args: bigint[], routine: string): CallOutcome {
    return this.outcome(this.emu.call(this.base(module) + BigInt(rva), args, `${module}!${routine}`, true));
  }

  close(): void {
    this.emu.close();
  }
}
