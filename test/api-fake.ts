/**
 * A small fake of the emulator core for unit tests of the API handlers: paged guest memory over
 * a JS Map, a bump pool allocator, and an ApiContext that records events. The real core
 * (src/emu) is tested with real drivers in test/api-drivers.test.ts.
 */
import type { ApiContext, ApiDefinition, GuestMemory, KernelState, PoolServices } from "../src/emu/api/types.js";
import type { FaultKind } from "../src/events.js";

const PAGE = 0x1000n;

export class GuestFaultError extends Error {
  constructor(readonly address: bigint) {
    super(`fake: access to unmapped 0x${address.toString(16)}`);
  }
}

export class FakeMemory implements GuestMemory {
  private pages = new Map<bigint, Uint8Array>();
  private next = 0xffffa00000010000n;

  map(addr: bigint, size: number): void {
    for (let p = addr & ~(PAGE - 1n); p < addr + BigInt(size); p += PAGE) if (!this.pages.has(p)) this.pages.set(p, new Uint8Array(Number(PAGE)));
  }
  unmap(addr: bigint, size: number): void {
    for (let p = addr & ~(PAGE - 1n); p < addr + BigInt(size); p += PAGE) this.pages.delete(p);
  }
  /** Map fresh memory (page-aligned, one guard page between allocations). */
  alloc(size: number): bigint {
    const a = this.next;
    this.map(a, Math.max(1, size));
    this.next += ((BigInt(size) + PAGE - 1n) & ~(PAGE - 1n)) + PAGE * 2n;
    return a;
  }
  private page(addr: bigint): Uint8Array {
    const p = this.pages.get(addr & ~(PAGE - 1n));
    if (!p) throw new GuestFaultError(addr);
    return p;
  }
  read(addr: bigint, size: number): Uint8Array {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = this.page(addr + BigInt(i))[Number((addr + BigInt(i)) & (PAGE - 1n))]!;
    return out;
  }
  write(addr: bigint, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.page(addr + BigInt(i))[Number((addr + BigInt(i)) & (PAGE - 1n))] = data[i]!;
  }
  u8(a: bigint): number {
    return this.read(a, 1)[0]!;
  }
  u16(a: bigint): number {
    const b = this.read(a, 2);
    return b[0]! | (b[1]! << 8);
  }
  u32(a: bigint): number {
    const b = this.read(a, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  u64(a: bigint): bigint {
    return BigInt(this.u32(a)) | (BigInt(this.u32(a + 4n)) << 32n);
  }
  setU8(a: bigint, v: number): void {
    this.write(a, Uint8Array.of(v & 0xff));
  }
  setU16(a: bigint, v: number): void {
    this.write(a, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }
  setU32(a: bigint, v: number): void {
    this.write(a, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
  }
  setU64(a: bigint, v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.setU32(a, Number(x & 0xffffffffn));
    this.setU32(a + 4n, Number(x >> 32n));
  }
  cstring(addr: bigint, maxLen = 0x10000): string {
    let s = "";
    for (let i = 0; i < maxLen; i++) {
      const c = this.u8(addr + BigInt(i));
      if (c === 0) break;
      s += String.fromCharCode(c);
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
    for (let p = addr & ~(PAGE - 1n); p < addr + BigInt(Math.max(size, 1)); p += PAGE) if (!this.pages.has(p)) return false;
    return true;
  }
  // Test conveniences
  putCString(s: string): bigint {
    const a = this.alloc(s.length + 1);
    this.write(a, Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff).concat([0])));
    return a;
  }
  putWString(s: string): bigint {
    const a = this.alloc(s.length * 2 + 2);
    for (let i = 0; i < s.length; i++) this.setU16(a + BigInt(i * 2), s.charCodeAt(i));
    return a;
  }
}

export class FaultStop extends Error {
  constructor(readonly kind: FaultKind, message: string, readonly extra?: Record<string, unknown>) {
    super(`${kind}: ${message}`);
  }
}

export interface Recorded {
  dbg: { text: string; level?: number; component?: number }[];
  warnings: string[];
  described: string[][];
  pool: { addr: bigint; size: number; tag: number; poolType: number; zero: boolean; freed: boolean }[];
  poolErrors: string[];
}

export class FakeKernel implements KernelState {
  irql = 0;
  private bag = new Map<string, unknown>();
  state<T>(component: string, init: () => T): T {
    if (!this.bag.has(component)) this.bag.set(component, init());
    return this.bag.get(component) as T;
  }
}

export class FakeEnv {
  readonly mem = new FakeMemory();
  readonly kernel = new FakeKernel();
  readonly rec: Recorded = { dbg: [], warnings: [], described: [], pool: [], poolErrors: [] };
  readonly pool: PoolServices;
  readonly handlers = new Map<string, ApiDefinition>();
  /** Guest callbacks: address → JS function. */
  readonly guest = new Map<bigint, (args: bigint[]) => bigint>();
  constructor(apis: ApiDefinition[]) {
    for (const a of apis) this.handlers.set(a.name, a);
    const rec = this.rec;
    const mem = this.mem;
    this.pool = {
      allocate(size, tag, poolType, zero) {
        const addr = mem.alloc(size);
        if (!zero) mem.write(addr, new Uint8Array(size).fill(0xcc));
        rec.pool.push({ addr, size, tag, poolType, zero, freed: false });
        return addr;
      },
      free(addr, tag) {
        if (addr === null) throw new Error("FakeEnv.pool.free: no address (a call's ctx.pool reads it from the arguments)");
        const e = rec.pool.find((p) => p.addr === addr && !p.freed);
        if (!e) rec.poolErrors.push(`bad free 0x${addr.toString(16)}`);
        else {
          if (tag !== null && tag !== e.tag) rec.poolErrors.push(`tag mismatch`);
          e.freed = true;
        }
      },
    };
  }
  /** Call an API by name with integer arguments; returns RAX as a 64-bit unsigned bigint (or undefined for VOID). */
  call(name: string, ...args: (bigint | number)[]): bigint | undefined {
    const def = this.handlers.get(name);
    if (!def) throw new Error(`no handler ${name}`);
    const a = args.map((x) => BigInt.asUintN(64, BigInt(x)));
    const env = this;
    const ctx: ApiContext = {
      api: `${def.module}!${name}`,
      arg: (i) => a[i] ?? 0n,
      u32: (i) => Number(BigInt.asUintN(32, a[i] ?? 0n)),
      i32: (i) => Number(BigInt.asIntN(32, a[i] ?? 0n)),
      hi32: (i) => Number((a[i] ?? 0n) >> 32n),
      mem: env.mem,
      // free(null, tag, i): the address is argument i (as CallContext reads it from the registers).
      pool: { allocate: (size, tag, poolType, zero) => env.pool.allocate(size, tag, poolType, zero), free: (addr, tag, arg) => env.pool.free(addr ?? a[arg ?? 0] ?? 0n, tag, arg) },
      caller: { module: "test.sys", rva: 0x1000 },
      callGuest: (addr, args2) => {
        const f = env.guest.get(addr);
        if (!f) throw new Error(`no guest routine at 0x${addr.toString(16)}`);
        return f(args2);
      },
      describe: (d) => void env.rec.described.push(typeof d === "function" ? d() : d),
      dbgPrint: (text, level, component) => void env.rec.dbg.push({ text, level, component }),
      warn: (m) => void env.rec.warnings.push(m),
      fault: (kind, message, extra) => {
        throw new FaultStop(kind, message, extra);
      },
      kernel: env.kernel,
    };
    const r = def.handler(ctx);
    return r === undefined ? undefined : BigInt.asUintN(64, BigInt(r));
  }
  /** RAX as a 32-bit NTSTATUS. */
  status(name: string, ...args: (bigint | number)[]): number {
    const r = this.call(name, ...args);
    return Number(BigInt.asUintN(32, r ?? 0n));
  }
}
