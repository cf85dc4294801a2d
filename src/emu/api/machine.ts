/**
 * The machine model behind the hardware routines: physical memory (RAM ranges, device memory,
 * the physical pages behind guest kernel memory), PCI configuration space, I/O ports and
 * interrupt lines. Defaults describe a small PC (docs/machine.md); a JSON machine file
 * (`loadMachine`) changes them. Every access a driver makes through a kernel routine is a
 * `hardware` trace event (kind, op, address, size, value).
 *
 * Memory-mapped I/O is modelled copy-in/copy-out: MmMapIoSpace(Ex) and ZwMapViewOfSection on
 * \Device\PhysicalMemory map a fresh kernel buffer holding the current physical contents (and
 * the bytes of any guest page the physical address belongs to); MmUnmapIoSpace /
 * ZwUnmapViewOfSection write the bytes the driver changed back and report each changed run as an
 * `mmio` write. Individual loads and stores through the mapping are not observed (the CPU runs
 * them). Instructions `in`/`out`/`rdmsr`/`wrmsr` executed directly are not hooked.
 *
 * Nothing here touches the host: the model is data in the kernel state.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, hal, unicodeText, q } from "./util.js";
import { closeHandle, insertHandle, lookupHandle } from "./ob.js";

const PAGE = 0x1000n;
const PHYS_MASK = (1n << 52n) - 1n;

export interface PciFunctionSpec {
  bus: number;
  device: number;
  function: number;
  /** Configuration space (256 bytes; shorter is padded with zeros), hex string. */
  config?: string;
  vendorId?: number;
  deviceId?: number;
  classCode?: number;
  subclass?: number;
  bars?: number[];
}

export interface MachineSpec {
  /** RAM ranges reported by MmGetPhysicalMemoryRanges. */
  ram: { base: bigint; size: bigint }[];
  /** Initial physical memory contents: address → bytes (device memory, BIOS data area, ...). */
  physical: { address: bigint; bytes: Uint8Array }[];
  /** I/O port read values (a port latches the last value written to it). Unknown ports read all ones. */
  ports: Map<number, number>;
  pci: PciFunctionSpec[];
  /** Model-specific registers (for drivers reading them through routines; rdmsr is not hooked). */
  msrs: Map<number, bigint>;
  processors: number;
}

export const DEFAULT_MACHINE_JSON = {
  about: "kmdll default machine: 2 GiB of RAM, one host bridge and one network controller on PCI bus 0, CMOS ports",
  ram: [
    { base: "0x1000", size: "0x9e000" },
    { base: "0x100000", size: "0x7ff00000" },
  ],
  physical: [{ address: "0xf0000", ascii: "kmdll BIOS" }],
  ports: { "0x70": "0x00", "0x71": "0x00", "0x64": "0x1c", "0x60": "0x00", "0xcf8": "0x00000000" },
  pci: [
    { bus: 0, device: 0, function: 0, vendorId: "0x8086", deviceId: "0x1237", classCode: "0x06", subclass: "0x00" },
    { bus: 0, device: 3, function: 0, vendorId: "0x8086", deviceId: "0x100e", classCode: "0x02", subclass: "0x00", bars: ["0xfebc0000", "0x0000c001"] },
  ],
  msrs: { "0x1b": "0xfee00900", "0x10": "0x0" },
  processors: 1,
};

