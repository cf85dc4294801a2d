/** The executor contract lives below both the kernel model and the emulator: see src/executor.ts. */
export type { Executor, IoctlOutcome, CallOutcome, KernelQueries, PnpStep } from "../executor.js";
