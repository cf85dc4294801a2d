/**
 * Machine state a driver used that kmdll does not model (x86 CR3, ARM64 translation-table
 * registers: verifier/trap.ts) or could not give (the page-table view limit: ./paging-views.ts).
 * Each is a warning when it happens; a CPU fault later in the run is then reported as this
 * emulator gap (fault kind `emulator-gap`, emu/faults.ts), never as the driver's crash.
 */
import type { KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";

export const modelGapsOf = componentState("machine.modelGaps", (): string[] => []);

/** Note a gap (once per text) and warn; `module` is the driver that ran into it. */
export function noteModelGap(kernel: KernelState, what: string, module?: string): void {
  const gaps = modelGapsOf(kernel);
  if (gaps.includes(what)) return;
  gaps.push(what);
  kernel.emit?.({ event: "warning", ...(module ? { module } : {}), message: `kmdll does not model ${what}; a fault after this is reported as an emulator gap`, rule: "emulator-gap" });
}
