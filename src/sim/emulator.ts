/**
 * The composition root of simulations: the kernel model (src/kernel) running driver code on the
 * Unicorn-based emulator (src/emu) with every implemented ntoskrnl/HAL API, its events going to
 * the simulation's sink, sharing the simulation's registry (so drivers' Zw* registry calls see
 * the --registry file). Neither src/kernel nor src/emu imports the other; this folder joins them.
 */
import type { Executor } from "../executor.js";
import type { ExecutorFactory } from "../kernel/simulation.js";
import { EmulatorExecutor } from "../emu/executor.js";
import { allApis, registryOf } from "../emu/api/index.js";

export const emulatorExecutor: ExecutorFactory = (ctx) => {
  const executor = new EmulatorExecutor({
    apis: allApis,
    sink: ctx.sink,
    ...(ctx.trace ? { trace: true } : {}),
    modulesExporting: (name) => ctx.queries.modulesExporting(name),
  });
  registryOf.provide(executor.emu.kernel, ctx.registry);
  return executor satisfies Executor;
};
