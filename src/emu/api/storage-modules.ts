/**
 * The export lists of the storage and smart-card driver libraries built into the emulated kernel,
 * per arch: storport.sys (api/storport.ts), scsiport.sys (api/scsiport.ts), smclib.sys
 * (api/smclib.ts, smclib.h's names); classpnp.sys (api/classpnp.ts) and hidparse.sys (no routine
 * emulated: a HID minidriver's DriverEntry calls none), the kernel export database's lists;
 * pciidex.sys (api/pciidex.ts, ide.h's names).
 */
import type { KernelExport } from "../../nt/kernel-exports.js";
import { storportModuleExports } from "./storport.js";
import { scsiportModuleExports } from "./scsiport.js";
import { SMCLIB_EXPORTS } from "./smclib.js";
import { pciidexModuleExports } from "./pciidex.js";
import { kernelModuleExportsFor } from "../../nt/kernel-exports.js";

export function storageModuleExports(arch: string): Record<string, KernelExport[]> {
  return {
    "storport.sys": storportModuleExports(arch),
    "scsiport.sys": scsiportModuleExports(arch),
    "smclib.sys": SMCLIB_EXPORTS.map((name) => ({ name, type: "code" as const })),
    "classpnp.sys": kernelModuleExportsFor("classpnp.sys", arch) ?? [],
    "hidparse.sys": kernelModuleExportsFor("hidparse.sys", arch) ?? [],
    "pciidex.sys": pciidexModuleExports(arch),
  };
}
