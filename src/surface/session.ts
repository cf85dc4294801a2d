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

/** What one request did: its outcome, the events it caused, the fault if it crashed. */
export interface Probe {
  outcome: IoctlOutcome;
  events: TraceEvent[];
  fault: FaultReport | null;
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
    const outcome = this.executor.deviceIoControl(device, code, input, outputLength);
    const events = this.take();
    return { outcome, events, fault: outcome.ok ? null : this.executor.lastFault };
  }

  dispose(): void {
    this.sim.dispose();
  }
}
