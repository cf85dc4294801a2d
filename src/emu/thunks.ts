/**
 * The thunk table: every hooked code address of the synthetic kernel modules (exports and
 * internal routines) and the API handler behind it. The dispatcher looks calls up here; fault
 * reports and backtraces name thunks through it.
 */
import type { ApiDefinition, ApiHandler } from "./api/types.js";
import { KmdllError } from "../errors.js";
import { CODE_STRIDE } from "./kernel-image.js";
import { KERNEL_MODULES_BASE, PAGE } from "./layout.js";
import type { CallConvention } from "./arch/cpu.js";

export interface Thunk {
  module: string;
  name: string;
  def: ApiDefinition | null;
  /** step: code that runs as it is: an x86 Zw stub's `mov eax, N` (the dispatcher is the thunk at +5, ssdt-x86.ts), x64 ntoskrnl's int3 padding after KiSystemCall64/32 (ssdt-x64.ts). */
  kind: "code" | "data" | "internal" | "step";
  /** x86: how the routine takes its arguments (from the kernel export database). */
  conv?: CallConvention;
}

/** Internal (unexported) kernel routines live on the page just below ntoskrnl, inside the hooked range. */
export const INTERNAL_ROUTINES_BASE = KERNEL_MODULES_BASE - BigInt(PAGE);

export class ThunkTable {
  private readonly byAddress = new Map<bigint, Thunk>();
  /** Address ranges whose thunks are made on first lookup (the built-in modules' exports). */
  private readonly lazy: { start: bigint; end: bigint; thunkAt: (address: bigint) => Thunk | undefined }[] = [];
  private readonly internalByName = new Map<string, bigint>();
  /** The internal-routine page: just below the kernel modules of the arch's address space. */
  readonly internalBase: bigint;
  private internalNext: bigint;

  constructor(kernelModulesBase: bigint = KERNEL_MODULES_BASE) {
    this.internalBase = kernelModulesBase - BigInt(PAGE);
    this.internalNext = this.internalBase;
  }

  get(address: bigint): Thunk | undefined {
    const t = this.byAddress.get(address);
    if (t !== undefined) return t;
    for (const r of this.lazy) {
      if (address < r.start || address >= r.end) continue;
      const made = r.thunkAt(address);
      if (made) this.byAddress.set(address, made);
      return made;
    }
    return undefined;
  }

  set(address: bigint, thunk: Thunk): void {
    this.byAddress.set(address, thunk);
  }

  /** Thunks of [start, end) are made by `thunkAt` when first looked up (undefined: no thunk there). */
  addLazy(start: bigint, end: bigint, thunkAt: (address: bigint) => Thunk | undefined): void {
    this.lazy.push({ start, end, thunkAt });
  }

  /** "ntoskrnl.exe!Name" for a thunk address, or null. */
  nameAt(address: bigint): string | null {
    const t = this.get(address);
    return t ? `${t.module}!${t.name}` : null;
  }

  /** Whether an address lies on the internal-routine page. */
  isInternal(address: bigint): boolean {
    return address >= this.internalBase && address < this.internalBase + BigInt(PAGE);
  }

  /** Writes a routine's return stub (x86: `ret N` for a stdcall routine); set by the emulator. */
  writeStub: ((address: bigint, conv: CallConvention) => void) | null = null;

  /**
   * Register an internal kernel routine (e.g. IopInvalidDeviceRequest) and return its address
   * (idempotent by name). argc: its arguments, for x86, where drivers call it as a stdcall routine.
   */
  internalRoutine(name: string, handler: ApiHandler, argc = 0, module = "ntoskrnl.exe"): bigint {
    const existing = this.internalByName.get(`${module}!${name}`);
    if (existing !== undefined) return existing;
    const a = this.internalNext;
    if (a + BigInt(CODE_STRIDE) > this.internalBase + BigInt(PAGE)) throw new KmdllError("too many internal kernel routines");
    this.internalNext += BigInt(CODE_STRIDE);
    const conv: CallConvention = { call: "stdcall", argBytes: 4 * argc };
    this.byAddress.set(a, { module, name, def: { module, name, handler, argc }, kind: "internal", conv });
    this.writeStub?.(a, conv);
    this.internalByName.set(`${module}!${name}`, a);
    return a;
  }
}
