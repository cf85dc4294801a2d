/**
 * Emulator benchmark (`npm run bench:emu`):
 *  (a) a CPU-bound export (emucomp.sys!Burn, ≥ 10^8 guest instructions) in the emulator vs the
 *      same C (examples/emu-compute/compute_core.c) compiled natively with the host clang; the
 *      guest instruction count comes from llvm-objdump's disassembly of the loop;
 *  (b) API-call throughput: µs per ExAllocatePoolWithTag + ExFreePoolWithTag pair over 10^5
 *      pairs (emucomp.sys!PoolChurn) with the real API handlers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { parsePe } from "../src/formats/pe/index.js";
import { EmulatorExecutor } from "../src/emu/executor.js";
import { loadApis } from "../src/emu/apis.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SYS = join(REPO, "test/fixtures/x64/emucomp.sys");
const ITER = 20_000_000n;
const SEED = 3n;
const PAIRS = 100_000;

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout;
}

/** Instructions per iteration of Burn's loop, from llvm-objdump (the loop may be unrolled). */
function burnInstructions(iterations: bigint): { total: bigint; perIteration: number } {
  const dis = run("llvm-objdump", ["-d", SYS]).split("\n");
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

function nativeBurn(): { seconds: number; value: bigint } {
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
    run("clang", ["-O2", "-o", join(dir, "b"), join(dir, "b.c")]);
    const [v, t] = run(join(dir, "b"), [ITER.toString(), SEED.toString()]).trim().split(" ");
    return { value: BigInt(v!), seconds: Number(t) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const bytes = new Uint8Array(readFileSync(SYS));
  const image = parsePe(bytes);
  const apis = await loadApis();
  const ex = new EmulatorExecutor({ apis, timeoutMs: 600_000 });
  ex.mapImage("emucomp.sys", image, bytes);
  for (const imp of image.imports) for (const fn of imp.functions) ex.writeIat("emucomp.sys", fn.iatRva, ex.kernelExport(imp.dll, fn.name, fn.ordinal)!);
  const rva = (n: string) => image.exports!.functions.find((f) => f.names.includes(n))!.rva!;

  // (a) CPU-bound
  const ins = burnInstructions(ITER);
  ex.callRoutine("emucomp.sys", rva("Burn"), [1000n, SEED], "Burn"); // warm-up (translation)
  const t0 = process.hrtime.bigint();
  const r = ex.callRoutine("emucomp.sys", rva("Burn"), [ITER, SEED], "Burn");
  const emuSec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!r.ok) throw new Error(r.message);
  const nat = nativeBurn();
  if (nat.value !== r.value) throw new Error(`results differ: emulator ${r.value}, native ${nat.value}`);
  console.log(`(a) Burn(${ITER}): ${ins.total} guest instructions (${ins.perIteration} per iteration, from llvm-objdump)`);
  console.log(`    kmdll emulator: ${emuSec.toFixed(3)} s (${(Number(ins.total) / emuSec / 1e6).toFixed(0)} M instructions/s)`);
  console.log(`    native clang -O2: ${nat.seconds.toFixed(3)} s`);
  console.log(`    ratio emulator/native: ${(emuSec / nat.seconds).toFixed(1)}x   (same result ${r.value})`);

  // (b) API throughput
  ex.callRoutine("emucomp.sys", rva("PoolChurn"), [1000n, 64n], "PoolChurn"); // warm-up
  const t1 = process.hrtime.bigint();
  const p = ex.callRoutine("emucomp.sys", rva("PoolChurn"), [BigInt(PAIRS), 64n], "PoolChurn");
  const poolSec = Number(process.hrtime.bigint() - t1) / 1e9;
  if (!p.ok) throw new Error(p.message);
  console.log(`(b) ${PAIRS} ExAllocatePoolWithTag+ExFreePoolWithTag pairs: ${poolSec.toFixed(3)} s = ${((poolSec * 1e6) / PAIRS).toFixed(2)} µs per pair (${((poolSec * 1e6) / PAIRS / 2).toFixed(2)} µs per API call)`);
  ex.close();
}

main().catch((e) => {
  console.error(`bench:emu: ${(e as Error).message}`);
  process.exit(1);
});
