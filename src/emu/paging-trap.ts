/**
 * Driver stores into a page-table view (machine/paging-views.ts): views are mapped read only, so
 * a store stops with a write-protection fault; a plain `mov` is carried out here (the fault gives
 * the value and size), any other store runs as one instruction with the page writable; then the
 * tables are synced — the write is a `pte` hardware
 * event and, for a leaf, takes effect before the driver's next instruction (WinPmem's rogue-page
 * remap reads through the page right after writing its PTE, with no kernel call in between).
 * A read or write of an unmapped self-map address whose table is there maps that table's view
 * and runs the instruction again (drivers that compute PTE addresses from PTE_BASE).
 */
import type { Emulator } from "./emulator.js";
import { sync, viewAt, viewForAccess } from "./machine/paging-views.js";

const PAGE = 0x1000;
const SEGMENT_OR_SIZE = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67]);

/**
 * Length of a `mov r/m8, r8` (88), `mov r/m, r` (89), `mov r/m8, imm8` (C6 /0) or `mov r/m,
 * imm` (C7 /0) with a memory operand storing `size` bytes, or null for anything else (Intel SDM
 * vol. 2, 2.1–2.2: legacy prefixes, REX, opcode, ModR/M, SIB, displacement, immediate).
 */
export function movStoreLength(code: Uint8Array, size: number): number | null {
  let i = 0;
  let op16 = false;
  while (i < 4 && SEGMENT_OR_SIZE.has(code[i]!)) op16 ||= code[i++] === 0x66;
  let w = false;
  if ((code[i]! & 0xf0) === 0x40) w = (code[i++]! & 8) !== 0;
  const op = code[i++]!;
  if (op !== 0x88 && op !== 0x89 && op !== 0xc6 && op !== 0xc7) return null;
  const modrm = code[i++]!;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3 || ((op === 0xc6 || op === 0xc7) && ((modrm >> 3) & 7) !== 0)) return null;
  const width = op === 0x88 || op === 0xc6 ? 1 : w ? 8 : op16 ? 2 : 4;
  if (width !== size) return null;
  if (rm === 4) {
    const sib = code[i++]!;
    if (mod === 0 && (sib & 7) === 5) i += 4;
  } else if (mod === 0 && rm === 5) i += 4; // RIP-relative disp32
  if (mod === 1) i += 1;
  else if (mod === 2) i += 4;
  if (op === 0xc6) i += 1;
  else if (op === 0xc7) i += op16 && !w ? 2 : 4; // imm16 under 66 alone; imm32 (sign-extended under REX.W)
  return i <= code.length ? i : null;
}

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
  // A plain `mov` store (what compilers emit for `*pte = v`): done here, with the value and size
  // the fault reports, and the run goes on after it — no single step (see below), which costs
  // Unicorn a flush of every translated block.
  const len = nf.value !== undefined && nf.size !== undefined ? movStoreLength(uc.read(pc, 15), nf.size) : null;
  if (len !== null && (nf.address & 0xfffn) + BigInt(nf.size!) <= 0x1000n) {
    const bytes = new Uint8Array(nf.size!);
    for (let i = 0; i < nf.size!; i++) bytes[i] = Number((BigInt.asUintN(64, nf.value!) >> BigInt(8 * i)) & 0xffn);
    uc.write(nf.address, bytes);
    uc.regWrite(C.regs.RIP, pc + BigInt(len));
    sync(callerAt(emu, pc));
    return true;
  }
  // Any other store (or/and/bts on an entry, xchg, lock cmpxchg): one instruction with the page
  // writable. Unicorn 2.0.1 counts instructions only in blocks translated while counting: a block at `pc`
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
