/**
 * The default executor of simulations: the Unicorn-based emulator (src/emu) with every
 * implemented ntoskrnl/HAL API, its events going to the simulation's sink, sharing the
 * simulation's registry (so drivers' Zw* registry calls see the --registry file).
 */
import { EmulatorExecutor } from "../emu/executor.js";
import { allApis } from "../emu/api/index.js";
import type { ExecutorFactory } from "./simulation.js";

export const emulatorExecutor: ExecutorFactory = (ctx) => {
  const executor = new EmulatorExecutor({
    apis: allApis,
    sink: ctx.sink,
    ...(ctx.trace ? { trace: true } : {}),
    modulesExporting: (name) => ctx.queries.modulesExporting(name),
  });
  // The emulator's Zw* handlers keep their registry in the kernel state bag under "registry".
  executor.emu.kernel.state("registry", () => ctx.registry);
  return executor;
};
