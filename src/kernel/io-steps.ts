/**
 * Scenario steps that use devices the way a user-mode program does (parsing only; running them is
 * io-run.ts). A program opens a device by path, names the handle, and sends requests on it:
 *
 *   open:PATH[,as=H][,access=MASK]      CreateFile(PATH, ...) → IRP_MJ_CREATE; handle H (default: the
 *                                       path's last component, e.g. KmdllIoBuf for \\.\KmdllIoBuf)
 *   read:H:LENGTH[,offset=N]            ReadFile(H, LENGTH bytes) → IRP_MJ_READ
 *   write:H:DATA[,offset=N]             WriteFile(H, DATA) → IRP_MJ_WRITE
 *   ioctl:H:CODE[:INPUT][,out=N]        DeviceIoControl(H, CODE, INPUT, N-byte output) → IRP_MJ_DEVICE_CONTROL
 *   ioctl:H:CODE[:INPUT],async          the same, overlapped: a request the driver leaves pending
 *                                       stays outstanding (the step passes) until it completes or
 *                                       a cancel step cancels it
 *   cancel:H                            CancelIo(H): IoCancelIrp on each outstanding request of H,
 *                                       then waits for them to complete
 *   ioctl:PATH:CODE[:INPUT][,out=N]     open PATH, DeviceIoControl, close, in one step
 *   close:H                             CloseHandle(H) → IRP_MJ_CLEANUP, then IRP_MJ_CLOSE
 *   sleep:MS                            Sleep(MS): the emulated clock moves MS milliseconds on (timers
 *                                       fire, their DPCs, work items and system threads run)
 *
 * DATA and INPUT are hex bytes ("0102ff") or @FILE, a file under the scenario's folder (the
 * current folder for command-line steps). Every step takes `,status=S` (the IRP's final status
 * must be S), `,info=N` (and its IoStatus.Information N), `,expect=HEX` (read/ioctl: the bytes
 * returned) and `,fault=KIND` (the step must stop the machine with that fault; `any` for any).
 * Scenario files use objects: {"open": PATH, "as": H, "access": MASK}, {"read": H, "length": N,
 * "offset": N}, {"write": H, "data": HEX | "dataFile": FILE}, {"ioctl": H | PATH, "code": CODE,
 * "input": HEX | "inputFile": FILE, "outputLength": N, "async": BOOL}, {"close": H}, {"cancel": H}, each with "expectStatus",
 * "expectInformation", "expect", "expectFault". PATH: \\.\Name, \??\Name, \GLOBAL??\Name,
 * \DosDevices\Name or \Device\Name (symbolic links followed as the object manager does).
 */
import { KmdllError } from "../errors.js";
import { parseStatus } from "../nt/status.js";

/** Expectations every I/O step may carry. */
export interface IoExpect {
  expectStatus?: number;
  expectFault?: string;
  expectInformation?: bigint;
  /** Bytes the request returns (read, ioctl). */
  expect?: Uint8Array;
}

export type IoStep = IoExpect &
  (
    | { kind: "open"; handle: string; path: string; access?: number }
    | { kind: "read"; handle: string; length: number; offset?: bigint }
    | { kind: "write"; handle: string; data: Uint8Array; offset?: bigint }
    | IoctlStep
    | { kind: "close"; handle: string }
    | { kind: "cancel"; handle: string }
    | { kind: "sleep"; milliseconds: number }
  );

export type IoctlStep = IoExpect & {
  kind: "ioctl";
  /** A handle from an open step, or (without one) a device path opened and closed around the request. */
  handle?: string;
  device?: string;
  code: number;
  input: Uint8Array;
  /** Size of the caller's output buffer (default: 256, or the input size when larger). */
  outputLength: number;
  /** Overlapped (`,async`): a request left pending stays outstanding instead of being waited for. */
  async?: boolean;
};

export const IO_KINDS = ["open", "read", "write", "ioctl", "close", "cancel", "sleep"] as const;
/** Longest sleep step: one hour of emulated time. */
export const MAX_SLEEP_MS = 3_600_000;
export const DEFAULT_OUTPUT_LENGTH = 256;
/** Largest buffer a step may pass (1 MiB). */
export const MAX_BUFFER = 1 << 20;

/** Reads a file a step names (@FILE, inputFile, dataFile); confined to the scenario's folder by the caller. */
export type InputReader = (name: string, what: string) => Uint8Array;

export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function parseHex(text: string, what: string): Uint8Array {
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

function parseCount(v: unknown, what: string, max: number): number {
  const t = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : "";
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t) || Number(t) > max) throw new KmdllError(`${what}: "${String(v)}" is not a byte count from 0 to ${max}`);
  return Number(t);
}

