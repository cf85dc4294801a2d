/**
 * `kmdll call` as a library function: a scenario on the kernel model and the emulator. The image
 * is shown in \SystemRoot\System32\drivers (the --root directory, or an empty temporary one),
 * loaded the way an importer's load brings in a dependency — its imports resolved by the one
 * kernel Loader, dependencies from the same directory with their DllInitialize, then its own
 * DllInitialize — one export is called with integer arguments, and the reference is dropped
 * again: DllUnload and unload at count 0 (pool leaks reported), cascading into its imports.
 */
import { basename, resolve } from "node:path";
import { existsSync, statSync } from "node:fs";
import type { TraceEvent } from "../events.js";
import type { Registry } from "../nt/registry.js";
import type { EmulatorOptions, FaultReport } from "../emu/emulator.js";
import { EmulatorExecutor } from "../emu/executor.js";
import { KmdllError } from "../errors.js";
import { readImage } from "../io/image.js";
import { imageArch } from "../nt/image-arch.js";
import { locateExport, lookupByOrdinal } from "../kernel/exports.js";
import { createSimulation } from "../kernel/simulation.js";
import { emulatorExecutorWith } from "./emulator.js";
import type { MachineSpec } from "../emu/machine/index.js";

export interface CallImageOptions extends Omit<EmulatorOptions, "sink" | "modulesExporting"> {
  /** Directory playing \SystemRoot (imports of other drivers come from <root>/System32/drivers). */
  root?: string;
  /** Called for every event as it happens. */
  onEvent?: (e: TraceEvent) => void;
  /** Keep the events in the result (default true); false keeps memory bounded for endless output (the CLI streams them). */
  keepEvents?: boolean;
  /** The emulated registry the Zw* handlers use (e.g. seeded from a .reg file); default empty. */
  registry?: Registry;
  /** The machine description (docs/machine.md) behind the hardware routines; default the built-in one. */
  machine?: MachineSpec;
}

export interface CallImageResult {
  /** RAX of the export, when it returned. */
  value: bigint | null;
  events: TraceEvent[];
  fault: FaultReport | null;
  /** A load failure (missing import...), when the export could not be called. */
  failure: string | null;
}

/** Who holds the reference to the called image (event reasons: "loaded by kmdll call"). */
const CALLER = "kmdll call";

/** Parse "41", "-3", "0x29" into a 64-bit argument. */
export function parseIntegerArg(s: string): bigint {
  const t = s.trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new KmdllError(`argument '${s}' is not an integer (decimal or 0x hex)`);
  const neg = t.startsWith("-");
  const v = BigInt(neg ? t.slice(1) : t);
  if (v >= 1n << 64n) throw new KmdllError(`argument '${s}' does not fit in 64 bits`);
  return BigInt.asUintN(64, neg ? -v : v);
}

/** Run `exportName` ("Name" or "#ordinal") of the image at `imagePath`; usage problems throw KmdllError. */
export function callImage(imagePath: string, exportName: string, args: bigint[], opts: CallImageOptions = {}): CallImageResult {
  if (args.length > 8) throw new KmdllError(`at most 8 arguments can be passed (got ${args.length})`);
  const { image } = readImage(imagePath);
  if (opts.root !== undefined && !(existsSync(opts.root) && statSync(opts.root).isDirectory()))
    throw new KmdllError(`${opts.root}: the root is not a directory`);
  const arch = imageArch(image);
  if (arch.problem !== undefined) throw new KmdllError(`${imagePath}: ${arch.problem} (STATUS_INVALID_IMAGE_FORMAT, 0xC000007B)`);
  const target = basename(imagePath);
  if (/^(ntoskrnl\.exe|hal\.dll)$/i.test(target))
    throw new KmdllError(`${imagePath}: ${target} is the emulated kernel itself; its routines are kmdll's handlers, so it cannot be loaded as a driver (rename the file to call its code)`);
  const byOrdinal = /^#\d+$/.test(exportName);
  const found = byOrdinal ? lookupByOrdinal(image.exports ?? null, Number(exportName.slice(1))).kind === "rva" : locateExport(image, exportName) !== null;
  if (!found) throw new KmdllError(`${target} does not export '${exportName}'`);

  const events: TraceEvent[] = [];
  const keep = opts.keepEvents !== false;
  const sink = (e: TraceEvent) => {
    if (keep) events.push(e);
    opts.onEvent?.(e);
  };
  const { root, onEvent: _onEvent, keepEvents: _keep, registry, machine, ...emulator } = opts;
  const ntPath = `\\SystemRoot\\System32\\drivers\\${target}`;
  const sim = createSimulation({
    ...(root !== undefined ? { root } : {}),
    ...(registry ? { registry } : {}),
    overlay: { [ntPath]: resolve(imagePath) },
    sink,
    executor: emulatorExecutorWith(emulator, machine),
    ...(opts.trace ? { trace: true } : {}),
  });
  const result: CallImageResult = { value: null, events, fault: null, failure: null };
  const faultOf = () => (sim.executor instanceof EmulatorExecutor ? sim.executor.lastFault : null);
  try {
    const loaded = sim.kernel.loadDll(ntPath, CALLER);
    if (!loaded.ok) {
      if (loaded.crashed) result.fault = faultOf();
      else result.failure = loaded.message ?? `${target} could not be loaded`;
      if (result.failure && root === undefined && /cannot find/.test(result.failure)) result.failure += "; pass --root DIR";
      return result;
    }
    const called = sim.kernel.call(loaded.module!, exportName, args);
    if (!called.ok) {
      if (called.crashed) result.fault = faultOf();
      else result.failure = called.message ?? `${target}!${exportName} could not be called`;
      return result;
    }
    result.value = called.value ?? null;
    const released = sim.kernel.releaseDll(loaded.module!, CALLER);
    if (!released.ok && released.crashed) result.fault = faultOf();
    else if (!sim.kernel.crashed) sim.executor.finish?.();
    return result;
  } finally {
    sim.dispose();
  }
}
