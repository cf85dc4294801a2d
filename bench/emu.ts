/**
 * Emulator benchmark (`npm run bench:emu`):
 *  (a) a CPU-bound export (emucomp.sys!Burn, ≥ 10^8 guest instructions) in the emulator vs the
 *      same C (examples/emu-compute/compute_core.c) compiled natively with the host clang; the
 *      guest instruction count comes from llvm-objdump's disassembly of the loop;
 *  (b) API-call cost: µs per call over 10^5 ExAllocatePoolWithTag + ExFreePoolWithTag pairs
 *      (emucomp.sys!PoolChurn) with the real API handlers, in process (target ≤ 1 µs) and as a
 *      whole `kmdll call` process (target ≤ 1.5 µs), next to the N-API round trip (the floor);
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { parsePe } from "../src/formats/pe/index.js";
import { EmulatorExecutor } from "../src/emu/executor.js";
import { loadApis } from "../src/emu/apis.js";
import { type BenchOptions, type BenchRow, interleaved, isMain, kmdll, row, table } from "./harness.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SYS = join(REPO, "test/fixtures/x64/emucomp.sys");
const ITER = 20_000_000n;
const SEED = 3n;
const PAIRS = 100_000;

function exec(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout;
}

/** Instructions per iteration of Burn's loop, from llvm-objdump (the loop may be unrolled). */
function burnInstructions(iterations: bigint): { total: bigint; perIteration: number } {
  const dis = exec("llvm-objdump", ["-d", SYS]).split("\n");
  const start = dis.findIndex((l) => l.endsWith("<Burn>:"));
  const body: { addr: number; text: string }[] = [];
  for (let i = start + 1; i < dis.length && dis[i]!.trim() !== ""; i++) {
    const m = /^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)$/.exec(dis[i]!);
    if (m) body.push({ addr: parseInt(m[1]!, 16), text: m[2]!.trim() });
  }
  // The backward conditional jump closes the loop.
  const back = body.find((b) => /^j(ne|nz|b|l)\s+0x([0-9a-f]+)/.test(b.text) && parseInt(/0x([0-9a-f]+)/.exec(b.text)![1]!, 16) < b.addr)!;
  const target = parseInt(/0x([0-9a-f]+)/.exec(back.text)![1]!, 16);
  const loop = body.filter((b) => b.addr >= target && b.addr <= back.addr).length;
  // The induction variable step tells the unroll factor ("addq $2, %r8" → 2 iterations per pass).
  const step = body.filter((b) => b.addr >= target && b.addr <= back.addr).map((b) => /^add[lq]\s+\$(\d+), %r\d+$/.exec(b.text)).find(Boolean);
  const unroll = step ? Number(step[1]) : 1;
  return { total: (iterations / BigInt(unroll)) * BigInt(loop), perIteration: loop / unroll };
}

