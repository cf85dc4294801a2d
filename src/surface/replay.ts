/**
 * Replaying a reproducer: a fresh machine (DriverEntry), then the one request the finding names,
 * with every event kept (the full trace), and the finding's detector run again on it. Used to
 * confirm every finding of an exploration and by `kmdll surface --replay FILE`.
 */
import type { TraceEvent } from "../events.js";
import { KmdllError } from "../errors.js";
import { canaryHit, leakedPointers } from "./canary.js";
import { offsetsOf, sinksOf, userViews } from "./detect.js";
import { followsInput, type FindingRecord } from "./analyze.js";
import { RULES, type RuleId } from "./rules.js";
import { Session, sinkReads, type Probe } from "./session.js";

export interface Reproducer {
  rule?: RuleId;
  device: string;
  code: string;
  input: string;
  outputLength: number;
  site?: string;
  inputOffset?: number;
}

export interface ReplayResult {
  reproducer: Reproducer;
  /** The finding was seen again (null: the reproducer names no rule, nothing to confirm). */
  confirmed: boolean | null;
  /** What the replay showed, one line. */
  verdict: string;
  /** DriverEntry's events, then the request's. */
  events: TraceEvent[];
  status: string;
}

const SINK_RULES = new Set<string>(["physical-memory-map", "process-control", "port-io", "msr-read", "msr-write", "cr-write", "pte-write"]);

function parseInput(hex: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new KmdllError(`reproducer input is not hex bytes: '${hex.slice(0, 40)}'`);
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** Did the finding's primitive show again in `p` (sent with `input` on a fresh machine)? */
function check(r: Reproducer, input: Uint8Array, p: Probe, s: Session): { ok: boolean; verdict: string } {
  const rule = r.rule!;
  if (rule === "arbitrary-kernel-read" || rule === "arbitrary-kernel-write") {
    const hit = canaryHit(p.fault);
    const ok = hit !== null && hit.rule === rule && (r.inputOffset === undefined || hit.offset === r.inputOffset);
    return { ok, verdict: hit ? `${hit.rule === "arbitrary-kernel-read" ? "load from" : "store to"} 0x${hit.address.toString(16)} (input offset ${hit.offset}) at ${hit.site}` : `no access to a canary address (${p.fault ? p.fault.message : "the request completed"})` };
  }
  if (rule === "kernel-pointer-leak") {
    const views = userViews(p.events);
    const leaks = p.outcome.ok ? leakedPointers(p.outcome.output, input, (a) => s.executor.emu.mem.isMapped(a, 1) && !views(a)) : [];
    return { ok: leaks.length > 0, verdict: leaks.length ? `kernel address 0x${leaks[0]!.value.toString(16)} at output offset ${leaks[0]!.offset}` : "no kernel address in the output" };
  }
  if (rule === "unchecked-user-pointer") {
    const probedAny = p.events.some((e) => e.event === "api" && /!ProbeFor(Read|Write)$/.test(e.api));
    const reached = r.site === undefined || p.blocks.some(([a]) => s.executor.emu.where(a) === r.site) || (p.outcome.ok && p.outcome.output.some((x) => x !== 0));
    return { ok: !probedAny && reached, verdict: probedAny ? "the buffer was probed" : reached ? `the raw buffer was used without a probe (${r.site ?? "output written"})` : `the path through ${r.site} was not taken` };
  }
  if (SINK_RULES.has(rule)) {
    const uses = sinksOf(p.events).filter((u) => u.rule === rule && (r.site === undefined || u.site === r.site));
    for (const u of uses) {
      const offs = offsetsOf(input, u.value, u.pageGranular, u.width);
      const off = r.inputOffset !== undefined && offs.includes(r.inputOffset) ? r.inputOffset : offs[0];
      if (off === undefined) continue;
      const rerun = (other: Uint8Array): Probe | null => {
        const q = s.ioctl(r.device, Number(r.code), other, r.outputLength);
        return q.outcome.ok || q.outcome.reason !== "timeout" ? q : null;
      };
      if (followsInput(u, input, off, rerun)) return { ok: true, verdict: `${u.what} at ${u.site}: the value comes from input offset ${off} and moves with it` };
    }
    return { ok: false, verdict: uses.length ? `${uses[0]!.what} at ${uses[0]!.site}, but the value does not follow the input` : `no ${rule} sink reached` };
  }
  return { ok: false, verdict: `unknown rule '${rule}'` };
}

export interface ReplayOptions {
  root?: string;
  timeoutMs: number;
}

/** Replay one reproducer on a fresh machine. */
export function replay(imagePath: string, r: Reproducer, o: ReplayOptions): ReplayResult {
  const input = parseInput(r.input);
  const code = Number(r.code);
  if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) throw new KmdllError(`reproducer code is not a 32-bit IOCTL code: '${r.code}'`);
  if (r.rule !== undefined && !(r.rule in RULES)) throw new KmdllError(`reproducer rule '${r.rule}' is not a kmdll surface rule (${Object.keys(RULES).join(", ")})`);
  const s = new Session(imagePath, { ...(o.root !== undefined ? { root: o.root } : {}), timeoutMs: o.timeoutMs });
  s.onApi = sinkReads(s);
  try {
    if (!s.started.ok) return { reproducer: r, confirmed: r.rule ? false : null, verdict: `DriverEntry failed: ${s.started.message ?? s.started.fault?.message ?? "?"}`, events: s.startEvents, status: "not sent" };
    const p = s.ioctl(r.device, code, input, r.outputLength);
    const status = p.outcome.ok ? `0x${p.outcome.status.toString(16).toUpperCase().padStart(8, "0")}` : `${p.fault?.kind ?? p.outcome.reason}: ${p.fault?.message ?? p.outcome.message}`;
    const events = [...s.startEvents, ...p.events];
    if (!r.rule) return { reproducer: r, confirmed: null, verdict: status, events, status };
    const c = check(r, input, p, s);
    return { reproducer: r, confirmed: c.ok, verdict: c.verdict, events, status };
  } finally {
    s.dispose();
  }
}

