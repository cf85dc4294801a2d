/**
 * Wiring of a simulation: the \SystemRoot directory (given, or a temporary one with installed
 * drivers), the registry seeded from a .reg file, an Executor and the Kernel.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { isVerifierFinding, type EventSink } from "../events.js";
import { KmdllError, inFile } from "../errors.js";
import { parseRegFile } from "../formats/reg/index.js";
import { readFileBytes } from "../io/image.js";
import { Registry } from "../nt/registry.js";
import { seedDefaultHive } from "../nt/default-hive.js";
import type { Executor, KernelQueries } from "./executor.js";
import { Kernel, type ModuleRow } from "./kernel.js";
import { guestLoadDriver, guestUnloadDriver } from "./guest-control.js";
import { runSteps, type Step, type StepResult } from "./scenario.js";
import { OverlayImageSource, RootImageSource, registryServices, rootArches } from "./root-fs.js";
import type { ImageArch } from "../nt/image-arch.js";
import type { Semantics } from "./types.js";

export interface ExecutorContext {
  registry: Registry;
  sink: EventSink;
  queries: KernelQueries;
  /** Emit an `api` event per kernel API call. */
  trace?: boolean;
  /** The architecture of the simulated system (of the root's drivers). */
  arch?: ImageArch;
  /** The folder standing for \SystemRoot (drivers' Zw*File calls see it, read only). */
  root?: string;
  /** Limits of the run (the emulator's): what an unimplemented kernel routine does, time budget per call. */
  limits?: RunLimits;
}

/** What a call to a kernel routine the executor does not implement does, and the time budget per guest call. */
export interface RunLimits {
  unimplemented?: "fault" | "stub";
  timeoutMs?: number;
}

export type ExecutorFactory = (ctx: ExecutorContext) => Executor;

export interface SimulationOptions {
  /** Directory standing for \SystemRoot; omitted → a temporary root holding `install`. */
  root?: string;
  /** Driver files copied into <root>/System32/drivers before the run (temporary root only). */
  install?: string[];
  /** .reg files applied to the registry in order, or the registry itself. */
  registry?: string | string[] | Registry;
  /** Host files shown at NT paths on top of the root, not copied into it (see OverlayImageSource). */
  overlay?: Record<string, string>;
  semantics?: Semantics;
  sink: EventSink;
  executor: ExecutorFactory;
  /** Emit an `api` event per kernel API call. */
  trace?: boolean;
  limits?: RunLimits;
}

export interface Simulation {
  kernel: Kernel;
  registry: Registry;
  executor: Executor;
  root: string;
  /** Remove the temporary root (no-op for a given root). */
  dispose(): void;
}

/** A fresh registry: the default hive of a booted system, then the .reg files if any, in order; errors name the file and line. */
export function loadRegistry(paths?: string | string[]): Registry {
  const registry = new Registry();
  // A booted system's keys first (src/nt/default-hive.ts); the files extend or override them.
  seedDefaultHive(registry);
  for (const path of typeof paths === "string" ? [paths] : paths ?? []) {
    // readFileBytes refuses devices, FIFOs and directories with a one-line error (reading
    // /dev/zero would never end).
    const bytes = readFileBytes(path);
    registry.apply(inFile(path, () => parseRegFile(bytes)));
  }
  return registry;
}

/** Build a temporary \SystemRoot with the given driver files in System32/drivers. */
export function temporaryRoot(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "kmdll-root-"));
  const drivers = join(root, "System32", "drivers");
  mkdirSync(drivers, { recursive: true });
  for (const f of files) {
    const problem = !existsSync(f) ? "no such file" : statSync(f).isDirectory() ? "is a directory" : !statSync(f).isFile() ? "not a regular file" : null;
    if (problem) {
      rmSync(root, { recursive: true, force: true });
      throw new KmdllError(`${f}: cannot install: ${problem}`);
    }
    copyFileSync(f, join(drivers, basename(f)));
  }
  return root;
}

/**
 * Remove a temporary root: the files temporaryRoot copied and its three folders, one call each
 * (a recursive rmSync lists and stats every entry, and loads Node's rimraf); when anything else
 * is there or a removal fails, the recursive removal does it.
 */
function removeTemporaryRoot(root: string, files: string[]): void {
  try {
    const drivers = join(root, "System32", "drivers");
    for (const name of new Set(files.map((f) => basename(f)))) unlinkSync(join(drivers, name));
    rmdirSync(drivers);
    rmdirSync(join(root, "System32"));
    rmdirSync(root);
  } catch {
    rmSync(root, { recursive: true, force: true });
  }
}

