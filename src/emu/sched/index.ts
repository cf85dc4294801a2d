/** The deterministic scheduler (DPCs, timers, work items, system threads) on the emulated clock. */
export * from "./core.js";
