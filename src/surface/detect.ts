/**
 * Sinks: from the events of one request, the values a caller might control — a physical address
 * mapped (MmMapIoSpace(Ex), a \Device\PhysicalMemory view, an MDL's page frames), a process ID
 * opened or looked up, an I/O port, an MSR index or value, a control register value, a page-table
 * entry written (the frame it points at, the address it maps) — and where
 * such a value sits in an input. Whether it follows the input is tested by ./analyze.ts. Pure.
 */
import type { TraceEvent } from "../events.js";

export { RULES, type RuleId } from "./rules.js";
import type { RuleId } from "./rules.js";

/** A value the driver used that a caller might choose, with where it was used. */
export interface SinkUse {
  rule: RuleId;
  what: string;
  value: bigint;
  /** Page-granular sinks (section views) compare rounded-down values. */
  pageGranular: boolean;
  /** Bytes of the value the sink takes (ports 2, MSR indices 4); default 8 (a u64 or u32 in the input). */
  width?: 2 | 4 | 8;
  site: string;
}

const big = (s: string | undefined) => {
  try {
    return s === undefined ? null : BigInt(s);
  } catch {
    return null;
  }
};

/** PFN bits of a page-table entry (51:12). */
const PTE_FRAME = 0x000ffffffffff000n;

/** Sinks of a `hardware` event that is not a mapping (ports, MSRs, control registers, page-table entries). */
function hardwareSinks(e: TraceEvent & { event: "hardware" }, site: string): SinkUse[] {
  const addr = big(e.address);
  const value = big(e.value);
  if (addr === null) return [];
  // Ports: the number is the primitive (a value written to a fixed port, e.g. a POST code, is not).
  const out: SinkUse[] = [];
  const h = (n: bigint) => "0x" + n.toString(16);
  if (e.kind === "port") {
    const dir = e.op === "write" ? "out" : "in";
    out.push({ rule: "port-io", what: `${dir} port ${h(addr)}`, value: addr, pageGranular: false, width: 2, site });
  } else if (e.kind === "msr") {
    const rule = e.op === "write" ? "msr-write" : "msr-read";
    out.push({ rule, what: `${e.op === "write" ? "wrmsr" : "rdmsr"} MSR ${h(addr)}`, value: addr, pageGranular: false, width: 4, site });
    if (e.op === "write" && value !== null) out.push({ rule, what: `wrmsr MSR ${h(addr)} value ${h(value)}`, value, pageGranular: false, site });
  } else if (e.kind === "cr" && e.op === "write" && value !== null) {
    out.push({ rule: "cr-write", what: `mov cr${addr}, ${h(value)}`, value, pageGranular: false, site });
  } else if (e.kind === "pte" && e.op === "write" && value !== null) {
    // A page-table entry write (machine/paging-views.ts): the frame it now points at and the
    // address it maps are the primitive — either from the input lets a caller map any physical
    // page or change any page's rights.
    const x = e as { level?: unknown; va?: unknown; via?: unknown };
    const level = typeof x.level === "string" ? x.level : "entry";
    const va = big(typeof x.va === "string" ? x.va : undefined);
    const via = typeof x.via === "string" ? ` via ${x.via}` : "";
    const mapping = va === null ? "" : ` mapping ${h(va)}`;
    out.push({ rule: "pte-write", what: `${level} at physical ${h(addr)}${mapping} set to ${h(value)} (frame ${h(value & PTE_FRAME)})${via}`, value: value & PTE_FRAME, pageGranular: true, site });
    if (va !== null) out.push({ rule: "pte-write", what: `${level} of ${h(va)} at physical ${h(addr)} set to ${h(value)}${via}`, value: va, pageGranular: true, site });
  }
  return out;
}

