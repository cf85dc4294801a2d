/**
 * `kmdll surface` as a library function: start the driver in the emulator, list what it exposes
 * to user mode (devices, symbolic links, security, dispatch routines), find the IOCTL codes its
 * device-control path handles (candidates from its code, confirmed by sending each and comparing
 * with an unknown code), and run the detectors on every handled code with pairs of inputs.
 * Deterministic: fixed inputs, fixed order, the emulator's deterministic clock.
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
import { followingSinks, sinksOf, type Finding } from "./detect.js";
import { Session, type Probe } from "./session.js";

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
  findings: (Omit<Finding, "input" | "code"> & { code: string; input: string })[];
  badInputs: BadInput[];
  /** Every sink reached (rule, call site, first use), whether or not the caller controlled it. */
  sinks: { rule: string; site: string; what: string; controlled: boolean }[];
  candidates: number;
  requests: number;
  budgetExhausted: boolean;
}

const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
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
  const report: SurfaceReport = { driver: basename(imagePath), started: false, devices: [], dispatch: [], ioctls: [], findings: [], badInputs: [], sinks: [], candidates: 0, requests: 0, budgetExhausted: false };

  let session: Session | null = null;
  const open = (): Session => {
    const s = new Session(imagePath, { ...(o.root !== undefined ? { root: o.root } : {}), timeoutMs });
    s.onApi = (e) => {
      // ZwOpenProcess(&h, access, &oa, &cid): the PID is in the CLIENT_ID, still on the driver's stack now.
      if (!/!(Zw|Nt)OpenProcess$/.test(e.api)) return null;
      try {
        return { pid: "0x" + s.executor.emu.mem.u64(BigInt(e.args[3]!)).toString(16) };
      } catch {
        return null;
      }
    };
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

    const probe = (device: string, code: number, input: Uint8Array): Probe | null => {
      if (Date.now() > deadline) {
        report.budgetExhausted = true;
        return null;
      }
      if (session === null) session = open();
      report.requests++;
      const p = session.ioctl(device, code, input, OUTPUT_LENGTH);
      if (!p.outcome.ok) {
        report.badInputs.push({ device, code: hex32(code), input: toHex(input), kind: p.fault?.kind ?? p.outcome.reason, message: p.fault?.message ?? p.outcome.message });
        // The machine may be in any state after a fault: the next request starts from a fresh DriverEntry.
        session.dispose();
        session = null;
      }
      return p;
    };

    for (const device of targets) {
      const baseline = new Map<number, string>();
      for (const size of INPUT_SIZES) {
        const p = probe(device, UNKNOWN_CODE, patternInput(size, PAIRS[0]![0]));
        if (p === null) break;
        baseline.set(size, signature(p));
      }
      for (const code of cands) {
        // Is the code handled? Its answers to the first pattern, size by size, against the baseline's.
        let handled: { size: number; status: string } | null = null;
        const first = new Map<number, Probe>();
        for (const size of INPUT_SIZES) {
          const p = probe(device, code, patternInput(size, PAIRS[0]![0]));
          if (p === null) break;
          first.set(size, p);
          if (signature(p) !== baseline.get(size)) {
            handled ??= { size, status: p.outcome.ok ? formatStatus(p.outcome.status) : `fault: ${p.fault?.kind ?? p.outcome.reason}` };
            if (!p.outcome.ok && (p.fault?.kind ?? p.outcome.reason) === "timeout") break;
          }
        }
        if (!handled) continue;
        report.ioctls.push({ device, ...decodeIoctl(code), status: handled.status, inputLength: handled.size });
        // The detectors: every size with both inputs of each pair (a request that faulted still
        // shows the kernel calls made before the fault; one that hung is not sent again).
        const usable = (p: Probe | null): p is Probe => p !== null && (p.outcome.ok || (p.fault?.kind ?? p.outcome.reason) !== "timeout");
        for (const [size, p] of first) {
          if (!usable(p)) continue;
          for (const [i, [sa, sb]] of PAIRS.entries()) {
            const inA = patternInput(size, sa);
            const pa = i === 0 ? p : probe(device, code, inA);
            if (!usable(pa)) continue;
            const sinksA = sinksOf(pa.events);
            for (const u of sinksA)
              if (!report.sinks.some((x) => x.rule === u.rule && x.site === u.site)) report.sinks.push({ rule: u.rule, site: u.site, what: u.what, controlled: false });
            if (!sinksA.length) continue;
            const inB = patternInput(size, sb);
            const pb = probe(device, code, inB);
            if (!usable(pb)) continue;
            for (const f of followingSinks({ input: inA, sinks: sinksA }, { input: inB, sinks: sinksOf(pb.events) })) {
              if (report.findings.some((x) => x.rule === f.use.rule && x.site === f.use.site && x.code === hex32(code))) continue;
              for (const x of report.sinks) if (x.rule === f.use.rule && x.site === f.use.site) x.controlled = true;
              report.findings.push({ rule: f.use.rule, device, code: hex32(code), input: toHex(inA), outputLength: OUTPUT_LENGTH, site: f.use.site, what: f.use.what, inputOffset: f.offset });
            }
          }
        }
      }
    }
    return report;
  } finally {
    (session as Session | null)?.dispose();
  }
}

/** Events kept for tests and --trace (none yet). */
export type { TraceEvent };
