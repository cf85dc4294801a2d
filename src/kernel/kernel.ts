import type { EventSink, TraceEvent } from "../events.js";
import { STATUS, formatStatus, ntSuccess, statusName } from "../nt/status.js";
import type { Executor, KernelQueries, PnpStep, UserIoRequest } from "./executor.js";
import { exportsName, locateExport, lookupByOrdinal } from "./exports.js";
import { Crash, LoadError, Loader, surfacedStatus } from "./loader.js";
import { ModuleTable } from "./module-table.js";
import { defaultImagePath, driverRegistryPath, normalizeImagePath, ntBaseName } from "./paths.js";
import type { ImageSource, LoadedModule, OpResult, Semantics, ServiceConfig } from "./types.js";
import { hexBytes } from "./io-steps.js";
import { IO_UNSUPPORTED } from "./io-run.js";

export interface KernelOptions {
  executor: Executor;
  images: ImageSource;
  /** Service database (ImagePath); default: every service uses \SystemRoot\System32\drivers\NAME.sys. */
  services?: ServiceConfig;
  semantics?: Semantics;
  sink?: EventSink;
}

/** One row of the module table as reported at the end of a simulation. */
export interface ModuleRow {
  module: string;
  count: number;
  path: string;
  /** Service name when it runs as a started driver. */
  service: string | null;
  /** Loaded as a dependency of this module (null: started as a service). */
  loadedBy: string | null;
  /** Count 0 and still loaded: no (active) DllUnload, or DllUnload failed. */
  pinned: boolean;
}

/**
 * The simulated kernel: a module table, the image loader and the service control operations
 * (NtLoadDriver / NtUnloadDriver), driving guest code through an Executor.
 */
export class Kernel implements KernelQueries {
  readonly table = new ModuleTable();
  readonly semantics: Semantics;
  private readonly loader: Loader;
  private readonly sink: EventSink;
  /** Set once guest code faulted: the real machine would have crashed. */
  crashed = false;
  private lastFaultApi: string | null = null;
  private lastFault: string | undefined;
  /** Services the device tree asked for that failed to start (not tried again until a start step names them). */
  private readonly pnpFailed = new Set<string>();

  constructor(private readonly o: KernelOptions) {
    this.semantics = o.semantics ?? "documented";
    this.sink = o.sink ?? (() => {});
    this.loader = new Loader({ table: this.table, executor: o.executor, images: o.images, semantics: this.semantics, emit: this.sink });
  }

  private emit(e: TraceEvent): void {
    this.sink(e);
  }

  /**
   * A minifilter (it imports FLTMGR.SYS) whose service key the start just created as the SCM
   * would: write the instance keys its INF would have written, so FltRegisterFilter finds an
   * altitude; a service key given by the user is left as it is (FltRegisterFilter then fails
   * without Instances, as on Windows).
   */
  private installMinifilter(m: LoadedModule, service: string): void {
    if (!m.image?.imports.some((d) => d.dll.toLowerCase() === "fltmgr.sys")) return;
    const wrote = this.o.services?.ensureMinifilterInstances?.(service);
    if (!wrote) return;
    this.emit({
      event: "warning",
      module: m.name,
      message: `${m.name} is a minifilter (it imports FLTMGR.SYS) started without a service key: wrote Services\\${service}\\Instances (DefaultInstance "${wrote.instance}", Altitude ${wrote.altitude}) as a minifilter INF does; give --registry to choose them`,
    });
  }

  private refuse(status: number, module: string, message: string, refusal?: string): OpResult {
    this.emit({ event: "fail", status: formatStatus(status), module, message, ...(refusal ? { refusal } : {}) });
    return { ok: false, status, message };
  }

  /** The executor reports the kind (and API, if any) of each fault event here (the crash result carries the last one). */
  noteFault(kind: string, api?: string): void {
    this.lastFault = kind;
    this.lastFaultApi = api ?? null;
  }