/** The sinks of one request's events, in order. */
export function sinksOf(events: readonly TraceEvent[]): SinkUse[] {
  const out: SinkUse[] = [];
  let pending: { value: bigint; kind: string }[] = [];
  let pendingHw: (TraceEvent & { event: "hardware" })[] = [];
  for (const e of events) {
    if (e.event === "hardware" && e.op === "map" && (e.kind === "mmio" || e.kind === "physical")) {
      const v = big(e.address);
      if (v !== null) pending.push({ value: v, kind: e.kind });
      continue;
    }
    if (e.event === "hardware" && (e.kind === "port" || e.kind === "msr" || e.kind === "cr" || e.kind === "pte")) {
      // Events of instructions name their site; those of HAL routines get it from the api event that follows.
      if (typeof e.site === "string") out.push(...hardwareSinks(e, e.site));
      else pendingHw.push(e);
      continue;
    }
    if (e.event !== "api") continue;
    const site = e.caller ?? e.module;
    const api = e.api.replace(/^.*!/, "");
    for (const h of pendingHw) out.push(...hardwareSinks(h, site));
    pendingHw = [];
    if (pending.length) {
      // The map events come from inside the routine; its api event (with the call site) follows.
      for (const p of pending)
        out.push({ rule: "physical-memory-map", what: p.kind === "mmio" ? `${api} of physical 0x${p.value.toString(16)}` : `${api} of \\Device\\PhysicalMemory at 0x${p.value.toString(16)}`, value: p.value, pageGranular: p.kind === "physical", site });
      pending = [];
      continue;
    }
    if (api === "MmMapIoSpace" || api === "MmMapIoSpaceEx") {
      // A mapping refused by the machine model still shows the address asked for.
      const v = big(e.args[0]);
      if (v !== null) out.push({ rule: "physical-memory-map", what: `${api}(0x${v.toString(16)})`, value: v, pageGranular: false, site });
    } else if (api === "MmMapLockedPages" || api === "MmMapLockedPagesSpecifyCache") {
      // The MDL's first page frame, read while the call was made (Session.onApi).
      const pfn = big((e as { pfn?: string }).pfn);
      if (pfn !== null) out.push({ rule: "physical-memory-map", what: `${api} of an MDL for physical 0x${(pfn << 12n).toString(16)}`, value: pfn << 12n, pageGranular: true, site });
    } else if (api === "PsLookupProcessByProcessId") {
      const v = big(e.args[0]);
      if (v !== null) out.push({ rule: "process-control", what: `PsLookupProcessByProcessId(${v})`, value: v, pageGranular: false, site });
    } else if (api === "ZwOpenProcess" || api === "NtOpenProcess") {
      const v = big((e as { pid?: string }).pid);
      if (v !== null) out.push({ rule: "process-control", what: `${api}(pid ${v})`, value: v, pageGranular: false, site });
    }
  }
  for (const h of pendingHw) out.push(...hardwareSinks(h, h.module));
  return out;
}

/**
 * Offsets where `value` is stored in `input` as a little-endian u64 or u32 (width 8; page-rounded
 * if asked), a u32 (width 4) or a u16 (width 2).
 */
export function offsetsOf(input: Uint8Array, value: bigint, pageGranular: boolean, width: 2 | 4 | 8 = 8): number[] {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const mask = (pageGranular ? ~0xfffn : ~0n) & (width === 2 ? 0xffffn : width === 4 ? 0xffffffffn : ~0n);
  const want = value & mask;
  const out: number[] = [];
  for (let o = 0; o + width <= input.length || (width === 8 && o + 4 <= input.length); o++) {
    if (width === 2) {
      if (BigInt(dv.getUint16(o, true)) === want) out.push(o);
      continue;
    }
    const v64 = width === 8 && o + 8 <= input.length ? dv.getBigUint64(o, true) : null;
    const v32 = BigInt(dv.getUint32(o, true));
    if ((v64 !== null && (v64 & mask) === want) || (v32 & mask) === want) out.push(o);
  }
  return out;
}

/**
 * Views of \Device\PhysicalMemory the request mapped: on Windows a view for a process lies in
 * that process's user address space; the emulator places it in kernel memory, so its address in
 * the output is the user-mode pointer the driver is meant to return, not a kernel pointer leak.
 */
export function userViews(events: readonly TraceEvent[]): (a: bigint) => boolean {
  const ranges: [bigint, bigint][] = [];
  for (const e of events) {
    if (e.event !== "hardware" || e.kind !== "physical" || e.op !== "map") continue;
    const va = big(typeof e.va === "string" ? e.va : undefined);
    if (va !== null) ranges.push([va & ~0xfffn, va + BigInt(e.size ?? 0) + 0x1000n]);
  }
  return (a) => ranges.some(([lo, hi]) => a >= lo && a < hi);
}