export function createSimulation(o: SimulationOptions): Simulation {
  let root = o.root;
  let temp = false;
  if (!root) {
    root = temporaryRoot(o.install ?? []);
    temp = true;
  } else {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new KmdllError(`${root}: the root is not a directory`);
    if (o.install?.length) throw new KmdllError(`"install" needs a temporary root: leave out "root" (or --root) to use it`);
  }
  let executorRef: Executor | null = null;
  const dispose = () => {
    // Release the emulator's native resources now rather than at garbage collection.
    executorRef?.close?.();
    executorRef = null;
    if (temp) removeTemporaryRoot(root!, o.install ?? []);
  };
  try {
    const registry = o.registry instanceof Registry ? o.registry : loadRegistry(o.registry);
    let kernel: Kernel | null = null;
    const queries: KernelQueries = {
      modulesExporting: (name) => kernel?.modulesExporting(name) ?? [],
      // ZwLoadDriver / ZwUnloadDriver from driver code (guest-control.ts).
      loadDriver: (service, caller) => (kernel ? guestLoadDriver(kernel, service, caller) : { status: 0xc0000001, crashed: false }),
      unloadDriver: (service, caller) => (kernel ? guestUnloadDriver(kernel, service, caller) : { status: 0xc0000001, crashed: false }),
    };
    const sink: EventSink = (e) => {
      if (e.event === "fault") kernel?.noteFault(e.kind, typeof e.api === "string" ? e.api : undefined);
      o.sink(e);
    };
    // The system's arch is that of the root's drivers; a root that mixes arches is said so.
    // (kmdll call: the image the user named decides.)
    const arches = rootArches(root, Object.values(o.overlay ?? {}));
    for (const other of (["x64", "x86", "arm64"] as const).filter((a) => a !== arches.arch && arches.byArch[a].length > 0)) {
      o.sink({
        event: "warning",
        message: `the root mixes architectures: ${arches.byArch[arches.arch].length} ${arches.arch} driver(s) and ${arches.byArch[other].length} ${other} driver(s) (${arches.byArch[other].slice(0, 5).join(", ")}${arches.byArch[other].length > 5 ? ", ..." : ""}); the system runs ${arches.arch} drivers and the ${other} ones fail to load with STATUS_INVALID_IMAGE_FORMAT (0xC000007B), as on Windows. Install one arch (kmdll build --arch ${arches.arch} --install ROOT).`,
      });
    }
    const executor = o.executor({ registry, sink, queries, root, arch: arches.arch, ...(o.trace ? { trace: true } : {}), ...(o.limits ? { limits: o.limits } : {}) });
    executorRef = executor;
    kernel = new Kernel({
      executor,
      images: o.overlay ? new OverlayImageSource(new RootImageSource(root, arches.arch), o.overlay, arches.arch) : new RootImageSource(root, arches.arch),
      services: registryServices(registry),
      semantics: o.semantics ?? "documented",
      sink: o.sink,
    });
    return { kernel, registry, executor, root, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

export interface RunOptions {
  root?: string;
  install?: string[];
  /** .reg files applied to the registry in order, or the registry itself. */
  registry?: string | string[] | Registry;
  semantics?: Semantics;
  steps: Step[];
  sink: EventSink;
  executor: ExecutorFactory;
  trace?: boolean;
  limits?: RunLimits;
}

export interface RunResult {
  /** Every step as expected and no verifier finding. */
  ok: boolean;
  /** Leak events and error-level verifier events seen (each fails the run). */
  findings: number;
  results: StepResult[];
  modules: ModuleRow[];
}

/**
 * Run a whole scenario: set up the simulation, run the steps, emit the final `end` event
 * ({"event":"end","modules":[{"module","count"}],"ok"}), clean up.
 */
export function runSimulation(o: RunOptions): RunResult {
  // Leaks and error-level verifier events fail the scenario as they fail `kmdll call`.
  let findings = 0;
  const sink: EventSink = (e) => {
    if (isVerifierFinding(e)) findings++;
    o.sink(e);
  };
  const sim = createSimulation({ ...o, sink });
  try {
    const { ok: stepsOk, results } = runSteps(sim.kernel, o.steps, sink);
    // Executor's end-of-run report (e.g. interface references never dereferenced → leak events).
    if (!sim.kernel.crashed) sim.executor.finish?.();
    const modules = sim.kernel.modules();
    const ok = stepsOk && findings === 0;
    o.sink({ event: "end", modules: modules.map((m) => ({ module: m.module, count: m.count })), ok, semantics: sim.kernel.semantics, ...(findings ? { findings } : {}) });
    return { ok, results, modules, findings };
  } finally {
    sim.dispose();
  }
}
