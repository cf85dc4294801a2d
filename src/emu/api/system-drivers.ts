/**
 * Export lists of the Windows system drivers kmdll builds in besides the driver libraries:
 * dxgkrnl.sys (api/dxgkrnl.ts), werkernel.sys (api/werkernel.ts; x64 and ARM64) and the entropy
 * routines cng.sys exports next to its BCrypt* ones (api/cng-entropy.ts; x64 and ARM64).
 */
import type { KernelExport } from "../../nt/kernel-exports.js";
import { DXGKRNL, DXGKRNL_EXPORTS } from "./dxgkrnl.js";
import { WERKERNEL, WERKERNEL_EXPORTS } from "./werkernel.js";
import { CNG_ENTROPY_EXPORTS } from "./cng-entropy.js";

const code = (names: readonly string[]): KernelExport[] => names.map((name) => ({ name, type: "code" as const }));

/** dxgkrnl.sys and werkernel.sys for an arch (werkernel.sys: not on x86). */
export function systemDriverExports(arch: string): Record<string, KernelExport[]> {
  return { [DXGKRNL]: code(DXGKRNL_EXPORTS), ...(arch === "x86" ? {} : { [WERKERNEL]: code(WERKERNEL_EXPORTS) }) };
}

/** cng.sys's Entropy* routines for an arch (none on x86). */
export function cngEntropyExports(arch: string): KernelExport[] {
  return arch === "x86" ? [] : code(CNG_ENTROPY_EXPORTS);
}
