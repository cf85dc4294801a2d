/**
 * Stack probing: __chkstk, which ntoskrnl.exe exports on x64 and compilers call (MSVC always,
 * clang with -mstack-arg-probe) before a frame larger than a page. Contract (Microsoft Learn,
 * "__chkstk Routine" / x64 "Stack allocation"): the frame size is in RAX; every page from the
 * caller's stack pointer down to RSP - RAX is touched in order, so that a frame too large for the
 * stack faults on the guard page; no register changes (RAX is still the size on return).
 *
 * ARM64 (Microsoft Learn, "ARM64 ABI conventions", stack probing): the frame size divided by 16
 * is in x15, which the routine keeps (the caller then does `sub sp, sp, x15, lsl #4`); `bl` pushed
 * nothing, so SP is the caller's.
 *
 * x86: the probe is `_alloca_probe` (x86 ntoskrnl.exe's export; the compilers' `_chkstk` is the
 * same routine under the C runtime's other name), and it also allocates: EAX bytes are taken from
 * the stack, the routine returns with ESP lowered by EAX (the caller does no `sub esp`), every
 * other register kept. x86 ntoskrnl.exe exports that routine as `_chkstk` too: signed x86 drivers
 * import ntoskrnl.exe!_chkstk by that name (44 drivers of the held-out set fresh4, issue 12; the
 * i686 mingw-w64 library lacks the name, so scripts/kernel-db.mjs adds it from ntoskrnlModuleExtras).
 * (`_alloca_probe_16` / `_alloca_probe_8`, MSVC's aligned `_alloca` probes,
 * are not implemented: clang never calls them.)
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { hex, nt } from "./util.js";

const PAGE = 0x1000n;
/** Frames larger than this cannot fit any kernel stack (x64: 24 KiB, 72 KiB for large stacks). */
const MAX_PROBE = 0x100000n;

/** Touch every page of [top - size, top) from the top down: a page below the kernel stack is a stack overflow. */
function probe(ctx: ApiContext, name: string, size: bigint, top: bigint): void {
  if (size >= MAX_PROBE)
    ctx.fault("stack-overflow", `stack overflow: ${name} probe of a ${size}-byte frame (larger than any kernel stack), frame would start at ${hex(top - size)}`);
  const low = top - size;
  for (let p = (top - 1n) & ~(PAGE - 1n); p >= (low & ~(PAGE - 1n)); p -= PAGE) {
    if (!ctx.mem.isMapped(p > low ? p : low, 1))
      ctx.fault("stack-overflow", `stack overflow: ${name} probe of a ${size}-byte frame touches ${hex(p > low ? p : low)}, below the kernel stack`, { address: p > low ? p : low });
  }
}

/** x86 `_alloca_probe`: probe, then return with ESP lowered by EAX. */
function x86Probe(ctx: ApiContext, name: string): void {
  const cpu = ctx.cpu;
  if (!cpu?.resumeAt) return;
  const esp = cpu.get("RSP"); // [esp] = the return address
  const top = esp + 4n; // the caller's ESP
  const size = BigInt.asUintN(32, cpu.get("RAX"));
  ctx.describe([`${size} bytes`]);
  probe(ctx, name, size, top);
  cpu.resumeAt(BigInt(ctx.mem.u32(esp)), top - size);
}

export const apis: ApiDefinition[] = [
  nt("__chkstk", 0, (ctx) => {
    if (!ctx.cpu) return;
    if (ctx.cpu.arch === "arm64") {
      const size = ctx.cpu.get("R15") * 16n; // x15
      ctx.describe([`${size} bytes`]);
      probe(ctx, "__chkstk", size, ctx.cpu.get("RSP"));
      return;
    }
    const size = ctx.cpu.get("RAX");
    ctx.describe([`${size} bytes`]);
    // The caller's RSP (before its call pushed the return address).
    probe(ctx, "__chkstk", size, ctx.cpu.get("RSP") + 8n);
    // VOID in C terms: RAX keeps the size.
  }),
  nt("_alloca_probe", 0, (ctx) => x86Probe(ctx, "_alloca_probe")),
  nt("_chkstk", 0, (ctx) => x86Probe(ctx, "_chkstk")),
];

/** x86 ntoskrnl.exe exports the kernel export database's libraries lack (scripts/kernel-db.mjs): `_chkstk` (cdecl, a register contract). */
export function ntoskrnlModuleExtras(arch: string): KernelExport[] {
  return arch === "x86" ? [{ name: "_chkstk", type: "code", call: "cdecl" }] : [];
}
