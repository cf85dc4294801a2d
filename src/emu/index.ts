/** The emulator's public API (x64 kernel emulator over Unicorn). */
export { Emulator, EmuStop } from "./emulator.js";
export type { EmulatorOptions, FaultReport, RunResult as EmuRunResult } from "./emulator.js";
export { EmulatorExecutor, faultEvent } from "./executor.js";
export { PoolAllocator, tagText } from "./pool.js";
export type { PoolBlock, PoolProblem } from "./pool.js";
export { GuestFault } from "./memory.js";
export { buildSyntheticModule } from "./kernel-image.js";
export { loadAddon } from "./native.js";
export { loadApis } from "./apis.js";
export type { ApiContext, ApiDefinition, ApiHandler, GuestMemory, KernelState, PoolServices } from "./api/types.js";
