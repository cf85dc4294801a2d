/**
 * The ARM64 CPU layer (Windows on ARM64, AAPCS64 as Microsoft's "Overview of ARM64 ABI
 * conventions" states it): integer arguments in X0-X7, then on the stack from [SP] upward, 8
 * bytes each (variadic routines such as DbgPrint take theirs the same way on Windows); the
 * result in X0; the return address in the link register X30 (BL/BLR set it; RET jumps to it).
 * SP is 16-byte aligned at every call. X18 holds the KPCR in kernel mode (the TEB in user mode),
 * so the emulator points it at its processor control block; the FP/SIMD unit is enabled
 * (CPACR_EL1.FPEN) because compiled code copies and clears memory with vector registers.
 *
 * A kernel routine's stub is a single RET: the API hook fires when BL/BLR reaches the thunk, the
 * handler reads X0-X7/the stack, the addon writes the result to X0, and the RET resumes at LR.
 * The address space is x64's (Windows ARM64 uses the same canonical kernel half, and
 * KUSER_SHARED_DATA is at 0xFFFFF78000000000 on both); structure layouts are x64's (LLP64).
 */
import type { RegName } from "../api/types.js";
import type { NativeConstants } from "../native.js";
import { X64_SPACE } from "./space.js";
import type { CpuArch } from "./cpu.js";

/** X0..X30 and SP, the order fault reports show them in. */
const GPR = [...Array.from({ length: 31 }, (_, i) => `X${i}`), "SP"] as const;

/** `ret` (RET X30), little-endian. */
const RET = Uint8Array.of(0xc0, 0x03, 0x5f, 0xd6);

/** x64 register names API code reads (ctx.cpu.get) → their ARM64 counterparts. */
const FROM_X64: Partial<Record<RegName, string>> = { RAX: "X0", RCX: "X0", RDX: "X1", R8: "X2", R9: "X3", RSP: "SP", RIP: "PC", EFLAGS: "NZCV", R15: "X15" /* __chkstk's size register */ };

const u64 = (v: bigint) => BigInt.asUintN(64, v);

export const ARM64_CPU: CpuArch = {
  arch: "arm64",
  mode: "arm64",
  machine: "arm64",
  ptrSize: 8,
  space: X64_SPACE,
  gprNames: GPR,
  pcName: "PC",
  gprIds: (C) => GPR.map((r) => C.regsArm64[r]!),
  pcId: (C) => C.regsArm64.PC!,
  spId: (C) => C.regsArm64.SP!,
  flagsId: (C) => C.regsArm64.NZCV!,
  retId: (C) => C.regsArm64.X0!,
  argReader(regs, sp, _conv, readPtr, readReg) {
    const cache = new Map<number, bigint>();
    return (i) => {
      if (i < 4) return regs[i]!;
      let v = cache.get(i);
      if (v === undefined) cache.set(i, (v = i < 8 ? readReg!(`X${i}`) : readPtr(sp + BigInt(8 * (i - 8)))));
      return v;
    };
  },
  stub: () => RET,
  callFrame(top, args, _sentinel) {
    const extra = Math.max(0, args.length - 8);
    const sp = (top - BigInt(8 * extra)) & ~0xfn;
    const frame = new Uint8Array(8 * extra);
    const dv = new DataView(frame.buffer);
    for (let i = 8; i < args.length; i++) dv.setBigUint64(8 * (i - 8), u64(args[i]!), true);
    return { sp, frame, regs: [] };
  },
  truncate: u64,
  regId: (C: NativeConstants, reg: RegName) => C.regsArm64[FROM_X64[reg] ?? "X0"]!,
  returnInLr: true,
};

/** The registers a call into guest code starts with: arguments in X0-X7, LR = the sentinel, X18 = KPCR. */
export function arm64CallRegisters(C: NativeConstants, args: bigint[], sp: bigint, sentinel: bigint, kpcr: bigint): { ids: number[]; values: bigint[] } {
  const R = C.regsArm64;
  const ids = [...Array.from({ length: 8 }, (_, i) => R[`X${i}`]!), R.SP!, R.X29!, R.X30!, R.X18!];
  const values = [...Array.from({ length: 8 }, (_, i) => u64(args[i] ?? 0n)), sp, 0n, sentinel, kpcr];
  return { ids, values };
}

/** BRK #imm16 (A64: 0xD4200000 | imm16 << 5): the immediate, or null for another instruction. */
export function brkImmediate(insn: number): number | null {
  return (insn & 0xffe0001f) >>> 0 === 0xd4200000 ? (insn >>> 5) & 0xffff : null;
}

/**
 * What Windows does with BRK immediates (Microsoft ARM64 ABI, "Exceptions"): 0xF000 is
 * __debugbreak (STATUS_BREAKPOINT), 0xF003 __fastfail (the code in X0), 0xF004 an integer divide
 * by zero the compiler checked for (STATUS_INTEGER_DIVIDE_BY_ZERO), 0xF001/0xF002 assertion and
 * debug service calls.
 */
export const ARM64_BRK_NAMES: Record<number, string> = {
  0xf000: "breakpoint (brk #0xf000, __debugbreak)",
  0xf001: "assertion failure (brk #0xf001)",
  0xf002: "debug service (brk #0xf002)",
  0xf003: "__fastfail (brk #0xf003)",
  0xf004: "integer divide by zero (brk #0xf004)",
};

/** BRK #0xF000 (__debugbreak): the ARM64 filler of the return-sentinel page. */
export const ARM64_BRK_SENTINEL = Uint8Array.of(0x00, 0x00, 0x3e, 0xd4);

/** A page (or `size` bytes) of one instruction repeated. */
export function fillStubs(insn: Uint8Array, size = 0x1000): Uint8Array {
  const out = new Uint8Array(size);
  const n = insn.length;
  if (n === 1) return out.fill(insn[0]!);
  // One copy, then doubling copies within the buffer (a set() per instruction is thousands of calls per page).
  const whole = size - (size % n);
  if (whole === 0) return out;
  out.set(insn, 0);
  for (let len = n; len < whole; len *= 2) out.copyWithin(len, 0, Math.min(len, whole - len));
  return out;
}
