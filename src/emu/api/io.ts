/** I/O manager routines of the API layer v1 (the driver/device/IRP model comes with a later issue). */
import type { ApiDefinition } from "./types.js";
import { currentProcess } from "./ps.js";
import { nt } from "./util.js";

export const apis: ApiDefinition[] = [
  nt("IoGetCurrentProcess", 0, (ctx) => currentProcess(ctx)),
  nt("IoIs32bitProcess", 1, () => 0),
];
