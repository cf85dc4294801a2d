/**
 * EmulatorExecutor: the kernel model's Executor (src/kernel/executor.ts) implemented with the
 * Unicorn emulator. The kernel model decides what happens; this maps, patches and runs.
 * Fault reports are emitted as `fault` events on the sink; the CallOutcome carries the message.
 */
import type { CallOutcome, Executor } from "../kernel/executor.js";
import type { PeImage } from "../formats/pe/types.js";
import { KmdllError } from "../errors.js";
import { L64 } from "../nt/layouts.js";
import { Emulator, type EmulatorOptions, type FaultReport, type RunResult } from "./emulator.js";
import { addr64 } from "./layout.js";
import { completeRequest, deviceLabel, devicesOf, driverEntryDone, envOf } from "./api/io.js";
import { registerObject } from "./api/ob.js";
import { finishIo, userDeviceIoControl } from "./user-io.js";
import type { IoctlOutcome } from "../kernel/executor.js";

/** IRP_MJ_MAXIMUM_FUNCTION + 1 (wdm.h). */
const IRP_MJ_COUNT = 28;
const IO_TYPE_DRIVER = 4;
const STATUS_INVALID_DEVICE_REQUEST = 0xc0000010;

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
  /** The last fault report of a call made through this executor. */
  lastFault: FaultReport | null = null;

  constructor(options: EmulatorOptions = {}) {
    this.emu = new Emulator(options);
  }

  mapImage(module: string, image: PeImage, bytes: Uint8Array): bigint {
    return this.emu.mapImage(module, image, bytes).base;
  }

  unmapImage(module: string): void {
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
    this.lastFault = r.fault;
    this.emu.emit(faultEvent(r.fault) as never);
    return { ok: false, reason: r.fault.kind === "timeout" ? "timeout" : "fault", message: r.fault.message };
  }

  /** Write a UNICODE_STRING + its buffer at `at` (struct first, buffer at +0x10). */
  private writeUnicodeString(at: bigint, s: string): void {
    const U = L64.UNICODE_STRING;
    const buf = at + 0x10n;
    this.emu.mem.setU16(at + BigInt(U.Length), s.length * 2);
    this.emu.mem.setU16(at + BigInt(U.MaximumLength), s.length * 2 + 2);
    this.emu.mem.setU64(at + BigInt(U.Buffer), buf);
    this.emu.mem.writeUtf16(buf, s + "\0");
  }

  /** A UNICODE_STRING in kernel pool (lives as long as the emulator). */
  private poolUnicodeString(s: string): bigint {
    const a = this.emu.pool.allocate(0x10 + s.length * 2 + 2, 0x6d4b6d4b /* 'KmKm' */, 0, true, "(kernel)", null);
    this.writeUnicodeString(a, s);
    return a;
  }

  /** Call with a UNICODE_STRING argument that is freed when the call returns (use after free detected). */
  private callWithTransientString(address: bigint, s: string, what: string, label: string, before: bigint[] = []): RunResult {
    const page = this.emu.scratchPage();
    this.writeUnicodeString(page.address, s);
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
    return this.outcome(this.emu.call(this.base(module) + BigInt(rva), [], `${module}!DllUnload`));
  }

  /** The DRIVER_OBJECT created for a module's DriverEntry, if any. */
  driverObject(module: string): bigint | null {
    return this.driverObjects.get(module.toLowerCase()) ?? null;
  }

  private createDriverObject(module: string, rva: number, serviceName: string): bigint {
    const D = L64.DRIVER_OBJECT;
    const X = L64.DRIVER_EXTENSION;
    const U = L64.UNICODE_STRING;
    const mod = this.emu.module(module)!;
    const mem = this.emu.mem;
    const size = D.$size + X.$size;
    const obj = this.emu.pool.allocate(size, 0x76697244 /* 'Driv' */, 0, true, "(kernel)", null);
    const ext = obj + BigInt(D.$size);
    const invalid = this.emu.internalRoutine("IopInvalidDeviceRequest", (ctx) => {
      // Complete the IRP with STATUS_INVALID_DEVICE_REQUEST, as the I/O manager's default dispatch does.
      const irp = ctx.arg(1);
      if (irp !== 0n && ctx.mem.isMapped(irp + BigInt(L64.IRP.IoStatus), 16)) {
        ctx.mem.setU32(irp + BigInt(L64.IRP.IoStatus) + BigInt(L64.IO_STATUS_BLOCK.Status), STATUS_INVALID_DEVICE_REQUEST);
        ctx.mem.setU64(irp + BigInt(L64.IRP.IoStatus) + BigInt(L64.IO_STATUS_BLOCK.Information), 0n);
        completeRequest(envOf(ctx), irp);
      }
      return STATUS_INVALID_DEVICE_REQUEST;
    });
    mem.setU16(obj + BigInt(D.Type), IO_TYPE_DRIVER);
    mem.setU16(obj + BigInt(D.Size), D.$size);
    mem.setU64(obj + BigInt(D.DriverStart), mod.base);
    mem.setU32(obj + BigInt(D.DriverSize), mod.size);
    mem.setU64(obj + BigInt(D.DriverExtension), ext);
    const copyString = (dst: bigint, s: string) => {
      const src = this.poolUnicodeString(s);
      mem.write(dst, mem.read(src, U.$size));
    };
    copyString(obj + BigInt(D.DriverName), `\\Driver\\${serviceName}`);
    mem.setU64(obj + BigInt(D.HardwareDatabase), this.poolUnicodeString("\\REGISTRY\\MACHINE\\HARDWARE\\DESCRIPTION\\SYSTEM"));
    mem.setU64(obj + BigInt(D.DriverInit), mod.base + BigInt(rva));
    for (let i = 0; i < IRP_MJ_COUNT; i++) mem.setU64(obj + BigInt(D.MajorFunction) + BigInt(8 * i), invalid);
    mem.setU64(ext + BigInt(X.DriverObject), obj);
    copyString(ext + BigInt(X.ServiceKeyName), serviceName);
    this.driverObjects.set(module.toLowerCase(), obj);
    registerObject(this.emu.kernel, obj, { type: "Driver", name: `\\Driver\\${serviceName}` });
    return obj;
  }

  callDriverEntry(module: string, rva: number, serviceName: string, registryPath: string): CallOutcome {
    const base = this.base(module);
    const obj = this.createDriverObject(module, rva, serviceName);
    const r = this.outcome(
      this.callWithTransientString(base + BigInt(rva), registryPath, `the RegistryPath passed to ${module}!DriverEntry, freed when it returned`, `${module}!DriverEntry`, [obj]),
    );
    if (r.ok) driverEntryDone(this.emu.mem, obj);
    return r;
  }

  driverUnloadRoutine(module: string): bigint | null {
    const obj = this.driverObject(module);
    if (obj === null) return null;
    const r = this.emu.mem.u64(obj + BigInt(L64.DRIVER_OBJECT.DriverUnload));
    return r === 0n ? null : r;
  }

  callDriverUnload(module: string): CallOutcome {
    const obj = this.driverObject(module);
    const routine = this.driverUnloadRoutine(module);
    if (obj === null || routine === null) return { ok: false, reason: "no-unload", message: `${module} has no DriverUnload routine` };
    const r = this.outcome(this.emu.call(routine, [obj], `${module}!DriverUnload`));
    if (r.ok) {
      const left = devicesOf(this.emu.mem, obj);
      if (left.length)
        this.emu.emit({ event: "warning", module, message: `${module} unloaded with ${left.length} device object(s) left: ${left.map((d) => deviceLabel(this.emu, d)).join(", ")} (DriverUnload must IoDeleteDevice them; their dispatch routines are gone)` });
    }
    return r;
  }

  /** DeviceIoControl from user mode (the sim's ioctl step): IRP_MJ_CREATE, the IOCTL, IRP_MJ_CLOSE. */
  deviceIoControl(device: string, code: number, input: Uint8Array, outputLength: number): IoctlOutcome {
    const r = userDeviceIoControl(this.emu, device, code, input, outputLength);
    if (r.ok) {
      this.lastFault = null;
      return r;
    }
    this.lastFault = r.fault;
    this.emu.emit(faultEvent(r.fault) as never);
    return { ok: false, reason: r.fault.kind === "timeout" ? "timeout" : "fault", message: r.fault.message };
  }

  /** End of a simulation: interface references never dereferenced become `leak` events. */
  finish(): void {
    finishIo(this.emu);
  }

  callRoutine(module: string, rva: number, args: bigint[], routine: string): CallOutcome {
    return this.outcome(this.emu.call(this.base(module) + BigInt(rva), args, `${module}!${routine}`));
  }

  close(): void {
    this.emu.close();
  }
}
