/**
 * The CPU layer of each architecture the emulator runs: the Unicorn mode, the register file
 * fault reports show, the address space, how an API handler's arguments are found when guest
 * code calls a kernel routine, what the routine's stub does on return (stdcall pops its
 * arguments), how the emulator lays out a call into guest code, and how kernel mode is entered
 * (the KPCR behind gs on x64, behind fs on x86). The dispatcher and the guest-call code call
 * these; the API handlers never see the difference (ApiContext.arg(i) is the i-th argument).
 *
 * Calling conventions (Microsoft, "x64 calling convention" and "Argument passing and naming
 * conventions"): x64 passes RCX, RDX, R8, R9, then the stack above 32 bytes of home space; x86
 * stdcall and cdecl pass everything on the stack (first argument at [esp+4] on entry), stdcall
 * callees pop it (`ret N`), fastcall passes the first two 32-bit arguments in ECX and EDX.
 */
import type { RegName } from "../api/types.js";
import type { EngineMode, NativeConstants, NativeEngine } from "../native.js";
import { X64_SPACE, X86_SPACE, type AddressSpace } from "./space.js";
import { ARM64_CPU } from "./arm64.js";

export type EmuArch = "x64" | "x86" | "arm64";

/** How an API's arguments were passed: the convention and stack bytes a kernel export states. */
export interface CallConvention {
  call?: "stdcall" | "fastcall" | "cdecl";
  argBytes?: number;
  /** Arguments passed by value as 64-bit integers (x86: two stack slots each). */
  wide?: readonly number[];
}

