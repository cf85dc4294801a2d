/** Simulations of the kernel model on the emulator (the layer above src/kernel and src/emu). */
export { emulatorExecutor, emulatorExecutorWith } from "./emulator.js";
export { callImage, parseIntegerArg } from "./call.js";
export type { CallImageOptions, CallImageResult } from "./call.js";
