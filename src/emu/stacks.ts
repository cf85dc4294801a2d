/**
 * The kernel stacks of the emulator's call slots (one per nesting depth, layout.ts). When the
 * addon can map JS memory into the guest (`mapHost`), each slot is an ArrayBuffer the guest and
 * the kernel share: an API handler reading its stack arguments (the fifth and later on x64, all
 * of them on x86) then reads a DataView instead of crossing into Unicorn — the hot path of
 * drivers that call one routine hundreds of thousands of times (a full PCI scan through
 * HalGetBusDataByOffset). Without `mapHost` the slots are ordinary Unicorn memory.
 */
import type { NativeConstants, NativeEngine } from "./native.js";
import { MAX_CALL_DEPTH, STACK_SIZE, STACK_STRIDE, stackSlot } from "./layout.js";

export class KernelStacks {
  private readonly views: DataView[] = [];
  private readonly end: bigint;
  /** The stacks' base as 32-bit halves (readAt). */
  private readonly baseLo: number;
  private readonly baseHi: number;

  constructor(
    uc: NativeEngine,
    C: NativeConstants,
    private readonly base: bigint,
  ) {
    const host = C.features?.includes("mapHost") ?? false;
    for (let d = 0; d < MAX_CALL_DEPTH; d++) {
      const low = stackSlot(d, base).low;
      if (host) {
        const buffer = new ArrayBuffer(STACK_SIZE);
        uc.mapHost(low, buffer, 3);
        this.views.push(new DataView(buffer));
      } else uc.mapMemory(low, STACK_SIZE, 3);
    }
    this.end = base + STACK_STRIDE * BigInt(MAX_CALL_DEPTH);
    this.baseLo = Number(base & 0xffffffffn);
    this.baseHi = Number(base >> 32n);
  }

  /**
   * The stack view and byte offset of address (hi:lo) + delta, given as 32-bit halves (an API
   * call's stack pointer from the hook row: no BigInt arithmetic), when `size` bytes there lie in
   * one host-mapped slot; else -1 (then read() or guest memory serve it).
   */
  offsetOf(lo: number, hi: number, delta: number, size: number): number {
    if (this.views.length === 0) return -1;
    const rel = (hi - this.baseHi) * 4294967296 + (lo - this.baseLo) + delta;
    const stride = Number(STACK_STRIDE);
    const d = Math.floor(rel / stride);
    if (rel < 0 || d >= this.views.length) return -1;
    const off = rel - d * stride - (stride - STACK_SIZE);
    return off < 0 || off + size > STACK_SIZE ? -1 : d * STACK_SIZE + off;
  }

  /** The 4-byte value at an offset from offsetOf(). */
  u32At(at: number): number {
    return this.views[Math.floor(at / STACK_SIZE)]!.getUint32(at % STACK_SIZE, true);
  }

  /** The 8-byte value at an offset from offsetOf(). */
  u64At(at: number): bigint {
    return this.views[Math.floor(at / STACK_SIZE)]!.getBigUint64(at % STACK_SIZE, true);
  }

  /** The `size`-byte little-endian value at `address` when it lies in a host-mapped stack slot, else null. */
  read(address: bigint, size: 4 | 8): bigint | null {
    if (this.views.length === 0 || address < this.base || address >= this.end) return null;
    const rel = address - this.base;
    const d = Number(rel / STACK_STRIDE);
    const off = Number(rel % STACK_STRIDE) - (Number(STACK_STRIDE) - STACK_SIZE);
    if (off < 0 || off + size > STACK_SIZE) return null;
    const v = this.views[d]!;
    return size === 8 ? v.getBigUint64(off, true) : BigInt(v.getUint32(off, true));
  }
}
