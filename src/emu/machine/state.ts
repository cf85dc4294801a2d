/**
 * The machine's state in one kernel: sparse physical memory, port latches, PCI configuration
 * spaces, the physical frames behind guest kernel memory, live MMIO mappings (copy-in at map,
 * copy-out with one `hardware` event per changed run at unmap), connected interrupts.
 * Nothing here touches the host.
 */
import type { ApiContext, KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";
import { hex } from "../api/util.js";
import { DEFAULT_MACHINE_JSON, parseMachine, type MachineSpec, type PciFunctionSpec } from "./model.js";
import { pcLowMemory } from "./lowmem.js";

const PAGE = 0x1000n;
const PHYS_MASK = (1n << 52n) - 1n;

/** What physical-memory readers need of a context: the kernel and its guest memory. */
export type MemCtx = Pick<ApiContext, "kernel" | "mem"> & { readonly caller?: ApiContext["caller"] };

/**
 * The page-table model (./paging-views.ts) registers here: page-table frames read and written,
 * the self-map addresses of tables. Each returns undefined when the address is not its own.
 */
export interface TableHooks {
  read(ctx: MemCtx, frame: bigint): Uint8Array | undefined;
  write(ctx: MemCtx, pa: bigint, bytes: Uint8Array): boolean;
  physicalOf(ctx: MemCtx, va: bigint): bigint | undefined;
  virtualOf(ctx: MemCtx, pa: bigint): bigint | undefined;
}
let tables: TableHooks | null = null;
export function setTableHooks(h: TableHooks): void {
  tables = h;
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
  /** Sparse physical memory written so far (page number → 4 KiB); made on first access. */
  readonly pages: Map<bigint, Uint8Array>;
  /** Port latches. */
  ports: Map<number, number>;
  /** PCI configuration spaces by "bus:device.function". */
  config: Map<string, Uint8Array>;
  /** Guest page VA ↔ physical page assigned by MmGetPhysicalAddress. */
  va2pa: Map<bigint, bigint>;
  pa2va: Map<bigint, bigint>;
  nextFrame: bigint;
  /** Bumped when a page's frame changes (MMIO mappings, contiguous memory, PTE writes): generated page tables are stale then. */
  epoch: number;
  mappings: Map<bigint, Mapping>;
  interrupts: Map<bigint, { vector: number; isr: bigint; context: bigint; irql: number; module: string }>;
}

export function pciKey(bus: number, dev: number, fn: number): string {
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

function freshState(spec: MachineSpec): MachineState {
  // The sparse physical memory starts as the machine's low memory and `physical` entries. Built
  // on first access (only drivers that read or write physical memory need it; most never do):
  // every reader and writer goes through `pages`, so what they see does not depend on when.
  let pages: Map<bigint, Uint8Array> | undefined;
  const st: MachineState = {
    spec,
    get pages() {
      if (!pages) {
        pages = new Map();
        if (spec.lowMemory === "pc") for (const p of pcLowMemory()) writePhys(st, p.address, p.bytes);
        for (const p of spec.physical) writePhys(st, p.address, p.bytes);
      }
      return pages;
    },
    ports: new Map(spec.ports),
    config: new Map(spec.pci.map((f) => [pciKey(f.bus, f.device, f.function), buildConfig(f)])),
    va2pa: new Map(),
    pa2va: new Map(),
    nextFrame: 0x20000n,
    epoch: 0,
    mappings: new Map(),
    interrupts: new Map(),
  };
  return st;
}

/** Install a machine description in this kernel (before any driver code runs; `--machine FILE`). */
export function installMachine(kernel: KernelState, spec: MachineSpec): MachineState {
  return machineOf.provide(kernel, freshState(spec));
}

/** The machine of this kernel: the default one unless installMachine gave another first. */
export const machineOf = componentState("machine", (): MachineState => freshState(parseMachine(DEFAULT_MACHINE_JSON)));

function inRam(st: MachineState, pa: bigint): boolean {
  return st.spec.ram.some((r) => pa >= r.base && pa < r.base + r.size);
}

/** Store bytes in the sparse physical memory (no alias, no page table: the frame's own contents). */
export function writePhys(st: MachineState, pa: bigint, bytes: Uint8Array): void {
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
export function readPhys(ctx: MemCtx, pa: bigint, size: number): Uint8Array {
  const st = machineOf(ctx.kernel);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; ) {
    const a = pa + BigInt(i);
    const off = Number(a % PAGE);
    const n = Math.min(size - i, Number(PAGE) - off);
    const va = aliasOf(st, a);
    const table = tables?.read(ctx, a / PAGE);
    if (table) out.set(table.subarray(off, off + n), i);
    else if (va !== undefined && ctx.mem.isMapped(va * PAGE + BigInt(off), n)) out.set(ctx.mem.read(va * PAGE + BigInt(off), n), i);
    else {
      const p = st.pages.get(a / PAGE);
      if (p) out.set(p.subarray(off, off + n), i);
      else out.fill(inRam(st, a) ? 0 : 0xff, i, i + n);
    }
    i += n;
  }
  return out;
}

/** Write physical memory: page-table entries (./paging-views.ts), guest pages behind assigned frames, else the sparse store. */
export function writePhysAliased(ctx: MemCtx, pa: bigint, bytes: Uint8Array): void {
  const st = machineOf(ctx.kernel);
  for (let i = 0; i < bytes.length; ) {
    const a = pa + BigInt(i);
    const off = Number(a % PAGE);
    const n = Math.min(bytes.length - i, Number(PAGE) - off);
    const va = aliasOf(st, a);
    if (tables?.write(ctx, a, bytes.subarray(i, i + n))) {
      /* a page-table page */
    } else if (va !== undefined && ctx.mem.isMapped(va * PAGE + BigInt(off), n)) ctx.mem.write(va * PAGE + BigInt(off), bytes.subarray(i, i + n));
    else writePhys(st, a, bytes.subarray(i, i + n));
    i += n;
  }
}

/** The physical address of a mapped guest address (frames assigned on first use, stable afterwards); 0 when unmapped. */
export function physicalOf(ctx: MemCtx, va: bigint): bigint {
  const st = machineOf(ctx.kernel);
  const a = BigInt.asUintN(64, va);
  const t = tables?.physicalOf(ctx, a);
  if (t !== undefined) return t;
  if (!ctx.mem.isMapped(a, 1)) return 0n;
  // The whole first page of an unaligned mapping is the device's page (same page offset as pa).
  for (const m of st.mappings.values()) if (a >= (m.va & ~(PAGE - 1n)) && a < m.va + BigInt(m.size)) return m.pa + (a - m.va);
  const page = a / PAGE;
  let frame = st.va2pa.get(page);
  if (frame === undefined) {
    frame = st.nextFrame++;
    st.va2pa.set(page, frame);
    st.pa2va.set(frame, page);
  }
  return frame * PAGE + (a % PAGE);
}

/**
 * Give guest page `page` (VA / 4 KiB) frame `frame` (undefined: no frame), keeping the two maps
 * inverse: a frame the page had before stops mapping back to it and keeps the page's bytes (as
 * when a page-table entry is re-pointed, ./paging-views.ts), so MmGetVirtualForPhysical of the old
 * frame no longer answers this page. The new frame maps back to the page.
 */
export function setPageFrame(ctx: MemCtx, page: bigint, frame: bigint | undefined): void {
  const st = machineOf(ctx.kernel);
  const own = st.va2pa.get(page);
  if (own !== undefined && own !== frame && st.pa2va.get(own) === page) {
    st.pa2va.delete(own);
    if (ctx.mem.isMapped(page * PAGE, Number(PAGE))) writePhys(st, own * PAGE, ctx.mem.read(page * PAGE, Number(PAGE)));
  }
  if (frame === undefined) st.va2pa.delete(page);
  else {
    st.va2pa.set(page, frame);
    st.pa2va.set(frame, page);
  }
  st.epoch++;
}

/** The guest address of a physical address assigned to guest memory, or 0. */
export function virtualOf(ctx: MemCtx, pa: bigint): bigint {
  const st = machineOf(ctx.kernel);
  const t = tables?.virtualOf(ctx, pa);
  if (t !== undefined) return t;
  const va = st.pa2va.get(pa / PAGE);
  if (va !== undefined) return va * PAGE + (pa % PAGE);
  for (const m of st.mappings.values()) if (pa >= m.pa && pa < m.pa + BigInt(m.size)) return m.va + (pa - m.pa);
  return 0n;
}

export function hw(ctx: MemCtx, kind: "port" | "pci" | "mmio" | "physical" | "interrupt" | "pte", op: string, address: bigint | number, size?: number, value?: bigint | number, extra: Record<string, unknown> = {}): void {
  ctx.kernel.emit?.({ event: "hardware", module: ctx.caller?.module ?? "?", kind, op, address: hex(address), ...(size !== undefined ? { size } : {}), ...(value !== undefined ? { value: hex(value) } : {}), ...extra });
}

/** Largest mapping kmdll makes (Windows fails with NULL when it runs out of system PTEs). */
export const MAX_MAP = 0x1000000;

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
  st.epoch++;
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
  st.epoch++;
  ctx.kernel.kernelPool?.free(m.block);
  return true;
}

