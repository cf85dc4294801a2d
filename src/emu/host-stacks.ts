/**
 * The kernel stacks over JS memory (NativeEngine.mapHost, when the addon has it): one
 * ArrayBuffer per nesting depth. The addon's API hook then reads the return address at [SP]
 * without Unicorn's memory lookup, and the dispatcher reads stack arguments (x64: the fifth on;
 * x86: all of them) here directly instead of through the addon, which makes a buffer per read —
 * a PCI bus scan calls HalGetBusDataByOffset a million times with two stack arguments each.
 */
import type { NativeEngine } from "./native.js";
import { MAX_CALL_DEPTH, STACK_SIZE, STACK_STRIDE, stackSlot } from "./layout.js";

const GAP = Number(STACK_STRIDE) - STACK_SIZE;

export class HostStacks {
  private readonly views: DataView[] = [];
  /** Bytes from the stacks' base to the end of the last one. */
  private readonly span: bigint;

  /** Map every stack slot over JS memory. */
  constructor(
    uc: NativeEngine,
    private readonly base: bigint,
  ) {
    for (let d = 0; d < MAX_CALL_DEPTH; d++) {
      const buffer = new ArrayBuffer(STACK_SIZE);
      uc.mapHost(stackSlot(d, base).low, buffer, 3 /* READ|WRITE */);
      this.views.push(new DataView(buffer));
    }
    this.span = STACK_STRIDE * BigInt(MAX_CALL_DEPTH);
  }

  /** The little-endian value of `size` bytes at `a` when they lie in one stack, else undefined. */
  read(a: bigint, size: 4 | 8): bigint | undefined {
    const rel = a - this.base;
    if (rel < 0n || rel >= this.span) return undefined;
    const n = Number(rel);
    const stride = Number(STACK_STRIDE);
    const d = Math.floor(n / stride);
    const off = n - d * stride - GAP;
    if (off < 0 || off + size > STACK_SIZE) return undefined;
    const v = this.views[d]!;
    return size === 8 ? v.getBigUint64(off, true) : BigInt(v.getUint32(off, true));
  }
}