  private crash(e: Crash, module: string): OpResult {
    this.crashed = true;
    // A call to a kernel routine kmdll does not implement is the emulator's gap, not the driver's crash.
    const gap = this.lastFault === "unimplemented-api";
    const api = (this.lastFaultApi ?? "").replace(/\.(exe|dll|sys)!/i, "!");
    const message = this.lastFault === "emulator-gap"
      ? `${e.message}: emulation of ${module} stopped there; this is a gap of the emulator, not a crash of the driver`
      : gap
      ? `kmdll does not implement ${api || "a kernel routine"} (${e.message.replace(/^unimplemented \S+ /, "")}): emulation of ${module} stopped there; this is a gap of the emulator, not a crash of the driver${/^unimplemented /.test(e.message) ? " (--unimplemented stub returns STATUS_NOT_IMPLEMENTED instead)" : ""}`
      : this.lastFault === "timeout"
        ? `emulation stopped in ${module}: ${e.message} (the call does not return: on Windows it would hang its thread)`
        : this.lastFault === "deadlock"
          ? `emulation stopped in ${module}: ${e.message} (the call would never return)`
          : /kmdll's synthetic \S+ image/.test(e.message)
            ? `emulation stopped in ${module}: ${e.message} (a dependency on the real module's code kmdll does not have, not a crash Windows would have)`
            : `emulation stopped in ${module}: ${e.message} (Windows would have crashed)`;
    this.emit({ event: "fail", status: formatStatus(STATUS.UNSUCCESSFUL), module, message });
    return { ok: false, status: STATUS.UNSUCCESSFUL, message, crashed: true, ...(this.lastFault ? { fault: this.lastFault } : {}) };
  }

  /** Find a loaded module by base name; "mydriver" also finds "mydriver.sys". */
  findModule(name: string): LoadedModule | undefined {
    return this.table.find(name) ?? (name.includes(".") ? undefined : this.table.find(name + ".sys"));
  }

  /**
   * Start a service like NtLoadDriver: ImagePath from the service key (default
   * \SystemRoot\System32\drivers\NAME.sys), load the image, call DriverEntry.
   */
  start(service: string, why?: string): OpResult {
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    const configured = this.o.services?.imagePath(service);
    const raw = configured ?? defaultImagePath(service);
    // Blanks around a configured ImagePath (a .reg file typed by hand) are not part of it.
    const path = /[\\/]/.test(service) || service.includes("..") ? null : normalizeImagePath(raw.trim());
    if (path === null) {
      return this.refuse(STATUS.OBJECT_PATH_NOT_FOUND, service, `service ${service}: image path "${raw}" is outside the simulated \\SystemRoot`);
    }
    // Installing a driver (sc create / CreateService) writes its service key before the start:
    // a scenario that starts a driver without one gets the key the SCM would have written.
    const created = configured === undefined && (this.o.services?.ensureService?.(service, raw) ?? false);
    const existing = this.table.findByPath(path);
    if (existing) {
      return this.refuse(
        STATUS.IMAGE_ALREADY_LOADED,
        existing.name,
        `${existing.name} is already loaded from ${path}${existing.service ? ` (service ${existing.service})` : existing.loadedBy ? ` (as a DLL imported by ${existing.loadedBy})` : ""}`,
      );
    }
    let m: LoadedModule;
    try {
      m = this.loader.loadImage(path, null, why ? `service ${service} started, ${why}` : `service ${service} started`);
    } catch (e) {
      if (e instanceof LoadError) {
        const status = surfacedStatus(e.raw);
        return { ok: false, status, cause: e.raw, message: e.message };
      }
      if (e instanceof Crash) return this.crash(e, service);
      throw e;
    }
    if (created) this.installMinifilter(m, service);
    const regPath = driverRegistryPath(service);
    const rva = m.image!.optional.addressOfEntryPoint;
    m.service = service;
    this.emit({ event: "call", module: m.name, routine: "DriverEntry", arg: regPath });
    let status: number;
    try {
      status = Number(this.loader.run(() => this.o.executor.callDriverEntry(m.name, rva, service, regPath)) & 0xffffffffn) >>> 0;
    } catch (e) {
      if (e instanceof Crash) return this.crash(e, m.name);
      throw e;
    }
    this.emit({ event: "return", module: m.name, routine: "DriverEntry", status: formatStatus(status) });
    if (!ntSuccess(status)) {
      m.service = null;
      const hint = this.o.executor.lastWarning?.() ?? null;
      const failed = this.o.executor.lastFailedCall?.() ?? null;
      const message = `${m.name}: DriverEntry returned ${formatStatus(status)}${statusName(status) ? ` (${statusName(status)})` : ""}; the image is unloaded${hint ? ` (last warning: ${hint})` : ""}${failed ? ` (last failed kernel call: ${failed.text})` : ""}`;
      // routine/failedCall: the same facts for scripts (kmdll triage classifies on them).
      const call = failed ? { routine: failed.routine, status: failed.status, statusName: failed.statusName, site: failed.site } : null;
      this.emit({ event: "fail", status: formatStatus(status), module: m.name, message, routine: "DriverEntry", ...(call ? { failedCall: call } : {}) });
      try {
        this.loader.unloadImage(m, "its DriverEntry failed");
      } catch (e) {
        if (e instanceof Crash) return this.crash(e, m.name);
        throw e;
      }
      return { ok: false, status, message, driverEntryFailed: true };
    }
    const reinit = this.reinitialize(m.name, service);
    if (reinit) return reinit;
    const pnp = this.pnpFollowUp(this.o.executor.pnpServiceStarted?.(m.name, service), m.name);
    if (pnp) return pnp;
    return { ok: true, status };
  }

