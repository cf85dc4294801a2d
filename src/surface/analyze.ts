/**
 * The detectors applied to every request the explorer sends: canary faults (arbitrary kernel
 * read/write), kernel addresses in the output (pointer leak), sinks whose value follows the input
 * (physical memory, process control, ports, MSRs, control registers: the request is sent again
 * with the input field moved and the sink must move with it), and METHOD_NEITHER buffers acted on
 * without a probe. Each finding carries its reproducer: the IOCTL and the exact input bytes.
 */
import type { TraceEvent } from "../events.js";
import { canaryHit, leakedPointers } from "./canary.js";
import { offsetsOf, sinksOf, userViews, type SinkUse } from "./detect.js";
import { hex32 } from "./ioctl.js";
import type { RuleId } from "./rules.js";
import type { Probe } from "./session.js";

export interface FindingRecord {
  rule: RuleId;
  device: string;
  code: string;
  /** The reproducer's input bytes, hex. */
  input: string;
  outputLength: number;
  site: string;
  what: string;
  /** Where the caller's value sits in the input (-1: the whole buffer). */
  inputOffset: number;
  /** Replayed in a fresh machine (DriverEntry, then this one request) and seen again. */
  confirmed: boolean;
}

export interface SinkRecord {
  rule: string;
  site: string;
  what: string;
  controlled: boolean;
}

export const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const METHOD_NEITHER = 3;

/** The input with the field at `offset` moved by `delta` (a u16 for width 2, else the u32 there). */
export function bump(input: Uint8Array, offset: number, width: 2 | 4 | 8, delta: number): Uint8Array {
  const b = Uint8Array.from(input);
  const dv = new DataView(b.buffer);
  if (width === 2) dv.setUint16(offset, (dv.getUint16(offset, true) + delta) & 0xffff, true);
  else dv.setUint32(offset, (dv.getUint32(offset, true) + delta) >>> 0, true);
  return b;
}

/** Does `use` move with the input field at `offset`? Sends the moved input and looks for the moved sink. */
export function followsInput(use: SinkUse, input: Uint8Array, offset: number, rerun: (input: Uint8Array) => Probe | null): boolean {
  const width = use.width ?? 8;
  const delta = width === 2 ? 0x30 : 0x3000;
  const p = rerun(bump(input, offset, width, delta));
  if (!p) return false;
  const mask = (use.pageGranular ? ~0xfffn : ~0n) & (width === 2 ? 0xffffn : width === 4 ? 0xffffffffn : ~0n);
  const want = (use.value + BigInt(delta)) & mask;
  return sinksOf(p.events).some((s) => s.rule === use.rule && s.site === use.site && (s.value & mask) === want);
}

const probed = (events: readonly TraceEvent[], which: RegExp) => events.some((e) => e.event === "api" && which.test(e.api));

export interface DetectorEnv {
  /** A kernel address that is mapped in the emulator (pool, stacks, images, mappings). */
  isKernelAddress(a: bigint): boolean;
  where(a: bigint): string;
}

export class Detectors {
  readonly findings: FindingRecord[] = [];
  readonly sinks: SinkRecord[] = [];
  /** METHOD_NEITHER: per code and size, the coverage of unprobed requests seen. */
  private neither = new Map<string, Map<number, { key: string; blocks: Set<bigint> }>>();
  /** Sites whose controlled-ness was tried this many times (the twin costs a request). */
  private tries = new Map<string, number>();

  constructor(private env: DetectorEnv) {}

  /** One finding per rule, site and code; per rule and code for the rules about the whole request. */
  private has(rule: RuleId, site: string, code: string): boolean {
    const whole = rule === "unchecked-user-pointer" || rule === "kernel-pointer-leak";
    return this.findings.some((f) => f.rule === rule && (whole || f.site === site) && f.code === code);
  }

  private outputLength = 0x1000;

  private add(f: Omit<FindingRecord, "confirmed" | "outputLength">): void {
    if (this.has(f.rule, f.site, f.code)) return;
    this.findings.push({ ...f, outputLength: this.outputLength, confirmed: false });
  }