/** Parse a machine description (the JSON of docs/machine.md). Throws an Error naming the bad field. */
export function parseMachine(json: unknown): MachineSpec {
  const o = (json ?? {}) as Record<string, unknown>;
  const num = (v: unknown, what: string): bigint => {
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) return BigInt(v.trim());
    throw new Error(`machine: ${what}: expected a non-negative integer or "0x..." string, got ${JSON.stringify(v)}`);
  };
  const arr = (v: unknown, what: string): unknown[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new Error(`machine: ${what}: expected an array`);
    return v;
  };
  const ram = arr(o["ram"], "ram").map((r, i) => {
    const x = r as Record<string, unknown>;
    return { base: num(x["base"], `ram[${i}].base`), size: num(x["size"], `ram[${i}].size`) };
  });
  const physical = arr(o["physical"], "physical").map((r, i) => {
    const x = r as Record<string, unknown>;
    let bytes: Uint8Array;
    if (typeof x["hex"] === "string") {
      const h = (x["hex"] as string).replace(/\s+/g, "");
      if (!/^([0-9a-f]{2})*$/i.test(h)) throw new Error(`machine: physical[${i}].hex: not hex bytes`);
      bytes = Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
    } else if (typeof x["ascii"] === "string") bytes = Uint8Array.from(x["ascii"] as string, (c) => c.charCodeAt(0) & 0xff);
    else throw new Error(`machine: physical[${i}]: needs "hex" or "ascii"`);
    if (bytes.length > 0x100000) throw new Error(`machine: physical[${i}]: more than 1 MiB`);
    return { address: num(x["address"], `physical[${i}].address`), bytes };
  });
  const ports = new Map<number, number>();
  for (const [k, v] of Object.entries((o["ports"] ?? {}) as Record<string, unknown>)) {
    const p = Number(num(k, `ports key ${k}`));
    if (p > 0xffff) throw new Error(`machine: port ${k} is above 0xFFFF`);
    ports.set(p, Number(num(v, `ports[${k}]`) & 0xffffffffn));
  }
  const pci = arr(o["pci"], "pci").map((r, i) => {
    const x = r as Record<string, unknown>;
    const f: PciFunctionSpec = {
      bus: Number(num(x["bus"] ?? 0, `pci[${i}].bus`)),
      device: Number(num(x["device"], `pci[${i}].device`)),
      function: Number(num(x["function"] ?? 0, `pci[${i}].function`)),
    };
    if (f.bus > 255 || f.device > 31 || f.function > 7) throw new Error(`machine: pci[${i}]: bus/device/function out of range`);
    if (typeof x["config"] === "string") f.config = x["config"] as string;
    for (const k of ["vendorId", "deviceId", "classCode", "subclass"] as const) if (x[k] !== undefined) f[k] = Number(num(x[k], `pci[${i}].${k}`));
    if (x["bars"] !== undefined) f.bars = arr(x["bars"], `pci[${i}].bars`).map((b, j) => Number(num(b, `pci[${i}].bars[${j}]`) & 0xffffffffn));
    return f;
  });
  const msrs = new Map<number, bigint>();
  for (const [k, v] of Object.entries((o["msrs"] ?? {}) as Record<string, unknown>)) msrs.set(Number(num(k, `msrs key ${k}`)), num(v, `msrs[${k}]`));
  const processors = Number(num(o["processors"] ?? 1, "processors"));
  if (processors < 1 || processors > 64) throw new Error("machine: processors: 1..64");
  return { ram, physical, ports, pci, msrs, processors };
}

export interface Mapping {
  va: bigint;
  pa: bigint;
  size: number;
  block: bigint;
  snapshot: Uint8Array;
  kind: "mmio" | "physical";
}

export interface MachineState {
  spec: MachineSpec;
  /** Sparse physical memory written so far (page number → 4 KiB). */
  pages: Map<bigint, Uint8Array>;
  /** Port latches. */
  ports: Map<number, number>;
  /** PCI configuration spaces by "bus:device.function". */
  config: Map<string, Uint8Array>;
  /** Guest page VA ↔ physical page assigned by MmGetPhysicalAddress. */
  va2pa: Map<bigint, bigint>;
  pa2va: Map<bigint, bigint>;
  nextFrame: bigint;
  mappings: Map<bigint, Mapping>;
  interrupts: Map<bigint, { vector: number; isr: bigint; context: bigint; irql: number; module: string }>;
}

function pciKey(bus: number, dev: number, fn: number): string {
  return `${bus}:${dev}.${fn}`;
}

function buildConfig(f: PciFunctionSpec): Uint8Array {
  const c = new Uint8Array(256);
  if (f.config) {
    const h = f.config.replace(/\s+/g, "");
    for (let i = 0; i + 1 < h.length && i / 2 < 256; i += 2) c[i / 2] = parseInt(h.slice(i, i + 2), 16) || 0;
  }
  const dv = new DataView(c.buffer);
  if (f.vendorId !== undefined) dv.setUint16(0, f.vendorId, true);
  if (f.deviceId !== undefined) dv.setUint16(2, f.deviceId, true);
  if (f.subclass !== undefined) c[0x0a] = f.subclass;
  if (f.classCode !== undefined) c[0x0b] = f.classCode;
  (f.bars ?? []).slice(0, 6).forEach((b, i) => dv.setUint32(0x10 + 4 * i, b >>> 0, true));
  return c;
}