  /** The driver's reinitialization routines, once its DriverEntry has succeeded (IopReinitializeDrivers). A crash is returned. */
  private reinitialize(module: string, service: string): OpResult | null {
    const next = () => this.o.executor.nextReinitialization?.(module, service) ?? null;
    for (let call = next(); call; call = next()) {
      this.emit({ event: "call", module, routine: call.routine, args: call.args });
      try {
        this.loader.run(() => call!.run());
      } catch (e) {
        if (e instanceof Crash) return this.crash(e, module);
        throw e;
      }
      this.emit({ event: "return", module, routine: call.routine });
    }
    return null;
  }

  /**
   * The PnP manager's requests after a start, stop or step: start the services the device tree
   * needs (a driver loaded by hardware ID), stop those left without devices. A crash is returned.
   */
  private pnpFollowUp(r: PnpStep | undefined, module: string): OpResult | null {
    if (!r) return null;
    if (!r.ok) return this.crash(new Crash(r.message), module);
    for (const s of r.stop) {
      if (!this.table.drivers().some((x) => x.service?.toLowerCase() === s.toLowerCase())) continue;
      this.emit({ event: "pnp", action: "unload-driver", device: "", service: s, reason: r.reasons?.[s] ?? "its last device was removed" });
      const res = this.stop(s);
      if (res.crashed) return res;
    }
    for (const s of r.start) {
      if (this.pnpFailed.has(s.toLowerCase()) || this.table.drivers().some((x) => x.service?.toLowerCase() === s.toLowerCase())) continue;
      // An earlier start in this list may have settled the devnodes that wanted it (failed, and the driver unloaded).
      if (this.o.executor.pnpWants && !this.o.executor.pnpWants(s)) continue;
      this.emit({ event: "pnp", action: "load-driver", device: "", service: s, reason: "a device needs it" });
      const res = this.start(s);
      if (res.crashed) return res;
      if (!res.ok) {
        this.pnpFailed.add(s.toLowerCase());
        this.o.executor.pnpServiceFailed?.(s, res.message ?? formatStatus(res.status), res.driverEntryFailed === true);
      }
    }
    return null;
  }

  /** After a scenario step: bus relations invalidated during it are enumerated again. */
  settleDevices(): OpResult | null {
    if (this.crashed || !this.o.executor.pnpSettle) return null;
    return this.pnpFollowUp(this.o.executor.pnpSettle(), "PnP manager");
  }

