/**
 * Driver stores into a page-table view (machine/paging-views.ts): views are mapped read only, so
 * a store stops with a write-protection fault; the page is made writable for that one
 * instruction, then read only again, and the tables are synced — the write is a `pte` hardware
 * event and, for a leaf, takes effect before the driver's next instruction (WinPmem's rogue-page
 * remap reads through the page right after writing its PTE, with no kernel call in between).
 * A read or write of an unmapped self-map address whose table is there maps that table's view
 * and runs the instruction again (drivers that compute PTE addresses from PTE_BASE).
 */
import type { Emulator } from "./emulator.js";
import { sync, viewAt, viewForAccess } from "./machine/paging-views.js";

const PAGE = 0x1000;

const callerAt = (emu: Emulator, pc: bigint) => {
  const mod = emu.moduleAt(pc);
  return { kernel: emu.kernel, mem: emu.mem, caller: mod ? { module: mod.name, rva: Number(pc - mod.base) } : null };
};

/** Serve a stop on page-table memory; true when the run can go on at the current PC. */
export function serveTableAccess(emu: Emulator, err: number, deadline: number): boolean {
  const { uc, C } = emu;
  if (emu.cpu.arch !== "x64") return false;
  if (err === C.err.READ_UNMAPPED || err === C.err.WRITE_UNMAPPED) {
    const nf = uc.lastFault();
    if (nf.address === undefined || nf.pc === undefined) return false;
    if (!viewForAccess(callerAt(emu, nf.pc), nf.address)) return false;
    uc.regWrite(C.regs.RIP, nf.pc);
    return true;
  }
  if (err !== C.err.WRITE_PROT) return false;
  const nf = uc.lastFault();
  if (nf.address === undefined) return false;
  const view = viewAt(emu.kernel, nf.address);
  if (!view) return false;
  const pc = nf.pc ?? uc.regRead(C.regs.RIP);
  // Unicorn 2.0.1 counts instructions only in blocks translated while counting: a block at `pc`
  // translated by the normal run would run on past the store (and read through a stale PTE).
  // Rewriting a byte of it drops its translation (a soft region's write removes the cache).
  uc.write(pc, uc.read(pc, 1));
  uc.protect(view.va, PAGE, 3);
  let e: number;
  try {
    e = uc.start(pc, emu.cpu.space.returnSentinel, Math.max(1, deadline - Date.now()) * 1000, 1);
  } finally {
    uc.protect(view.va, PAGE, 1);
  }
  sync(callerAt(emu, pc));
  return e === 0 && uc.regRead(C.regs.RIP) !== pc;
}
