/** The machine model (docs/machine.md): description and per-kernel state. */
export * from "./model.js";
export * from "./state.js";
export * from "./ports.js";
export * from "./resources.js";
export * from "./lowmem.js";
export * from "./vmap.js";
export * from "./paging.js";
export * from "./paging-views.js";
export * from "./gaps.js";
export * from "./topology.js";
export * from "./firmware.js";
