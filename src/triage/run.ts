/**
 * `kmdll triage` as a library function: every driver image under the given files and folders is
 * started and stopped in a child process of its own (child.ts), `jobs` at a time; each result is
 * handed to the caller as soon as it is known (in completion order), and the summary — counts per
 * class, reasons ranked by count — is returned at the end. Only the runs in flight and the
 * per-reason counts are kept: a corpus of any size runs in bounded memory.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { KmdllError } from "../errors.js";
import { abandonChildren, runDriver, type SimPassThrough } from "./child.js";
import { FolderIndex, triageInputs } from "./inputs.js";
import { FAILING_CLASSES, TRIAGE_CLASSES, type TriageClass, type TriageResult, type TriageSummary } from "./types.js";

export interface TriageOptions extends Partial<SimPassThrough> {
  /** Drivers run at the same time (default: the CPUs). */
  jobs?: number;
  /** Wall-clock budget per driver, seconds (default: 3 × timeout + 30, plus timeout per companion driver). */
  wallSeconds?: number;
  /** Resident memory cap per driver process, MiB (default 1024). */
  memoryMiB?: number;
  /** Run a driver that ran out of time (time budget, wall clock) again alone after the others (default true; only with jobs > 1). */
  retryTimeouts?: boolean;
}

/** A result that may be the machine's load rather than the driver: its time budget or the wall clock ran out. */
function outOfTime(r: TriageResult): boolean {
  return r.class === "kmdll-gap" && (r.fault?.kind === "timeout" || r.key.startsWith("no result within"));
}

/** Default time budget per guest call (seconds), as `kmdll sim`. */
export const DEFAULT_TIMEOUT = 10;
export const DEFAULT_MEMORY_MIB = 1024;

/** Counts per class and per reason, added to one result at a time. */
export class TriageTally {
  readonly counts = Object.fromEntries(TRIAGE_CLASSES.map((c) => [c, 0])) as Record<TriageClass, number>;
  private readonly reasons = new Map<string, { class: TriageClass; key: string; count: number }>();
  ignored = 0;

  add(r: TriageResult): void {
    this.counts[r.class]++;
    if (r.class === "pass") return;
    const id = `${r.class}\0${r.key}`;
    const e = this.reasons.get(id);
    if (e) e.count++;
    else this.reasons.set(id, { class: r.class, key: r.key, count: 1 });
  }

  summary(ms: number): TriageSummary {
    const drivers = TRIAGE_CLASSES.filter((c) => c !== "not-a-driver").reduce((n, c) => n + this.counts[c], 0);
    const reasons = [...this.reasons.values()].sort((a, b) => b.count - a.count || TRIAGE_CLASSES.indexOf(a.class) - TRIAGE_CLASSES.indexOf(b.class) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const exitCode = [...FAILING_CLASSES].some((c) => this.counts[c] > 0) ? 1 : 0;
    return { drivers, counts: { ...this.counts }, reasons, ignored: this.ignored, ms, exitCode };
  }
}

/** Run the triage; `onResult` gets each result as it finishes. Usage problems (a path that does not exist) throw KmdllError before anything runs. */
export async function runTriage(paths: string[], o: TriageOptions, onResult: (r: TriageResult) => void): Promise<TriageSummary> {
  if (paths.length === 0) throw new KmdllError("no inputs: give driver files or folders");
  for (const p of paths) if (!existsSync(p)) throw new KmdllError(`${p}: no such file or folder`);
  if (o.machine && !existsSync(o.machine)) throw new KmdllError(`${o.machine}: no such file`);
  if (o.registry && !existsSync(o.registry)) throw new KmdllError(`${o.registry}: no such file`);
  const t0 = Date.now();
  const jobs = Math.max(1, o.jobs ?? availableParallelism());
  const timeout = o.timeout ?? DEFAULT_TIMEOUT;
  const sim: SimPassThrough = { timeout, ...(o.unimplemented ? { unimplemented: o.unimplemented } : {}), ...(o.verifier ? { verifier: o.verifier } : {}), ...(o.machine ? { machine: o.machine } : {}), ...(o.registry ? { registry: o.registry } : {}) };
  const tally = new TriageTally();
  const folders = new FolderIndex();
  const inputs = triageInputs(paths);
  const emit = (r: TriageResult) => {
    tally.add(r);
    onResult(r);
  };
  // Each worker takes the next input until none is left; results go out as they finish.
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = inputs.next();
      if (next.done) return;
      const input = next.value;
      if (input.kind === "ignored") {
        tally.ignored++;
        continue;
      }
      if (input.kind === "not-a-driver") {
        emit({ file: input.path, service: null, class: "not-a-driver", reason: input.reason, key: input.reason.replace(/ at e_lfanew 0x[0-9a-f]+/, ""), phase: "input", ms: 0 });
        continue;
      }
      const companions = folders.companions(input.path);
      const r = await run(input.path, companions);
      // Out of time while other drivers ran beside it: tried again alone at the end (held back until then).
      if (retry && jobs > 1 && outOfTime(r)) again.push({ path: input.path, companions });
      else emit(r);
    }
  };
  const retry = o.retryTimeouts !== false;
  const again: { path: string; companions: string[] }[] = [];
  // A safety net for what the emulator's own per-call budget cannot stop (a hang in kmdll, a slow start-up under load).
  const run = (path: string, companions: string[]) =>
    runDriver(path, companions, { ...sim, wallSeconds: o.wallSeconds ?? 3 * timeout + 30 + companions.length * timeout, memoryMiB: o.memoryMiB ?? DEFAULT_MEMORY_MIB });
  // Interrupted (Ctrl-C, kill): the children go too, and nothing is left in the temporary folder.
  const interrupted = (signal: NodeJS.Signals) => {
    abandonChildren();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    await Promise.all(Array.from({ length: jobs }, () => worker()));
    for (const a of again) emit({ ...(await run(a.path, a.companions)), retried: true });
  } finally {
    process.removeListener("SIGINT", interrupted);
    process.removeListener("SIGTERM", interrupted);
  }
  return tally.summary(Date.now() - t0);
}
