/**
 * The system mapping MmMapLockedPagesSpecifyCache / MmMapLockedPages make for an MDL's locked
 * pages: on Windows a new system VA over the same physical pages, with its own rights (wdm.h:
 * read/write/execute unless Priority has MdlMappingNoWrite / MdlMappingNoExecute), which
 * MmProtectMdlSystemAddress changes and MmUnmapLockedPages / MmUnlockPages remove. kmdll makes
 * the alias where its memory allows (driver images, kernel modules, pool, kernel stacks — see
 * ../sysmap.ts); other pages (the user address space) keep the original VA.
 */
import type { ApiContext } from "./types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { readPtr } from "./util.js";
import { machineOf } from "../machine/index.js";

const PAGE = 0x1000n;
/** wdm.h MM_PAGE_PRIORITY flags (Windows 8 and later). */
export const MdlMappingNoWrite = 0x80000000;
export const MdlMappingNoExecute = 0x40000000;
/** UC_PROT_* bits. */
const R = 1, W = 2, X = 4;

/** PAGE_* protection (winnt.h) → UC_PROT_* rights; undefined for values MmProtectMdlSystemAddress refuses. */
export function pageProtectRights(p: number): number | undefined {
  return ({ 0x01: 0, 0x02: R, 0x04: R | W, 0x10: R | X, 0x20: R | X, 0x40: R | W | X } as Record<number, number>)[p];
}

interface Alias {
  va: bigint;
  pages: number;
}
const aliases = (ctx: ApiContext) => ctx.kernel.state<Map<bigint, Alias>>("mdl-alias", () => new Map());

/**
 * A new system VA (page-aligned) over the MDL's pages [startVa, startVa + pages*4K), or null when
 * kmdll cannot alias that memory (the caller then uses the original VA). `pfns`: the MDL's PFN array.
 */
export function aliasMdlPages(ctx: ApiContext, mdl: bigint, startVa: bigint, pages: number, pfns: bigint, priority: number): bigint | null {
  const maps = ctx.kernel.systemMappings;
  if (!maps || startVa === 0n) return null;
  const rights = R | (priority & MdlMappingNoWrite ? 0 : W) | (priority & MdlMappingNoExecute ? 0 : X);
  const va = maps.alias(startVa, pages * 0x1000, rights);
  if (va === null) return null;
  // The alias shows the same physical pages: MmGetPhysicalAddress of it gives the MDL's frames.
  const st = machineOf(ctx.kernel);
  for (let i = 0; i < pages; i++) st.va2pa.set(va / PAGE + BigInt(i), readPtr(ctx.mem, pfns + BigInt(ptrSize() * i)));
  aliases(ctx).set(mdl, { va, pages });
  return va;
}

/** Remove the MDL's alias, if it has one (MmUnmapLockedPages, MmUnlockPages). */
export function unaliasMdl(ctx: ApiContext, mdl: bigint): void {
  const a = aliases(ctx).get(mdl);
  if (!a) return;
  aliases(ctx).delete(mdl);
  ctx.kernel.systemMappings?.unmap(a.va);
  const st = machineOf(ctx.kernel);
  for (let i = 0; i < a.pages; i++) st.va2pa.delete(a.va / PAGE + BigInt(i));
}

/** MmProtectMdlSystemAddress on an aliased MDL: new rights for its mapping; false when the MDL has no alias. */
export function protectMdlAlias(ctx: ApiContext, mdl: bigint, rights: number): boolean {
  const a = aliases(ctx).get(mdl);
  return a !== undefined && (ctx.kernel.systemMappings?.protect(a.va, rights) ?? false);
}
