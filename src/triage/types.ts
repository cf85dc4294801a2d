/**
 * `kmdll triage`: the outcome classes of starting and stopping a driver (docs/triage.md) and the
 * per-driver result. Pure data.
 */

/** The outcome classes, best first (the order of the summary). */
export const TRIAGE_CLASSES = ["pass", "windows-refuses", "driver-declined", "driver-fault", "kmdll-gap", "not-a-driver"] as const;
export type TriageClass = (typeof TRIAGE_CLASSES)[number];

/** Classes that make `kmdll triage` exit 1 (pass, windows-refuses and not-a-driver do not). */
export const FAILING_CLASSES: ReadonlySet<TriageClass> = new Set(["driver-declined", "driver-fault", "kmdll-gap"]);

/** A fault kmdll reported (the sim `fault` event's facts). */
export interface TriageFault {
  kind: string;
  /** Where: "x.sys+0x1020". */
  rip?: string;
  /** Nearest export: "DriverEntry+0x20". */
  symbol?: string;
  /** The faulting data address. */
  address?: string;
  /** The kernel routine involved ("ntoskrnl.exe!ZwSetEaFile"). */
  api?: string;
  /** A bug check's code ("0x000000E2"). */
  code?: string;
  /** The faulting instruction's first bytes, hex. */
  instructionBytes?: string;
  /**
   * A timeout: what the last slice of the budget saw (src/emu/loop-probe.ts). `own`: the driver's
   * own endless loop (its code from `start` to `end`, the state repeating every `period`
   * instructions); else `why` kmdll cannot tell.
   */
  loop?: { own: boolean; why: string; start?: string; end?: string; blocks?: number; period?: number };
  message: string;
}

export interface TriageResult {
  /** The file as found (the path given, or below a folder given). */
  file: string;
  /** The service name it was installed under (its file name without the extension); null when it was not run. */
  service: string | null;
  class: TriageClass;
  /** What happened, precisely, in one line. */
  reason: string;
  /** The reason without per-driver details, to rank reasons across drivers ("unimplemented ntoskrnl!ZwSetEaFile"). */
  key: string;
  /** Where it stopped: the image load, DriverEntry (start), DriverUnload (stop), after the stop (unload: leaks), or the input itself. */
  phase: "input" | "load" | "start" | "stop" | "unload" | "run" | null;
  /** The status of the failed operation, when there is one ("0xC0000034") and its name. */
  status?: string;
  statusName?: string;
  fault?: TriageFault;
  /** The last failed kernel call in DriverEntry (driver-declined). */
  failedCall?: { routine: string; status: string; statusName: string; site: string };
  /** What was missing (a module, "module!export"). */
  missing?: string;
  /** Companion drivers from the same folder installed with it (the modules it imports). */
  companions?: string[];
  /** Leak and verifier findings at unload. */
  findings?: number;
  /** Wall time of the run, milliseconds. */
  ms: number;
  /** The `kmdll sim` command that reproduces the run. */
  command?: string;
  /** Run a second time, alone, after the others, because it ran out of time the first time beside them. */
  retried?: boolean;
}

export interface TriageSummary {
  drivers: number;
  counts: Record<TriageClass, number>;
  /** Reasons ranked by count (ties by key), per class. */
  reasons: { class: TriageClass; key: string; count: number }[];
  /** Files below the folders that are not driver images and were not run (non-PE files without a driver extension, user-mode PE images). */
  ignored: number;
  ms: number;
  /** 0: every driver passed or is refused by Windows too; 1: some failure. */
  exitCode: 0 | 1;
}
