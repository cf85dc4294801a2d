/**
 * Scratch pages for buffers that live only during one call (the RegistryPath of DllInitialize /
 * DriverEntry): after the call they are protected, and a later access is a use after free.
 */
import type { NativeEngine } from "./native.js";
import { CALL_SCRATCH_BASE, CALL_SCRATCH_PAGES, PAGE } from "./layout.js";

export class ScratchPages {
  /** Freed page address → description of what was there. */
  private readonly freed = new Map<bigint, string>();
  private next = 0;

  constructor(
    private readonly uc: NativeEngine,
    private readonly base: bigint = CALL_SCRATCH_BASE,
  ) {
    // A soft region: giving a page rights and taking them away creates no Unicorn region.
    uc.softMap(base, CALL_SCRATCH_PAGES * PAGE);
    uc.softProtect(base, CALL_SCRATCH_PAGES * PAGE, 0);
  }

  /** The description of a freed scratch buffer overlapping [addr, addr+size), or null. */
  freedAt(addr: bigint, size: number): string | null {
    if (this.freed.size === 0) return null;
    const a = BigInt.asUintN(64, addr);
    if (a + BigInt(size) <= this.base || a >= this.base + BigInt(CALL_SCRATCH_PAGES * PAGE)) return null;
    for (let p = a & ~0xfffn; p < a + BigInt(size); p += 0x1000n) {
      const d = this.freed.get(p);
      if (d) return d;
    }
    return null;
  }

  /** A zeroed page; `release(description)` makes it inaccessible afterwards. */
  page(): { address: bigint; release: (what: string) => void } {
    const i = this.next++ % CALL_SCRATCH_PAGES;
    const address = this.base + BigInt(i * PAGE);
    this.freed.delete(address);
    this.uc.softProtect(address, PAGE, 3);
    this.uc.write(address, new Uint8Array(PAGE));
    return {
      address,
      release: (what) => {
        this.uc.softProtect(address, PAGE, 0);
        this.freed.set(address, what);
      },
    };
  }
}
