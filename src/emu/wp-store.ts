/**
 * x86 CR0.WP: with the write-protect bit clear, supervisor-mode stores ignore a page's read-only
 * protection (Intel SDM vol. 3A, 4.6.1 "Determination of Access Rights": "If CR0.WP = 0, data may
 * be written to any supervisor-mode address"). 32-bit Windows has no Kernel Patch Protection, so a
 * driver that clears WP around a store into read-only kernel memory (a code patch, a read-only
 * table) succeeds there; kmdll lets a `mov cr0` that only changes WP take effect on x86
 * (verifier/trap.ts, a warning) and serves here the stores it then makes into read-only image
 * pages: a plain `mov` is carried out with the value and size the fault reports, any other store
 * runs in Unicorn with the page writable for that one instruction (paging-trap.ts's
 * runStoreUnprotected), then the page's rights are put back. x64 keeps CR0 writes dropped
 * (PatchGuard's CRITICAL_STRUCTURE_CORRUPTION, type 0x15 "a processor control register").
 */
import type { Emulator } from "./emulator.js";
import { cleanFlags, completePlainStore, runStoreUnprotected, storeAt } from "./paging-trap.js";
import { PAGE } from "./layout.js";

/** CR0.WP (bit 16). */
export const CR0_WP = 0x10000n;
const PROT_WRITE = 2;

/** Whether the x86 processor runs with CR0.WP clear (a driver cleared it). */
export function wpClear(emu: Emulator): boolean {
  return emu.cpu.arch === "x86" && (emu.uc.regRead(emu.C.regsX86.CR0) & CR0_WP) === 0n;
}

/** The rights of the image page holding `address` (a module's mapped region), or null when it is in no image. */
function imagePagePerms(emu: Emulator, address: bigint): number | null {
  const mod = emu.moduleAt(address);
  if (!mod) return null;
  for (const r of mod.regions) if (address >= r.base && address < r.base + BigInt(r.size)) return r.perms;
  return null;
}

/** Serve a write-protection stop while CR0.WP is clear (x86); true when the store was made and the run can go on at the current PC. */
export function serveWpStore(emu: Emulator, err: number, deadline: number): boolean {
  const { uc, C } = emu;
  if (err !== C.err.WRITE_PROT || !wpClear(emu)) return false;
  const nf = uc.lastFault();
  if (nf.address === undefined) return false;
  const page = nf.address & ~BigInt(PAGE - 1);
  const perms = imagePagePerms(emu, nf.address);
  if (perms === null || perms & PROT_WRITE) return false;
  const pcId = emu.cpu.pcId(C);
  const pc = storeAt(emu, nf.pc ?? uc.regRead(pcId), nf.address);
  cleanFlags(emu);
  if (completePlainStore(emu, nf, pc, pcId)) return true;
  return runStoreUnprotected(emu, pc, deadline, () => uc.softProtect(page, PAGE, perms | PROT_WRITE), () => uc.softProtect(page, PAGE, perms));
}
