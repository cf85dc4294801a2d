/**
 * ARM64 specifics of fault reports: what a trap means (BRK immediates, SVC), and backtraces.
 *
 * Backtraces unwind with the image's ARM64 `.pdata` (./arm64-unwind.ts: packed entries and
 * `.xdata` unwind codes) and fall back to the frame-record chain (X29 points at {caller's X29,
 * return address}, which Windows code keeps) where an image has no entry for a frame.
 */
import type { Emulator } from "./emulator.js";
import { ARM64_BRK_NAMES, brkImmediate } from "./arch/arm64.js";
import { unwindArm64 } from "./arm64-unwind.js";

/** QEMU's ARM exception numbers as Unicorn passes them to the interrupt hook (target/arm/cpu.h). */
const EXCP_UDEF = 1;
const EXCP_SWI = 2;
const EXCP_BKPT = 7;

export interface Arm64Trap {
  /** The trapping instruction's address. */
  at: bigint;
  text: string;
  kind: "breakpoint" | "fastfail" | "divide" | "other";
}

/** What an interrupt-hook exception on ARM64 was: a BRK (named by its immediate), SVC, UDF... */
export function arm64Trap(emu: Emulator, pc: bigint, intno: number): Arm64Trap {
  const word = (a: bigint): number | null => {
    try {
      return emu.mem.u32(a);
    } catch {
      return null;
    }
  };
  // Unicorn leaves PC at the trapping instruction or just past it: look at both.
  for (const at of [pc, pc - 4n]) {
    const w = word(at);
    const imm = w === null ? null : brkImmediate(w);
    if (imm === null) continue;
    if (imm === 0xf003) {
      const code = Number(emu.uc.regRead(emu.C.regsArm64.X0!) & 0xffffffffn);
      return { at, kind: "fastfail", text: `${ARM64_BRK_NAMES[imm]} code ${code}, KERNEL_SECURITY_CHECK_FAILURE (0x139)` };
    }
    const kind = imm === 0xf000 ? "breakpoint" : imm === 0xf004 ? "divide" : "other";
    return { at, kind, text: ARM64_BRK_NAMES[imm] ?? `brk #0x${imm.toString(16)}` };
  }
  if (intno === EXCP_SWI) return { at: pc - 4n, kind: "other", text: "svc (system call from kernel code)" };
  if (intno === EXCP_UDEF) return { at: pc, kind: "other", text: "undefined instruction" };
  if (intno === EXCP_BKPT) return { at: pc, kind: "breakpoint", text: "breakpoint" };
  return { at: pc, kind: "other", text: `ARM64 exception ${intno}` };
}

/** Frames from PC outward: .pdata unwinding, else the X29 frame-record chain. */
export function backtraceArm64(emu: Emulator, pc: bigint, regs: bigint[]): string[] {
  const { map, cpu } = emu;
  const out: string[] = [];
  const name = (a: bigint) => {
    const sym = map.nearestExport(a);
    return `${map.where(a)}${sym ? ` (${sym})` : ""}`;
  };
  const inDriver = (a: bigint) => {
    const m = map.moduleAt(a);
    return m && !m.builtin ? m : null;
  };
  // regs: X0..X30, SP.
  let sp = regs[31] ?? 0n;
  let fp = regs[29] ?? 0n;
  let lr = regs[30] ?? 0n;
  let cur = pc;
  out.push(name(cur));
  for (let i = 0; i < 48; i++) {
    const m = inDriver(cur);
    let next: { pc: bigint; sp: bigint; fp: bigint } | null = null;
    if (m) {
      try {
        next = unwindArm64(emu.mem, m, cur, { sp, fp, lr }, i === 0);
      } catch {
        next = null;
      }
    }
    if (!next) {
      // No unwind data: the frame record (a built-in thunk returns through LR).
      if (i === 0 && !m && lr !== 0n) next = { pc: lr, sp, fp };
      else {
        if (fp <= sp || fp - sp > 0x100000n) break;
        try {
          next = { pc: emu.readPtr(fp + 8n), fp: emu.readPtr(fp), sp: fp + 16n };
        } catch {
          break;
        }
      }
    }
    if (next.pc === cpu.space.returnSentinel || next.pc === 0n || !map.moduleAt(next.pc)) break;
    out.push(name(next.pc));
    if (next.sp < sp) break;
    cur = next.pc;
    sp = next.sp;
    fp = next.fp;
    // Past the first frame LR is no longer live: the next frame's return address is in its record.
    lr = 0n;
  }
  return out;
}
