/**
 * `kmdll surface` as a library function: start the driver in the emulator, list what it exposes
 * to user mode (devices, symbolic links, security, dispatch routines), find the IOCTL codes its
 * device-control path handles (candidates from its code, confirmed by sending each and comparing
 * with an unknown code), explore every handled code with coverage-guided fuzzing (./fuzz.ts),
 * run the detectors (./analyze.ts) on every request, and replay each finding's reproducer in a
 * fresh machine. Deterministic for a seed: fixed order, seeded mutations, the emulator's
 * deterministic clock; only the time budget can cut a run short (the report says so).
 */
import { basename } from "node:path";
import { existsSync, statSync } from "node:fs";
import type { TraceEvent } from "../events.js";
import { KmdllError } from "../errors.js";
import { readImage } from "../io/image.js";
import { L64 } from "../nt/layouts.js";
import { formatStatus } from "../nt/status.js";
import { canonical, ioState, DO_EXCLUSIVE } from "../emu/iomgr/index.js";
import { decodeIoctl, hex32, ioctlCandidates, type IoctlDecoded } from "./ioctl.js";
import { Session, sinkReads, type Probe } from "./session.js";
import { Detectors, toHex, type FindingRecord, type SinkRecord } from "./analyze.js";
import { canaryInput } from "./canary.js";
import { fuzzIoctl } from "./fuzz.js";
import { confirmFinding } from "./replay.js";

export const IRP_MJ_NAMES = [
  "CREATE", "CREATE_NAMED_PIPE", "CLOSE", "READ", "WRITE", "QUERY_INFORMATION", "SET_INFORMATION", "QUERY_EA", "SET_EA",
  "FLUSH_BUFFERS", "QUERY_VOLUME_INFORMATION", "SET_VOLUME_INFORMATION", "DIRECTORY_CONTROL", "FILE_SYSTEM_CONTROL",
  "DEVICE_CONTROL", "INTERNAL_DEVICE_CONTROL", "SHUTDOWN", "LOCK_CONTROL", "CLEANUP", "CREATE_MAILSLOT", "QUERY_SECURITY",
  "SET_SECURITY", "POWER", "SYSTEM_CONTROL", "DEVICE_CHANGE", "QUERY_QUOTA", "SET_QUOTA", "PNP",
].map((n) => `IRP_MJ_${n}`);
const IRP_MJ_DEVICE_CONTROL = 14;
const FILE_DEVICE_SECURE_OPEN = 0x100;

export interface SurfaceOptions {
  root?: string;
  /** Time budget of one request, ms (default 2000). */
  timeoutMs?: number;
  /** Time budget of the whole exploration, ms (default 60 000). */
  budgetMs?: number;
  /** Seed of the fuzzer's mutations (default 1). */
  seed?: number;
  /** Most fuzzing runs per IOCTL (default 300; 0 = only the fixed patterns). */
  runs?: number;
}

export interface DeviceSurface {
  name: string | null;
  links: string[];
  deviceType: string;
  exclusive: boolean;
  secureOpen: boolean;
  /** How it was created: IoCreateDeviceSecure (with its SDDL when known) or IoCreateDevice (default security: the device type's). */
  createdBy: string;
}

export interface IoctlSurface extends IoctlDecoded {
  device: string;
  /** How the driver answered the first input it acted on. */
  status: string;
  inputLength: number;
}

/** A request that faulted, hung or bug-checked: named so it can be replayed; exploration went on. */
export interface BadInput {
  device: string;
  code: string;
  input: string;
  kind: string;
  message: string;
}

export interface SurfaceReport {
  driver: string;
  started: boolean;
  startMessage?: string;
  devices: DeviceSurface[];
  dispatch: { major: string; routine: string }[];
  ioctls: IoctlSurface[];
  findings: FindingRecord[];
  badInputs: BadInput[];
  /** Every sink reached (rule, call site, first use), whether or not the caller controlled it. */
  sinks: SinkRecord[];
  candidates: number;
  requests: number;
  budgetExhausted: boolean;
  seed: number;
  /** Coverage-guided exploration per IOCTL: runs, inputs kept, driver basic blocks reached. */
  fuzz: { code: string; runs: number; corpus: number; blocks: number }[];
  /** Basic blocks of the driver reached by all requests (null: this addon build has no block hook). */
  blocks: number | null;
  /** Wall-clock time of the whole run, ms. */
  elapsedMs: number;
}

/** Bad inputs listed per code and fault site at most once, and at most this many in all. */
const MAX_BAD_INPUTS = 40;
const INPUT_SIZES = [0, 4, 8, 16, 24, 32, 64, 256, 1024];
const OUTPUT_LENGTH = 0x1000;
/** A code no driver handles: the device-control path's answer to it is the baseline. */
const UNKNOWN_CODE = 0x7fee3ffb;

