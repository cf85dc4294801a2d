/**
 * One driver's run in a child process of its own: `kmdll sim --json --install DRIVER [COMPANIONS]
 * -- start:NAME stop:NAME`, the command a user would type, so a hung, crashing or memory-hungry
 * driver (or a crash of the emulator itself) cannot take the batch down. The child is killed when
 * its wall-clock budget runs out or its resident memory passes the cap (read from
 * /proc/PID/statm; the V8 heap is capped too). Its NDJSON events are reduced as they arrive
 * (observe.ts); what remains is classified (classify.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { classify, type ChildEnd } from "./classify.js";
import { newObserved, observeLine } from "./observe.js";
import type { TriageResult } from "./types.js";

/** The options of a run that `kmdll sim` takes as they are. */
export interface SimPassThrough {
  /** Time budget per guest call, seconds (sim --timeout). */
  timeout: number;
  unimplemented?: "fault" | "stub";
  verifier?: "none" | "standard" | "all";
  machine?: string;
  registry?: string;
}

export interface ChildOptions extends SimPassThrough {
  /** Wall-clock budget of the whole child, seconds. */
  wallSeconds: number;
  /** Resident memory cap, MiB. */
  memoryMiB: number;
}

/** bin/kmdll.js (from dist/src/triage/ or the bundle in dist/bundle/cli/: the bundler keeps this URL pointing at the same file). */
const KMDLL_BIN = fileURLToPath(new URL("../../../bin/kmdll.js", import.meta.url));

/** The name `start:`/`stop:` take: the file name without its extension, characters a service name cannot have replaced. */
export function serviceName(file: string): string {
  const stem = basename(file, extname(file)) || basename(file);
  return stem.replace(/[\\/:*?"<>|\x00-\x1f]/g, "_").replace(/\.\./g, "_") || "driver";
}

function regString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The sim arguments for a driver (also shown as the command that reproduces the run). */
export function simArgs(driver: string, companions: string[], service: string, o: SimPassThrough, extraRegistry?: string): string[] {
  return [
    "sim", "--json", "--timeout", String(o.timeout),
    ...(o.unimplemented ? ["--unimplemented", o.unimplemented] : []),
    ...(o.verifier ? ["--verifier", o.verifier] : []),
    ...(o.machine ? ["--machine", o.machine] : []),
    ...(o.registry ? ["--registry", o.registry] : []),
    ...(extraRegistry ? ["--registry", extraRegistry] : []),
    "--install", driver, ...companions, "--", `start:${service}`, `stop:${service}`,
  ];
}

function resident(pid: number): number {
  try {
    // statm: size resident shared ... in pages.
    return Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * 4096;
  } catch {
    return 0;
  }
}

/** Children running and their temporary folders (removed by `abandonChildren` when the batch is interrupted). */
const running = new Map<ChildProcess, string>();

/** Kill every child still running and remove the temporary folders (Ctrl-C on a batch). */
export function abandonChildren(): void {
  for (const [child, temp] of running) {
    child.kill("SIGKILL");
    rmSync(temp, { recursive: true, force: true });
  }
  running.clear();
}

/** Run one driver; never throws for anything the driver or the child does. */
export function runDriver(driver: string, companions: string[], o: ChildOptions): Promise<TriageResult> {
  const t0 = Date.now();
  const service = serviceName(driver);
  // A driver not named NAME.sys (a kernel DLL, an unusual name) gets the ImagePath of its own file name.
  const needKey = basename(driver) !== `${service}.sys`;
  // The child's temporary folder (its TMPDIR: sim's temporary root goes there), removed here
  // however the child ends — a killed child cannot remove its own.
  const temp = mkdtempSync(join(tmpdir(), "kmdll-triage-"));
  let reg: string | undefined;
  if (needKey) {
    reg = join(temp, "service.reg");
    const key = `[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\${service}]`;
    writeFileSync(reg, `Windows Registry Editor Version 5.00\r\n\r\n${key}\r\n"ImagePath"=${regString(`\\SystemRoot\\System32\\drivers\\${basename(driver)}`)}\r\n"Type"=dword:00000001\r\n"Start"=dword:00000003\r\n"ErrorControl"=dword:00000001\r\n`);
  }
  const args = simArgs(driver, companions, service, o, reg);
  // The command that reproduces the run (not for a driver that needed the temporary service key).
  const command = reg ? undefined : `kmdll ${args.filter((a) => a !== "--json").map((a) => (/^[\w.,:/+=@%-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ")}`;
  const heap = Math.max(256, Math.min(o.memoryMiB, 4096));
  const child = spawn(process.execPath, [`--max-old-space-size=${heap}`, KMDLL_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", TMPDIR: temp } });
  running.set(child, temp);
  const observed = newObserved();
  const state = { step: 0 };
  let pending = "";
  let stderr = "";
  let killed: ChildEnd["killed"];
  const kill = (why: NonNullable<ChildEnd["killed"]>) => {
    if (killed) return;
    killed = why;
    child.kill("SIGKILL");
  };
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      observeLine(observed, pending.slice(0, nl), state);
      pending = pending.slice(nl + 1);
    }
    // A line longer than 16 MiB is not an event kmdll writes.
    if (pending.length > 16 << 20) pending = "";
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  const timer = setTimeout(() => kill({ why: "timeout", seconds: o.wallSeconds }), o.wallSeconds * 1000);
  const poll = setInterval(() => {
    if (child.pid !== undefined && resident(child.pid) > o.memoryMiB * 1024 * 1024) kill({ why: "memory", mib: o.memoryMiB });
  }, 250);
  return new Promise((done) => {
    let finished = false;
    const finish = (code: number | null, signal: string | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(poll);
      running.delete(child);
      if (pending) observeLine(observed, pending, state);
      rmSync(temp, { recursive: true, force: true });
      const firstErr = stderr.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
      const verdict = classify(observed, { ...(killed ? { killed } : {}), code, signal, stderr: firstErr.replace(/^kmdll: /, "") });
      done({ file: driver, service, ...verdict, ...(companions.length ? { companions: companions.map((c) => basename(c)) } : {}), ms: Date.now() - t0, ...(command ? { command } : {}) });
    };
    child.on("error", (e) => {
      stderr ||= String(e.message);
      finish(null, null);
    });
    child.on("close", finish);
  });
}
