/**
 * The modelled user address space of the process that sends requests "from user mode" (the sim's
 * open/read/write/ioctl steps, `kmdll surface`): the buffers a program passes to ReadFile,
 * WriteFile and DeviceIoControl live at user addresses (below MmUserProbeAddress), mapped in the
 * emulator, so ProbeForRead/ProbeForWrite accept them and raise on kernel or unmapped addresses,
 * and METHOD_NEITHER drivers see real user pointers.
 *
 * Each buffer gets pages of its own, placed like a page-heap allocation: it ends 16-byte aligned at
 * the end of its last page, with an unmapped page after it and unmapped space before it, so a
 * driver that writes past the caller's buffer takes an access violation (dispatched to its
 * __try/__except handler when it has one, a clean fault report otherwise). A buffer is unmapped when
 * the request ends: a user pointer kept by the driver afterwards faults as well.
 *
 * The area is the same on x64 and x86 (both user ranges reach 0x7FFEFFFF or beyond).
 */
import { PAGE } from "../layout.js";

/** Start and size of the area user buffers are taken from. */
export const USER_BUFFERS_BASE = 0x10000000n;
export const USER_BUFFERS_SIZE = 0x10000000n;
/** Largest single buffer (the scenario/explorer limit is 1 MiB). */
export const MAX_USER_BUFFER = 16 << 20;
/** Alignment of a buffer's start (what the Windows heap and page heap guarantee on x64). */
export const USER_BUFFER_ALIGN = 16;

const P = BigInt(PAGE);
const pagesFor = (n: number): bigint => (BigInt(n) + P - 1n) / P * P;

/** The two engine calls the address space needs (src/emu/native.ts). */
export interface PageMapper {
  mapMemory(addr: bigint, size: number, perms: number): void;
  unmapMemory(addr: bigint, size: number): void;
  /** Whether any byte of the range is mapped already (user virtual memory a driver allocated, ZwAllocateVirtualMemory). */
  isMapped?(addr: bigint, size: number): boolean;
}

export interface UserBuffer {
  /** The address the program passes (16-byte aligned; 0n for an empty buffer). */
  address: bigint;
  length: number;
  /** Mapped pages [base, base + bytes). */
  base: bigint;
  bytes: number;
}

export class UserSpace {
  private next = USER_BUFFERS_BASE + P;
  private readonly live = new Map<bigint, UserBuffer>();

  constructor(private readonly engine: PageMapper) {}

  /**
   * Map a zero-filled user buffer of `length` bytes (read/write). A length of 0 gives the NULL
   * pointer a program passes for an absent buffer.
   */
  allocate(length: number): UserBuffer {
    if (length <= 0) return { address: 0n, length: 0, base: 0n, bytes: 0 };
    if (!Number.isInteger(length) || length > MAX_USER_BUFFER) throw new RangeError(`a user buffer of ${length} bytes is larger than ${MAX_USER_BUFFER}`);
    const padded = Math.ceil(length / USER_BUFFER_ALIGN) * USER_BUFFER_ALIGN;
    const bytes = pagesFor(padded);
    // Each buffer: its pages, then an unmapped guard page (the next buffer starts after it).
    const span = bytes + P;
    if (this.next + span > USER_BUFFERS_BASE + USER_BUFFERS_SIZE) this.next = USER_BUFFERS_BASE + P;
    for (const b of this.live.values()) {
      if (this.next < b.base + BigInt(b.bytes) + P && b.base < this.next + span) this.next = b.base + BigInt(b.bytes) + P;
    }
    // Pages someone else mapped in the user range (a driver's ZwAllocateVirtualMemory): go past them.
    for (let tries = 0; this.engine.isMapped && tries < 65536 && this.next + span <= USER_BUFFERS_BASE + USER_BUFFERS_SIZE; tries++) {
      let busy = -1n;
      for (let a = this.next; a < this.next + span; a += P) if (this.engine.isMapped(a, 1)) busy = a;
      if (busy < 0n) break;
      this.next = busy + 2n * P;
    }
    if (this.next + span > USER_BUFFERS_BASE + USER_BUFFERS_SIZE) throw new RangeError("the user buffer area is full");
    const base = this.next;
    this.engine.mapMemory(base, Number(bytes), 3);
    this.next = base + span;
    const buf: UserBuffer = { address: base + bytes - BigInt(padded), length, base, bytes: Number(bytes) };
    this.live.set(buf.address, buf);
    return buf;
  }

  /** Unmap a buffer: later accesses by the driver fault. */
  free(buf: UserBuffer): void {
    if (buf.address === 0n || !this.live.has(buf.address)) return;
    this.engine.unmapMemory(buf.base, buf.bytes);
    this.live.delete(buf.address);
  }

  /** Buffers still mapped (tests). */
  get liveCount(): number {
    return this.live.size;
  }
}

const spaces = new WeakMap<object, UserSpace>();

/** The user address space of an emulator (one per engine, created on first use). */
export function userSpaceOf(owner: object, engine: PageMapper): UserSpace {
  let s = spaces.get(owner);
  if (!s) {
    s = new UserSpace(engine);
    spaces.set(owner, s);
  }
  return s;
}
