/**
 * Loader benchmark (`npm run bench:loader -- [--sizes 10,50,100,200,400] [--sections 2600]`):
 *
 *  (a) import chains m0.sys → m1.sys → … → m(N-1).sys (test/pe-shapes.ts: synthetic export
 *      drivers, each with DllInitialize) loaded by `start:m0` in the emulated kernel; per N the
 *      time, the time per module, the growth against the previous N (1.0 = linear), and — as the
 *      independent tool of the same run — llvm-readobj reading the imports and exports of the same
 *      N files (the ratio says how much the loader costs over one parse of the files);
 *  (b) one export driver with S one-page data sections of equal rights, mapped and called
 *      (coalesced into a few Unicorn regions), against llvm-readobj --sections on the same file;
 *  (c) the loader's own logic without a CPU (ScriptedExecutor, synthetic image models): chains of
 *      1000…8000 modules, to separate its growth from the emulator's mapping cost.
 *
 * Chains longer than the emulator's documented limit (docs/emulator.md, "Limits") end in the
 * clean error, which is printed.
 *
 * In `npm run bench` (bench/all.ts) it gives two rows: a 1000-module chain against llvm-readobj
 * reading the same 1000 files in the same run (target: ≤ 2 s), and the time per module at 1000
 * against the time per module at 100 (linear growth: target ≤ 1.5×).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { importChain, manySections } from "../test/pe-shapes.js";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { callImage } from "../src/sim/call.js";
import { loadApis } from "../src/emu/apis.js";
import { Kernel, ScriptedExecutor, syntheticImage, syntheticSource } from "../src/kernel/index.js";
import { type BenchOptions, type BenchRow, isMain, row } from "./harness.js";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}


function readobj(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync("llvm-readobj", args, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`llvm-readobj failed: ${r.stderr}`);
  return performance.now() - t0;
}

const ms = (v: number) => `${v.toFixed(0).padStart(7)} ms`;

/** Load an n-module chain with start:m0 in the emulated kernel; its time and llvm-readobj's on the same files. */
function chain(n: number): { ms: number; cpuMs: number; readobj: number; ok: boolean; failure: string } {
  const root = mkdtempSync(join(tmpdir(), "kmdll-bench-chain-"));
  try {
    const drivers = join(root, "System32", "drivers");
    mkdirSync(drivers, { recursive: true });
    const files: string[] = [];
    for (const [name, bytes] of importChain(n)) {
      writeFileSync(join(drivers, name), bytes);
      files.push(join(drivers, name));
    }
    let failure = "";
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = runSimulation({
      root,
      steps: [{ kind: "start", name: "m0" }],
      executor: emulatorExecutor,
      sink: (e) => {
        if (e.event === "fail" && !failure) failure = (e as { message: string }).message;
      },
    });
    const t = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    const ro = readobj(["--coff-imports", "--coff-exports", ...files]);
    return { ms: t, cpuMs: (cu.user + cu.system) / 1000, readobj: ro, ok: r.ok, failure };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The rows of `npm run bench`: a 1000-module chain (quick: 120) and its growth from 100 (quick: 30). */
export async function run(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const [small, big] = opts.quick ? [30, 120] : [100, 1000];
  chain(10); // warm-up (JIT, translation of the kernel's code)
  const a = chain(small);
  const b = chain(big);
  if (!a.ok || !b.ok) throw new Error(`the chain did not load: ${a.failure || b.failure}`);
  return [
    { ...row(`loader: ${big} chained export drivers, start:m0 (load, relocate, bind, DllInitialize each; CPU time ${b.cpuMs.toFixed(0)} ms)`, b.ms, b.readobj, `llvm-readobj --coff-imports --coff-exports on the ${big} files`, "ms"), target: "≤ 2000 ms", met: b.ms <= 2000 },
    row(`loader: time per module at ${big} vs at ${small} modules (linear growth = 1.0)`, b.ms / big, a.ms / small, `kmdll itself at ${small}`, "ms", 1.5),
  ];
}

function main(sizes: number[], sections: number): void {
  console.log("(a) import chains: start:m0 loads every module, calls each DllInitialize");
  console.log("      N    kmdll load   per module   growth   llvm-readobj (imports+exports)   ratio");
  let prev: { n: number; t: number } | null = null;
  for (const n of sizes) {
    const { ms: t, readobj: ro, ok, failure } = chain(n);
    const growth = prev ? (t / prev.t / (n / prev.n)).toFixed(2) : "   -";
    console.log(`${String(n).padStart(7)}  ${ms(t)}  ${(t / n).toFixed(2).padStart(8)} ms  ${growth.padStart(6)}   ${ms(ro)}                       ${(t / ro).toFixed(1).padStart(6)}×${ok ? "" : `  FAILED: ${failure}`}`);
    prev = { n, t };
  }

  console.log(`\n(b) one export driver with ${sections} one-page data sections (equal rights): map + DllInitialize + one call`);
  const dir = mkdtempSync(join(tmpdir(), "kmdll-bench-sections-"));
  try {
    const f = join(dir, "many.sys");
    writeFileSync(f, manySections(sections, false));
    const t0 = performance.now();
    const r = callImage(f, "Ping", [], { apis });
    const t = performance.now() - t0;
    const ro = readobj(["--sections", f]);
    console.log(`  kmdll ${ms(t)} (${r.value !== null ? "returned" : `failed: ${r.failure ?? r.fault?.message}`})   llvm-readobj --sections ${ms(ro)}   ratio ${(t / ro).toFixed(1)}×`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log("\n(c) the loader without a CPU (scripted executor): start:m0 over synthetic chains");
  console.log("      N    load        per module   growth");
  let prevPure: { n: number; t: number } | null = null;
  for (const n of [1000, 2000, 4000, 8000]) {
    const D = "\\SystemRoot\\System32\\drivers\\";
    const imgs: Record<string, ReturnType<typeof syntheticImage>> = {};
    for (let k = 0; k < n; k++) {
      imgs[`${D}m${k}.sys`] = syntheticImage({
        ...(k === 0 ? {} : { dllName: `m${k}.sys`, exports: [{ name: "DllInitialize" }, { name: "DllUnload" }, { name: `F${k}` }] }),
        imports: k + 1 < n ? [{ dll: `m${k + 1}.sys`, functions: [`F${k + 1}`] }] : [],
      });
    }
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const kernel = new Kernel({ executor: new ScriptedExecutor(), images: syntheticSource(imgs), sink: () => {} });
      const t0 = performance.now();
      if (!kernel.start("m0").ok) throw new Error("the synthetic chain did not load");
      best = Math.min(best, performance.now() - t0);
    }
    const growth = prevPure ? (best / prevPure.t / (n / prevPure.n)).toFixed(2) : "   -";
    console.log(`${String(n).padStart(7)}  ${ms(best)}  ${(best / n).toFixed(3).padStart(8)} ms  ${growth.padStart(6)}`);
    prevPure = { n, t: best };
  }
}

const apis = await loadApis();
if (isMain(import.meta.url)) main(arg("--sizes", "10,100,200,500,1000,2000").split(",").map(Number), Number(arg("--sections", "2600")));
