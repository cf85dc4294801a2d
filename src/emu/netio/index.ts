/** netio.sys, built into the emulated kernel: Winsock Kernel registration (wsk.ts) and the IP helper routines (ipapi.ts). */
import type { ApiDefinition } from "../api/types.js";
import { wskApis } from "./wsk.js";
import { ipApis } from "./ipapi.js";

export { NETIO, STATUS_NETWORK_UNREACHABLE } from "./wsk.js";
export { NETIO_EXPORTS } from "./exports.js";
export const netioApis: ApiDefinition[] = [...wskApis, ...ipApis];
