/**
 * Kernel API sets: import names of the form api-ms-win-ntos-* / ext-ms-win-ntos-* that the
 * Windows loader resolves through the API set schema (ApiSetSchema.dll, loaded at boot) to the
 * module that hosts the contract, instead of looking for a file of that name. A name is resolved
 * by its contract: the name without ".dll" and without its last "-N" (the minor version), as the
 * schema's lookup hashes it ("ext-ms-win-ntos-werkernel-l1-1-1" → "ext-ms-win-ntos-werkernel-l1-1").
 *
 * kmdll's schema lists the contracts real drivers in its corpora import (docs/qa.md), each with its
 * evidence; a kernel API set it does not list is reported as such (a gap of kmdll's schema, never
 * as a missing file), and the host is then loaded like any import (a built-in module, or the file
 * in System32\drivers under --root).
 */

/** Contract → host module. */
const KERNEL_API_SETS: ReadonlyMap<string, string> = new Map([
  // Windows Error Reporting's kernel module: the imports are its WerLiveKernel* routines
  // (WerLiveKernelCreateReport, ...SubmitReport, ...CloseHandle, ...CancelReport, ...OpenDumpFile:
  // Qualcomm ARM64 drivers qccdi850, qcsubsys850 import them through -l1-1-1; packs11 lists -l1-1-0).
  ["ext-ms-win-ntos-werkernel-l1-1", "werkernel.sys"],
]);

/** Whether an import name is a kernel API set (resolved through the schema, not a file). */
export function isKernelApiSetName(dll: string): boolean {
  return /^(api|ext)-ms-win-ntos-/i.test(dll);
}

/** The contract an API set name designates (lower case, no ".dll", no minor version). */
export function apiSetContract(dll: string): string {
  return dll.toLowerCase().replace(/\.dll$/, "").replace(/-\d+$/, "");
}

/**
 * The host module of a kernel API set import: undefined when the name is no kernel API set,
 * null when kmdll's schema does not map its contract.
 */
export function kernelApiSetHost(dll: string): string | null | undefined {
  if (!isKernelApiSetName(dll)) return undefined;
  return KERNEL_API_SETS.get(apiSetContract(dll)) ?? null;
}

/** The contracts kmdll's schema maps (for messages and docs). */
export function knownKernelApiSets(): string[] {
  return [...KERNEL_API_SETS.keys()];
}