function parseOffset(v: unknown, what: string): bigint {
  const t = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : typeof v === "string" ? v.trim() : "";
  if (!/^(0x[0-9a-f]{1,16}|\d{1,19})$/i.test(t) || BigInt(t) >= 1n << 63n) throw new KmdllError(`${what}: "${String(v)}" is not a file offset (0 to 2^63-1)`);
  return BigInt(t);
}

function parseMask(v: unknown, what: string): number {
  const t = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : "";
  if (!/^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(t) || Number(t) > 0xffffffff) throw new KmdllError(`${what}: "${String(v)}" is not an ACCESS_MASK (e.g. 0x12019f)`);
  return Number(t) >>> 0;
}

function parseExpectStatus(v: unknown, what: string): number {
  const s = typeof v === "string" ? parseStatus(v) : typeof v === "number" ? v >>> 0 : undefined;
  if (s === undefined) throw new KmdllError(`${what}: "${String(v)}" is not an NTSTATUS (e.g. "0xC0000010" or "STATUS_INVALID_DEVICE_REQUEST")`);
  return s;
}

/** A handle name: letters, digits, `_`, `-`, `.` (not a path). */
const HANDLE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

function parseHandle(v: unknown, what: string): string {
  if (typeof v !== "string" || !HANDLE.test(v)) throw new KmdllError(`${what}: "${String(v)}" is not a handle name (letters, digits, _ . -; named by an open step)`);
  return v;
}