/** An input pattern: `u64` — the n-th little-endian u64 is (n+1)*k, so values tell their offset; `u32` — every u32 is k. */
type Pattern = { kind: "u64" | "u32"; k: bigint };

/** Input of `size` bytes filled with a pattern. */
export function patternInput(size: number, p: Pattern): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (p.kind === "u32") {
    for (let o = 0; o + 4 <= size; o += 4) dv.setUint32(o, Number(p.k & 0xffffffffn), true);
    return b;
  }
  for (let o = 0; o + 8 <= size; o += 8) dv.setBigUint64(o, BigInt(o / 8 + 1) * p.k, true);
  if (size % 8 >= 4) dv.setUint32(size - (size % 8), Number((BigInt(Math.floor(size / 8) + 1) * p.k) & 0xffffffffn), true);
  return b;
}
/**
 * Pairs of inputs that differ in every value: large values (addresses, PIDs), small ones (offsets
 * and lengths a check accepts), and every u32 the same small number (unit sizes and counts of 1
 * or 4, as in {PHYSICAL_ADDRESS; ULONG UnitSize; ULONG Count}).
 */
const PAIRS: [Pattern, Pattern][] = [
  [{ kind: "u64", k: 0x10000n }, { kind: "u64", k: 0x30000n }],
  [{ kind: "u64", k: 0x10n }, { kind: "u64", k: 0x20n }],
  [{ kind: "u32", k: 1n }, { kind: "u32", k: 4n }],
];

function signature(p: Probe): string {
  if (!p.outcome.ok) return `fault:${p.fault?.kind ?? p.outcome.reason}`;
  const apis = p.events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api);
  return `${p.outcome.status}:${apis.join(",")}`;
}

