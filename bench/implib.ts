/**
 * Import-library benchmark (`npm run bench:implib`): a generated 30,000-export .def → .lib,
 * kmdll vs llvm-dlltool. Prints median wall times of
 *  - the command lines (`kmdll implib` as a process vs `llvm-dlltool` as a process), and
 *  - kmdll in-process (parse + write, what a build tool calling the library pays),
 * and the ratios against llvm-dlltool. Also checks that both libraries list the same symbols.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { generateLargeDef } from "../test/def-gen.js";
import { parseDef } from "../src/formats/def/index.js";
import { writeImportLibrary, readArchive } from "../src/formats/lib/index.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const N = Number(process.env.KMDLL_BENCH_EXPORTS ?? 30_000);
const RUNS = Number(process.env.KMDLL_BENCH_RUNS ?? 7);

function timed(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), "kmdll-bench-implib-"));
try {
  const def = join(dir, "big.def");
  writeFileSync(def, generateLargeDef(N));
  const mine = join(dir, "kmdll.lib");
  const theirs = join(dir, "llvm.lib");
  const cli: number[] = [];
  const lib: number[] = [];
  const llvm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    llvm.push(timed(() => run("llvm-dlltool", ["-m", "i386:x86-64", "-d", def, "-l", theirs])));
    cli.push(timed(() => run(process.execPath, [join(REPO, "bin", "kmdll.js"), "implib", def, "-o", mine, "--machine", "x64"])));
    lib.push(timed(() => writeFileSync(mine, writeImportLibrary(parseDef(readFileSync(def)).def, { machine: "x64" }).bytes)));
  }
  const symbols = (f: string) => readArchive(readFileSync(f)).symbols!.map((s) => s.name).sort().join("\n");
  const same = symbols(mine) === symbols(theirs);
  const l = median(llvm);
  const c = median(cli);
  const k = median(lib);
  const size = (f: string) => (readFileSync(f).length / 1024).toFixed(0) + " KiB";
  process.stdout.write(
    `implib: ${N} exports → .lib, median of ${RUNS} runs\n` +
      `  llvm-dlltool (process)      ${l.toFixed(1).padStart(8)} ms   ${size(theirs)}\n` +
      `  kmdll implib (process)      ${c.toFixed(1).padStart(8)} ms   ${size(mine)}   ratio kmdll/llvm-dlltool = ${(c / l).toFixed(2)}\n` +
      `  kmdll library (in-process)  ${k.toFixed(1).padStart(8)} ms                ratio kmdll/llvm-dlltool = ${(k / l).toFixed(2)}\n` +
      `  same archive symbols as llvm-dlltool: ${same ? "yes" : "NO"}\n`,
  );
  if (!same) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
