/**
 * What a `kmdll sim --json` run of start:NAME stop:NAME said, reduced to the facts triage
 * classifies on (classify.ts): per step, its end, the first `fail` and `fault` events, the
 * refusals Windows makes too (`warning` events with a `refusal` field), and the findings at
 * unload. Memory stays bounded however many events a driver makes: the chatty kinds are skipped
 * before parsing, and only the first event of each kind is kept.
 */
import type { TriageFault } from "./types.js";

export interface FailFacts {
  status: string;
  cause?: string;
  module?: string;
  missing?: string;
  message?: string;
  routine?: string;
  failedCall?: { routine: string; status: string; statusName: string; site: string };
  refusal?: string;
}

export interface StepFacts {
  ok: boolean | null;
  result?: string;
  detail?: string;
  fail?: FailFacts;
  fault?: TriageFault & { outsideBuiltin?: boolean; selfDeadlock?: boolean };
  refusal?: { kind: string; message: string };
  /** The first warning naming a kmdll limit met on the way (`limit` field, or rule "emulator-gap"). */
  limit?: { kind: string; message: string };
}

export interface Observed {
  /** Step 1 (start) and 2 (stop). */
  steps: [StepFacts, StepFacts];
  /** The first leak or error-level verifier event, and how many there were. */
  finding?: { event: string; message: string; rule?: string; module?: string };
  findings: number;
  /** The `end` event arrived (the run finished). */
  ended: boolean;
  endOk?: boolean;
  /** Lines that were not JSON (a crash's output). */
  garbage: number;
}

/** Event kinds triage never needs: skipped without parsing. */
const SKIP = /^\{"event":"(dbgprint|api|irp|refcount|call|return|load|unload|hardware|pnp|io|callback|file|interface|errorlog|omitted)"/;

export function newObserved(): Observed {
  return { steps: [{ ok: null }, { ok: null }], findings: 0, ended: false, garbage: 0 };
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Feed one NDJSON line of the child's output. */
export function observeLine(o: Observed, line: string, state: { step: number }): void {
  if (line.length === 0 || SKIP.test(line)) return;
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(line) as Record<string, unknown>;
  } catch {
    o.garbage++;
    return;
  }
  const step = o.steps[state.step === 2 ? 1 : 0];
  switch (e["event"]) {
    case "step":
      if (e["phase"] === "begin") state.step = Number(e["index"]) || state.step;
      else if (e["phase"] === "end") {
        const s = o.steps[Number(e["index"]) === 2 ? 1 : 0];
        s.ok = e["ok"] === true;
        s.result = str(e["result"]);
        s.detail = str(e["detail"]);
      }
      return;
    case "fail":
      if (!step.fail) {
        const f: FailFacts = { status: str(e["status"]) ?? "" };
        for (const k of ["cause", "module", "missing", "message", "routine", "refusal"] as const) if (typeof e[k] === "string") f[k] = e[k] as string;
        if (e["failedCall"] && typeof e["failedCall"] === "object") f.failedCall = e["failedCall"] as FailFacts["failedCall"];
        step.fail = f;
      }
      return;
    case "fault":
      if (!step.fault) {
        step.fault = { kind: str(e["kind"]) ?? "internal", message: str(e["message"]) ?? "" };
        for (const k of ["rip", "symbol", "address", "api", "code", "instructionBytes"] as const) if (typeof e[k] === "string") step.fault[k] = e[k] as string;
        if (e["outsideBuiltin"] === true) step.fault.outsideBuiltin = true;
        const loop = e["loop"] as Record<string, unknown> | undefined;
        if (loop && typeof loop === "object" && typeof loop["why"] === "string") {
          step.fault.loop = { own: loop["own"] === true, why: loop["why"] };
          for (const k of ["start", "end"] as const) if (typeof loop[k] === "string") step.fault.loop[k] = loop[k] as string;
          for (const k of ["blocks", "period"] as const) if (typeof loop[k] === "number") step.fault.loop[k] = loop[k] as number;
        }
        if (e["selfDeadlock"] === true) step.fault.selfDeadlock = true;
      }
      return;
    case "warning":
      if (typeof e["refusal"] === "string" && !step.refusal) step.refusal = { kind: e["refusal"], message: str(e["message"]) ?? "" };
      const limit = typeof e["limit"] === "string" ? e["limit"] : e["rule"] === "emulator-gap" ? "machine-state" : null;
      if (limit !== null && !step.limit) step.limit = { kind: limit, message: str(e["message"]) ?? "" };
      return;
    case "leak":
    case "verifier":
      if (e["event"] === "leak" ? e["level"] === "warning" : e["level"] !== "error") return;
      o.findings++;
      o.finding ??= { event: e["event"], message: str(e["message"]) ?? leakText(e), ...(str(e["rule"]) ? { rule: str(e["rule"])! } : {}), ...(str(e["module"]) ? { module: str(e["module"])! } : {}) };
      return;
    case "end":
      o.ended = true;
      o.endOk = e["ok"] === true;
      return;
  }
}

/** A leak event in words when it has no message: "pool block of 4098 bytes, tag 'Ddk ', allocated at x.sys+0x10". */
function leakText(e: Record<string, unknown>): string {
  const kind = str(e["kind"]) ?? "resource";
  const size = e["size"] ?? e["bytes"];
  const tag = str(e["tag"]);
  const site = str(e["site"]) ?? str(e["allocatedAt"]);
  return `${kind} leak${size !== undefined ? ` of ${String(size)} bytes` : ""}${tag ? `, tag '${tag}'` : ""}${site ? `, allocated at ${site}` : ""}`;
}
