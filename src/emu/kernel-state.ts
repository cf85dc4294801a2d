/**
 * The KernelState the API handlers share (src/emu/api/types.ts): IRQL, the per-component state
 * bag, and the core services the emulator provides to them (kernel export lookup, clock, event
 * sink, address naming, kernel-owned pool, internal routines, current process/thread).
 */
import type { KernelState } from "./api/types.js";
import type { Emulator } from "./emulator.js";
import { threadHost } from "./threads.js";
import { SystemMappings } from "./sysmap.js";
import { installMachine } from "./machine/state.js";
import type { VerifierMode } from "./verifier/index.js";

/** The driver whose code runs now: the return address at [SP] (inside a kernel routine), else the innermost driver routine called. */
function driverInProgress(emu: Emulator): string | null {
  // Outside any guest call the host itself (a scenario step) is acting: no driver.
  if (emu.calls.depth === 0) return null;
  const driver = (a: bigint) => {
    const m = emu.moduleAt(a);
    return m && !m.builtin ? m.name : null;
  };
  try {
    const d = driver(emu.readPtr(emu.uc.regRead(emu.cpu.spId(emu.C))));
    if (d) return d;
  } catch {
    /* no readable stack */
  }
  for (let i = emu.calls.targets.length - 1; i >= 0; i--) {
    const d = driver(emu.calls.targets[i]!);
    if (d) return d;
  }
  return null;
}

/**
 * The kernel state, with the machine file's machine installed (before boot: KeNumberProcessors and
 * the like come from it), its processor the one CPUID answers as (an old addon stays on qemu64).
 */
export function createKernelState(emu: Emulator): KernelState {
  const kernel = new EmulatorKernelState(emu);
  if (emu.options.machine) installMachine(kernel, { ...emu.options.machine, cpu: emu.cpuChoice });
  return kernel;
}

/**
 * A class rather than an object literal: V8 keeps a literal with getters (irql, verifierMode) in
 * dictionary mode, and every `ctx.kernel.…` of every handler was then a hash lookup. The services
 * are arrow functions (handlers may take them off the object).
 */
class EmulatorKernelState implements KernelState {
  private level = 0;
  private readonly bag = new Map<string, unknown>();
  currentProcess?: bigint = undefined;
  currentThread?: bigint = undefined;
  readonly resolveKernelExport: (name: string) => bigint | null;
  readonly moduleExport: (module: string, name: string) => bigint | null;
  readonly modulesExporting: (name: string) => string[];
  readonly clock: NonNullable<KernelState["clock"]>;
  readonly isValidKernelAddress: (a: bigint) => boolean;
  readonly emit: NonNullable<KernelState["emit"]>;
  readonly where: (a: bigint) => string;
  readonly moduleAt: (a: bigint) => string | null;
  readonly driverInProgress: () => string | null;
  readonly callSite: () => string | null;
  readonly kernelPool: NonNullable<KernelState["kernelPool"]>;
  readonly internalRoutine: NonNullable<KernelState["internalRoutine"]>;
  readonly verify: NonNullable<KernelState["verify"]>;
  readonly userPages: NonNullable<KernelState["userPages"]>;
  readonly threads: NonNullable<KernelState["threads"]>;
  readonly loadedModules: NonNullable<KernelState["loadedModules"]>;
  readonly lockPageable: NonNullable<KernelState["lockPageable"]>;
  readonly systemMappings: NonNullable<KernelState["systemMappings"]>;

  constructor(private readonly emu: Emulator) {
    this.resolveKernelExport = (name) => emu.kernelExport("ntoskrnl.exe", name, null) ?? emu.kernelExport("hal.dll", name, null);
    this.moduleExport = (module, name) => emu.kernelExport(module, name, null);
    this.modulesExporting = (name) => emu.options.modulesExporting?.(name) ?? emu.map.modulesExporting(name);
    this.clock = {
      systemTime: () => emu.clock.systemTime(),
      interruptTime: () => emu.clock.interruptTime(),
      advance: (d) => emu.clock.advance(d),
    };
    this.isValidKernelAddress = (a) => emu.mem.isMapped(a, 1);
    this.emit = (e) => emu.emit(e);
    this.where = (a) => emu.thunks.nameAt(a) ?? emu.where(a);
    this.moduleAt = (a) => emu.moduleAt(a)?.name ?? null;
    this.driverInProgress = () => driverInProgress(emu);
    this.callSite = () => emu.currentCall?.siteText() ?? null;
    this.kernelPool = {
      allocate: (size, tag) => emu.pool.allocate(size, tag, 0, true, "(kernel)", null),
      free: (a) => void emu.pool.free(a, null, null),
    };
    this.internalRoutine = (name, handler, argc, module) => emu.internalRoutine(name, handler, argc, module);
    this.verify = (f) => emu.verifier.finding(emu, f);
    this.userPages = {
      highest: emu.cpu.space.highestUserAddress,
      sharedData: emu.cpu.space.kuserSharedData,
      map: (a, n, perms) => emu.uc.mapMemory(a, n, perms),
      protect: (a, n, perms) => emu.uc.protect(a, n, perms),
      unmap: (a, n) => emu.uc.unmapMemory(a, n),
      isMapped: (a, n) => anyPageMapped(emu, a, n),
    };
    this.threads = threadHost(emu);
    this.systemMappings = new SystemMappings(emu.uc, emu.cpu.space);
    this.loadedModules = () => [...emu.map.modules.values()].map((m) => ({ name: m.name, base: m.base, size: m.size, builtin: m.builtin }));
    this.lockPageable = (a, locked) => emu.pageable.setLocked(a, locked);
  }

  // One IRQL (the current processor's); crossing DISPATCH_LEVEL suspends or restores pageable
  // pages (verifier/pageable.ts).
  get irql(): number {
    return this.level;
  }
  set irql(v: number) {
    this.level = v;
    this.emu.pageable.irqlChanged(v);
  }

  state<T>(component: string, init: () => T): T {
    let v = this.bag.get(component);
    if (v === undefined && !this.bag.has(component)) this.bag.set(component, (v = init()));
    return v as T;
  }

  get verifierMode(): VerifierMode {
    return this.emu.verifier.mode;
  }
}

/** Whether any page of [a, a+n) is mapped (at most the first 4096 pages are probed; larger ranges count as taken). */
function anyPageMapped(emu: Emulator, a: bigint, n: bigint): boolean {
  if (n > 0x1000000n) return true;
  for (let p = a & ~0xfffn; p < a + n; p += 0x1000n) if (emu.mem.isMapped(p, 1)) return true;
  return false;
}
