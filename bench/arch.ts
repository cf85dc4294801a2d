/**
 * Per-arch emulator benchmark (`npm run bench:arch`): the same driver source
 * (examples/cc-bench/bench.c) built for x64, x86 and ARM64 and run in the emulator of each arch:
 *  (a) BenchSpin, a register-only loop (10^7 rounds), against the same loop compiled natively by
 *      the host clang (the independent reference), and each arch against x64;
 *  (b) BenchPool, 5·10^4 ExAllocatePoolWithTag + ExFreePoolWithTag pairs through the real API
 *      handlers, each arch against x64 (the API path: argument decoding per convention, stdcall
 *      stubs on x86, X4-X7 register reads and LR returns on ARM64).
 * Prints the times and the ratios.
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
const SPIN = 10_000_000;
const SEED = 7;
const PAIRS = 50_000;

function nativeSpin(): { seconds: number; value: number } {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-bench-arch-"));
  try {
    // The loop of BenchSpin, as plain C (ULONG = 32 bits on Windows; uint32_t here).
    const src = `#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
__attribute__((noinline)) uint32_t spin(uint32_t n, uint32_t seed) {
  uint32_t x = seed | 1, acc = 0, i;
  for (i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; acc = acc * 33 + x; }
  return acc;
}
int main(int argc, char **argv) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  uint32_t r = spin((uint32_t)strtoul(argv[1], 0, 0), (uint32_t)strtoul(argv[2], 0, 0));
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%u %.9f\\n", r, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  return 0;
}`;
    writeFileSync(join(dir, "s.c"), src);
    const cc = spawnSync("clang", ["-O2", "-o", join(dir, "s"), join(dir, "s.c")], { encoding: "utf8" });
    if (cc.status !== 0) throw new Error(`clang failed: ${cc.stderr}`);
    const r = spawnSync(join(dir, "s"), [String(SPIN), String(SEED)], { encoding: "utf8" });
    const [v, t] = r.stdout.trim().split(" ");
    return { value: Number(v), seconds: Number(t) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runArch(arch: "x64" | "x86" | "arm64"): Promise<{ spin: number; spinValue: bigint; pool: number }> {
  const file = join(REPO, "test/fixtures", arch, "bench.sys");
  const bytes = new Uint8Array(readFileSync(file));
  const image = parsePe(bytes);
  const ex = new EmulatorExecutor({ apis: await loadApis(), timeoutMs: 600_000, arch });
  try {
    ex.mapImage("bench.sys", image, bytes);
    for (const imp of image.imports) for (const fn of imp.functions) ex.writeIat("bench.sys", fn.iatRva, ex.kernelExport(imp.dll, fn.name, fn.ordinal)!);
    const rva = (n: string) => image.exports!.functions.find((f) => f.names.includes(n))!.rva!;
    const time = (name: string, args: bigint[]): { seconds: number; value: bigint } => {
      ex.callRoutine("bench.sys", rva(name), args.map((a, i) => (i === 0 ? 1000n : a)), name); // warm-up (translation)
      const t = process.hrtime.bigint();
      const r = ex.callRoutine("bench.sys", rva(name), args, name);
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      if (!r.ok) throw new Error(`${arch} ${name}: ${r.message}`);
      return { seconds, value: r.value };
    };
    const spin = time("BenchSpin", [BigInt(SPIN), BigInt(SEED)]);
    const pool = time("BenchPool", [BigInt(PAIRS), 64n]);
    if (pool.value !== BigInt(PAIRS)) throw new Error(`${arch} BenchPool: ${pool.value} of ${PAIRS} pairs succeeded`);
    return { spin: spin.seconds, spinValue: BigInt.asUintN(32, spin.value), pool: pool.seconds };
  } finally {
    ex.close();
  }
}

async function main(): Promise<void> {
  const x64 = await runArch("x64");
  const x86 = await runArch("x86");
  const arm64 = await runArch("arm64");
  const nat = nativeSpin();
  for (const [a, r] of [["x64", x64], ["x86", x86], ["arm64", arm64]] as const)
    if (r.spinValue !== BigInt(nat.value)) throw new Error(`${a}: BenchSpin returned ${r.spinValue}, native ${nat.value}`);
  console.log(`(a) BenchSpin(${SPIN}) — same result ${nat.value} everywhere`);
  console.log(`    native clang -O2: ${nat.seconds.toFixed(3)} s`);
  console.log(`    x64 emulator:     ${x64.spin.toFixed(3)} s  (${(x64.spin / nat.seconds).toFixed(1)}x native)`);
  console.log(`    x86 emulator:     ${x86.spin.toFixed(3)} s  (${(x86.spin / nat.seconds).toFixed(1)}x native)`);
  console.log(`    arm64 emulator:   ${arm64.spin.toFixed(3)} s  (${(arm64.spin / nat.seconds).toFixed(1)}x native)`);
  console.log(`    ratio x86/x64: ${(x86.spin / x64.spin).toFixed(2)}, arm64/x64: ${(arm64.spin / x64.spin).toFixed(2)}`);
  console.log(`(b) BenchPool: ${PAIRS} ExAllocatePoolWithTag+ExFreePoolWithTag pairs`);
  console.log(`    x64: ${x64.pool.toFixed(3)} s = ${((x64.pool * 1e6) / PAIRS / 2).toFixed(2)} µs per API call`);
  console.log(`    x86: ${x86.pool.toFixed(3)} s = ${((x86.pool * 1e6) / PAIRS / 2).toFixed(2)} µs per API call`);
  console.log(`    arm64: ${arm64.pool.toFixed(3)} s = ${((arm64.pool * 1e6) / PAIRS / 2).toFixed(2)} µs per API call`);
  console.log(`    ratio x86/x64: ${(x86.pool / x64.pool).toFixed(2)}, arm64/x64: ${(arm64.pool / x64.pool).toFixed(2)}`);
}

main().catch((e) => {
  console.error(`bench:arch: ${(e as Error).message}`);
  process.exit(1);
});