  /** Run every detector on one request; `rerun` sends another input with the same code. */
  observe(device: string, code: number, input: Uint8Array, outputLength: number, p: Probe, rerun: (input: Uint8Array) => Probe | null): void {
    this.outputLength = outputLength;
    const c = hex32(code);
    const hit = canaryHit(p.fault);
    if (hit)
      this.add({ rule: hit.rule, device, code: c, input: toHex(input), site: hit.site, what: `${hit.rule === "arbitrary-kernel-read" ? "load from" : "store to"} 0x${hit.address.toString(16)}, the canary address placed at input offset ${hit.offset}`, inputOffset: hit.offset });

    if (p.outcome.ok) {
      const views = userViews(p.events);
      const leaks = leakedPointers(p.outcome.output, input, (a) => this.env.isKernelAddress(a) && !views(a));
      if (leaks.length) {
        const complete = [...p.events].reverse().find((e) => e.event === "api" && /IofCompleteRequest$/.test(e.api)) as { caller?: string } | undefined;
        const l = leaks[0]!;
        this.add({ rule: "kernel-pointer-leak", device, code: c, input: toHex(input), site: complete?.caller ?? "dispatch", what: `kernel address 0x${l.value.toString(16)}${this.env.where(l.value).startsWith("0x") ? "" : ` (${this.env.where(l.value)})`} at output offset ${l.offset}${leaks.length > 1 ? ` and ${leaks.length - 1} more` : ""}`, inputOffset: -1 });
      }
    }

    for (const u of sinksOf(p.events)) {
      let rec = this.sinks.find((x) => x.rule === u.rule && x.site === u.site);
      if (!rec) this.sinks.push((rec = { rule: u.rule, site: u.site, what: u.what, controlled: false }));
      if (this.has(u.rule, u.site, c)) continue;
      const key = `${u.rule}|${u.site}|${c}`;
      const n = this.tries.get(key) ?? 0;
      if (n >= 16) continue;
      // Aligned fields first: a u32 pattern matches at every offset, the field is at one of them.
      const offsets = offsetsOf(input, u.value, u.pageGranular, u.width).sort((a, b) => (a % 8 === 0 ? 0 : a % 4 === 0 ? 1 : 2) - (b % 8 === 0 ? 0 : b % 4 === 0 ? 1 : 2) || a - b);
      for (const off of offsets.slice(0, 4)) {
        this.tries.set(key, (this.tries.get(key) ?? 0) + 1);
        if (!followsInput(u, input, off, rerun)) continue;
        rec.controlled = true;
        this.add({ rule: u.rule, device, code: c, input: toHex(input), site: u.site, what: u.what, inputOffset: off });
        break;
      }
    }

    if ((code & 3) === METHOD_NEITHER) this.neitherCheck(device, code, input, p);
  }

  /**
   * METHOD_NEITHER: two requests of the same size that took different paths without a probe
   * show the driver read the caller's raw buffer; output bytes written without ProbeForWrite show
   * it wrote to the raw UserBuffer.
   */
  private neitherCheck(device: string, code: number, input: Uint8Array, p: Probe): void {
    const c = hex32(code);
    if (probed(p.events, /!ProbeForRead$|!ProbeForWrite$/)) return;
    // Output that is only the input echoed back (a driver copying its buffer through) is no sign of a write to UserBuffer.
    const echo = (o: Uint8Array) => o.length <= input.length && o.every((x, i) => x === input[i]);
    if (p.outcome.ok && p.outcome.output.some((x) => x !== 0) && !echo(p.outcome.output) && !probed(p.events, /!ProbeForWrite$/)) {
      const complete = [...p.events].reverse().find((e) => e.event === "api" && /IofCompleteRequest$/.test(e.api)) as { caller?: string } | undefined;
      this.add({ rule: "unchecked-user-pointer", device, code: c, input: toHex(input), site: complete?.caller ?? "dispatch", what: `${p.outcome.output.length} output bytes written to the raw UserBuffer without ProbeForWrite`, inputOffset: -1 });
    }
    if (!input.length) return;
    const blocks = new Set(p.blocks.map(([a]) => a));
    const key = [...blocks].sort((a, b) => (a < b ? -1 : 1)).join(",");
    let bySize = this.neither.get(c);
    if (!bySize) this.neither.set(c, (bySize = new Map()));
    // Same input and output lengths: only the contents differ between the two requests.
    const lengths = input.length * 0x100000 + this.outputLength;
    const prev = bySize.get(lengths);
    if (!prev) {
      bySize.set(lengths, { key, blocks });
      return;
    }
    if (prev.key === key) return;
    const only = [...blocks].filter((a) => !prev.blocks.has(a)).sort((a, b) => (a < b ? -1 : 1));
    const at = only[0] ?? [...prev.blocks].filter((a) => !blocks.has(a)).sort((a, b) => (a < b ? -1 : 1))[0];
    if (at === undefined) return;
    this.add({ rule: "unchecked-user-pointer", device, code: c, input: toHex(input), site: this.env.where(at), what: `the contents of the raw Type3InputBuffer (${input.length} bytes) decide the path taken at ${this.env.where(at)}, with no ProbeForRead`, inputOffset: -1 });
  }
}
