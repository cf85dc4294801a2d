/** Simulations of the kernel model on the emulator (the layer above src/kernel and src/emu). */
export { emulatorExecutor } from "./emulator.js";
