/**
 * One emulated machine with the driver started: the kernel model (createSimulation) on the
 * emulator, DriverEntry run as `start:SERVICE` does, every event captured. The explorer sends
 * requests from user mode through it and opens a fresh session after a fault, so each request
 * after a crash starts again from the state right after DriverEntry.
 */
import { basename, resolve } from "node:path";
import type { TraceEvent } from "../events.js";
import { EmulatorExecutor } from "../emu/executor.js";
import { createSimulation, type Simulation } from "../kernel/simulation.js";
import { emulatorExecutorWith } from "../sim/emulator.js";
import type { IoctlOutcome } from "../executor.js";
import type { FaultReport } from "../emu/emulator.js";

export interface SessionOptions {
  root?: string;
  /** Time budget of one request (DriverEntry, one DeviceIoControl), ms. */
  timeoutMs: number;
}

/** What one request did: its outcome, the events it caused, the fault if it crashed, the driver's basic blocks it reached. */
export interface Probe {
  outcome: IoctlOutcome;
  events: TraceEvent[];
  fault: FaultReport | null;
  blocks: [bigint, number][];
}

export class Session {
  readonly sim: Simulation;
  readonly executor: EmulatorExecutor;
  readonly service: string;
  readonly module: string;
  private capture: TraceEvent[] = [];
  /** Events of DriverEntry. */
  readonly startEvents: TraceEvent[];
  readonly started: { ok: boolean; message?: string; fault: FaultReport | null };

  constructor(imagePath: string, o: SessionOptions) {
    this.service = basename(imagePath).replace(/\..*$/, "");
    this.module = `${this.service}.sys`;
    const ntPath = `\\SystemRoot\\System32\\drivers\\${this.module}`;
    this.sim = createSimulation({
      ...(o.root !== undefined ? { root: o.root } : {}),
      overlay: { [ntPath]: resolve(imagePath) },
      sink: (e) => this.onEvent(e),
      executor: emulatorExecutorWith({ unimplemented: "stub", timeoutMs: o.timeoutMs }),
      trace: true,
    });
    if (!(this.sim.executor instanceof EmulatorExecutor)) throw new Error("surface needs the emulator executor");
    this.executor = this.sim.executor;
    const r = this.sim.kernel.start(this.service);
    this.startEvents = this.take();
    this.started = { ok: r.ok, ...(r.message ? { message: r.message } : {}), fault: r.ok ? null : this.executor.lastFault };
    if (!r.ok) return;
    const emu = this.executor.emu;
    const mod = emu.module(this.module);
    if (!mod) return;
    this.imageRange = { base: mod.base, size: mod.size };
    // The driver's own state after DriverEntry (its image: globals, the IAT, patched code), put
    // back before every request: each input starts from the state DriverEntry left, at the cost
    // of one memory write (re-running DriverEntry costs ~60 ms, a request ~2 ms; docs/surface.md).
    try {
      this.image = emu.mem.read(mod.base, mod.size);
    } catch {
      this.image = null;
    }
    if (emu.uc.setBlockHook) emu.uc.setBlockHook(mod.base, mod.base + BigInt(mod.size) - 1n);
    // The block hook is the session's coverage now: no loop probe at a timeout (src/emu/loop-probe.ts).
    emu.calls.loopProbe = false;
  }

  private image: Uint8Array | null = null;
  /** Where the driver image lies in the emulator's memory. */
  imageRange: { base: bigint; size: number } | null = null;

  /** The driver's code bytes at [address, address + size) (for the fuzzer's comparisons), or null. */
  code(address: bigint, size: number): Uint8Array | null {
    const r = this.imageRange;
    if (!r || address < r.base || address + BigInt(size) > r.base + BigInt(r.size)) return null;
    return this.executor.emu.mem.read(address, size);
  }

  private blocks(): [bigint, number][] {
    const raw = this.executor.emu.uc.takeBlocks?.();
    const out: [bigint, number][] = [];
    if (raw) for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, Number(raw[i + 1]!)]);
    return out;
  }

  /** Reads made while an event is delivered (e.g. ZwOpenProcess's CLIENT_ID, still on the driver's stack). */
  onApi: ((e: TraceEvent & { event: "api" }) => Record<string, unknown> | null) | null = null;

  private onEvent(e: TraceEvent): void {
    if (this.capture.length > 20000) return; // a driver that prints without end: keep memory bounded
    if (e.event === "api" && this.onApi) {
      const extra = this.onApi(e as TraceEvent & { event: "api" });
      if (extra) {
        this.capture.push({ ...e, ...extra } as TraceEvent);
        return;
      }
    }
    this.capture.push(e);
  }

  private take(): TraceEvent[] {
    const t = this.capture;
    this.capture = [];
    return t;
  }

  /** DeviceIoControl(device, code, input, outputLength) from a user-mode process. */
  ioctl(device: string, code: number, input: Uint8Array, outputLength: number): Probe {
    this.take();
    this.blocks();
    if (this.image && this.imageRange) this.executor.emu.mem.write(this.imageRange.base, this.image);
    const outcome = this.executor.deviceIoControl(device, code, input, outputLength);
    const events = this.take();
    return { outcome, events, fault: outcome.ok ? null : this.executor.lastFault, blocks: this.blocks() };
  }

  dispose(): void {
    this.sim.dispose();
  }
}

/**
 * Values read while an api event is delivered, from memory the call's arguments point to: the
 * PID in ZwOpenProcess's CLIENT_ID (still on the driver's stack), the first page frame of the MDL
 * given to MmMapLockedPages(SpecifyCache).
 */
export function sinkReads(s: Session): Session["onApi"] {
  return (e) => {
    try {
      if (/!(Zw|Nt)OpenProcess$/.test(e.api)) return { pid: "0x" + s.executor.emu.mem.u64(BigInt(e.args[3]!)).toString(16) };
      if (/!MmMapLockedPages(SpecifyCache)?$/.test(e.api)) return { pfn: "0x" + s.executor.emu.mem.u64(BigInt(e.args[0]!) + 0x30n).toString(16) };
    } catch {
      /* unreadable: no value */
    }
    return null;
  };
}
