/**
 * Driver stores into a page-table view (machine/paging-views.ts): views are mapped read only, so
 * a store stops with a write-protection fault; a plain `mov` is carried out here (the fault gives
 * the value and size), any other store runs in Unicorn with the page writable up to the next
 * instruction (store-length.ts); then the tables are synced — the write is a `pte` hardware
 * event and, for a leaf, takes effect before the driver's next instruction (WinPmem's rogue-page
 * remap reads through the page right after writing its PTE, with no kernel call in between).
 * A read or write of an unmapped self-map address whose table is there maps that table's view
 * and runs the instruction again (drivers that compute PTE addresses from PTE_BASE).
 */
import type { Emulator } from "./emulator.js";
import { sync, viewAt, viewForAccess } from "./machine/paging-views.js";
import { instructionLength, isAtomicStore, operandAddress, storeLength } from "./store-length.js";

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

/** Stores into views run with an instruction count (count > 0) since the process started: tests read it. */
export const pagingStats = { countedSteps: 0 };

/**
 * The store that faulted on `address`: the instruction at `rip` when it stores there; else, as
 * Unicorn runs a lock-prefixed store (or xchg with memory) through an atomic path that does not
 * bring RIP up to date first (RIP is then the last instruction that accessed memory, or the start
 * of the block), the first atomic store from `rip` on (within 32 instructions) that names
 * `address`, else the plain store at `rip`, else the first atomic store. The registers are those
 * at the store (the instructions before it have run).
 */
export function storeAt(emu: Emulator, rip: bigint, address: bigint): bigint {
  const { uc } = emu;
  // GPR n in encoding order (RAX/EAX … ; x86 has eight).
  const reg = (n: number) => (n < emu.gprIds.length ? uc.regRead(emu.gprIds[n]!) : 0n);
  const x86 = emu.cpu.arch === "x86";
  const first = uc.read(rip, 15);
  // A plain store at RIP is the one unless an atomic store names the address (a store that RIP
  // does not name exactly — string, FS/GS-based, crossing into the page — is still the one).
  const plain = storeLength(first) !== null && !isAtomicStore(first);
  if (plain && operandAddress(first, rip, reg, x86) === address) return rip;
  let at = rip;
  let atomic: bigint | null = null;
  for (let n = 0; n < 32; n++) {
    let code: Uint8Array;
    try {
      code = uc.read(at, 15);
    } catch {
      break; // the end of the mapped code
    }
    if (isAtomicStore(code)) {
      if (operandAddress(code, at, reg, x86) === address) return at;
      atomic ??= at;
    }
    const len = instructionLength(code);
    if (len === null) break;
    at += BigInt(len);
  }
  return plain ? rip : (atomic ?? rip);
}

/**
 * A plain `mov` store that faulted (the fault reports its value and size): carry it out here and
 * set the PC past the instruction (its length from movStoreLength), so the run goes on without a
 * second run of the instruction. False when the instruction is not such a store or the store
 * crosses a page (the caller runs it unprotected instead). Used for page-table views and, on x86,
 * stores into read-only image pages with CR0.WP clear (wp-store.ts).
 */
export function completePlainStore(emu: Emulator, nf: { address?: bigint; value?: bigint; size?: number }, pc: bigint, pcId: number): boolean {
  const uc = emu.uc;
  if (nf.address === undefined || nf.value === undefined || nf.size === undefined) return false;
  const len = movStoreLength(uc.read(pc, 15), nf.size);
  if (len === null || (nf.address & 0xfffn) + BigInt(nf.size) > 0x1000n) return false;
  const bytes = new Uint8Array(nf.size);
  for (let i = 0; i < nf.size; i++) bytes[i] = Number((BigInt.asUintN(64, nf.value) >> BigInt(8 * i)) & 0xffn);
  uc.write(nf.address, bytes);
  uc.regWrite(pcId, pc + BigInt(len));
  return true;
}

/**
 * After a write-protection stop Unicorn 2.0.1's lazily computed flags can be stale: the stop
 * leaves the flags operation of an earlier block with the operands of this one (EFLAGS then reads
 * bits of a register, TF among them: a debug trap at the next instruction). Keep CF, PF, AF, ZF,
 * SF, OF, set IF and bit 1 and clear the rest (TF, DF, AC… — kernel code runs with DF clear at
 * calls, Microsoft Learn "x64 ABI conventions"). The six arithmetic flags may still be stale.
 */
export function cleanFlags(emu: Emulator): void {
  const flags = emu.uc.regRead(emu.C.regs.EFLAGS);
  emu.uc.regWrite(emu.C.regs.EFLAGS, (flags & 0x8d5n) | 0x202n);
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
  const pc = storeAt(emu, nf.pc ?? uc.regRead(C.regs.RIP), nf.address);
  cleanFlags(emu);
  // A plain `mov` store (what compilers emit for `*pte = v`): done here, with the value and size
  // the fault reports, and the run goes on after it — no second run (see below).
  if (completePlainStore(emu, nf, pc, C.regs.RIP)) {
    sync(callerAt(emu, pc));
    return true;
  }
  const ok = runStoreUnprotected(emu, pc, deadline, () => uc.protect(view.va, PAGE, 3), () => uc.protect(view.va, PAGE, 1));
  sync(callerAt(emu, pc));
  return ok;
}

/**
 * Run the one store at `pc` with its page made writable by `open` (and read only again by
 * `close`), then stop after it; true when it ran. Shared with the x86 CR0.WP model (wp-store.ts).
 */
export function runStoreUnprotected(emu: Emulator, pc: bigint, deadline: number, open: () => void, close: () => void): boolean {
  const { uc, C } = emu;
  const pcId = emu.cpu.pcId(C);
  // Any other store (or/and/bts on an entry, xchg, lock cmpxchg, string and SSE stores): Unicorn
  // runs it with the page writable, up to the next instruction (`until` = pc + its length). No
  // instruction count: a run with count > 0 makes the next run without one drop the counting hook
  // and flush every translated block (Unicorn 2.0.1 uc.c, tb_flush: 0.1 s idle, seconds under
  // load). Unicorn turns the `until` address into a stop when it translates the instruction there
  // (qemu/target/i386/translate.c, disas_insn: uc_addr_is_exit), so a block at `pc` translated
  // before would run on past the store (and read through a stale PTE), and the blocks translated
  // now would stop a later run at pc + length: rewriting a byte of code drops the translations
  // holding it (a soft region's write removes the cache) — at `pc` before, at pc and pc + length after.
  const code = uc.read(pc, 15);
  const length = storeLength(code) ?? instructionLength(code);
  uc.write(pc, code.subarray(0, 1));
  open();
  let e: number;
  const timeout = Math.max(1, deadline - Date.now()) * 1000;
  try {
    if (length !== null) e = uc.start(pc, pc + BigInt(length), timeout, 0);
    else {
      // An instruction instructionLength does not decode (EVEX, XOP, 3DNow!): one counted
      // instruction, at the cost of that flush.
      pagingStats.countedSteps++;
      e = uc.start(pc, emu.cpu.space.returnSentinel, timeout, 1);
    }
  } finally {
    close();
  }
  if (length !== null) {
    uc.write(pc, code.subarray(0, 1));
    try {
      uc.write(pc + BigInt(length), uc.read(pc + BigInt(length), 1));
    } catch {
      // pc + length is not mapped: nothing was translated there.
    }
  }
  return e === 0 && uc.regRead(pcId) !== pc;
}