export function exploreSurface(imagePath: string, o: SurfaceOptions = {}): SurfaceReport {
  const { image, bytes } = readImage(imagePath);
  if (image.machine !== "x64") throw new KmdllError(`${imagePath}: only x64 drivers can be explored (machine ${String(image.machine)})`);
  if (o.root !== undefined && !(existsSync(o.root) && statSync(o.root).isDirectory())) throw new KmdllError(`${o.root}: the root is not a directory`);
  const timeoutMs = o.timeoutMs ?? 2000;
  const deadline = Date.now() + (o.budgetMs ?? 60000);
  const started = Date.now();
  const seed = o.seed ?? 1;
  const maxRuns = o.runs ?? 300;
  const report: SurfaceReport = { driver: basename(imagePath), started: false, devices: [], dispatch: [], ioctls: [], findings: [], badInputs: [], sinks: [], candidates: 0, requests: 0, budgetExhausted: false, seed, fuzz: [], blocks: null, elapsedMs: 0 };
  const allBlocks = new Set<bigint>();
  const badSeen = new Set<string>();

  let session: Session | null = null;
  const open = (): Session => {
    const s = new Session(imagePath, { ...(o.root !== undefined ? { root: o.root } : {}), timeoutMs });
    s.onApi = sinkReads(s);
    return s;
  };
  try {
    session = open();
    report.started = session.started.ok;
    if (!session.started.ok) {
      report.startMessage = session.started.fault ? `${session.started.fault.kind}: ${session.started.fault.message}` : session.started.message ?? "DriverEntry failed";
      return report;
    }
    const emu = session.executor.emu;
    const obj = session.executor.driverObject(session.module)!;
    const mod = emu.module(session.module)!;
    for (let i = 0; i < IRP_MJ_NAMES.length; i++) {
      const a = emu.mem.u64(obj + BigInt(L64.DRIVER_OBJECT.MajorFunction) + BigInt(8 * i));
      if (a !== 0n && emu.moduleAt(a)?.name.toLowerCase() !== "ntoskrnl.exe") report.dispatch.push({ major: IRP_MJ_NAMES[i]!, routine: emu.where(a) });
    }
    // Devices of this driver and the symbolic links that reach them.
    const io = ioState(emu.kernel);
    // IoCreateDeviceSecure is wdmsec.lib code linked into the driver: it shows as IoCreateDevice
    // followed by a security call on the new device.
    const secure = session.startEvents.filter((e) => e.event === "api" && /!(IoCreateDeviceSecure|ObSetSecurityObjectByPointer|ZwSetSecurityObject|NtSetSecurityObject)$/.test((e as { api: string }).api));
    for (const d of io.devices.values()) {
      if (d.deleted || d.driver !== obj) continue;
      const links = d.name ? [...io.links.entries()].filter(([, t]) => canonical(t) === canonical(d.name!)).map(([l]) => l) : [];
      const flags = emu.mem.u32(d.address + BigInt(L64.DEVICE_OBJECT.Flags));
      const ch = emu.mem.u32(d.address + BigInt(L64.DEVICE_OBJECT.Characteristics));
      const type = emu.mem.u32(d.address + BigInt(L64.DEVICE_OBJECT.DeviceType));
      report.devices.push({
        name: d.name,
        links,
        deviceType: "0x" + type.toString(16),
        exclusive: (flags & DO_EXCLUSIVE) !== 0,
        secureOpen: (ch & FILE_DEVICE_SECURE_OPEN) !== 0,
        createdBy: secure.length
          ? `security descriptor set by DriverEntry (${(secure[0] as { api: string }).api.replace(/^.*!/, "")}; IoCreateDeviceSecure does this)`
          : "IoCreateDevice without a security descriptor (default for the device type: on Windows, any user can open it unless the INF or registry sets one)",
      });
    }
    if (!report.dispatch.some((d) => d.major === IRP_MJ_NAMES[IRP_MJ_DEVICE_CONTROL])) return report;
    const targets = report.devices.filter((d) => d.name !== null).map((d) => d.name!);

    // Candidate codes from the executable sections.
    const cands = new Set<number>();
    for (const s of image.sections) {
      if (!(s.characteristics & 0x20000000) || s.sizeOfRawData === 0) continue;
      const raw = bytes.subarray(s.pointerToRawData, Math.min(bytes.length, s.pointerToRawData + s.sizeOfRawData));
      for (const c of ioctlCandidates(raw)) cands.add(c);
    }
    report.candidates = cands.size;

    const probe = (device: string, code: number, input: Uint8Array, outputLength = OUTPUT_LENGTH): Probe | null => {
      if (Date.now() > deadline) {
        report.budgetExhausted = true;
        return null;
      }
      if (session === null) session = open();
      report.requests++;
      const p = session.ioctl(device, code, input, outputLength);
      for (const [a] of p.blocks) allBlocks.add(a);
      if (report.blocks === null && session.executor.emu.uc.takeBlocks) report.blocks = 0;
      if (!p.outcome.ok) {
        const kind = p.fault?.kind ?? p.outcome.reason;
        const key = `${device}|${code}|${kind}|${p.fault?.rip ?? ""}`;
        if (!badSeen.has(key) && report.badInputs.length < MAX_BAD_INPUTS) {
          badSeen.add(key);
          report.badInputs.push({ device, code: hex32(code), input: toHex(input), kind, message: p.fault?.message ?? p.outcome.message });
        }
        // The machine may be in any state after a fault: the next request starts from a fresh DriverEntry.
        session.dispose();
        session = null;
      }
      return p;
    };
    const emuOf = () => (session ?? (session = open())).executor.emu;
    const detectors = new Detectors({
      isKernelAddress: (a) => emuOf().mem.isMapped(a, 1),
      where: (a) => emuOf().where(a),
    });
    const usable = (p: Probe | null): p is Probe => p !== null && (p.outcome.ok || (p.fault?.kind ?? p.outcome.reason) !== "timeout");
    /** Output length of a request: 4096, or the input's length for drivers that want them equal. */
    const outLen = (same: boolean, input: Uint8Array) => (same ? input.length : OUTPUT_LENGTH);
    const send = (device: string, code: number, input: Uint8Array, same = false): Probe | null => {
      const p = probe(device, code, input, outLen(same, input));
      if (usable(p)) detectors.observe(device, code, input, outLen(same, input), p, (other) => {
        const q = probe(device, code, other, outLen(same, other));
        return usable(q) ? q : null;
      });
      return p;
    };

    const handled: { device: string; code: number; hangs: boolean; same: boolean }[] = [];
    for (const device of targets) {
      const baseline = new Map<number, string>();
      const baseBlocks = new Set<bigint>();
      for (const size of INPUT_SIZES) {
        const p = probe(device, UNKNOWN_CODE, patternInput(size, PAIRS[0]![0]));
        if (p === null) break;
        baseline.set(size, signature(p));
        for (const [a] of p.blocks) baseBlocks.add(a);
      }
      /** Per candidate: its first answer and the blocks its requests reached beyond the unknown code's. */
      const quiet: { code: number; size: number; status: string; extra: number }[] = [];
      let foundHere = 0;
      for (const code of cands) {
        // Is the code handled? Its answers to the first pattern, size by size, against the baseline's.
        let found: { size: number; status: string } | null = null;
        let hangs = false;
        const extra = new Set<bigint>();
        let first: { size: number; status: string } | null = null;
        for (const size of INPUT_SIZES) {
          const p = send(device, code, patternInput(size, PAIRS[0]![0]));
          if (p === null) break;
          const status = p.outcome.ok ? formatStatus(p.outcome.status) : `fault: ${p.fault?.kind ?? p.outcome.reason}`;
          first ??= { size, status };
          for (const [a] of p.blocks) if (!baseBlocks.has(a)) extra.add(a);
          if (signature(p) !== baseline.get(size)) {
            found ??= { size, status };
            if (!p.outcome.ok && (p.fault?.kind ?? p.outcome.reason) === "timeout") {
              hangs = true;
              break;
            }
          }
        }
        if (!found) {
          if (first && extra.size) quiet.push({ code, ...first, extra: extra.size });
          continue;
        }
        foundHere++;
        report.ioctls.push({ device, ...decodeIoctl(code), status: found.status, inputLength: found.size });
        handled.push({ device, code, hangs, same: false });
      }
      // Still nothing: drivers that refuse every request whose output length differs from its
      // input length (DBUtil_2_3 does) — the candidates again, with equal lengths.
      if (foundHere === 0) {
        const sameBase = new Map<number, string>();
        for (const size of INPUT_SIZES.filter((n) => n > 0)) {
          const p = probe(device, UNKNOWN_CODE, patternInput(size, PAIRS[0]![0]), size);
          if (p === null) break;
          sameBase.set(size, signature(p));
        }
        for (const code of cands) {
          for (const size of sameBase.keys()) {
            const p = send(device, code, patternInput(size, PAIRS[0]![0]), true);
            if (p === null || signature(p) === sameBase.get(size)) continue;
            foundHere++;
            report.ioctls.push({ device, ...decodeIoctl(code), status: `${p.outcome.ok ? formatStatus(p.outcome.status) : `fault: ${p.fault?.kind ?? p.outcome.reason}`} (output length = input length)`, inputLength: size });
            handled.push({ device, code, hangs: !p.outcome.ok && (p.fault?.kind ?? p.outcome.reason) === "timeout", same: true });
            break;
          }
        }
      }
      // No code answered differently from an unknown one (a driver that fails every request it
      // cannot parse with the same status and no kernel call): the codes that reach basic blocks
      // the unknown code does not are taken instead, the most code first.
      if (foundHere === 0)
        for (const q of quiet.sort((a, b) => b.extra - a.extra || a.code - b.code).slice(0, 64)) {
          report.ioctls.push({ device, ...decodeIoctl(q.code), status: `${q.status} (same answer as an unknown code; ${q.extra} more basic blocks)`, inputLength: q.size });
          handled.push({ device, code: q.code, hangs: false, same: false });
        }
    }

    // Every handled code, fuzzed in turn with an equal share of the remaining budget. The seeds:
    // the fixed patterns (large and small values, u32 units and counts) and canary inputs.
    const seeds = INPUT_SIZES.flatMap((size) => [...PAIRS.flat().map((pt) => patternInput(size, pt)), canaryInput(size)]);
    for (const [i, h] of handled.entries()) {
      if (h.hangs || Date.now() > deadline) continue;
      const share = Math.max(0, (deadline - Date.now()) / (handled.length - i));
      const r = fuzzIoctl(
        (input) => {
          const p = send(h.device, h.code, input, h.same);
          return p === null ? null : { blocks: p.blocks };
        },
        (a, size) => (session ?? (session = open())).code(a, size),
        { seed: (seed ^ h.code) >>> 0, maxRuns, deadline: Math.min(deadline, Date.now() + share), seeds, maxSize: 4096 },
      );
      report.fuzz.push({ code: hex32(h.code), runs: r.runs, corpus: r.corpus, blocks: r.blocks });
    }
    if (Date.now() > deadline) report.budgetExhausted = true;
    report.sinks = detectors.sinks;
    if (report.blocks !== null) report.blocks = allBlocks.size;

    // Each reproducer replayed alone in a fresh machine: DriverEntry, then that one request.
    // Findings of requests sent while looking for handled codes count for the codes found handled.
    const codes = new Set(handled.map((h) => `${h.device}|${hex32(h.code)}`));
    for (const f of detectors.findings.filter((x) => codes.has(`${x.device}|${x.code}`))) {
      f.confirmed = confirmFinding(imagePath, f, { ...(o.root !== undefined ? { root: o.root } : {}), timeoutMs }).confirmed === true;
      report.findings.push(f);
    }
    report.elapsedMs = Date.now() - started;
    return report;
  } finally {
    (session as Session | null)?.dispose();
  }
}

