/**
 * The thunk table: every hooked code address of the synthetic kernel modules (exports and
 * internal routines) and the API handler behind it. The dispatcher looks calls up here; fault
 * reports and backtraces name thunks through it.
 */
import type { ApiDefinition, ApiHandler } from "./api/types.js";
import { KmdllError } from "../errors.js";
import { CODE_STRIDE } from "./kernel-image.js";
import { KERNEL_MODULES_BASE, PAGE } from "./layout.js";

export interface Thunk {
  module: string;
  name: string;
  def: ApiDefinition | null;
  kind: "code" | "data" | "internal";
}

/** Internal (unexported) kernel routines live on the page just below ntoskrnl, inside the hooked range. */
export const INTERNAL_ROUTINES_BASE = KERNEL_MODULES_BASE - BigInt(PAGE);

export class ThunkTable {
  private readonly byAddress = new Map<bigint, Thunk>();
  private readonly internalByName = new Map<string, bigint>();
  private internalNext = INTERNAL_ROUTINES_BASE;

  get(address: bigint): Thunk | undefined {
    return this.byAddress.get(address);
  }

  set(address: bigint, thunk: Thunk): void {
    this.byAddress.set(address, thunk);
  }

  /** "ntoskrnl.exe!Name" for a thunk address, or null. */
  nameAt(address: bigint): string | null {
    const t = this.byAddress.get(address);
    return t ? `${t.module}!${t.name}` : null;
  }

  /** Whether an address lies on the internal-routine page. */
  isInternal(address: bigint): boolean {
    return address >= INTERNAL_ROUTINES_BASE && address < INTERNAL_ROUTINES_BASE + BigInt(PAGE);
  }

  /** Register an internal kernel routine (e.g. IopInvalidDeviceRequest) and return its address (idempotent by name). */
  internalRoutine(name: string, handler: ApiHandler): bigint {
    const existing = this.internalByName.get(name);
    if (existing !== undefined) return existing;
    const a = this.internalNext;
    if (a + BigInt(CODE_STRIDE) > INTERNAL_ROUTINES_BASE + BigInt(PAGE)) throw new KmdllError("too many internal kernel routines");
    this.internalNext += BigInt(CODE_STRIDE);
    this.byAddress.set(a, { module: "ntoskrnl.exe", name, def: { module: "ntoskrnl.exe", name, handler }, kind: "internal" });
    this.internalByName.set(name, a);
    return a;
  }
}
