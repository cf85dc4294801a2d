/**
 * The current thread's previous processor mode (KTHREAD.PreviousMode): UserMode while the I/O
 * manager runs a request from a user-mode program (the sim's open/read/write/ioctl steps, kmdll
 * surface), KernelMode otherwise. ExGetPreviousMode returns it; the user request layer
 * (src/emu/user) sets it.
 */
import { componentState } from "./state.js";

export const previousMode = componentState("previous-mode", () => ({ mode: 0 }));
