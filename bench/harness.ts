/**
 * Shared benchmark plumbing: timing processes and functions, and the result rows every
 * benchmark returns. A row always pairs kmdll with an independent reference measured in the
 * same run (interleaved, so machine load hits both alike) and gives their ratio; `npm run
 * bench` (bench/all.ts) prints all rows as one table with the machine and the date.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const KMDLL = join(REPO, "bin", "kmdll.js");
export const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

export interface BenchRow {
  /** What is measured, e.g. "kmdll --version (process)". */
  measure: string;
  /** kmdll's figure, in `unit`. */
  kmdll: number;
  /** The reference's figure, in `unit`. */
  reference: number;
  /** The reference, e.g. "node -e 0", "llvm-dlltool". */
  against: string;
  unit: "ms" | "µs" | "s";
  /** kmdll / reference (times: lower is better). */
  ratio: number;
  /** The goal for the ratio or for kmdll's figure, e.g. "≤ 1.3×" or "≤ 1 µs". */
  target?: string;
  /** Whether the target is met (undefined when there is no target). */
  met?: boolean;
}

/** Options every benchmark takes: `quick` runs fewer repetitions and smaller inputs (a smoke test, not a measurement). */
export interface BenchOptions {
  quick?: boolean;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Wall time of a function in ms. */
export function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export interface Command {
  cmd: string;
  args: string[];
  /** Exit codes that count as success (default [0]). */
  ok?: number[];
}

/** Run a command to completion, output discarded; throws when it fails. Returns the wall time in ms. */
export function runTimed(c: Command): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(c.cmd, c.args, { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) throw new Error(`${c.cmd}: ${r.error.message}`);
  if (!(c.ok ?? [0]).includes(r.status ?? -1)) throw new Error(`${c.cmd} ${c.args.join(" ")} failed (${r.status}): ${r.stderr?.toString().slice(0, 500)}`);
  return ms;
}

/**
 * Median wall times of commands run interleaved (A B C A B C …) after one warm-up round, so a
 * busy machine slows every command of a round alike.
 */
export function interleaved(commands: Command[], rounds: number): number[] {
  for (const c of commands) runTimed(c);
  const times = commands.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) commands.forEach((c, k) => times[k]!.push(runTimed(c)));
  return times.map(median);
}

export function node(...args: string[]): Command {
  return { cmd: process.execPath, args };
}

export function kmdll(...args: string[]): Command {
  return { cmd: process.execPath, args: [KMDLL, ...args] };
}

/** A row comparing two times (ms or µs), with a ratio target "≤ x". */
export function row(measure: string, kmdllValue: number, reference: number, against: string, unit: BenchRow["unit"], maxRatio?: number): BenchRow {
  const ratio = kmdllValue / reference;
  return {
    measure,
    kmdll: kmdllValue,
    reference,
    against,
    unit,
    ratio,
    ...(maxRatio !== undefined ? { target: `≤ ${maxRatio}×`, met: ratio <= maxRatio } : {}),
  };
}

/** Which CLI bin/kmdll.js runs (the same rule as bin/kmdll.js): the esbuild bundle or the tsc output. */
export function cliForm(): string {
  const mtime = (p: string) => statSync(join(REPO, p), { throwIfNoEntry: false })?.mtimeMs;
  const compiled = mtime("dist/src/cli/main.js");
  const bundled = process.env.KMDLL_UNBUNDLED ? undefined : mtime("dist/bundle/cli/cli.cjs");
  return bundled !== undefined && (compiled === undefined || bundled >= compiled) ? "bundled (dist/bundle/cli)" : "unbundled (dist/src)";
}

/** The machine a run was on (for the table's heading). */
export function machine(): string {
  const c = cpus();
  const model = c[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  const load = loadavg().map((x) => x.toFixed(2)).join(" ");
  // NODE_EXTRA_CA_CERTS makes every Node process read and parse those certificates before its
  // first line (about 30 ms of node -e 0's 55 ms on the 2-CPU machine of session 12, kmdll's
  // processes alike), so ratios against node -e 0 differ with and without it: say so.
  const certs = process.env.NODE_EXTRA_CA_CERTS ? ", NODE_EXTRA_CA_CERTS set (every Node process, node -e 0 included, loads those certificates as it starts)" : "";
  return `${model}, ${c.length} logical CPU(s), Node ${process.version}, load average ${load}${certs}`;
}

function fmt(v: number, unit: BenchRow["unit"]): string {
  const digits = unit === "µs" || unit === "s" ? (unit === "s" ? 3 : 2) : v >= 100 ? 0 : 1;
  return `${v.toFixed(digits)} ${unit}`;
}

/** A ratio with two decimals, or two significant digits below 0.01 (never "0.00"). */
function ratioText(x: number): string {
  return x >= 0.01 || x === 0 || !Number.isFinite(x) ? x.toFixed(2) : x.toPrecision(2);
}

/** The rows as a Markdown table. */
export function table(rows: BenchRow[]): string {
  const head = ["measure", "kmdll", "reference", "ratio", "target", "met"];
  const body = rows.map((r) => [r.measure, fmt(r.kmdll, r.unit), `${fmt(r.reference, r.unit)} (${r.against})`, `${ratioText(r.ratio)}×`, r.target ?? "", r.met === undefined ? "" : r.met ? "yes" : "NO"]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(" | ")} |`;
  return [line(head), `|${w.map((n) => "-".repeat(n + 2)).join("|")}|`, ...body.map(line)].join("\n") + "\n";
}

/** Whether a module is the program being run (`node dist/bench/x.js`). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(url);
}