/** Install a machine (the default one unless `machine` is given) in this kernel. */
export function installMachine(kernel: KernelState, spec: MachineSpec): MachineState {
  const st: MachineState = {
    spec,
    pages: new Map(),
    ports: new Map(spec.ports),
    config: new Map(spec.pci.map((f) => [pciKey(f.bus, f.device, f.function), buildConfig(f)])),
    va2pa: new Map(),
    pa2va: new Map(),
    nextFrame: 0x20000n,
    mappings: new Map(),
    interrupts: new Map(),
  };
  for (const p of spec.physical) writePhys(st, p.address, p.bytes);
  kernel.state("machine", () => st);
  return st;
}

export function machineOf(kernel: KernelState): MachineState {
  return kernel.state("machine", () => {
    const spec = parseMachine(DEFAULT_MACHINE_JSON);
    const st: MachineState = {
      spec,
      pages: new Map(),
      ports: new Map(spec.ports),
      config: new Map(spec.pci.map((f) => [pciKey(f.bus, f.device, f.function), buildConfig(f)])),
      va2pa: new Map(),
      pa2va: new Map(),
      nextFrame: 0x20000n,
      mappings: new Map(),
      interrupts: new Map(),
    };
    for (const p of spec.physical) writePhys(st, p.address, p.bytes);
    return st;
  });
}

function inRam(st: MachineState, pa: bigint): boolean {
  return st.spec.ram.some((r) => pa >= r.base && pa < r.base + r.size);
}

function writePhys(st: MachineState, pa: bigint, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; ) {
    const a = pa + BigInt(i);
    const page = a / PAGE;
    const off = Number(a % PAGE);
    let p = st.pages.get(page);
    if (!p) {
      p = new Uint8Array(Number(PAGE)).fill(inRam(st, page * PAGE) ? 0 : 0xff);
      st.pages.set(page, p);
    }
    const n = Math.min(bytes.length - i, Number(PAGE) - off);
    p.set(bytes.subarray(i, i + n), off);
    i += n;
  }
}

/** Physical page → guest VA page assigned to it, if any. */
function aliasOf(st: MachineState, pa: bigint): bigint | undefined {
  return st.pa2va.get(pa / PAGE);
}

/** Read physical memory: guest pages behind assigned frames, then the sparse store, RAM zeros, else all ones. */
export function readPhys(ctx: ApiContext, pa: bigint, size: number): Uint8Array {
  const st = machineOf(ctx.kernel);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; ) {
    const a = pa + BigInt(i);
    const off = Number(a % PAGE);
    const n = Math.min(size - i, Number(PAGE) - off);
    const va = aliasOf(st, a);
    if (va !== undefined && ctx.mem.isMapped(va * PAGE + BigInt(off), n)) out.set(ctx.mem.read(va * PAGE + BigInt(off), n), i);
    else {
      const p = st.pages.get(a / PAGE);
      if (p) out.set(p.subarray(off, off + n), i);
      else out.fill(inRam(st, a) ? 0 : 0xff, i, i + n);
    }
    i += n;
  }
  return out;
}

function writePhysAliased(ctx: ApiContext, pa: bigint, bytes: Uint8Array): void {
  const st = machineOf(ctx.kernel);
  for (let i = 0; i < bytes.length; ) {
    const a = pa + BigInt(i);
    const off = Number(a % PAGE);
    const n = Math.min(bytes.length - i, Number(PAGE) - off);
    const va = aliasOf(st, a);
    if (va !== undefined && ctx.mem.isMapped(va * PAGE + BigInt(off), n)) ctx.mem.write(va * PAGE + BigInt(off), bytes.subarray(i, i + n));
    else writePhys(st, a, bytes.subarray(i, i + n));
    i += n;
  }
}

/** The physical address of a mapped guest address (frames assigned on first use, stable afterwards); 0 when unmapped. */
export function physicalOf(ctx: ApiContext, va: bigint): bigint {
  const st = machineOf(ctx.kernel);
  const a = BigInt.asUintN(64, va);
  if (!ctx.mem.isMapped(a, 1)) return 0n;
  for (const m of st.mappings.values()) if (a >= m.va && a < m.va + BigInt(m.size)) return m.pa + (a - m.va);
  const page = a / PAGE;
  let frame = st.va2pa.get(page);
  if (frame === undefined) {
    frame = st.nextFrame++;
    st.va2pa.set(page, frame);
    st.pa2va.set(frame, page);
  }
  return frame * PAGE + (a % PAGE);
}