/** A device path as a program names it: `\\.\Name`, `\??\Name`, `\GLOBAL??\Name`, `\DosDevices\Name`, `\Device\Name`. */
export function parseDevicePath(name: string, what: string): string {
  const nt = /^\\\\[.?]\\/.test(name) ? name.slice(3) : name;
  if (!/^\\[^\x00-\x1f:*"<>|]+$/.test(nt) || nt.includes("\\\\") || /\?/.test(nt.replace(/^\\(GLOBAL)?\?\?\\/i, "")))
    throw new KmdllError(`${what}: "${name}" is not a device path like \\\\.\\Name, \\??\\Name, \\GLOBAL??\\Name, \\DosDevices\\Name or \\Device\\Name`);
  return name;
}

/** The default handle name of an open: the path's last component, made a valid name. */
export function defaultHandle(path: string): string {
  const last = path.split("\\").filter(Boolean).pop() ?? "h";
  const n = last.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64);
  return /^[A-Za-z_]/.test(n) ? n : `h_${n}`.slice(0, 64);
}

function bytesOf(v: string, what: string, read: InputReader | undefined): Uint8Array {
  if (v.startsWith("@")) {
    if (!read) throw new KmdllError(`${what}: @FILE inputs are not available here`);
    const b = read(v.slice(1), what);
    if (b.length > MAX_BUFFER) throw new KmdllError(`${what}: ${v.slice(1)} is larger than ${MAX_BUFFER} bytes`);
    return b;
  }
  return parseHex(v, what);
}

const outputLengthFor = (input: Uint8Array): number => Math.max(DEFAULT_OUTPUT_LENGTH, input.length);
const TEXT_OPTIONS = ["as", "access", "out", "offset", "status", "info", "expect", "fault", "async"] as const;
type TextOption = (typeof TEXT_OPTIONS)[number];
const TEXT_FORMS: Record<(typeof IO_KINDS)[number], string> = {
  open: "open:PATH[,as=HANDLE]",
  read: "read:HANDLE:LENGTH[,offset=N]",
  write: "write:HANDLE:HEX|@FILE[,offset=N]",
  ioctl: "ioctl:HANDLE|PATH:CODE[:HEX|@FILE][,out=N][,async]",
  close: "close:HANDLE",
  cancel: "cancel:HANDLE",
  sleep: "sleep:MILLISECONDS",
};
const ALLOWED: Record<(typeof IO_KINDS)[number], TextOption[]> = {
  open: ["as", "access", "status", "info", "fault"],
  read: ["offset", "status", "info", "expect", "fault"],
  write: ["offset", "status", "info", "fault"],
  ioctl: ["out", "status", "info", "expect", "fault", "async"],
  close: ["status", "info", "fault"],
  cancel: ["status", "fault"],
  sleep: ["fault"],
};

function expectations(o: Partial<Record<TextOption, string>>, what: string): IoExpect {
  return {
    ...(o.status !== undefined ? { expectStatus: parseExpectStatus(o.status, `${what} status=`) } : {}),
    ...(o.info !== undefined ? { expectInformation: parseOffset(o.info, `${what} info=`) } : {}),
    ...(o.expect !== undefined ? { expect: parseHex(o.expect, `${what} expect=`) } : {}),
    ...(o.fault !== undefined ? { expectFault: o.fault || "any" } : {}),
  };
}

/** Parse the text form of an I/O step (`kind` is known to be one of IO_KINDS; `rest` follows the colon). */
export function parseIoText(kind: (typeof IO_KINDS)[number], rest: string, what: string, read?: InputReader): IoStep {
  const opts: Partial<Record<TextOption, string>> = {};
  let body = rest;
  for (;;) {
    // `key=value`, or the bare flag `async`.
    const m = /,([a-z]+)(?:=([^,]*))?$/.exec(body);
    if (!m || !(TEXT_OPTIONS as readonly string[]).includes(m[1]!) || (m[2] === undefined) !== (m[1] === "async")) break;
    const key = m[1] as TextOption;
    if (!ALLOWED[kind].includes(key)) throw new KmdllError(`${what}: ${kind} steps take no ${key}= (${TEXT_FORMS[kind]}${ALLOWED[kind].includes("status") ? ", plus status= info= fault=" : ""})`);
    if (opts[key] !== undefined) throw new KmdllError(`${what}: ${key}= given twice`);
    opts[key] = m[2] ?? "";
    body = body.slice(0, m.index);
  }
  const e = expectations(opts, what);
  const form = () => new KmdllError(`${what}: expected ${TEXT_FORMS[kind]}`);
  if (kind === "sleep") return { kind, milliseconds: parseCount(body, `${what} (milliseconds)`, MAX_SLEEP_MS), ...e };
  if (kind === "open") {
    if (!body) throw form();
    const path = parseDevicePath(body, what);
    return { kind, path, handle: opts.as !== undefined ? parseHandle(opts.as, `${what} as=`) : defaultHandle(path), ...(opts.access !== undefined ? { access: parseMask(opts.access, `${what} access=`) } : {}), ...e };
  }
  if (kind === "ioctl") {
    // A path contains backslashes; a handle name does not. Split CODE and INPUT off the end.
    const parts = body.split(":");
    if (parts.length < 2 || parts.length > 3) throw new KmdllError(`${what}: expected ioctl:HANDLE:CODE[:HEX|@FILE] or ioctl:\\Device\\Name:CODE[:HEXINPUT]`);
    const target = parts[0]!;
    const input = parts[2] ? bytesOf(parts[2], what, read) : new Uint8Array();
    const outputLength = opts.out !== undefined ? parseCount(opts.out, `${what} out=`, MAX_BUFFER) : outputLengthFor(input);
    const where = target.includes("\\") ? { device: parseDevicePath(target, what) } : { handle: parseHandle(target, what) };
    if (opts.async !== undefined && where.device !== undefined) throw new KmdllError(`${what}: async needs a handle from an open step (ioctl:HANDLE:CODE,async), not a path`);
    return { kind, ...where, code: parseCode(parts[1], what), input, outputLength, ...(opts.async !== undefined ? { async: true } : {}), ...e };
  }
  const colon = body.indexOf(":");
  const handleText = colon < 0 ? body : body.slice(0, colon);
  const arg = colon < 0 ? undefined : body.slice(colon + 1);
  if (!handleText) throw form();
  const handle = parseHandle(handleText, what);
  const offset = opts.offset !== undefined ? { offset: parseOffset(opts.offset, `${what} offset=`) } : {};
  if (kind === "close" || kind === "cancel") {
    if (arg !== undefined) throw form();
    return { kind, handle, ...e };
  }
  if (arg === undefined || arg === "") throw form();
  if (kind === "read") return { kind, handle, length: parseCount(arg, what, MAX_BUFFER), ...offset, ...e };
  return { kind, handle, data: bytesOf(arg, what, read), ...offset, ...e };
}

const OBJECT_FIELDS: Record<(typeof IO_KINDS)[number], string[]> = {
  open: ["open", "as", "access"],
  read: ["read", "length", "offset", "expect"],
  write: ["write", "data", "dataFile", "offset"],
  ioctl: ["ioctl", "code", "input", "inputFile", "outputLength", "expect", "async"],
  close: ["close"],
  cancel: ["cancel"],
  sleep: ["sleep"],
};

/** Every field an I/O step object may have (for "unknown field" errors on objects without a kind). */
export const IO_FIELDS = new Set([...Object.values(OBJECT_FIELDS).flat(), "expectStatus", "expectFault", "expectInformation", "description"]);

/** Parse a scenario-file I/O step object whose kind key is `kind`. */
export function parseIoObject(kind: (typeof IO_KINDS)[number], s: Record<string, unknown>, what: string, read?: InputReader): IoStep {
  const known = new Set([...OBJECT_FIELDS[kind], "expectStatus", "expectFault", "expectInformation", "description"]);
  for (const k of Object.keys(s)) if (!known.has(k)) throw new KmdllError(`${what}: unknown field "${k}" for ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} step`);
  const str = (k: string): string | undefined => {
    if (s[k] === undefined) return undefined;
    if (typeof s[k] !== "string") throw new KmdllError(`${what}.${k}: expected ${k === "expect" || k === "input" || k === "data" ? 'hex bytes like "030201"' : "a string"}`);
    return s[k] as string;
  };
  if (s.expectFault !== undefined && s.expectFault !== true && (typeof s.expectFault !== "string" || !s.expectFault))
    throw new KmdllError(`${what}.expectFault: expected a fault kind like "invalid-write" (or true for any)`);
  const e: IoExpect = {
    ...(s.expectStatus !== undefined ? { expectStatus: parseExpectStatus(s.expectStatus, `${what}.expectStatus`) } : {}),
    ...(s.expectInformation !== undefined ? { expectInformation: parseOffset(s.expectInformation, `${what}.expectInformation`) } : {}),
    ...(s.expectFault !== undefined ? { expectFault: s.expectFault === true ? "any" : (s.expectFault as string) } : {}),
    ...(str("expect") !== undefined ? { expect: parseHex(str("expect")!, `${what}.expect`) } : {}),
  };
  const bytes = (hexKey: string, fileKey: string): Uint8Array | undefined => {
    const h = str(hexKey);
    const f = str(fileKey);
    if (h !== undefined && f !== undefined) throw new KmdllError(`${what}: give "${hexKey}" or "${fileKey}", not both`);
    if (f !== undefined) return bytesOf("@" + f, `${what}.${fileKey}`, read);
    return h !== undefined ? parseHex(h, `${what}.${hexKey}`) : undefined;
  };
  const offset = s.offset !== undefined ? { offset: parseOffset(s.offset, `${what}.offset`) } : {};
  if (kind === "sleep") {
    if (s.expectStatus !== undefined || s.expectInformation !== undefined || s.expect !== undefined) throw new KmdllError(`${what}: a sleep step takes only "expectFault"`);
    return { kind, milliseconds: parseCount(s.sleep, `${what}.sleep (milliseconds)`, MAX_SLEEP_MS), ...e };
  }
  const value = str(kind);
  if (!value) throw new KmdllError(`${what}.${kind}: expected ${kind === "open" || kind === "ioctl" ? "a device path" : "a handle name"}`);
  switch (kind) {
    case "open": {
      const path = parseDevicePath(value, `${what}.open`);
      return { kind, path, handle: s.as !== undefined ? parseHandle(s.as, `${what}.as`) : defaultHandle(path), ...(s.access !== undefined ? { access: parseMask(s.access, `${what}.access`) } : {}), ...e };
    }
    case "read":
      if (s.length === undefined) throw new KmdllError(`${what}: a read step needs "length"`);
      return { kind, handle: parseHandle(value, `${what}.read`), length: parseCount(s.length, `${what}.length`, MAX_BUFFER), ...offset, ...e };
    case "write": {
      const data = bytes("data", "dataFile");
      if (!data) throw new KmdllError(`${what}: a write step needs "data" (hex) or "dataFile"`);
      return { kind, handle: parseHandle(value, `${what}.write`), data, ...offset, ...e };
    }
    case "ioctl": {
      if (s.code === undefined) throw new KmdllError(`${what}: an ioctl step needs "code"`);
      const input = bytes("input", "inputFile") ?? new Uint8Array();
      let outputLength = outputLengthFor(input);
      if (s.outputLength !== undefined) {
        if (typeof s.outputLength !== "number" || !Number.isInteger(s.outputLength) || s.outputLength < 0 || s.outputLength > MAX_BUFFER)
          throw new KmdllError(`${what}.outputLength: expected an integer from 0 to ${MAX_BUFFER}`);
        outputLength = s.outputLength;
      }
      const where = value.includes("\\") ? { device: parseDevicePath(value, `${what}.ioctl`) } : { handle: parseHandle(value, `${what}.ioctl`) };
      if (s.async !== undefined && typeof s.async !== "boolean") throw new KmdllError(`${what}.async: expected true or false`);
      if (s.async === true && where.device !== undefined) throw new KmdllError(`${what}: "async" needs a handle from an open step, not a path`);
      return { kind, ...where, code: parseCode(s.code, `${what}.code`), input, outputLength, ...(s.async === true ? { async: true } : {}), ...e };
    }
    case "close":
      return { kind, handle: parseHandle(value, `${what}.close`), ...e };
    case "cancel":
      return { kind, handle: parseHandle(value, `${what}.cancel`), ...e };
  }
}
