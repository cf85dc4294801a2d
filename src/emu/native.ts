/**
 * Loads kmdll's Node-API addon over libunicorn (native/, built by `npm run build:native`).
 * The addon runs x86-64 (default), x86 (32-bit) or ARM64 engines and exposes just what the
 * emulator needs; see native/src/unicorn.cc.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KmdllError } from "../errors.js";

export interface NativeFault {
  memType?: number;
  address?: bigint;
  size?: number;
  value?: bigint;
  /** x64: the faulting instruction of an invalid memory access (RIP inside the hook). */
  pc?: bigint;
  /** Interrupt number raised by the guest (int3 = 3, #DE = 0, int 0x29 ...), or -1. */
  interrupt: number;
  invalidInstruction: boolean;
  /** The outermost run's watchdog stopped emulation at the time budget. */
  timedOut: boolean;
}

/**
 * The code hook: the first four argument registers, the stack pointer and the return address —
 * x64 RCX RDX R8 R9 RSP [RSP]; x86 ECX EDX 0 0 ESP [ESP]; arm64 X0-X3 SP X30. The returned value
 * goes to RAX; on x86 to EAX (low half) and EDX (high half); on arm64 to X0.
 */
export type ApiHookFn = (address: bigint, rcx: bigint, rdx: bigint, r8: bigint, r9: bigint, rsp: bigint, returnAddress: bigint) => bigint | number | void;

/** The CPU an engine runs. */
export type EngineMode = "x64" | "x86" | "arm64";

export interface NativeEngine {
  mapMemory(addr: bigint, size: number, perms: number): void;
  unmapMemory(addr: bigint, size: number): void;
  protect(addr: bigint, size: number, perms: number): void;
  /**
   * A soft-protected region: one Unicorn region over memory the addon owns, every page unmapped
   * at first; softProtect gives pages rights (UC_PROT_* bits, 0 = mapped without access) or
   * unmaps them again (-1). Guest accesses obey the pages' rights exactly as with separate
   * Unicorn regions (same fault types), read/write refuse unmapped pages, and changing rights
   * creates no Unicorn region (native/src/unicorn.cc, SoftRegion).
   */
  softMap(addr: bigint, size: number): void;
  softProtect(addr: bigint, size: number, perms: number): void;
  /**
   * The present pages of a soft region become inaccessible to the guest (protection faults) while
   * keeping their rights (`on` true), or accessible again; host read/write is unaffected.
   * Optional: addons built before it lack it (feature "softSuspend").
   */
  softSuspend?(addr: bigint, size: number, on: boolean): void;
  /**
   * A second guest range at `addr` over the memory of [src, src+size) of a soft region (an alias:
   * both show the same bytes; the alias's pages get `perms`, and softProtect changes them without
   * touching the original's). softUnalias removes it. Optional: addons built before it lack it
   * (feature "softAlias").
   */
  softAlias?(addr: bigint, src: bigint, size: number, perms: number): void;
  /** CPUID of `leaf` (any subleaf) answers these registers (x86/x64). Optional: feature "cpuModel". */
  setCpuid?(leaf: number, eax: number, ebx: number, ecx: number, edx: number): void;
  softUnalias?(addr: bigint): void;
  /** A Unicorn region over an ArrayBuffer's memory (a multiple of 4 KiB): JS reads and writes it directly. */
  mapHost(addr: bigint, buffer: ArrayBuffer, perms: number): void;
  read(addr: bigint, size: number): Uint8Array;
  write(addr: bigint, data: Uint8Array): void;
  regRead(id: number): bigint;
  regWrite(id: number, v: bigint): void;
  regReadMany(ids: number[]): bigint[];
  regWriteMany(ids: number[], values: bigint[]): void;
  setApiHook(begin: bigint, end: bigint, fn: ApiHookFn): void;
  /**
   * The fast form: before each call, row `slot` of `regs` (8 elements per row, one row per hook
   * nesting depth) holds [address, a0, a1, a2, a3, sp, return address]; `offset` = address - begin.
   */
  setApiHook(begin: bigint, end: bigint, fn: (offset: number, slot: number) => bigint | number | void, regs: BigUint64Array): void;
  /** x86/x64 only: the descriptor table register; a segment selector written afterwards loads from it. */
  setGdtr(base: bigint, limit: bigint): void;
  /** x86/x64 only: the interrupt descriptor table register (what sidt stores); absent in addons built before it. */
  setIdtr?(base: bigint, limit: bigint): void;
  /** Basic-block coverage (build feature "blockHook"): record blocks starting in [begin, end]; (0, 0) removes the hook. */
  setBlockHook?(begin: bigint, end: bigint): void;
  /** The (start, size) pairs of blocks entered since the last call, flattened; forgets them. */
  takeBlocks?(): BigUint64Array;
  /**
   * x86/x64 (builds with the "insnHook" feature): fn(kind, pc, port, size, value) for
   * in (0; the result is the value read), out (1), syscall (2), sysenter (3) and watched code
   * addresses (4; the callback may write the PC to resume elsewhere). For in/out, pc is the start
   * of the translation block (Unicorn does not sync it before port I/O).
   */
  setInsnHook?(fn: (kind: number, pc: bigint, port: bigint, size: number, value: bigint) => bigint | number | undefined): void;
  /** Call the instruction hook (kind 4) when an instruction starting at `address` is about to run. */
  watchCode?(address: bigint): void;
  unwatchCode?(address: bigint): void;
  /** Returns the uc_err number; re-throws an exception thrown by the API hook. */
  start(begin: bigint, until: bigint, timeoutMicros: number, count: number): number;
  stop(): void;
  lastFault(): NativeFault;
  close(): void;
}

