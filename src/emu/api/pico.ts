/**
 * Pico providers (the minimal-process subsystems WSL 1's lxcore.sys implements).
 *
 * - PsRegisterPicoProvider(ProviderRoutines, PicoRoutines) (undocumented on Microsoft Learn)
 *   registers a pico provider. Windows accepts it only from a Microsoft-signed early boot driver;
 *   once the boot drivers are initialized it refuses every caller with STATUS_TOO_LATE without
 *   reading the arguments (public analyses of the routine: "on TH2, the function ignores both
 *   parameters and returns a STATUS_TOO_LATE"; pico registration "requires a Microsoft-signed
 *   early-boot driver"). A service kmdll starts is never that early: STATUS_TOO_LATE, nothing read
 *   or written. A held-out driver imports it (docs/qa.md, helper "fresh2"); examples/qa-fresh2
 *   TestPicoProvider checks it.
 */
import type { ApiDefinition } from "./types.js";
import { hex, nt } from "./util.js";

/** ntstatus.h */
const STATUS_TOO_LATE = 0xc0000189;

export const apis: ApiDefinition[] = [
  {
    ...nt("PsRegisterPicoProvider", 2, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
      return STATUS_TOO_LATE;
    }),
    stub: true,
    notes: "pico providers register only from early boot drivers: a started service gets STATUS_TOO_LATE, its arguments unread",
  },
];
