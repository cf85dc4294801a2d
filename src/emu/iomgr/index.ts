/**
 * The I/O manager: driver, device and file objects, the \\Device namespace and symbolic links,
 * IRPs and device stacks, IoCallDriver / IoCompleteRequest with completion routines, and the
 * interface tracker of dynamic linking. Every offset comes from src/nt/layouts.ts (generated
 * from the DDK headers). The routines work on an `IoEnv`, so API handlers (src/emu/api/io.ts)
 * and requests "from user mode" (../user-io.ts) share them.
 */
import type { KernelState } from "../api/types.js";
import { ioState } from "./state.js";

export * from "./constants.js";
export * from "./env.js";
export * from "./state.js";
export * from "./devices.js";
export * from "./irp.js";
export * from "./dispatch.js";
export * from "./interfaces.js";
export * from "./files.js";
export * from "./driver-object.js";

/** Objects of the I/O manager still alive (for tests and end-of-run reports). */
export function ioSummary(kernel: KernelState): { devices: string[]; links: string[]; irps: number } {
  const io = ioState(kernel);
  return { devices: [...io.devices.values()].filter((d) => !d.deleted).map((d) => d.name ?? "(unnamed)"), links: [...io.links.keys()], irps: io.irps.size };
}
