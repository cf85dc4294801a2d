/**
 * Stack probing: __chkstk, which ntoskrnl.exe exports on x64 and compilers call (MSVC always,
 * clang with -mstack-arg-probe) before a frame larger than a page. Contract (Microsoft Learn,
 * "__chkstk Routine" / x64 "Stack allocation"): the frame size is in RAX; every page from the
 * caller's stack pointer down to RSP - RAX is touched in order, so that a frame too large for the
 * stack faults on the guard page; no register changes (RAX is still the size on return).
 */
import type { ApiDefinition } from "./types.js";
import { hex, nt } from "./util.js";

const PAGE = 0x1000n;
/** Frames larger than this cannot fit any kernel stack (x64: 24 KiB, 72 KiB for large stacks). */
const MAX_PROBE = 0x100000n;

export const apis: ApiDefinition[] = [
  nt("__chkstk", 0, (ctx) => {
    if (!ctx.cpu) return;
    const size = ctx.cpu.get("RAX");
    // The caller's RSP (before its call pushed the return address).
    const top = ctx.cpu.get("RSP") + 8n;
    ctx.describe([`${size} bytes`]);
    if (size >= MAX_PROBE)
      ctx.fault("stack-overflow", `stack overflow: __chkstk probe of a ${size}-byte frame (larger than any kernel stack), frame would start at ${hex(top - size)}`);
    const low = top - size;
    for (let p = (top - 1n) & ~(PAGE - 1n); p >= (low & ~(PAGE - 1n)); p -= PAGE) {
      if (!ctx.mem.isMapped(p > low ? p : low, 1))
        ctx.fault("stack-overflow", `stack overflow: __chkstk probe of a ${size}-byte frame touches ${hex(p > low ? p : low)}, below the kernel stack`, { address: p > low ? p : low });
    }
    // VOID in C terms: RAX keeps the size.
  }),
];
