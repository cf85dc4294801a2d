/**
 * Detectors: from the events of one request, the "sinks" a caller might control — a physical
 * address mapped (MmMapIoSpace(Ex), a \Device\PhysicalMemory view), a process ID opened or looked
 * up — and the test that a sink follows the input: the value appears in the input buffer and
 * moves when the input changes (two requests with different bytes). Pure.
 */
import type { TraceEvent } from "../events.js";

export const RULES = {
  "physical-memory-map": {
    short: "A caller-chosen physical address is mapped",
    help: "The driver maps physical memory (MmMapIoSpace(Ex) or a view of \\Device\\PhysicalMemory) at an address taken from the IOCTL's input buffer: any program that can open the device reads or writes all physical memory, kernel included. Validate the range against the device's own resources.",
  },
  "process-control": {
    short: "A process chosen by the caller is opened, looked up or terminated",
    help: "The driver opens (ZwOpenProcess) or looks up (PsLookupProcessByProcessId) a process whose ID comes from the input buffer, from kernel mode and without an access check: a caller can terminate or tamper with protected processes (e.g. security software). Check the requestor's rights or restrict the request to the caller's own process.",
  },
} as const;

export type RuleId = keyof typeof RULES;

/** A value the driver used that a caller might choose, with where it was used. */
export interface SinkUse {
  rule: RuleId;
  what: string;
  value: bigint;
  /** Page-granular sinks (section views) compare rounded-down values. */
  pageGranular: boolean;
  site: string;
}

const big = (s: string | undefined) => {
  try {
    return s === undefined ? null : BigInt(s);
  } catch {
    return null;
  }
};

/** The sinks of one request's events, in order. */
export function sinksOf(events: readonly TraceEvent[]): SinkUse[] {
  const out: SinkUse[] = [];
  let pending: { value: bigint; kind: string }[] = [];
  for (const e of events) {
    if (e.event === "hardware" && e.op === "map" && (e.kind === "mmio" || e.kind === "physical")) {
      const v = big(e.address);
      if (v !== null) pending.push({ value: v, kind: e.kind });
      continue;
    }
    if (e.event !== "api") continue;
    const site = e.caller ?? e.module;
    const api = e.api.replace(/^.*!/, "");
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
    } else if (api === "PsLookupProcessByProcessId") {
      const v = big(e.args[0]);
      if (v !== null) out.push({ rule: "process-control", what: `PsLookupProcessByProcessId(${v})`, value: v, pageGranular: false, site });
    } else if (api === "ZwOpenProcess" || api === "NtOpenProcess") {
      const v = big((e as { pid?: string }).pid);
      if (v !== null) out.push({ rule: "process-control", what: `${api}(pid ${v})`, value: v, pageGranular: false, site });
    }
  }
  return out;
}

/** Offsets where `value` is stored in `input` as a little-endian u64 or u32 (page-rounded if asked). */
export function offsetsOf(input: Uint8Array, value: bigint, pageGranular: boolean): number[] {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const mask = pageGranular ? ~0xfffn : ~0n;
  const want = value & mask;
  const out: number[] = [];
  for (let o = 0; o + 4 <= input.length; o++) {
    const v64 = o + 8 <= input.length ? dv.getBigUint64(o, true) : null;
    const v32 = BigInt(dv.getUint32(o, true));
    if ((v64 !== null && (v64 & mask) === want) || (v32 & mask) === want) out.push(o);
  }
  return out;
}

export interface Finding {
  rule: RuleId;
  device: string;
  code: number;
  /** The reproducer: the input bytes that reach the sink. */
  input: Uint8Array;
  outputLength: number;
  site: string;
  what: string;
  /** Where the caller's value sits in the input. */
  inputOffset: number;
}

/**
 * Sinks that follow the input: present under both inputs (same rule, same site, in order), with
 * values found in the respective input and different from each other.
 */
export function followingSinks(a: { input: Uint8Array; sinks: SinkUse[] }, b: { input: Uint8Array; sinks: SinkUse[] }): { use: SinkUse; offset: number }[] {
  const out: { use: SinkUse; offset: number }[] = [];
  for (const ua of a.sinks) {
    const ub = b.sinks.find((s) => s.rule === ua.rule && s.site === ua.site && s.value !== ua.value);
    if (!ub) continue;
    const oa = offsetsOf(a.input, ua.value, ua.pageGranular);
    const ob = new Set(offsetsOf(b.input, ub.value, ub.pageGranular));
    const common = oa.find((o) => ob.has(o));
    if (common !== undefined) out.push({ use: ua, offset: common });
  }
  return out;
}
