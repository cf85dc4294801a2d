/**
 * ARM64 stack unwinding for backtraces: one frame over an image's `.pdata`, as Microsoft's "ARM64
 * exception handling" documents it. A `.pdata` entry is {function RVA, word}: word bits 0-1
 * (Flag) 0 = the word is the RVA of an `.xdata` record, 1 = packed unwind data (bits 2-12
 * FunctionLength/4, 13-15 RegF, 16-19 RegI, 20 H, 21-22 CR, 23-31 FrameSize/16), 2 = a packed
 * fragment without a prolog. An `.xdata` record's header word holds the function length, the X
 * (exception data) and E (single packed epilog) bits, the epilog count and the number of code
 * words (both 0: an extension word follows); epilog scopes come next, then the unwind codes, which
 * undo the prolog when run in order.
 *
 * Only what a backtrace needs is tracked: SP, FP (X29) and LR; the frame is assumed to be past its
 * prolog (a fault inside a prolog or epilog may show one frame wrong). Exception dispatch (SEH)
 * for ARM64 is not built on this yet.
 */
import type { GuestMemory } from "./api/types.js";
import type { LoadedModule } from "./image.js";
import { functionEntry } from "./seh-unwind.js";

export interface Arm64Regs {
  sp: bigint;
  fp: bigint;
  /** The live link register (frame 0 only; 0n when not known). */
  lr: bigint;
}

/** The caller's PC, SP and FP; null when the image has no unwind entry for `pc` or it cannot be followed. */
export function unwindArm64(mem: GuestMemory, mod: LoadedModule, pc: bigint, r: Arm64Regs, _first: boolean): { pc: bigint; sp: bigint; fp: bigint } | null {
  const fn = functionEntry(mod, Number(pc - mod.base));
  if (!fn) return null;
  const word = fn.unwindInfoAddress;
  const flag = word & 3;
  if (flag === 1) return unwindPacked(mem, word, r);
  if (flag !== 0) return null;
  return unwindXdata(mem, mod.base + BigInt(word), r);
}

/** Packed unwind data: the canonical prolog its fields describe. */
function unwindPacked(mem: GuestMemory, word: number, r: Arm64Regs): { pc: bigint; sp: bigint; fp: bigint } | null {
  const regF = (word >>> 13) & 7;
  const regI = (word >>> 16) & 0xf;
  const h = (word >>> 20) & 1;
  const cr = (word >>> 21) & 3;
  const frameSize = BigInt(((word >>> 23) & 0x1ff) * 16);
  const intsz = regI * 8 + (cr === 1 ? 8 : 0);
  const fpsz = regF ? (regF + 1) * 8 : 0;
  const savsz = (intsz + fpsz + 64 * h + 15) & ~15;
  // The body's SP: with a frame chain (CR 2 or 3) FP = SP after the local area's allocation.
  const body = cr === 2 || cr === 3 ? r.fp : r.sp;
  const callerSp = body + frameSize;
  const saveArea = callerSp - BigInt(savsz);
  let lr = r.lr;
  let fp = r.fp;
  if (cr === 2 || cr === 3) {
    // stp fp, lr at the bottom of the local area.
    fp = mem.u64(body);
    lr = mem.u64(body + 8n);
  } else if (cr === 1) {
    lr = mem.u64(saveArea + BigInt(regI * 8));
  }
  if (lr === 0n) return null;
  return { pc: lr, sp: callerSp, fp };
}