export interface NativeConstants {
  regs: Record<"RAX" | "RBX" | "RCX" | "RDX" | "RSI" | "RDI" | "RBP" | "RSP" | "R8" | "R9" | "R10" | "R11" | "R12" | "R13" | "R14" | "R15" | "RIP" | "EFLAGS" | "GS_BASE" | "FS_BASE" | "CR0" | "CR3" | "CR4" | "CR8" | "CS" | "SS" | "DS" | "ES" | "FS" | "GS", number>;
  /** x86 engines: 32-bit registers. */
  regsX86: Record<"EAX" | "EBX" | "ECX" | "EDX" | "ESI" | "EDI" | "EBP" | "ESP" | "EIP" | "EFLAGS" | "FS_BASE" | "GS_BASE" | "CR0" | "CR3" | "CR4" | "CS" | "SS" | "DS" | "ES" | "FS" | "GS", number>;
  /** arm64 engines: X0..X30, SP, PC, NZCV, TPIDR_EL1, TPIDR_EL0, TPIDRRO_EL0, CPACR_EL1. */
  regsArm64: Record<string, number>;
  prot: Record<"NONE" | "READ" | "WRITE" | "EXEC" | "ALL", number>;
  mem: Record<"READ_UNMAPPED" | "WRITE_UNMAPPED" | "FETCH_UNMAPPED" | "READ_PROT" | "WRITE_PROT" | "FETCH_PROT", number>;
  err: Record<string, number>;
  version: string;
  /** Capabilities of the build: "fastApiHook", "insnHook", "softRegions", "mapHost"; missing in old builds. */
  features?: string[];
}

export interface NativeAddon {
  /** `cpuModel`: a UC_CPU_X86_* model set right after uc_open (feature "cpuModel"; older addons ignore it). */
  Engine: new (mode?: EngineMode, cpuModel?: number) => NativeEngine;
  constants: NativeConstants;
}

let addon: NativeAddon | undefined;

/** Where the built addon lives. */
export function addonPath(): string {
  return fileURLToPath(new URL("../../../native/build/Release/kmdll_unicorn.node", import.meta.url));
}

/** Load the addon once; a missing build or libunicorn is a one-line KmdllError naming the fix. */
export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new KmdllError(
      "the Unicorn emulator addon is not built: run 'apt-get install libunicorn-dev pkg-config', then 'npm rebuild kmdll' (installed package; -g if global) or 'npm run build:native' (checkout)",
    );
  }
  try {
    // process.dlopen is what require() does with a .node file once it has resolved the path; the
    // path is already absolute, so the module resolution (a realpath of each folder on the way,
    // a Module object, the require cache) is skipped.
    const mod = { exports: {} };
    process.dlopen(mod, path);
    addon = mod.exports as NativeAddon;
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0];
    if (/libunicorn/.test(msg)) throw new KmdllError(`libunicorn is missing (${msg}): run 'apt-get install libunicorn2 libunicorn-dev'`);
    throw new KmdllError(`cannot load the Unicorn addon ${path}: ${msg} (rebuild with 'npm rebuild kmdll' or, in a checkout, 'npm run build:native')`);
  }
  return addon;
}
