/**
 * Scenarios: a list of steps (start / stop / call) run against a Kernel, with expectations.
 * Steps come from the command line (`start:NAME`, `stop:NAME`, `call:MODULE!EXPORT[:ARG,...]`) or
 * from a scenario file ({"root", "registry", "semantics", "install", "devices", "steps": [...]}).
 */
import type { EventSink } from "../events.js";
import { KmdllError } from "../errors.js";
import { formatStatus, parseStatus } from "../nt/status.js";
import type { Kernel } from "./kernel.js";
import type { OpResult, Semantics } from "./types.js";
import { IO_FIELDS, IO_KINDS, parseIoObject, parseIoText, type InputReader, type IoStep } from "./io-steps.js";
import { checkIo, ioLabel, ioResultText, runIo } from "./io-run.js";

/** `expectFault`: the step must end the simulation with a fault of this kind ("any": any kind). */
export type Step =
  | { kind: "start"; name: string; expectStatus?: number; expectFault?: string }
  | { kind: "stop"; name: string; expectStatus?: number; expectFault?: string }
  | { kind: "call"; module: string; routine: string; args: bigint[]; expect?: bigint; expectStatus?: number; expectFault?: string }
  | IoStep;

const isIo = (s: Step): s is IoStep => (IO_KINDS as readonly string[]).includes(s.kind);

export interface ScenarioFile {
  /** Directory standing for \SystemRoot (System32/drivers/*.sys), absolute. */
  root?: string;
  /** .reg file seeding the registry, absolute. */
  registry?: string;
  semantics?: Semantics;
  /** Driver files copied into a fresh temporary root's System32/drivers (absolute paths). */
  install?: string[];
  /** Device file for the PnP manager (`--devices`, docs/pnp.md), absolute. */
  devices?: string;
  steps: Step[];
}

export interface StepResult {
  step: Step;
  label: string;
  result: OpResult;
  /** Whether the outcome is what the step expected. */
  ok: boolean;
  /** Why it is not (when !ok). */
  detail?: string;
}

function parseInteger(text: string, what: string): bigint {
  const t = text.trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new KmdllError(`${what}: "${text}" is not an integer`);
  const neg = t.startsWith("-");
  const v = BigInt(neg ? t.slice(1) : t);
  return inRange(neg ? -v : v, text, what);
}

/** An argument is one 64-bit register: -2^63 .. 2^64-1 (larger values would be silently truncated). */
function inRange(v: bigint, text: string, what: string): bigint {
  if (v < -(1n << 63n) || v >= 1n << 64n) throw new KmdllError(`${what}: "${text}" does not fit in 64 bits`);
  return v;
}

function parseValue(v: unknown, what: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "number" && Number.isInteger(v)) {
    throw new KmdllError(`${what}: ${JSON.stringify(v)} is beyond JSON's exact integer range; write it as a string ("0x..." or decimal)`);
  }
  if (typeof v === "string") return parseInteger(v, what);
  throw new KmdllError(`${what}: expected an integer, got ${JSON.stringify(v)}`);
}

function parseExpectStatus(v: unknown, what: string): number {
  const s = typeof v === "string" ? parseStatus(v) : typeof v === "number" ? v >>> 0 : undefined;
  if (s === undefined) throw new KmdllError(`${what}: "${String(v)}" is not an NTSTATUS (e.g. "0xC0000034" or "STATUS_OBJECT_NAME_NOT_FOUND")`);
  return s;
}