/** The guest address of a physical address assigned to guest memory, or 0. */
export function virtualOf(ctx: ApiContext, pa: bigint): bigint {
  const st = machineOf(ctx.kernel);
  const va = st.pa2va.get(pa / PAGE);
  if (va !== undefined) return va * PAGE + (pa % PAGE);
  for (const m of st.mappings.values()) if (pa >= m.pa && pa < m.pa + BigInt(m.size)) return m.va + (pa - m.pa);
  return 0n;
}

export function hw(ctx: ApiContext, kind: "port" | "pci" | "mmio" | "physical" | "interrupt", op: string, address: bigint | number, size?: number, value?: bigint | number, extra: Record<string, unknown> = {}): void {
  ctx.kernel.emit?.({ event: "hardware", module: ctx.caller?.module ?? "?", kind, op, address: hex(address), ...(size !== undefined ? { size } : {}), ...(value !== undefined ? { value: hex(value) } : {}), ...extra });
}

/** Largest mapping kmdll makes (Windows fails with NULL when it runs out of system PTEs). */
const MAX_MAP = 0x1000000;

/** Map [pa, pa+size) into a fresh kernel buffer (copy-in). Returns the VA (same page offset as pa) or 0. */
export function mapPhysical(ctx: ApiContext, pa: bigint, size: number, kind: "mmio" | "physical"): bigint {
  const st = machineOf(ctx.kernel);
  if (size <= 0 || size > MAX_MAP || pa > PHYS_MASK) return 0n;
  const off = pa % PAGE;
  const total = Number(off) + size;
  const pool = ctx.kernel.kernelPool;
  if (!pool) return 0n;
  const block = pool.allocate(total + Number(PAGE), 0x70616d4b /* 'Kmap' */);
  if (block === 0n) return 0n;
  const va = ((block + PAGE - 1n) & ~(PAGE - 1n)) + off;
  const data = readPhys(ctx, pa, size);
  ctx.mem.write(va, data);
  st.mappings.set(va, { va, pa, size, block, snapshot: data, kind });
  hw(ctx, kind, "map", pa, size, undefined, { va: hex(va) });
  return va;
}