  /** Stop a service like NtUnloadDriver: DriverUnload (none → refused), then unload the image. */
  stop(service: string, why?: string): OpResult {
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    const l = service.toLowerCase();
    const m = this.table.drivers().find((x) => x.service?.toLowerCase() === l);
    if (!m) {
      return this.refuse(STATUS.OBJECT_NAME_NOT_FOUND, service, `service ${service} is not running (no driver object)`);
    }
    const ex = this.o.executor;
    // NtUnloadDriver refuses a driver object without DriverUnload (STATUS_INVALID_DEVICE_REQUEST).
    const noUnload = () => {
      const detail = ex.noUnloadDetail?.(m.name) ?? null;
      return this.refuse(STATUS.INVALID_DEVICE_REQUEST, m.name, `${m.name} set no DriverUnload routine in its driver object \\Driver\\${m.service}: Windows refuses to unload it, as here${detail ? ` (${detail})` : ""}`, "no-driver-unload");
    };
    if (ex.driverUnloadRoutine && ex.driverUnloadRoutine(m.name) === null) return noUnload();
    const step = ex.pnpServiceStopping?.(service);
    // A device vetoed its removal: it stays, so the PnP driver is not unloaded (pnp/removal.ts).
    if (step?.ok && step.vetoed)
      return this.refuse(STATUS.INVALID_DEVICE_REQUEST, m.name, `${m.name} keeps its devices: ${step.vetoed}; the PnP manager cancelled the removal (IRP_MN_CANCEL_REMOVE_DEVICE), so Windows does not unload the driver (STATUS_INVALID_DEVICE_REQUEST)`);
    const pnp = this.pnpFollowUp(step, m.name);
    if (pnp) return pnp;
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    try {
      this.emit({ event: "call", module: m.name, routine: "DriverUnload" });
      const r = ex.callDriverUnload(m.name);
      if (!r.ok && r.reason === "no-unload") return noUnload();
      if (!r.ok) throw new Crash(r.message);
      this.emit({ event: "return", module: m.name, routine: "DriverUnload" });
      m.service = null;
      this.loader.unloadImage(m, why ? `service ${service} stopped, ${why}` : `service ${service} stopped`);
    } catch (e) {
      if (e instanceof Crash) return this.crash(e, m.name);
      throw e;
    }
    return { ok: true, status: STATUS.SUCCESS };
  }

  /**
   * Load an image the way an importer's load brings in a dependency (MmLoadSystemImage, then
   * MmCallDllInitialize), on behalf of `by`, a caller outside the module table (`kmdll call`)
   * that holds the one reference. Fails like a dependency load (the image is unloaded again).
   */
  loadDll(ntPath: string, by: string): OpResult & { module?: string } {
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    const name = ntBaseName(ntPath);
    if (this.table.find(name)) return this.refuse(STATUS.IMAGE_ALREADY_LOADED, name, `${name} is already loaded`);
    let m: LoadedModule;
    try {
      m = this.loader.loadImage(ntPath, null, `loaded by ${by}`);
      this.loader.initializeDll(m, { name: by });
    } catch (e) {
      if (e instanceof LoadError) return { ok: false, status: surfacedStatus(e.raw), cause: e.raw, message: e.message };
      if (e instanceof Crash) return this.crash(e, name);
      throw e;
    }
    return { ok: true, status: STATUS.SUCCESS, module: m.name };
  }

  /** Drop the reference `loadDll` gave `by` (MiDereferenceImports for that module): at count 0, DllUnload and unload, cascading. */
  releaseDll(module: string, by: string): OpResult {
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    const m = this.table.find(module);
    if (!m || m.builtin) return this.refuse(STATUS.OBJECT_NAME_NOT_FOUND, module, `${module} is not loaded`);
    try {
      this.loader.dereferenceImports([m], { name: by });
    } catch (e) {
      if (e instanceof Crash) return this.crash(e, m.name);
      throw e;
    }
    return { ok: true, status: STATUS.SUCCESS };
  }

  /** Call an export of a loaded module ("LoadPrinterDriver" or "#3") with integer arguments. */
  call(module: string, routine: string, args: bigint[]): OpResult {
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    const m = this.findModule(module);
    if (!m || m.builtin) return this.refuse(STATUS.OBJECT_NAME_NOT_FOUND, module, `${module} is not loaded`);
    let rva: number | null = null;
    if (/^#\d+$/.test(routine)) {
      const r = lookupByOrdinal(m.image?.exports ?? null, Number(routine.slice(1)));
      rva = r.kind === "rva" ? r.rva : null;
    } else {
      rva = locateExport(m.image, routine);
    }
    if (rva === null) {
      return this.refuse(STATUS.DRIVER_ENTRYPOINT_NOT_FOUND, m.name, `${m.name} does not export ${routine}`);
    }
    this.emit({ event: "call", module: m.name, routine, args: args.map((a) => "0x" + BigInt.asUintN(64, a).toString(16)) });
    let value: bigint;
    try {
      value = this.loader.run(() => this.o.executor.callRoutine(m.name, rva!, args.map((a) => BigInt.asUintN(64, a)), routine));
    } catch (e) {
      if (e instanceof Crash) return this.crash(e, m.name);
      throw e;
    }
    this.emit({ event: "return", module: m.name, routine, value: "0x" + value.toString(16) });
    return { ok: true, status: STATUS.SUCCESS, value };
  }