/** Confirm a finding of an exploration by replaying its reproducer. */
export function confirmFinding(imagePath: string, f: FindingRecord, o: ReplayOptions): ReplayResult {
  return replay(imagePath, { rule: f.rule, device: f.device, code: f.code, input: f.input, outputLength: f.outputLength, site: f.site, ...(f.inputOffset >= 0 ? { inputOffset: f.inputOffset } : {}) }, o);
}

/**
 * The reproducers in a replay file: a `kmdll surface --json` report (its findings), one
 * reproducer object, or an array of them. Pure.
 */
export function reproducersOf(json: unknown, file: string): Reproducer[] {
  const list = Array.isArray(json) ? json : json && typeof json === "object" && Array.isArray((json as { findings?: unknown }).findings) ? (json as { findings: unknown[] }).findings : [json];
  return list.map((x, i) => {
    const r = x as Record<string, unknown>;
    const code = r.code ?? r.ioctl;
    if (!r || typeof r !== "object" || typeof r.device !== "string" || typeof code !== "string" || typeof r.input !== "string")
      throw new KmdllError(`${file}: reproducer ${i} needs "device", "code" (or "ioctl") and "input" (hex) strings`);
    return {
      device: r.device,
      code,
      input: r.input,
      outputLength: typeof r.outputLength === "number" && r.outputLength >= 0 && r.outputLength <= 0x100000 ? r.outputLength : 0x1000,
      ...(typeof r.rule === "string" ? { rule: r.rule as RuleId } : {}),
      ...(typeof r.site === "string" ? { site: r.site } : {}),
      ...(typeof r.inputOffset === "number" && r.inputOffset >= 0 ? { inputOffset: r.inputOffset } : {}),
    };
  });
}