export interface CpuArch {
  arch: EmuArch;
  mode: EngineMode;
  /** Machine names a PE image of this arch has (PeImage.machine). */
  machine: string;
  ptrSize: 4 | 8;
  space: AddressSpace;
  /** General registers in fault-report order (the stack pointer at index 4 on both). */
  gprNames: readonly string[];
  pcName: string;
  gprIds(C: NativeConstants): number[];
  pcId(C: NativeConstants): number;
  spId(C: NativeConstants): number;
  flagsId(C: NativeConstants): number;
  retId(C: NativeConstants): number;
  /** The i-th argument of an API called with (a0, a1) in registers and `sp` on entry. */
  argReader(regs: bigint[], sp: bigint, conv: CallConvention, readPtr: (a: bigint) => bigint, readReg?: (name: string) => bigint): (i: number) => bigint;
  /** The bytes at a kernel export's code address (the hook fires on the first; then it returns). */
  stub(exp: CallConvention | undefined): Uint8Array;
  /** Lay out a call of guest code: stack frame bytes at `sp` and register values. */
  callFrame(top: bigint, args: bigint[], sentinel: bigint): { sp: bigint; frame: Uint8Array; regs: [number, bigint][] };
  /** A value as a register/return value of this arch (x86: 32 bits, except EDX:EAX returns). */
  truncate(v: bigint): bigint;
  /** The Unicorn id of a register an API handler reads by its x64 name (x86: RAX → EAX, ...). */
  regId(C: NativeConstants, reg: RegName): number;
  /** ARM64: a call leaves its return address in the link register, not on the stack. */
  returnInLr?: boolean;
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const u32 = (v: bigint) => BigInt.asUintN(32, v);

export const X64_CPU: CpuArch = {
  arch: "x64",
  mode: "x64",
  machine: "x64",
  ptrSize: 8,
  space: X64_SPACE,
  gprNames: ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"],
  pcName: "RIP",
  gprIds: (C) => ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"].map((r) => C.regs[r as keyof NativeConstants["regs"]]),
  pcId: (C) => C.regs.RIP,
  spId: (C) => C.regs.RSP,
  flagsId: (C) => C.regs.EFLAGS,
  retId: (C) => C.regs.RAX,
  argReader(regs, sp, _conv, readPtr) {
    // Each stack argument is read once (index → value).
    const cache: (bigint | undefined)[] = [];
    const first = sp + 0x28n;
    return (i) => {
      if (i < 4) return regs[i]!;
      let v = cache[i];
      if (v === undefined) cache[i] = v = readPtr(first + BigInt(8 * (i - 4)));
      return v;
    };
  },
  stub: () => Uint8Array.of(0xc3),
  callFrame(top, args, sentinel) {
    const extra = Math.max(0, args.length - 4);
    const sp = ((top - 0x20n - BigInt(8 * extra)) & ~0xfn) - 8n;
    const frame = new Uint8Array(8 + 0x20 + 8 * extra);
    const dv = new DataView(frame.buffer);
    dv.setBigUint64(0, sentinel, true);
    for (let i = 4; i < args.length; i++) dv.setBigUint64(0x28 + 8 * (i - 4), u64(args[i]!), true);
    return { sp, frame, regs: [] };
  },
  truncate: u64,
  regId: (C, reg) => C.regs[reg],
};

/** x86 registers as Unicorn numbers them in 32-bit mode. */
const X86_GPR = ["EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"] as const;

export const X86_CPU: CpuArch = {
  arch: "x86",
  mode: "x86",
  machine: "x86",
  ptrSize: 4,
  space: X86_SPACE,
  gprNames: X86_GPR,
  pcName: "EIP",
  gprIds: (C) => X86_GPR.map((r) => C.regsX86[r]),
  pcId: (C) => C.regsX86.EIP,
  spId: (C) => C.regsX86.ESP,
  flagsId: (C) => C.regsX86.EFLAGS,
  retId: (C) => C.regsX86.EAX,
  argReader(regs, sp, conv, readPtr) {
    const fast = conv.call === "fastcall";
    const wide = conv.wide;
    // Each stack slot is read once (slot → value).
    const cache: (bigint | undefined)[] = [];
    const slotValue = (slot: number): bigint => {
      let v = cache[slot];
      if (v === undefined) cache[slot] = v = readPtr(sp + 4n + BigInt(4 * slot));
      return v;
    };
    return (i) => {
      if (fast && i < 2) return regs[i]!;
      // A 64-bit argument by value takes two slots (low dword first); later arguments move up.
      let slot = fast ? i - 2 : i;
      if (wide) for (const w of wide) if (w < i) slot++;
      if (wide?.includes(i)) return (u32(slotValue(slot + 1)) << 32n) | u32(slotValue(slot));
      return slotValue(slot);
    };
  },
  stub(exp) {
    // stdcall pops its arguments; fastcall those beyond ECX/EDX; cdecl none (the caller does).
    const n = exp?.call === "stdcall" ? exp.argBytes ?? 0 : exp?.call === "fastcall" ? Math.max(0, (exp.argBytes ?? 0) - 8) : 0;
    return n > 0 ? Uint8Array.of(0xc2, n & 0xff, n >> 8) : Uint8Array.of(0xc3);
  },
  callFrame(top, args, sentinel) {
    // stdcall/cdecl: arguments on the stack, the first at [esp+4]; 16-byte aligned argument block.
    const sp = ((top - BigInt(4 * args.length)) & ~0xfn) - 4n;
    const frame = new Uint8Array(4 + 4 * args.length);
    const dv = new DataView(frame.buffer);
    dv.setUint32(0, Number(u32(sentinel)), true);
    args.forEach((a, i) => dv.setUint32(4 + 4 * i, Number(u32(a)), true));
    return { sp, frame, regs: [] };
  },
  truncate: u64,
  regId: (C, reg) => (C.regsX86 as Record<string, number>)[reg === "RIP" ? "EIP" : reg === "EFLAGS" ? reg : "E" + reg.slice(1)] ?? C.regsX86.EAX,
};

export const CPUS: Record<EmuArch, CpuArch> = { x64: X64_CPU, x86: X86_CPU, arm64: ARM64_CPU };

/** The emulator arch of a PE machine name, or null when it cannot be emulated. */
export function cpuForMachine(machine: string | number): CpuArch | null {
  return machine === "x64" ? X64_CPU : machine === "x86" ? X86_CPU : machine === "arm64" ? ARM64_CPU : null;
}

/** x86: a flat 4 GiB code and data segment and an fs segment whose base is the KPCR. */
export function x86Segments(uc: NativeEngine, C: NativeConstants, gdt: bigint, kpcr: bigint): void {
  const desc = (base: number, limit: number, access: number, flags: number): Uint8Array => {
    const b = new Uint8Array(8);
    b[0] = limit & 0xff;
    b[1] = (limit >> 8) & 0xff;
    b[2] = base & 0xff;
    b[3] = (base >> 8) & 0xff;
    b[4] = (base >> 16) & 0xff;
    b[5] = access;
    b[6] = ((limit >> 16) & 0xf) | (flags << 4);
    b[7] = (base >>> 24) & 0xff;
    return b;
  };
  // Selectors as Windows x86 uses them: 0x08 KGDT_R0_CODE, 0x10 KGDT_R0_DATA, 0x30 KGDT_R0_PCR.
  uc.write(gdt + 0x08n, desc(0, 0xfffff, 0x9b, 0xc));
  uc.write(gdt + 0x10n, desc(0, 0xfffff, 0x93, 0xc));
  uc.write(gdt + 0x30n, desc(Number(kpcr), 0xfff, 0x93, 0x4));
  uc.setGdtr(gdt, 0x7fn);
  const R = C.regsX86;
  for (const [r, v] of [[R.SS, 0x10n], [R.DS, 0x10n], [R.ES, 0x10n], [R.GS, 0x10n], [R.CS, 0x08n], [R.FS, 0x30n]] as const) uc.regWrite(r, v);
}

/**
 * How an x86 driver calls a kernel routine (undefined on x64, which has one convention): the
 * convention the kernel export database states (from the decorated import-library symbol), or,
 * for a routine the database does not list for x86 (mingw-w64's i686 libraries lack many), NTAPI
 * — stdcall popping 4 bytes per argument and 8 per 64-bit argument by value.
 */
export function x86Convention(arch: EmuArch, known: CallConvention | undefined, def: { name?: string; argc?: number; wide?: readonly number[] } | null): CallConvention | undefined {
  if (arch !== "x86") return undefined;
  const wide = def?.wide?.length ? { wide: def.wide } : {};
  if (known?.call) return { call: known.call, ...(known.argBytes !== undefined ? { argBytes: known.argBytes } : {}), ...wide };
  if (!def) return undefined;
  const argBytes = 4 * ((def.argc ?? 0) + (def.wide?.length ?? 0));
  return { call: X86_FASTCALL.test(def.name ?? "") ? "fastcall" : "stdcall", argBytes, ...wide };
}

/**
 * FASTCALL kernel routines by name (wdm.h on x86): the "f" forms (ExfXxx, IofXxx, KefXxx,
 * KfXxx, ObfXxx, HalfXxx) and the interlocked list/arithmetic helpers; and the two KMDF DDIs
 * wdfobject.h declares FASTCALL (PFN_WDFOBJECTGETTYPEDCONTEXTWORKER, PFN_WDFOBJECTCONTEXTGETOBJECT:
 * an x86 driver passes its globals in ECX and the handle or context in EDX; Realtek's
 * RtkBtfilter.sys, DriverPack set fresh4) — every other DDI is stdcall (/Gz).
 */
const X86_FASTCALL = /^(?:(?:Exf|Iof|Kef|Kf|Obf|Hal?f)[A-Z]|Interlocked|ExInterlocked(?:Pop|Push|Flush)EntrySList$|ExInterlockedAddLargeStatistic$|ExInterlockedCompareExchange64$|WdfObjectGetTypedContextWorker$|WdfObjectContextGetObject$)/;
