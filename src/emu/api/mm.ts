/** Memory manager: MmGetSystemRoutineAddress (ntoskrnl then hal only, SPEC §6), address checks. */
import type { ApiDefinition } from "./types.js";
import { hex, nt, q, unicodeTextDeref } from "./util.js";
import { viewForAccess } from "../machine/paging-views.js";

export const apis: ApiDefinition[] = [
  nt("MmGetSystemRoutineAddress", 1, (ctx) => {
    const name = unicodeTextDeref(ctx.mem, ctx.arg(0));
    ctx.describe([q(name)]);
    if (name === null) return 0n;
    if (!ctx.kernel.resolveKernelExport) {
      ctx.warn(`MmGetSystemRoutineAddress(${q(name)}): this emulator has no kernel export directory; returning NULL`);
      return 0n;
    }
    const addr = ctx.kernel.resolveKernelExport(name);
    if (addr !== null) return addr;
    const others = ctx.kernel.modulesExporting?.(name) ?? [];
    if (others.length)
      ctx.warn(`MmGetSystemRoutineAddress(${q(name)}) returns NULL: it searches only ntoskrnl.exe and hal.dll, but ${others.join(", ")} export${others.length === 1 ? "s" : ""} it`, { exportedBy: others });
    return 0n;
  }),
  nt("MmIsAddressValid", 1, (ctx) => {
    const a = BigInt.asUintN(64, ctx.arg(0));
    ctx.describe([hex(a)]);
    const ok = ctx.kernel.isValidKernelAddress ? ctx.kernel.isValidKernelAddress(a) : ctx.mem.isMapped(a, 1);
    // A page table at its self-map address (PTE_BASE + ...) is valid when the table exists, as its
    // self-map PTE says on Windows; kmdll maps such a view on first touch (machine/paging-views.ts).
    return ok || viewForAccess(ctx, a) ? 1 : 0;
  }),
  // MmQuerySystemSize (Learn, wdm.h): MmSmallSystem 0, MmMediumSystem 1, MmLargeSystem 2. The
  // machine model has 4 GB (KUSER_SHARED_DATA.NumberOfPhysicalPages 0x100000, system.ts), which
  // is MmLargeSystem (ReactOS ntoskrnl/mm/ARM3/mminit.c sizes a system by its physical pages).
  nt("MmQuerySystemSize", 0, () => 2),
  nt("MmIsNonPagedSystemAddressValid", 1, (ctx) => (ctx.mem.isMapped(BigInt.asUintN(64, ctx.arg(0)), 1) ? 1 : 0)),
];