function nativeBurn(iterations: bigint): { seconds: number; value: bigint } {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-bench-"));
  try {
    const src = `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define CORE_ALLOC(n) malloc(n)
#define CORE_FREE(p) free(p)
#define CORE_API __attribute__((noinline))
#include "${join(REPO, "examples/emu-compute/compute_core.c")}"
int main(int argc, char **argv) {
  u64 n = strtoull(argv[1], 0, 0), s = strtoull(argv[2], 0, 0);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  u64 r = Burn(n, s);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%llu %.9f\\n", r, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  return 0;
}`;
    writeFileSync(join(dir, "b.c"), src);
    exec("clang", ["-O2", "-o", join(dir, "b"), join(dir, "b.c")]);
    const [v, t] = exec(join(dir, "b"), [iterations.toString(), SEED.toString()]).trim().split(" ");
    return { value: BigInt(v!), seconds: Number(t) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whole-process and in-process figures (see the module comment). */
export async function run(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const iter = opts.quick ? 1_000_000n : ITER;
  const pairs = opts.quick ? 2_000 : PAIRS;
  const bytes = new Uint8Array(readFileSync(SYS));
  const image = parsePe(bytes);
  const apis = await loadApis();
  const ex = new EmulatorExecutor({ apis, timeoutMs: 600_000 });
  const rows: BenchRow[] = [];
  try {
    ex.mapImage("emucomp.sys", image, bytes);
    for (const imp of image.imports) for (const fn of imp.functions) ex.writeIat("emucomp.sys", fn.iatRva, ex.kernelExport(imp.dll, fn.name, fn.ordinal)!);
    const rva = (n: string) => image.exports!.functions.find((f) => f.names.includes(n))!.rva!;

    // (a) CPU-bound
    const ins = burnInstructions(iter);
    ex.callRoutine("emucomp.sys", rva("Burn"), [1000n, SEED], "Burn"); // warm-up (translation)
    const t0 = process.hrtime.bigint();
    const r = ex.callRoutine("emucomp.sys", rva("Burn"), [iter, SEED], "Burn");
    const emuSec = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!r.ok) throw new Error(r.message);
    const nat = nativeBurn(iter);
    if (nat.value !== r.value) throw new Error(`results differ: emulator ${r.value}, native ${nat.value}`);
    rows.push(row(`guest code: Burn(${iter}), ${(Number(ins.total) / 1e6).toFixed(0)} M instructions`, emuSec, nat.seconds, "the same C, clang -O2, native", "s"));

    // (b) API calls in process, and the N-API round trip on the same engine (the floor).
    ex.callRoutine("emucomp.sys", rva("PoolChurn"), [1000n, 64n], "PoolChurn"); // warm-up
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage();
    const p = ex.callRoutine("emucomp.sys", rva("PoolChurn"), [BigInt(pairs), 64n], "PoolChurn");
    const perCall = Number(process.hrtime.bigint() - t1) / 1e3 / (2 * pairs);
    const cu1 = process.cpuUsage(c1);
    if (!p.ok) throw new Error(p.message);
    const uc = ex.emu.uc;
    const RAX = ex.emu.C.regs.RAX;
    for (let i = 0; i < 1000; i++) uc.regRead(RAX);
    const t2 = process.hrtime.bigint();
    const c2 = process.cpuUsage();
    for (let i = 0; i < 2 * pairs; i++) uc.regRead(RAX);
    const floor = Number(process.hrtime.bigint() - t2) / 1e3 / (2 * pairs);
    const cu2 = process.cpuUsage(c2);
    // CPU time of this process alongside (on a busy machine wall time is mostly waiting for a core).
    const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / (2 * pairs);
    rows.push(absolute(`kernel API call, in process (${pairs.toLocaleString("en")} ExAllocatePoolWithTag+ExFreePoolWithTag pairs; CPU time ${cpu(cu1).toFixed(2)} µs vs ${cpu(cu2).toFixed(2)} µs)`, perCall, floor, 1));
  } finally {
    ex.close();
  }
  // (c) The same as a whole `kmdll call` process: its wall time over the calls made.
  const [ms] = interleaved([kmdll("call", SYS, "PoolChurn", String(pairs), "64")], opts.quick ? 1 : 5);
  rows.push(absolute(`kernel API call, whole process (kmdll call PoolChurn ${pairs}: process time / ${(2 * pairs).toLocaleString("en")} calls)`, (ms! * 1e3) / (2 * pairs), rows[1]!.reference, 1.5));
  return rows;
}

/** A row whose target is an absolute µs figure; the reference is the N-API round trip. */
function absolute(measure: string, us: number, floorUs: number, maxUs: number): BenchRow {
  return { measure, kmdll: us, reference: floorUs, against: "N-API round trip", unit: "µs", ratio: us / floorUs, target: `≤ ${maxUs} µs`, met: us <= maxUs };
}

if (isMain(import.meta.url)) process.stdout.write(table(await run({ quick: process.argv.includes("--quick") })));
