/**
 * The composition root of simulations: the kernel model (src/kernel) running driver code on the
 * Unicorn-based emulator (src/emu) with every implemented ntoskrnl/HAL API, its events going to
 * the simulation's sink, sharing the simulation's registry (so drivers' Zw* registry calls see
 * the --registry file). Neither src/kernel nor src/emu imports the other; this folder joins them.
 */
import type { Executor } from "../executor.js";
import type { ExecutorFactory } from "../kernel/simulation.js";
import { EmulatorExecutor } from "../emu/executor.js";
import type { EmulatorOptions } from "../emu/emulator.js";
import { allApis, provideVolume, registryOf } from "../emu/api/index.js";
import type { MachineSpec } from "../emu/machine/index.js";
import { installDeviceFile, type DeviceFile } from "../emu/pnp/index.js";
import { driverControl } from "../emu/api/drvload.js";
import { writeCentralProcessor } from "../nt/default-hive.js";

/** An executor factory with emulator options (API set, time budget, unimplemented-API mode). */
export function emulatorExecutorWith(options: Omit<EmulatorOptions, "sink" | "modulesExporting"> = {}, machine?: MachineSpec, devices?: DeviceFile): ExecutorFactory {
  return (ctx) => {
    const executor = new EmulatorExecutor({
      apis: allApis,
      ...options,
      sink: ctx.sink,
      ...(ctx.trace ? { trace: true } : {}),
      ...(ctx.limits?.unimplemented ? { unimplemented: ctx.limits.unimplemented } : {}),
      ...(ctx.limits?.timeoutMs !== undefined ? { timeoutMs: ctx.limits.timeoutMs } : {}),
      modulesExporting: (name) => ctx.queries.modulesExporting(name),
      ...(ctx.arch ? { arch: ctx.arch } : {}),
      ...(machine ? { cpu: machine.cpu, machine } : {}),
    });
    // CentralProcessor\0 says what CPUID says (the default hive: qemu64's AMD identity on x64).
    if (executor.emu.cpuChoice !== "amd" || ctx.arch === "x86") writeCentralProcessor(ctx.registry, executor.emu.cpuChoice, ctx.arch === "x86" ? "x86" : "x64");
    registryOf.provide(executor.emu.kernel, ctx.registry);
    // Zw*File: \SystemRoot is the simulation's root folder (read only; writes stay in memory).
    if (ctx.root !== undefined) provideVolume(executor.emu.kernel, ctx.root);
    // `kmdll sim --devices FILE`: the PnP manager's device tree (docs/pnp.md).
    if (devices) installDeviceFile(executor.emu.kernel, devices);
    // ZwLoadDriver / ZwUnloadDriver: the kernel model's service control; a crash in the driver they
    // ran stops the caller with the same fault report (emitted once).
    const op = (r: ReturnType<NonNullable<typeof ctx.queries.loadDriver>> | undefined) =>
      r ? { ...r, fault: r.crashed ? executor.lastFault : null } : { status: 0xc0000002, crashed: false };
    driverControl(executor.emu.kernel).control = {
      load: (service, caller) => op(ctx.queries.loadDriver?.(service, caller)),
      unload: (service, caller) => op(ctx.queries.unloadDriver?.(service, caller)),
    };
    return executor satisfies Executor;
  };
}

/** The default executor of simulations. */
export const emulatorExecutor: ExecutorFactory = emulatorExecutorWith();