/** Unmap (copy-out): changed bytes go back to physical memory, one `write` event per changed run. */
export function unmapPhysical(ctx: ApiContext, va: bigint, api: string, size?: number): boolean {
  const st = machineOf(ctx.kernel);
  const m = st.mappings.get(va);
  if (!m) return false;
  if (size !== undefined && size !== m.size) ctx.warn(`${api}(${hex(va)}, ${size}): the mapping is ${m.size} bytes long`);
  const now = ctx.mem.read(va, m.size);
  let reported = 0;
  for (let i = 0; i < m.size; ) {
    if (now[i] === m.snapshot[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < m.size && now[j] !== m.snapshot[j] && j - i < 8) j++;
    const run = now.subarray(i, j);
    writePhysAliased(ctx, m.pa + BigInt(i), run);
    if (reported++ < 256) {
      let v = 0n;
      for (let k = run.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(run[k]!);
      hw(ctx, m.kind, "write", m.pa + BigInt(i), run.length, v);
    }
    i = j;
  }
  if (reported > 256) ctx.warn(`${api}: ${reported - 256} more changed runs in the mapping of ${hex(m.pa)} not reported`);
  hw(ctx, m.kind, "unmap", m.pa, m.size, undefined, { va: hex(va) });
  st.mappings.delete(va);
  ctx.kernel.kernelPool?.free(m.block);
  return true;
}

// ---- ports ------------------------------------------------------------------------------------

function portRead(ctx: ApiContext, port: number, size: 1 | 2 | 4): number {
  const st = machineOf(ctx.kernel);
  let v = 0;
  for (let i = 0; i < size; i++) {
    const b = st.ports.has(port + i) ? st.ports.get(port + i)! & 0xff : 0xff;
    v |= b << (8 * i);
  }
  // A port configured with a wider value (e.g. 0xCF8) reads that value whole.
  if (size > 1 && st.ports.has(port)) {
    const w = st.ports.get(port)!;
    if (w > 0xff) v = w & (size === 2 ? 0xffff : 0xffffffff);
  }
  v >>>= 0;
  hw(ctx, "port", "read", port, size, v);
  return v;
}

function portWrite(ctx: ApiContext, port: number, size: 1 | 2 | 4, value: number): void {
  const st = machineOf(ctx.kernel);
  const v = value & (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff);
  if (size === 1) st.ports.set(port, v);
  else if (st.ports.has(port) && st.ports.get(port)! > 0xff) st.ports.set(port, v >>> 0);
  else for (let i = 0; i < size; i++) st.ports.set(port + i, (v >>> (8 * i)) & 0xff);
  hw(ctx, "port", "write", port, size, v >>> 0);
}

const portOf = (ctx: ApiContext) => Number(ctx.arg(0) & 0xffffn);

/**
 * READ_PORT_* / WRITE_PORT_* as routines: exported by x86 hal.dll only (x64 drivers inline `in`/`out`),
 * kept for the x86 emulator and an instruction hook; not registered for x64.
 */
export function portApis(): ApiDefinition[] {
  const out: ApiDefinition[] = [];
  for (const [suffix, size] of [["UCHAR", 1], ["USHORT", 2], ["ULONG", 4]] as const) {
    out.push(hal(`READ_PORT_${suffix}`, 1, (ctx) => portRead(ctx, portOf(ctx), size)));
    out.push(hal(`WRITE_PORT_${suffix}`, 2, (ctx) => void portWrite(ctx, portOf(ctx), size, Number(ctx.arg(1) & 0xffffffffn))));
    out.push(
      hal(`READ_PORT_BUFFER_${suffix}`, 3, (ctx) => {
        const port = portOf(ctx);
        const buf = ctx.arg(1);
        const n = ctx.u32(2);
        if (n > 0x100000) ctx.fault("invalid-write", `READ_PORT_BUFFER_${suffix}: count ${n} runs past mapped memory`, { address: hex(buf) });
        for (let i = 0; i < n; i++) {
          const v = portRead(ctx, port, size);
          const a = buf + BigInt(i * size);
          if (size === 1) ctx.mem.setU8(a, v);
          else if (size === 2) ctx.mem.setU16(a, v);
          else ctx.mem.setU32(a, v);
        }
      }),
    );
    out.push(
      hal(`WRITE_PORT_BUFFER_${suffix}`, 3, (ctx) => {
        const port = portOf(ctx);
        const buf = ctx.arg(1);
        const n = ctx.u32(2);
        if (n > 0x100000) ctx.fault("invalid-read", `WRITE_PORT_BUFFER_${suffix}: count ${n} runs past mapped memory`, { address: hex(buf) });
        for (let i = 0; i < n; i++) {
          const a = buf + BigInt(i * size);
          portWrite(ctx, port, size, size === 1 ? ctx.mem.u8(a) : size === 2 ? ctx.mem.u16(a) : ctx.mem.u32(a));
        }
      }),
    );
  }
  return out;
}

// ---- PCI configuration space ------------------------------------------------------------------

/** BUS_DATA_TYPE values (wdm.h). */
const PCIConfiguration = 4;
const Cmos = 0;

function busData(ctx: ApiContext, write: boolean, withOffset: boolean): number {
  const api = `Hal${write ? "Set" : "Get"}BusData${withOffset ? "ByOffset" : ""}`;
  const type = ctx.u32(0);
  const bus = ctx.u32(1);
  const slot = ctx.u32(2);
  const buf = ctx.arg(3);
  const offset = withOffset ? ctx.u32(4) : 0;
  const length = withOffset ? ctx.u32(5) : ctx.u32(4);
  const st = machineOf(ctx.kernel);
  const device = slot & 0x1f;
  const fn = (slot >> 5) & 0x7;
  ctx.describe([String(type), String(bus), `${device}.${fn}`, hex(buf), String(offset), String(length)]);
  if (type === Cmos) {
    // CMOS through ports 0x70/0x71: one byte per offset.
    const n = Math.min(length, 128 - Math.min(offset, 128));
    for (let i = 0; i < n; i++) {
      portWrite(ctx, 0x70, 1, offset + i);
      if (write) portWrite(ctx, 0x71, 1, ctx.mem.u8(buf + BigInt(i)));
      else ctx.mem.setU8(buf + BigInt(i), portRead(ctx, 0x71, 1));
    }
    return n;
  }
  if (type !== PCIConfiguration) {
    ctx.warn(`${api}: bus data type ${type} is not modelled (only Cmos and PCIConfiguration)`);
    return 0;
  }
  const maxBus = Math.max(0, ...st.spec.pci.map((f) => f.bus));
  if (bus > maxBus) return 0; // no such bus
  const cfg = st.config.get(pciKey(bus, device, fn));
  if (!cfg) {
    // Empty slot: documented to return 2 with PCI_INVALID_VENDORID (0xFFFF) in the buffer.
    if (!write && length >= 2) ctx.mem.setU16(buf, 0xffff);
    hw(ctx, "pci", write ? "write" : "read", (bus << 16) | (device << 11) | (fn << 8) | offset, Math.min(length, 2), 0xffff, { bus, device, function: fn, empty: true });
    return write ? 0 : 2;
  }
  if (offset >= 256) return 0;
  const n = Math.min(length, 256 - offset);
  if (write) {
    const data = ctx.mem.read(buf, n);
    // Vendor and device ID are read-only.
    for (let i = 0; i < n; i++) if (offset + i >= 4) cfg[offset + i] = data[i]!;
  } else ctx.mem.write(buf, cfg.subarray(offset, offset + n));
  let v = 0n;
  const shown = write ? ctx.mem.read(buf, Math.min(n, 8)) : cfg.subarray(offset, offset + Math.min(n, 8));
  for (let k = shown.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(shown[k]!);
  hw(ctx, "pci", write ? "write" : "read", (bus << 16) | (device << 11) | (fn << 8) | offset, n, v, { bus, device, function: fn });
  return n;
}

// ---- \Device\PhysicalMemory sections ------------------------------------------------------------

const OA_NAME = 0x10;
const OA_ATTRIBUTES = 0x18;

export const apis: ApiDefinition[] = [
  nt("MmMapIoSpace", 3, (ctx) => {
    const pa = BigInt.asUintN(64, ctx.arg(0));
    const size = Number(BigInt.asUintN(64, ctx.arg(1)) & 0xffffffffn);
    ctx.describe([hex(pa), hex(size), String(ctx.u32(2))]);
    if (BigInt.asUintN(64, ctx.arg(1)) === 0n) return 0n;
    return mapPhysical(ctx, pa, size, "mmio");
  }),
  nt("MmMapIoSpaceEx", 3, (ctx) => {
    const pa = BigInt.asUintN(64, ctx.arg(0));
    const size = Number(BigInt.asUintN(64, ctx.arg(1)) & 0xffffffffn);
    const protect = ctx.u32(2);
    ctx.describe([hex(pa), hex(size), hex(protect)]);
    // PAGE_READWRITE/PAGE_READONLY (+ PAGE_NOCACHE/PAGE_WRITECOMBINE) only; executable protections are refused.
    const base = protect & 0xff;
    if (base !== 0x02 && base !== 0x04) return 0n;
    if (size === 0) return 0n;
    return mapPhysical(ctx, pa, size, "mmio");
  }),
  nt("MmUnmapIoSpace", 2, (ctx) => {
    const va = BigInt.asUintN(64, ctx.arg(0));
    ctx.describe([hex(va), hex(ctx.arg(1))]);
    if (!unmapPhysical(ctx, va, "MmUnmapIoSpace", Number(ctx.arg(1) & 0xffffffffn)))
      ctx.fault("bugcheck", `MmUnmapIoSpace(${hex(va)}): not an address MmMapIoSpace returned (Windows bugchecks with a PTE error)`, { code: "0x0000001A" });
  }),
  nt("MmGetPhysicalMemoryRanges", 0, (ctx) => {
    const st = machineOf(ctx.kernel);
    const n = st.spec.ram.length + 1;
    const a = ctx.pool.allocate(n * 16, 0x73676e52 /* 'Rngs' */, 0, true);
    if (a === 0n) return 0n;
    st.spec.ram.forEach((r, i) => {
      ctx.mem.setU64(a + BigInt(i * 16), r.base);
      ctx.mem.setU64(a + BigInt(i * 16 + 8), r.size);
    });
    return a;
  }),
  nt("MmGetVirtualForPhysical", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return virtualOf(ctx, BigInt.asUintN(64, ctx.arg(0)));
  }),
  nt("MmGetPhysicalAddress", 1, (ctx) => {
    const a = BigInt.asUintN(64, ctx.arg(0));
    ctx.describe([hex(a)]);
    return physicalOf(ctx, a);
  }),
  hal("HalGetBusDataByOffset", 6, (ctx) => busData(ctx, false, true)),
  hal("HalSetBusDataByOffset", 6, (ctx) => busData(ctx, true, true)),
  hal("HalGetBusData", 5, (ctx) => busData(ctx, false, false)),
  hal("HalSetBusData", 5, (ctx) => busData(ctx, true, false)),
  hal("HalTranslateBusAddress", 5, (ctx) => {
    const type = ctx.i32(0);
    const addr = BigInt.asUintN(64, ctx.arg(2));
    const space = ctx.arg(3);
    const out = ctx.arg(4);
    ctx.describe([String(type), String(ctx.u32(1)), hex(addr), hex(space), hex(out)]);
    // Internal (0), Isa (1), Eisa (2), PCIBus (5): identity translation, AddressSpace unchanged.
    if (![0, 1, 2, 5].includes(type)) return 0;
    ctx.mem.u32(space);
    ctx.mem.setU64(out, addr);
    return 1;
  }),
  nt("ZwOpenSection", 3, (ctx) => {
    const out = ctx.arg(0);
    const oa = ctx.arg(2);
    if (oa === 0n) return STATUS.INVALID_PARAMETER;
    const namePtr = ctx.mem.u64(oa + BigInt(OA_NAME));
    const name = namePtr === 0n ? "" : (unicodeText(ctx.mem, namePtr) ?? "");
    ctx.describe([hex(out), hex(ctx.u32(1)), q(name)]);
    if (name.toLowerCase() !== "\\device\\physicalmemory") return STATUS.OBJECT_NAME_NOT_FOUND;
    const attributes = ctx.mem.u32(oa + BigInt(OA_ATTRIBUTES));
    const h = insertHandle(ctx.kernel, { type: "Section", data: { physical: true }, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 });
    ctx.mem.setU64(out, h);
    return STATUS.SUCCESS;
  }),
  nt("ZwMapViewOfSection", 10, (ctx) => {
    const h = lookupHandle(ctx.kernel, ctx.arg(0));
    const process = BigInt.asIntN(64, ctx.arg(1));
    const basePtr = ctx.arg(2);
    const offsetPtr = ctx.arg(5);
    const sizePtr = ctx.arg(6);
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(basePtr), hex(offsetPtr), hex(sizePtr)]);
    if (!h || h.type !== "Section") return STATUS.INVALID_HANDLE;
    if (process !== -1n) return STATUS.INVALID_HANDLE;
    const want = BigInt.asUintN(64, ctx.mem.u64(sizePtr));
    const offset = offsetPtr === 0n ? 0n : BigInt.asUintN(64, ctx.mem.u64(offsetPtr));
    if (ctx.mem.u64(basePtr) !== 0n) return 0xc0000018; // STATUS_CONFLICTING_ADDRESSES: fixed bases are not offered
    if (want === 0n) return 0xc000001f; // STATUS_INVALID_VIEW_SIZE (a physical memory section has no size to default to)
    const start = offset & ~(PAGE - 1n);
    const size = ((offset + want + PAGE - 1n) & ~(PAGE - 1n)) - start;
    if (size > BigInt(MAX_MAP)) return STATUS.NO_MEMORY;
    const va = mapPhysical(ctx, start, Number(size), "physical");
    if (va === 0n) return STATUS.NO_MEMORY;
    ctx.mem.setU64(basePtr, va);
    if (offsetPtr !== 0n) ctx.mem.setU64(offsetPtr, start);
    ctx.mem.setU64(sizePtr, size);
    return STATUS.SUCCESS;
  }),
  nt("ZwUnmapViewOfSection", 2, (ctx) => {
    const va = BigInt.asUintN(64, ctx.arg(1));
    ctx.describe([hex(ctx.arg(0)), hex(va)]);
    if (BigInt.asIntN(64, ctx.arg(0)) !== -1n) return STATUS.INVALID_HANDLE;
    return unmapPhysical(ctx, va, "ZwUnmapViewOfSection") ? STATUS.SUCCESS : 0xc0000019; // STATUS_NOT_MAPPED_VIEW
  }),
  // ---- interrupts
  hal("HalGetInterruptVector", 6, (ctx) => {
    const level = ctx.u32(2);
    const irqlPtr = ctx.arg(4);
    const affPtr = ctx.arg(5);
    ctx.describe([String(ctx.i32(0)), String(ctx.u32(1)), String(level), String(ctx.u32(3))]);
    // Device IRQL = 12 - (level mod 8) (above DISPATCH, below CLOCK), vector = 0x30 + level.
    ctx.mem.setU8(irqlPtr, 12 - (level % 8));
    ctx.mem.setU64(affPtr, 1n);
    return 0x30 + (level & 0xff);
  }),
  nt("IoConnectInterrupt", 11, (ctx) => {
    const out = ctx.arg(0);
    const isr = ctx.arg(1);
    const vector = ctx.u32(4);
    const irql = ctx.u32(5) & 0xff;
    ctx.describe([hex(out), ctx.kernel.where?.(isr) ?? hex(isr), hex(ctx.arg(2)), String(vector), String(irql)]);
    if (isr === 0n) return STATUS.INVALID_PARAMETER;
    const st = machineOf(ctx.kernel);
    const obj = ctx.kernel.kernelPool?.allocate(0x100, 0x72746e49 /* 'Intr' */) ?? 0n;
    if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.setU16(obj, 0x16); // InterruptObject type
    st.interrupts.set(obj, { vector, isr, context: ctx.arg(2), irql, module: ctx.caller?.module ?? "?" });
    ctx.mem.setU64(out, obj);
    hw(ctx, "interrupt", "connect", vector, undefined, undefined, { isr: ctx.kernel.where?.(isr) ?? hex(isr), irql });
    return STATUS.SUCCESS;
  }),
  nt("IoDisconnectInterrupt", 1, (ctx) => {
    const obj = ctx.arg(0);
    const st = machineOf(ctx.kernel);
    const i = st.interrupts.get(obj);
    if (!i) return ctx.fault("bugcheck", `IoDisconnectInterrupt(${hex(obj)}): not a connected interrupt object`, { code: "0x0000000A" });
    st.interrupts.delete(obj);
    hw(ctx, "interrupt", "disconnect", i.vector);
    ctx.kernel.kernelPool?.free(obj);
  }),
  nt("KeSynchronizeExecution", 3, (ctx) => {
    const obj = ctx.arg(0);
    const routine = ctx.arg(1);
    const st = machineOf(ctx.kernel);
    const i = st.interrupts.get(obj);
    if (!i) return ctx.fault("bugcheck", `KeSynchronizeExecution(${hex(obj)}): not a connected interrupt object`, { code: "0x0000000A" });
    const old = ctx.kernel.irql;
    ctx.kernel.irql = Math.max(old, i.irql);
    try {
      return ctx.callGuest(routine, [ctx.arg(2)]) & 0xffn;
    } finally {
      ctx.kernel.irql = old;
    }
  }),
  nt("KeQueryActiveProcessors", 0, (ctx) => (1n << BigInt(machineOf(ctx.kernel).spec.processors)) - 1n),
  nt("KeSetSystemAffinityThread", 1, (ctx) => void ctx.describe([hex(ctx.arg(0))])),
  nt("KeRevertToUserAffinityThread", 0, () => undefined),
  nt("KeSetSystemAffinityThreadEx", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return (1n << BigInt(machineOf(ctx.kernel).spec.processors)) - 1n;
  }),
  nt("KeRevertToUserAffinityThreadEx", 1, () => undefined),
  nt("KeQueryMaximumProcessorCount", 0, (ctx) => machineOf(ctx.kernel).spec.processors),
  nt("KeQueryMaximumProcessorCountEx", 1, (ctx) => (ctx.u32(0) === 0 || ctx.u32(0) === 0xffff ? machineOf(ctx.kernel).spec.processors : 0)),
  nt("KeGetProcessorNumberFromIndex", 2, (ctx) => {
    const n = machineOf(ctx.kernel).spec.processors;
    if (ctx.u32(0) >= n) return STATUS.INVALID_PARAMETER;
    const out = ctx.arg(1);
    ctx.mem.setU16(out, 0);
    ctx.mem.setU8(out + 2n, ctx.u32(0));
    ctx.mem.setU8(out + 3n, 0);
    return STATUS.SUCCESS;
  }),
  nt("KeGetProcessorIndexFromNumber", 1, (ctx) => {
    const p = ctx.arg(0);
    const group = ctx.mem.u16(p);
    const num = ctx.mem.u8(p + 2n);
    return group === 0 && num < machineOf(ctx.kernel).spec.processors ? num : 0xffffffff;
  }),
];

/** Ends the run: interrupts still connected by `module` (it unloads with its ISR live). */
export function interruptsOf(kernel: KernelState, module: string): number {
  return [...machineOf(kernel).interrupts.values()].filter((i) => i.module === module).length;
}

export { closeHandle };
