/**
 * The filter modules, built into the emulated kernel like ntoskrnl/hal and WDFLDR.SYS: FltMgr.sys
 * (minifilter registration, communication ports, push locks; filter.ts, ports.ts) and
 * fwpkclnt.sys (Windows Filtering Platform callouts and filters; fwp.ts). x64 only.
 */
import type { ApiDefinition } from "../api/types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { FLTMGR_EXPORTS, FWPKCLNT_EXPORTS } from "./exports.js";
import { FLTMGR, apis as filterApis } from "./filter.js";
import { apis as portApis } from "./ports.js";
import { apis as nameApis } from "./names.js";
import { apis as completionApis } from "./completion.js";
import { FWPKCLNT, apis as fwpApis } from "./fwp.js";

export { FLTMGR } from "./filter.js";
export { FWPKCLNT } from "./fwp.js";

export const fltApis: ApiDefinition[] = [...filterApis, ...portApis, ...nameApis];
/** FltDoCompletionProcessingWhenSafe: with the platform family (examples/api-platform exercises it). */
export const fltCompletionApis: ApiDefinition[] = completionApis;
export const wfpApis: ApiDefinition[] = fwpApis;

/** Export lists of the two synthetic modules (implemented handlers are added by KernelModules). */
export function filterModuleExports(): Record<string, KernelExport[]> {
  return {
    [FLTMGR]: FLTMGR_EXPORTS.map((name) => ({ name, type: "code" as const })),
    [FWPKCLNT]: FWPKCLNT_EXPORTS.map((name) => ({ name, type: "code" as const })),
  };
}