  /** DeviceIoControl from user mode on a device path: open, the IOCTL, close (the ioctl:PATH step; see io-steps.ts). */
  ioctl(device: string, code: number, input: Uint8Array, outputLength: number): OpResult {
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    const ex = this.o.executor;
    if (!ex.deviceIoControl) return IO_UNSUPPORTED;
    const r = ex.deviceIoControl(device, code, input, outputLength);
    if (!r.ok) return this.crash(new Crash(r.message), device);
    if (r.status === STATUS.OBJECT_NAME_NOT_FOUND) return this.refuse(r.status, device, `${device}: no such device object`);
    return { ok: ntSuccess(r.status) && r.completed, status: r.status, information: r.information, output: hexBytes(r.output), ...(r.completed ? {} : { message: "the IRP was not completed" }) };
  }

  /**
   * A request of the user-mode program (open/read/write/ioctl/close steps), reported as an `io`
   * event with the IRP's final IoStatus and the bytes returned.
   */
  userIo(request: UserIoRequest): OpResult {
    if (this.crashed) return { ok: false, status: STATUS.UNSUCCESSFUL, message: "the simulated machine has crashed", crashed: true };
    const ex = this.o.executor;
    if (!ex.userIo) return IO_UNSUPPORTED;
    const r = ex.userIo(request);
    if (!r.ok) return this.crash(new Crash(r.message), request.op === "sleep" ? "sleep" : request.handle);
    // A sleep reaches no device: its step line is the report (what ran during it has its own events).
    if (request.op === "sleep") return { ok: true, status: r.status, information: 0n, facts: r.facts };
    const output = r.output !== undefined ? hexBytes(r.output) : undefined;
    const { data: _d, input: _i, ...shown } = request as UserIoRequest & { data?: Uint8Array; input?: Uint8Array };
    this.emit({
      event: "io",
      ...shown,
      ...(request.op === "write" ? { data: hexBytes(request.data) } : request.op === "ioctl" ? { code: `0x${(request.code >>> 0).toString(16).toUpperCase().padStart(8, "0")}`, input: hexBytes(request.input) } : {}),
      ...("offset" in request && request.offset !== undefined ? { offset: request.offset.toString() } : {}),
      status: formatStatus(r.status),
      information: r.information.toString(),
      completed: r.completed,
      ...(output !== undefined ? { output } : {}),
      ...r.facts,
      ...(r.message ? { message: r.message } : {}),
    } as TraceEvent);
    // An overlapped request left pending is the program's to cancel or wait for later: the step passes.
    const outstanding = !r.completed && request.op === "ioctl" && request.async === true;
    const ok = (r.completed || outstanding) && r.status >>> 30 !== 3 && r.message === undefined;
    return { ok, status: r.status, information: r.information, ...(output !== undefined ? { output } : {}), facts: r.facts, ...(r.message ? { message: r.message } : !r.completed && !outstanding ? { message: "the IRP was not completed" } : {}) };
  }

  /** The module table (without ntoskrnl/hal), in load order. */
  modules(): ModuleRow[] {
    return this.table.drivers().map((m) => ({
      module: m.name,
      count: m.loadCount,
      path: m.path,
      service: m.service,
      loadedBy: m.loadedBy,
      pinned: m.loadCount === 0,
    }));
  }

  /** KernelQueries: loaded modules (besides ntoskrnl/hal) exporting `name` (MmGetSystemRoutineAddress warnings). */
  modulesExporting(name: string): string[] {
    return this.table.drivers().filter((m) => exportsName(m.image, name)).map((m) => m.name);
  }
}
