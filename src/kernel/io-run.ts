/**
 * Running the I/O steps of io-steps.ts against a Kernel: the request, then the step's verdict
 * (expected status, IoStatus.Information, bytes, fault), its label and its result line.
 */
import { STATUS, formatStatus, statusName } from "../nt/status.js";
import type { Kernel } from "./kernel.js";
import type { OpResult } from "./types.js";
import { hexBytes, type IoStep } from "./io-steps.js";

export const IO_UNSUPPORTED: OpResult = { ok: false, status: STATUS.NOT_SUPPORTED, message: "this executor has no I/O manager (I/O steps need the emulator)" };

/** Send the step's request. */
export function runIo(kernel: Kernel, s: IoStep): OpResult {
  switch (s.kind) {
    case "open":
      return kernel.userIo({ op: "open", handle: s.handle, path: s.path, ...(s.access !== undefined ? { desiredAccess: s.access } : {}) });
    case "read":
      return kernel.userIo({ op: "read", handle: s.handle, length: s.length, ...(s.offset !== undefined ? { offset: s.offset } : {}) });
    case "write":
      return kernel.userIo({ op: "write", handle: s.handle, data: s.data, ...(s.offset !== undefined ? { offset: s.offset } : {}) });
    case "close":
      return kernel.userIo({ op: "close", handle: s.handle });
    case "cancel":
      return kernel.userIo({ op: "cancel", handle: s.handle });
    case "sleep":
      return kernel.userIo({ op: "sleep", milliseconds: s.milliseconds });
    case "ioctl":
      if (s.handle !== undefined) return kernel.userIo({ op: "ioctl", handle: s.handle, code: s.code, input: s.input, outputLength: s.outputLength, ...(s.async ? { async: true } : {}) });
      return kernel.ioctl(s.device!, s.code, s.input, s.outputLength);
  }
}

const code8 = (c: number) => `0x${(c >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
const shortHex = (b: Uint8Array) => (b.length > 32 ? `${hexBytes(b.subarray(0, 32))}… (${b.length} bytes)` : hexBytes(b));

export function ioLabel(s: IoStep): string {
  switch (s.kind) {
    case "open":
      return `open ${s.path} as ${s.handle}`;
    case "read":
      return `read ${s.handle} ${s.length} byte(s)${s.offset !== undefined ? ` at ${s.offset}` : ""}`;
    case "write":
      return `write ${s.handle} [${shortHex(s.data)}]${s.offset !== undefined ? ` at ${s.offset}` : ""}`;
    case "close":
      return `close ${s.handle}`;
    case "cancel":
      return `cancel ${s.handle}`;
    case "sleep":
      return `sleep ${s.milliseconds} ms`;
    case "ioctl":
      return `ioctl ${s.handle ?? s.device} ${code8(s.code)}${s.input.length ? ` [${shortHex(s.input)}]` : ""}${s.async ? " (overlapped)" : ""}`;
  }
}

/** The step's verdict beyond ok/status/fault (which runStep judges): Information and returned bytes. */
export function checkIo(s: IoStep, r: OpResult): string | undefined {
  if (s.expectFault !== undefined) return undefined;
  if (s.expectInformation !== undefined && r.information !== s.expectInformation)
    return `expected IoStatus.Information ${s.expectInformation}, got ${r.information ?? "none"}`;
  if (s.expect !== undefined) {
    const got = r.output ?? "";
    const want = hexBytes(s.expect);
    if (got !== want) return `expected output ${want || "(none)"}, got ${got || "(none)"}`;
  }
  return undefined;
}

/** "0x00000000 STATUS_SUCCESS, Information 5, 5 byte(s) out: 0102030405". */
export function ioResultText(s: IoStep, r: OpResult, ok: boolean): string {
  const name = statusName(r.status);
  const info = r.information !== undefined ? `, Information ${r.information}` : "";
  const out = r.output !== undefined && (s.kind === "read" || s.kind === "ioctl") ? `, ${r.output.length / 2} byte(s) out: ${r.output || "(none)"}` : "";
  if (s.kind === "sleep") return `the emulated clock moved ${s.milliseconds} ms on`;
  // (An overlapped request's IRP and what cancel:H did are in the step's io event: outstanding, cancelled.)
  const facts = r.facts && (s.kind === "close" || s.kind === "open") ? Object.entries(r.facts).filter(([k]) => k === "cleanup" || k === "close" || k === "resolved").map(([k, v]) => `; ${k} ${v}`).join("") : "";
  const expected = ok && (s.expectStatus !== undefined || s.expect !== undefined || s.expectInformation !== undefined);
  return `${formatStatus(r.status)}${name ? " " + name : ""}${info}${out}${facts}${expected ? " as expected" : ""}`;
}