const NAME = /^[^\\/:*?"<>|\x00-\x1f]+$/;

function checkName(name: string, what: string): string {
  if (!NAME.test(name) || name.includes("..")) throw new KmdllError(`${what}: "${name}" is not a valid driver name`);
  return name;
}

function parseCallTarget(text: string, what: string): { module: string; routine: string } {
  const bang = text.indexOf("!");
  if (bang <= 0 || bang === text.length - 1) throw new KmdllError(`${what}: expected MODULE!EXPORT, got "${text}"`);
  return { module: checkName(text.slice(0, bang), what), routine: text.slice(bang + 1) };
}

/**
 * Parse a command-line step: `start:NAME`, `stop:NAME`, `call:MODULE!EXPORT[:ARG,...]`, or an I/O
 * step (`open:`, `read:`, `write:`, `ioctl:`, `close:`; io-steps.ts). `read` opens @FILE inputs.
 */
export function parseStepText(text: string, read?: InputReader): Step {
  const colon = text.indexOf(":");
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? "" : text.slice(colon + 1);
  const what = `step "${text}"`;
  if ((kind === "start" || kind === "stop") && rest) return { kind, name: checkName(rest, what) };
  if (kind === "call" && rest) {
    const argColon = rest.indexOf(":", rest.indexOf("!"));
    const target = argColon < 0 ? rest : rest.slice(0, argColon);
    const argText = argColon < 0 ? "" : rest.slice(argColon + 1);
    const args = argText ? argText.split(",").map((a) => parseInteger(a, what)) : [];
    return { kind: "call", ...parseCallTarget(target, what), args };
  }
  if ((IO_KINDS as readonly string[]).includes(kind) && rest) return parseIoText(kind as IoStep["kind"], rest, what, read);
  throw new KmdllError(`${what}: expected start:NAME, stop:NAME, call:MODULE!EXPORT[:ARG,...], open:PATH[,as=H], read:H:LENGTH, write:H:HEX, ioctl:H|PATH:CODE[:HEX], close:H or sleep:MS`);
}

/** Parse one step object of a scenario file. */
export function parseStepObject(o: unknown, index: number, read?: InputReader): Step {
  const what = `steps[${index}]`;
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new KmdllError(`${what}: expected an object like {"start": "client"}`);
  const s = o as Record<string, unknown>;
  const known = new Set(["start", "stop", "call", "args", "expect", "expectStatus", "expectFault", "description"]);
  const kinds = ["start", "stop", "call", ...IO_KINDS].filter((k) => k in s);
  if (kinds.length === 0) for (const k of Object.keys(s)) if (!known.has(k) && !IO_FIELDS.has(k)) throw new KmdllError(`${what}: unknown field "${k}"`);
  if (kinds.length !== 1) throw new KmdllError(`${what}: exactly one of "start", "stop", "call", ${IO_KINDS.map((k) => `"${k}"`).join(", ")} is required`);
  if ((IO_KINDS as readonly string[]).includes(kinds[0]!)) return parseIoObject(kinds[0] as IoStep["kind"], s, what, read);
  for (const k of Object.keys(s)) if (!known.has(k)) throw new KmdllError(`${what}: unknown field "${k}"`);
  const expectStatus = s.expectStatus === undefined ? undefined : parseExpectStatus(s.expectStatus, `${what}.expectStatus`);
  let expectFault: string | undefined;
  if (s.expectFault !== undefined) {
    if (s.expectFault === true) expectFault = "any";
    else if (typeof s.expectFault === "string" && s.expectFault) expectFault = s.expectFault;
    else throw new KmdllError(`${what}.expectFault: expected a fault kind like "use-after-free" (or true for any)`);
  }
  const extra = expectFault ? { expectFault } : {};
  const kind = kinds[0] as "start" | "stop" | "call";
  const value = s[kind];
  if (typeof value !== "string" || !value) throw new KmdllError(`${what}.${kind}: expected a string`);
  if (kind === "call") {
    if (s.args !== undefined && !Array.isArray(s.args)) throw new KmdllError(`${what}.args: expected an array of integers`);
    const args = ((s.args as unknown[] | undefined) ?? []).map((a, i) => parseValue(a, `${what}.args[${i}]`));
    const expect = s.expect === undefined ? undefined : parseValue(s.expect, `${what}.expect`);
    return { kind, ...parseCallTarget(value, what), args, ...(expect !== undefined ? { expect } : {}), ...(expectStatus !== undefined ? { expectStatus } : {}), ...extra };
  }
  if (s.args !== undefined || s.expect !== undefined) throw new KmdllError(`${what}: "args"/"expect" only apply to "call" steps`);
  return { kind, name: checkName(value, `${what}.${kind}`), ...(expectStatus !== undefined ? { expectStatus } : {}), ...extra };
}

/**
 * Parse a scenario document. `resolve` turns the file's relative paths into absolute ones
 * (relative to the scenario file).
 */
export function parseScenario(doc: unknown, resolve: (p: string) => string, read?: InputReader): ScenarioFile {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new KmdllError(`scenario: expected a JSON object with "steps"`);
  const d = doc as Record<string, unknown>;
  const known = new Set(["root", "registry", "semantics", "install", "devices", "steps", "description"]);
  for (const k of Object.keys(d)) if (!known.has(k)) throw new KmdllError(`scenario: unknown field "${k}"`);
  if (!Array.isArray(d.steps)) throw new KmdllError(`scenario: "steps" must be an array`);
  const str = (k: string): string | undefined => {
    if (d[k] === undefined) return undefined;
    if (typeof d[k] !== "string" || !d[k]) throw new KmdllError(`scenario: "${k}" must be a string`);
    return d[k] as string;
  };
  const semantics = str("semantics");
  if (semantics !== undefined && semantics !== "documented" && semantics !== "kernel") {
    throw new KmdllError(`scenario: "semantics" must be "documented" or "kernel", not "${semantics}"`);
  }
  let install: string[] | undefined;
  if (d.install !== undefined) {
    if (!Array.isArray(d.install) || d.install.some((x) => typeof x !== "string")) throw new KmdllError(`scenario: "install" must be an array of file paths`);
    install = (d.install as string[]).map(resolve);
  }
  const root = str("root");
  const registry = str("registry");
  const devices = str("devices");
  return {
    ...(root ? { root: resolve(root) } : {}),
    ...(registry ? { registry: resolve(registry) } : {}),
    ...(devices ? { devices: resolve(devices) } : {}),
    ...(semantics ? { semantics: semantics as Semantics } : {}),
    ...(install ? { install } : {}),
    steps: d.steps.map((s, i) => parseStepObject(s, i, read)),
  };
}

export function stepLabel(s: Step): string {
  if (s.kind === "call") return `call ${s.module}!${s.routine}(${s.args.join(", ")})`;
  if (isIo(s)) return ioLabel(s);
  return `${s.kind} ${s.name}`;
}

function sameValue(value: bigint, expect: bigint): boolean {
  return BigInt.asUintN(64, value) === BigInt.asUintN(64, expect) || BigInt.asUintN(32, value) === BigInt.asUintN(32, expect);
}

/** Run one step and judge it against its expectations. */
export function runStep(kernel: Kernel, step: Step): StepResult {
  const label = stepLabel(step);
  const result =
    isIo(step) ? runIo(kernel, step)
    : step.kind === "start" ? kernel.start(step.name) : step.kind === "stop" ? kernel.stop(step.name) : kernel.call(step.module, step.routine, step.args);
  let ok: boolean;
  let detail: string | undefined;
  if (step.expectFault !== undefined) {
    ok = result.crashed === true && (step.expectFault === "any" || result.fault === step.expectFault);
    if (!ok) detail = result.crashed ? `expected a ${step.expectFault} fault, got ${result.fault ?? "another stop"}` : `expected a ${step.expectFault} fault, but the step ${result.ok ? "succeeded" : "failed with " + formatStatus(result.status)}`;
  } else if (step.expectStatus !== undefined) {
    ok = !result.crashed && (result.status === step.expectStatus || result.cause === step.expectStatus);
    if (!ok) detail = `expected ${formatStatus(step.expectStatus)}, got ${formatStatus(result.status)}`;
  } else {
    ok = result.ok;
    if (!ok) detail = result.message ?? `failed with ${formatStatus(result.status)}`;
  }
  if (ok && step.kind === "call" && step.expect !== undefined && step.expectStatus === undefined && step.expectFault === undefined) {
    ok = result.value !== undefined && sameValue(result.value, step.expect);
    if (!ok) detail = `expected ${step.expect}, got ${result.value === undefined ? "nothing" : BigInt.asIntN(32, result.value)} (0x${(result.value ?? 0n).toString(16)})`;
  }
  if (ok && isIo(step)) {
    detail = checkIo(step, result);
    ok = detail === undefined;
  }
  return { step, label, result, ok, ...(detail ? { detail } : {}) };
}

function resultText(r: StepResult): string {
  if (isIo(r.step) && !r.result.crashed) return ioResultText(r.step, r.result, r.ok);
  if (r.step.kind === "call" && r.result.ok && r.result.value !== undefined) {
    return `${BigInt.asIntN(32, r.result.value)} (0x${r.result.value.toString(16)})${r.ok && r.step.expect !== undefined ? " as expected" : ""}`;
  }
  if (r.result.crashed && r.result.fault) return `${r.result.fault} fault${r.ok ? " as expected" : ""}`;
  const cause = r.result.cause !== undefined && r.result.cause !== r.result.status ? ` (cause ${formatStatus(r.result.cause)})` : "";
  return formatStatus(r.result.status) + cause + (r.ok && r.step.expectStatus !== undefined ? " as expected" : "");
}

/**
 * Run steps in order, emitting `step` events (phase "begin" / "end") around each. A crash
 * (fault in guest code) ends the run: later steps are reported as skipped.
 */
export function runSteps(kernel: Kernel, steps: Step[], sink: EventSink): { ok: boolean; results: StepResult[] } {
  const results: StepResult[] = [];
  steps.forEach((step, i) => {
    const label = stepLabel(step);
    if (kernel.crashed) {
      sink({ event: "step", step: label, index: i + 1, phase: "end", ok: false, result: "skipped", detail: "the simulated machine crashed in an earlier step" });
      results.push({ step, label, result: { ok: false, status: 0xc0000001, crashed: true }, ok: false, detail: "skipped after a crash" });
      return;
    }
    sink({ event: "step", step: label, index: i + 1, phase: "begin" });
    const r = runStep(kernel, step);
    // Bus relations a driver invalidated during the step are enumerated now (children started).
    kernel.settleDevices();
    results.push(r);
    sink({
      event: "step",
      step: label,
      index: i + 1,
      phase: "end",
      ok: r.ok,
      result: resultText(r),
      ...(step.expectStatus !== undefined ? { expectStatus: formatStatus(step.expectStatus) } : {}),
      ...(step.expectFault !== undefined ? { expectFault: step.expectFault } : {}),
      ...(step.kind === "call" && step.expect !== undefined ? { expect: step.expect.toString() } : {}),
      ...(r.detail ? { detail: r.detail } : {}),
      ...(r.result.output !== undefined ? { output: r.result.output } : {}),
      ...(r.result.information !== undefined ? { information: r.result.information.toString() } : {}),
    });
  });
  return { ok: results.every((r) => r.ok), results };
}
