/**
 * Taint by canaries: inputs carry recognisable kernel addresses that nothing maps, each naming its
 * own input offset. A driver that loads or stores through one faults at (or near) it, and the fault
 * says which input bytes became a pointer: an arbitrary kernel read or write. The output buffer is
 * scanned for kernel addresses the driver returned (a pointer leak). Pure.
 */
import type { FaultReport } from "../emu/faults.js";
import type { RuleId } from "./rules.js";

/** Canaries live in [CANARY_BASE, CANARY_BASE + 2^32): canonical, kernel half, never mapped by the emulator. */
export const CANARY_BASE = 0xffffc0de00000000n;
const CANARY_SPAN = 0x100000000n;
/** Offsets are 1 MiB apart, so a driver adding a field offset or index to the pointer still lands in its slot. */
const SLOT = 0x100000n;

/** The canary address that stands for input offset `offset`. */
export const canaryFor = (offset: number): bigint => CANARY_BASE + BigInt(offset) * SLOT;

/** The input offset a canary (or an address near one) stands for, or null. */
export function canaryOffset(address: bigint): number | null {
  const d = BigInt.asUintN(64, address) - CANARY_BASE;
  if (d < 0n || d >= CANARY_SPAN) return null;
  return Number(d / SLOT);
}

/** An input of `size` bytes with the canary of its offset in every aligned u64 (a u32 tail stays 0). */
export function canaryInput(size: number): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  for (let o = 0; o + 8 <= size; o += 8) dv.setBigUint64(o, canaryFor(o), true);
  return b;
}

export interface CanaryHit {
  rule: Extract<RuleId, "arbitrary-kernel-read" | "arbitrary-kernel-write">;
  offset: number;
  address: bigint;
  site: string;
}

/**
 * A fault at a canary: which input offset became the pointer, read or write, and where. Faults
 * inside kernel routines (memcpy reading a canary) name the routine's caller as the site.
 */
export function canaryHit(fault: FaultReport | null): CanaryHit | null {
  if (!fault || fault.address === undefined) return null;
  if (fault.kind !== "invalid-read" && fault.kind !== "invalid-write") return null;
  const offset = canaryOffset(fault.address);
  if (offset === null) return null;
  return { rule: fault.kind === "invalid-read" ? "arbitrary-kernel-read" : "arbitrary-kernel-write", offset, address: fault.address, site: fault.rip };
}

/** Kernel addresses: the upper half of the canonical x64 space. */
const KERNEL_LOW = 0xffff800000000000n;

/**
 * Aligned u64 values in `output` that are kernel addresses the driver could only have learnt in the
 * kernel: in the upper half, not a canary, not in the input, and mapped (`isKernelAddress`).
 */
export function leakedPointers(output: Uint8Array, input: Uint8Array, isKernelAddress: (a: bigint) => boolean): { offset: number; value: bigint }[] {
  const dvo = new DataView(output.buffer, output.byteOffset, output.byteLength);
  const inputValues = new Set<bigint>();
  const dvi = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let o = 0; o + 8 <= input.length; o++) inputValues.add(dvi.getBigUint64(o, true));
  const out: { offset: number; value: bigint }[] = [];
  for (let o = 0; o + 8 <= output.length; o += 8) {
    const v = dvo.getBigUint64(o, true);
    if (v < KERNEL_LOW || v === 0xffffffffffffffffn || canaryOffset(v) !== null || inputValues.has(v)) continue;
    if (isKernelAddress(v)) out.push({ offset: o, value: v });
  }
  return out;
}