/** An .xdata record: run its prolog unwind codes. */
function unwindXdata(mem: GuestMemory, at: bigint, r: Arm64Regs): { pc: bigint; sp: bigint; fp: bigint } | null {
  const head = mem.u32(at);
  let epilogs = (head >>> 22) & 0x1f;
  let codeWords = (head >>> 27) & 0x1f;
  const e = (head >>> 21) & 1;
  let p = at + 4n;
  if (epilogs === 0 && codeWords === 0) {
    const ext = mem.u32(p);
    epilogs = ext & 0xffff;
    codeWords = (ext >>> 16) & 0xff;
    p += 4n;
  }
  if (!e) p += BigInt(4 * epilogs);
  const codes = mem.read(p, codeWords * 4);
  let sp = r.sp;
  let fp = r.fp;
  let lr = r.lr;
  /** The last saved integer pair (register number, address), for save_next. */
  let last: { reg: number; at: bigint; fp: boolean } | null = null;
  const pair = (reg: number, a: bigint) => {
    if (reg === 29) {
      fp = mem.u64(a);
      lr = mem.u64(a + 8n);
    }
    last = { reg, at: a, fp: false };
  };
  /** One saved register: x29 (FP) or x30 (LR, which save_reg saves in leaf-calling functions). */
  const one = (reg: number, a: bigint) => {
    if (reg === 29) fp = mem.u64(a);
    else if (reg === 30) lr = mem.u64(a);
    last = null;
  };
  for (let i = 0; i < codes.length; ) {
    const b = codes[i]!;
    const b1 = codes[i + 1] ?? 0;
    if (b < 0x20) {
      sp += BigInt(16 * (b & 0x1f)); // alloc_s
      i += 1;
    } else if (b < 0x40) {
      pair(19, sp); // save_r19r20_x
      sp += BigInt(8 * (b & 0x1f));
      i += 1;
    } else if (b < 0x80) {
      pair(29, sp + BigInt(8 * (b & 0x3f))); // save_fplr
      i += 1;
    } else if (b < 0xc0) {
      pair(29, sp); // save_fplr_x
      sp += BigInt(8 * ((b & 0x3f) + 1));
      i += 1;
    } else if (b < 0xc8) {
      sp += BigInt(16 * (((b & 7) << 8) | b1)); // alloc_m
      i += 2;
    } else if (b < 0xcc) {
      pair(19 + (((b & 3) << 2) | (b1 >> 6)), sp + BigInt(8 * (b1 & 0x3f))); // save_regp
      i += 2;
    } else if (b < 0xd0) {
      pair(19 + (((b & 3) << 2) | (b1 >> 6)), sp); // save_regp_x
      sp += BigInt(8 * ((b1 & 0x3f) + 1));
      i += 2;
    } else if (b < 0xd4) {
      one(19 + (((b & 3) << 2) | (b1 >> 6)), sp + BigInt(8 * (b1 & 0x3f))); // save_reg: str x(19+X), [sp, #Z*8]
      i += 2;
    } else if (b < 0xd6) {
      one(19 + (((b & 1) << 3) | (b1 >> 5)), sp); // save_reg_x: str x(19+X), [sp, #-(Z+1)*8]!
      sp += BigInt(8 * ((b1 & 0x1f) + 1));
      i += 2;
    } else if (b < 0xd8) {
      lr = mem.u64(sp + BigInt(8 * (b1 & 0x3f)) + 8n); // save_lrpair: x(19+2X), lr
      i += 2;
    } else if (b < 0xda) {
      last = { reg: 8 + (((b & 1) << 2) | (b1 >> 6)), at: sp, fp: true }; // save_fregp
      i += 2;
    } else if (b < 0xdc) {
      last = { reg: 8 + (((b & 1) << 2) | (b1 >> 6)), at: sp, fp: true }; // save_fregp_x
      sp += BigInt(8 * ((b1 & 0x3f) + 1));
      i += 2;
    } else if (b < 0xde) {
      i += 2; // save_freg
    } else if (b === 0xde) {
      sp += BigInt(8 * ((b1 & 0x1f) + 1)); // save_freg_x
      i += 2;
    } else if (b === 0xdf) {
      i += 2; // alloc_z (SVE): not in kernel code
    } else if (b === 0xe0) {
      sp += BigInt(16 * ((b1 << 16) | ((codes[i + 2] ?? 0) << 8) | (codes[i + 3] ?? 0))); // alloc_l
      i += 4;
    } else if (b === 0xe1) {
      sp = fp; // set_fp: mov x29, sp
      i += 1;
    } else if (b === 0xe2) {
      sp = fp - BigInt(8 * b1); // add_fp: add x29, sp, #x*8
      i += 2;
    } else if (b === 0xe3 || b === 0xfc || (b >= 0xf0 && b !== 0xe4 && b !== 0xe5)) {
      i += 1; // nop, pac_sign_lr, reserved
    } else if (b === 0xe4 || b === 0xe5) {
      break; // end, end_c
    } else if (b === 0xe6) {
      // save_next: the pair after the last one saved, 16 bytes further.
      const l = last as { reg: number; at: bigint; fp: boolean } | null;
      if (l && !l.fp) pair(l.reg + 2, l.at + 16n);
      else if (l) last = { ...l, reg: l.reg + 2, at: l.at + 16n };
      i += 1;
    } else if (b === 0xe7) {
      i += 3; // save_any_reg
    } else return null; // trap frame, machine frame, context: not in driver code
  }
  if (lr === 0n) return null;
  return { pc: lr, sp, fp };
}
