/**
 * KeInitializeMutant (the "sched" family; examples/api-rank checks it from C on x64 and x86).
 *
 * KeInitializeMutant(Mutant, InitialOwner) (not on Learn; ReactOS ntoskrnl/ke/mutex.c, the
 *   KMUTANT of wdm.h): a MutantObject header; InitialOwner TRUE: owned by the current thread
 *   (SignalState 0, OwnerThread set — it may wait on it again, and releases it with
 *   KeReleaseMutex), FALSE: signalled (1) with no owner. Unlike KeInitializeMutex it does not
 *   make the owner disable normal kernel APCs (ApcDisable 0; kmdll models neither).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { hex, nt, writePtr } from "./util.js";
import { MutantObject, currentThread, initHeader } from "./ke.js";

function initializeMutant(ctx: ApiContext): void {
  const [m, owner] = [ctx.arg(0), (ctx.u32(1) & 0xff) !== 0];
  ctx.describe([hex(m), owner ? "TRUE" : "FALSE"]);
  initHeader(ctx, m, MutantObject, LAYOUT.KMUTANT.$size, owner ? 0 : 1);
  writePtr(ctx.mem, m + BigInt(LAYOUT.KMUTANT.OwnerThread), owner ? currentThread(ctx) : 0n);
  ctx.mem.setU8(m + BigInt(LAYOUT.KMUTANT.Abandoned), 0);
}

export const apis: ApiDefinition[] = [nt("KeInitializeMutant", 2, initializeMutant)];
