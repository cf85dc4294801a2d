/** netio.sys, built into the emulated kernel: Winsock Kernel registration (wsk.ts) and the IP helper routines (ipapi.ts). */
import type { ApiDefinition } from "../api/types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { NETIO_EXPORTS } from "./exports.js";
import { NETIO, wskApis } from "./wsk.js";
import { ipApis } from "./ipapi.js";

export { NETIO, STATUS_NETWORK_UNREACHABLE } from "./wsk.js";
export { NETIO_EXPORTS } from "./exports.js";
export const netioApis: ApiDefinition[] = [...wskApis, ...ipApis];

export function netioModuleExports(): Record<string, KernelExport[]> {
  return { [NETIO]: NETIO_EXPORTS.map((name) => ({ name, type: "code" as const })) };
}
