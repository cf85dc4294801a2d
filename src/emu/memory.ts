/** GuestMemory (src/emu/api/types.ts) over the Unicorn engine. */
import type { GuestMemory } from "./api/types.js";
import type { NativeEngine } from "./native.js";

/** An access by the emulator (or an API handler) to guest memory that is not mapped. */
export class GuestFault extends Error {
  constructor(
    readonly address: bigint,
    readonly access: "read" | "write",
    readonly size: number,
    /** Set when the address lies in memory that was freed (e.g. the DllInitialize RegistryPath). */
    readonly freedWhat?: string,
  ) {
    super(
      freedWhat
        ? `use after free: ${access} of ${size} byte(s) at 0x${BigInt.asUintN(64, address).toString(16)} (${freedWhat})`
        : `invalid ${access} of ${size} byte(s) at 0x${BigInt.asUintN(64, address).toString(16)}`,
    );
    this.name = "GuestFault";
  }
}

export class EngineMemory implements GuestMemory {
  /**
   * Unicorn's uc_mem_read/write ignore page protections, so freed-but-mapped ranges are checked
   * here: returns a description of the freed buffer overlapping [addr, addr+size), or null.
   */
  freedCheck: ((addr: bigint, size: number) => string | null) | null = null;

  constructor(private readonly uc: NativeEngine) {}

  read(addr: bigint, size: number): Uint8Array {
    if (size <= 0) return new Uint8Array(0);
    const freed = this.freedCheck?.(addr, size);
    if (freed) throw new GuestFault(addr, "read", size, freed);
    try {
      return this.uc.read(BigInt.asUintN(64, addr), size);
    } catch {
      throw new GuestFault(addr, "read", size);
    }
  }
  write(addr: bigint, data: Uint8Array): void {
    if (data.length === 0) return;
    const freed = this.freedCheck?.(addr, data.length);
    if (freed) throw new GuestFault(addr, "write", data.length, freed);
    try {
      this.uc.write(BigInt.asUintN(64, addr), data);
    } catch {
      throw new GuestFault(addr, "write", data.length);
    }
  }
  private dv(addr: bigint, size: number): DataView {
    const b = this.read(addr, size);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u8(addr: bigint): number {
    return this.read(addr, 1)[0]!;
  }
  u16(addr: bigint): number {
    return this.dv(addr, 2).getUint16(0, true);
  }
  u32(addr: bigint): number {
    return this.dv(addr, 4).getUint32(0, true);
  }
  u64(addr: bigint): bigint {
    return this.dv(addr, 8).getBigUint64(0, true);
  }
  // setU8..setU64 stage the value in one reused 8-byte buffer: the addon copies what write()
  // passes before it returns, and a fresh typed array per store cost an allocation, a DataView
  // and (when the addon read it) an off-heap backing store of its own — ~100 stores per start.
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private readonly scratch1 = this.scratch.subarray(0, 1);
  private readonly scratch2 = this.scratch.subarray(0, 2);
  private readonly scratch4 = this.scratch.subarray(0, 4);
  setU8(addr: bigint, v: number): void {
    this.scratch1[0] = v & 0xff;
    this.write(addr, this.scratch1);
  }
  setU16(addr: bigint, v: number): void {
    this.scratchView.setUint16(0, v & 0xffff, true);
    this.write(addr, this.scratch2);
  }
  setU32(addr: bigint, v: number): void {
    this.scratchView.setUint32(0, v >>> 0, true);
    this.write(addr, this.scratch4);
  }
  setU64(addr: bigint, v: bigint): void {
    this.scratchView.setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(addr, this.scratch);
  }
  cstring(addr: bigint, maxLen = 0x10000): string {
    let s = "";
    let a = addr;
    // Read page-bounded chunks so a string ending just before unmapped memory still reads.
    while (s.length < maxLen) {
      const inPage = 0x1000 - Number(BigInt.asUintN(64, a) & 0xfffn);
      const chunk = this.read(a, Math.min(inPage, maxLen - s.length));
      const z = chunk.indexOf(0);
      const end = z < 0 ? chunk.length : z;
      for (let i = 0; i < end; i++) s += String.fromCharCode(chunk[i]!);
      if (z >= 0) break;
      a += BigInt(chunk.length);
    }
    return s;
  }
  wstring(addr: bigint, maxChars = 0x10000): string {
    let s = "";
    for (let i = 0; i < maxChars; i++) {
      const c = this.u16(addr + BigInt(i * 2));
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
  isMapped(addr: bigint, size = 1): boolean {
    try {
      // Probe the first byte of every page in the range.
      const end = addr + BigInt(Math.max(size, 1));
      if (this.freedCheck?.(addr, Math.max(size, 1))) return false;
      for (let p = addr; p < end; p = (p & ~0xfffn) + 0x1000n) this.uc.read(BigInt.asUintN(64, p), 1);
      this.uc.read(BigInt.asUintN(64, end - 1n), 1);
      return true;
    } catch {
      return false;
    }
  }
  /** Write a UTF-16LE string (no terminator unless included). */
  writeUtf16(addr: bigint, s: string): void {
    const b = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) {
      b[i * 2] = s.charCodeAt(i) & 0xff;
      b[i * 2 + 1] = s.charCodeAt(i) >> 8;
    }
    this.write(addr, b);
  }
}
