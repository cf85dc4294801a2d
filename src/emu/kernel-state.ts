/**
 * The KernelState the API handlers share (src/emu/api/types.ts): IRQL, the per-component state
 * bag, and the core services the emulator provides to them (kernel export lookup, clock, event
 * sink, address naming, kernel-owned pool, internal routines, current process/thread).
 */
import type { KernelState } from "./api/types.js";
import type { Emulator } from "./emulator.js";
import { threadHost } from "./threads.js";

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

export function createKernelState(emu: Emulator): KernelState {
  const bag = new Map<string, unknown>();
  let irql = 0;
  return {
    // One IRQL (the current processor's); crossing DISPATCH_LEVEL suspends or restores pageable
    // pages (verifier/pageable.ts).
    get irql() {
      return irql;
    },
    set irql(v: number) {
      irql = v;
      emu.pageable.irqlChanged(v);
    },
    state<T>(component: string, init: () => T): T {
      if (!bag.has(component)) bag.set(component, init());
      return bag.get(component) as T;
    },
    resolveKernelExport: (name) => emu.kernelExport("ntoskrnl.exe", name, null) ?? emu.kernelExport("hal.dll", name, null),
    moduleExport: (module, name) => emu.kernelExport(module, name, null),
    modulesExporting: (name) => emu.options.modulesExporting?.(name) ?? emu.map.modulesExporting(name),
    clock: {
      systemTime: () => emu.clock.systemTime(),
      interruptTime: () => emu.clock.interruptTime(),
      advance: (d) => emu.clock.advance(d),
    },
    isValidKernelAddress: (a) => emu.mem.isMapped(a, 1),
    emit: (e) => emu.emit(e),
    where: (a) => emu.thunks.nameAt(a) ?? emu.where(a),
    moduleAt: (a) => emu.moduleAt(a)?.name ?? null,
    driverInProgress: () => driverInProgress(emu),
    kernelPool: {
      allocate: (size, tag) => emu.pool.allocate(size, tag, 0, true, "(kernel)", null),
      free: (a) => void emu.pool.free(a, null, null),
    },
    internalRoutine: (name, handler, argc) => emu.internalRoutine(name, handler, argc),
    verify: (f) => emu.verifier.finding(emu, f),
    get verifierMode() {
      return emu.verifier.mode;
    },
    userPages: {
      highest: emu.cpu.space.highestUserAddress,
      sharedData: emu.cpu.space.kuserSharedData,
      map: (a, n, perms) => emu.uc.mapMemory(a, n, perms),
      protect: (a, n, perms) => emu.uc.protect(a, n, perms),
      unmap: (a, n) => emu.uc.unmapMemory(a, n),
      isMapped: (a, n) => anyPageMapped(emu, a, n),
    },
    threads: threadHost(emu),
    loadedModules: () => [...emu.map.modules.values()].map((m) => ({ name: m.name, base: m.base, size: m.size, builtin: m.builtin })),
  };
}

/** Whether any page of [a, a+n) is mapped (at most the first 4096 pages are probed; larger ranges count as taken). */
function anyPageMapped(emu: Emulator, a: bigint, n: bigint): boolean {
  if (n > 0x1000000n) return true;
  for (let p = a & ~0xfffn; p < a + n; p += 0x1000n) if (emu.mem.isMapped(p, 1)) return true;
  return false;
}
