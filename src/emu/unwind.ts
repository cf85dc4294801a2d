/**
 * x64 stack unwinding for the backtraces of fault reports: one frame at a time over the images'
 * .pdata/.xdata, through the same unwinder exception dispatch uses (./seh-unwind.ts); a
 * function without .pdata is a leaf (its return address is at RSP).
 */
import type { GuestMemory } from "./api/types.js";
import type { LoadedModule } from "./image.js";
import { functionEntry, virtualUnwind } from "./seh-unwind.js";

/** Register numbers of the unwind codes: RAX=0 RCX RDX RBX RSP RBP RSI RDI R8..R15. */
export type RegFile = bigint[];

export interface Frame {
  rip: bigint;
  rsp: bigint;
}

const RSP = 4;

/** Unwind one frame: returns the caller's RIP/RSP (regs updated in place), or null when stuck. */
export function unwindOne(mem: GuestMemory, mod: LoadedModule | null, regs: RegFile, rip: bigint, assumePrologDone = false): Frame | null {
  try {
    const fn = mod ? functionEntry(mod, Number(rip - mod.base)) : null;
    if (mod && fn) {
      const ctx = { regs, rip, eflags: 0n };
      virtualUnwind(mem, 0, mod.base, fn, ctx, assumePrologDone);
      return { rip: ctx.rip, rsp: regs[RSP]! };
    }
    const ret = mem.u64(regs[RSP]!);
    regs[RSP] = regs[RSP]! + 8n;
    return { rip: ret, rsp: regs[RSP]! };
  } catch {
    return null;
  }
}
