/**
 * The `ioctl` step of scenarios: DeviceIoControl from user mode on a device object name —
 * IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_CLOSE — with the output bytes printed and optionally
 * checked. Text form `ioctl:\Device\Name:CODE[:HEXINPUT]`; file form
 * `{"ioctl": "\\Device\\Name", "code": "0x80002004", "input": "010203", "outputLength"?: 256,
 *   "expect"?: "030201", "expectStatus"?: ..., "expectFault"?: ...}`.
 */
import { KmdllError } from "../errors.js";
import { STATUS, formatStatus } from "../nt/status.js";
import type { OpResult } from "./types.js";

export interface IoctlStep {
  kind: "ioctl";
  device: string;
  code: number;
  input: Uint8Array;
  /** Size of the caller's output buffer (default: 256, or the input size when larger). */
  outputLength: number;
  /** Expected output bytes. */
  expect?: Uint8Array;
  expectStatus?: number;
  expectFault?: string;
}

export const DEFAULT_OUTPUT_LENGTH = 256;
const MAX_BUFFER = 1 << 20;

export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function parseHex(text: string, what: string): Uint8Array {
  const t = text.replace(/[\s_]/g, "").replace(/^0x/i, "");
  if (t.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(t)) throw new KmdllError(`${what}: "${text}" is not hex bytes (e.g. 010203)`);
  if (t.length / 2 > MAX_BUFFER) throw new KmdllError(`${what}: more than ${MAX_BUFFER} bytes`);
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function parseCode(v: unknown, what: string): number {
  const t = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : "";
  if (!/^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(t) || Number(t) > 0xffffffff) throw new KmdllError(`${what}: "${String(v)}" is not a 32-bit IOCTL code (e.g. 0x80002004)`);
  return Number(t) >>> 0;
}

/** A device path as a program names it: `\\.\Name`, `\??\Name`, `\GLOBAL??\Name`, `\DosDevices\Name`, `\Device\Name`. */
export function parseDevicePath(name: string, what: string): string {
  const nt = /^\\\\[.?]\\/.test(name) ? name.slice(3) : name;
  if (!/^\\[^\x00-\x1f:*"<>|]+$/.test(nt) || nt.includes("\\\\") || /\?/.test(nt.replace(/^\\(GLOBAL)?\?\?\\/i, "")))
    throw new KmdllError(`${what}: "${name}" is not a device path like \\\\.\\Name, \\??\\Name, \\GLOBAL??\\Name, \\DosDevices\\Name or \\Device\\Name`);
  return name;
}
const parseDevice = parseDevicePath;

function outputLengthFor(input: Uint8Array): number {
  return Math.max(DEFAULT_OUTPUT_LENGTH, input.length);
}

/** `ioctl:\Device\Name:CODE[:HEXINPUT]` (the part after `ioctl:`). */
export function parseIoctlText(rest: string, what: string): IoctlStep {
  const parts = rest.split(":");
  if (parts.length < 2 || parts.length > 3) throw new KmdllError(`${what}: expected ioctl:\\Device\\Name:CODE[:HEXINPUT]`);
  const input = parts[2] ? parseHex(parts[2], what) : new Uint8Array();
  return { kind: "ioctl", device: parseDevice(parts[0]!, what), code: parseCode(parts[1], what), input, outputLength: outputLengthFor(input) };
}

/** A scenario-file step with "ioctl" (the caller has checked the common fields). */
export function parseIoctlObject(s: Record<string, unknown>, what: string, common: { expectStatus?: number; expectFault?: string }): IoctlStep {
  const known = new Set(["ioctl", "code", "input", "outputLength", "expect", "expectStatus", "expectFault"]);
  for (const k of Object.keys(s)) if (!known.has(k)) throw new KmdllError(`${what}: unknown field "${k}" for an ioctl step`);
  if (typeof s.ioctl !== "string") throw new KmdllError(`${what}.ioctl: expected a device name like "\\\\Device\\\\Miniport"`);
  if (s.code === undefined) throw new KmdllError(`${what}: an ioctl step needs "code"`);
  if (s.input !== undefined && typeof s.input !== "string") throw new KmdllError(`${what}.input: expected hex bytes like "010203"`);
  if (s.expect !== undefined && typeof s.expect !== "string") throw new KmdllError(`${what}.expect: expected hex bytes like "030201"`);
  const input = s.input ? parseHex(s.input as string, `${what}.input`) : new Uint8Array();
  let outputLength = outputLengthFor(input);
  if (s.outputLength !== undefined) {
    if (typeof s.outputLength !== "number" || !Number.isInteger(s.outputLength) || s.outputLength < 0 || s.outputLength > MAX_BUFFER)
      throw new KmdllError(`${what}.outputLength: expected an integer from 0 to ${MAX_BUFFER}`);
    outputLength = s.outputLength;
  }
  return {
    kind: "ioctl",
    device: parseDevice(s.ioctl, `${what}.ioctl`),
    code: parseCode(s.code, `${what}.code`),
    input,
    outputLength,
    ...(s.expect !== undefined ? { expect: parseHex(s.expect as string, `${what}.expect`) } : {}),
    ...(common.expectStatus !== undefined ? { expectStatus: common.expectStatus } : {}),
    ...(common.expectFault !== undefined ? { expectFault: common.expectFault } : {}),
  };
}

export function ioctlLabel(s: IoctlStep): string {
  return `ioctl ${s.device} 0x${s.code.toString(16).toUpperCase().padStart(8, "0")}${s.input.length ? ` [${hexBytes(s.input)}]` : ""}`;
}

/** Whether the output matches `expect` (after the status checks passed). */
export function checkIoctlOutput(step: IoctlStep, result: OpResult): string | undefined {
  if (step.expect === undefined || step.expectStatus !== undefined || step.expectFault !== undefined) return undefined;
  const got = result.output ?? "";
  const want = hexBytes(step.expect);
  return got === want ? undefined : `expected output ${want || "(none)"}, got ${got || "(none)"}`;
}

/** Text of an ioctl step's result: status and output bytes. */
export function ioctlResultText(step: IoctlStep, result: OpResult, ok: boolean): string {
  const out = result.output !== undefined ? `, ${result.output.length / 2} byte(s) out: ${result.output || "(none)"}` : "";
  const expected = ok && (step.expectStatus !== undefined || (step.expect !== undefined && result.output === hexBytes(step.expect)));
  return `${formatStatus(result.status)}${out}${expected ? " as expected" : ""}`;
}

export const IOCTL_UNSUPPORTED: OpResult = { ok: false, status: STATUS.NOT_SUPPORTED, message: "this executor has no I/O manager (ioctl steps need the emulator)" };
