/**
 * Code run from executable nonpaged pool. Pool chunks are mapped read/write (no execute), which
 * is right for NonPagedPoolNx, paged pool and POOL_FLAG_NON_PAGED; but NonPagedPool and the other
 * nonpaged types without the Nx bit (api/ex.ts, EXECUTABLE_POOL_TYPES) are executable memory on
 * Windows without HVCI (Microsoft Learn, "POOL_TYPE": NonPagedPoolNx is the non-executable
 * variant, Windows 8 and later; every nonpaged pool page of earlier x86 Windows is executable).
 * Drivers copy code there and run it (He4HookInv.sys moves its own image into NonPagedPool and
 * jumps into the copy, trampolines of inline hooks live there). A fetch that stops on a pool
 * page holding a live block of such a type makes that block's pages executable and the
 * instruction runs again; a fetch from any other pool memory stays an invalid fetch. With
 * `--verifier all` the allocation itself is already the hvci-executable-pool finding. Page
 * granularity, as NX is: another block sharing such a page is executable too, and a page stays
 * executable after its block is freed.
 */
import type { Emulator } from "./emulator.js";
import { EXECUTABLE_POOL_TYPES } from "./api/ex.js";
import { PAGE } from "./layout.js";

const RWX = 7;

/** Serve a fetch-protection stop in executable pool; true when the run can go on at the current PC. */
export function serveExecutablePool(emu: Emulator, err: number): boolean {
  const { uc, C } = emu;
  if (err !== C.err.FETCH_PROT) return false;
  const nf = uc.lastFault();
  const at = nf.address ?? uc.regRead(emu.cpu.pcId(C));
  const block = emu.pool.blockContaining(at);
  if (!block || !EXECUTABLE_POOL_TYPES.has(block.poolType)) return false;
  const mask = BigInt(PAGE - 1);
  const first = block.address & ~mask;
  const end = (block.address + BigInt(block.size) + mask) & ~mask;
  try {
    uc.protect(first, Number(end - first), RWX);
  } catch {
    return false;
  }
  uc.regWrite(emu.cpu.pcId(C), at);
  return true;
}
