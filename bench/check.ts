/**
 * `kmdll check` benchmark (`npm run bench:check`): every rule over a corpus of real drivers (the
 * committed fixtures and Debian wine64's .sys files), in process, against llvm-readobj printing
 * the headers, sections, imports and exports of the same files (what the rules need to see).
 * Prints both times and the ratio.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFile } from "../src/check/io.js";
import { type BenchOptions, type BenchRow, isMain, row } from "./harness.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const ROUNDS = 5;

const files = [
  ...["x64", "x86"].flatMap((a) => readdirSync(join(REPO, "test/fixtures", a)).filter((f) => f.endsWith(".sys")).map((f) => join(REPO, "test/fixtures", a, f))),
  ...(existsSync(WINE) ? readdirSync(WINE).filter((f) => f.endsWith(".sys")).map((f) => join(WINE, f)) : []),
];

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}


function measure(list: string[]): { kmdll: number; readobj: number; findings: number } {
  let findings = 0;
  const k = Math.min(
    ...Array.from({ length: ROUNDS }, () =>
      time(() => {
        findings = 0;
        for (const f of list) findings += checkFile(f).findings.length;
      }),
    ),
  );
  // llvm-readobj takes many files per invocation; it may fail on some wine files (it rejects them), which still costs its time.
  const r = Math.min(
    ...Array.from({ length: ROUNDS }, () =>
      time(() => {
        spawnSync("llvm-readobj", ["--file-headers", "--sections", "--coff-imports", "--coff-exports", ...list], { stdio: "ignore" });
      }),
    ),
  );
  return { kmdll: k, readobj: r, findings };
}

/** Every rule in process vs llvm-readobj printing what the rules look at. */
export async function run(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const list = opts.quick ? files.slice(0, 10) : files;
  const m = measure(list);
  return [row(`check, every rule, in process (${list.length} driver images)`, m.kmdll, m.readobj, "llvm-readobj headers+sections+imports+exports", "ms")];
}

if (isMain(import.meta.url)) {
  const m = measure(files);
  console.log(`corpus: ${files.length} driver images, ${m.findings} findings`);
  console.log(`kmdll check (all rules, in process): ${m.kmdll.toFixed(1)} ms  (${(m.kmdll / files.length).toFixed(2)} ms/image)`);
  console.log(`llvm-readobj (headers, sections, imports, exports; one process): ${m.readobj.toFixed(1)} ms`);
  console.log(`ratio kmdll/llvm-readobj: ${(m.kmdll / m.readobj).toFixed(2)}`);
}
