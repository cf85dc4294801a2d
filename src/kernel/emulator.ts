/**
 * The default executor of simulations: the Unicorn-based emulator (src/emu).
 */
import { KmdllError } from "../errors.js";
import type { ExecutorFactory } from "./simulation.js";

export const emulatorExecutor: ExecutorFactory = () => {
  throw new KmdllError("the emulator (src/emu/executor.ts) is not available in this build");
};
