/**
 * Benchmark: `kmdll scan` over Debian's wine64 PE corpus versus
 * `llvm-readobj --coff-imports --coff-exports` over the same files.
 *
 *   npm run bench:scan [-- DIR] [--jobs N] [--runs N] [--per-file]
 *
 * kmdll scan does more than llvm-readobj (it parses every directory of each image, runs the
 * conformance checks and resolves every import against the other images), so the ratio is an
 * upper bound of the cost of reading import/export tables. llvm-readobj stops at the first
 * file it rejects, so it is run over the whole list and restarted after any file it refuses;
 * a second timing runs one llvm-readobj process per file, as a shell loop would.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { scanDirectory } from "../src/scan/index.js";
import { looksLikePe, walkFiles } from "../src/scan/walk.js";

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const dir = args.find((a, i) => !a.startsWith("--") && !(i > 0 && ["--jobs", "--runs"].includes(args[i - 1]!))) ?? "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const jobs = opt("--jobs", Math.min(8, availableParallelism()));
const runs = opt("--runs", 3);

const files = walkFiles(dir).files.filter((f) => looksLikePe(f.path)).map((f) => f.path);
const repo = new URL("../..", import.meta.url).pathname;

function best(fn: () => void | Promise<void>): Promise<number> {
  return (async () => {
    let min = Infinity;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await fn();
      min = Math.min(min, performance.now() - t);
    }
    return min;
  })();
}

/** llvm-readobj over the list, restarting after each file it rejects. Returns the rejected files. */
function readobjAll(): string[] {
  const rejected: string[] = [];
  let rest = files;
  while (rest.length) {
    const r = spawnSync("llvm-readobj", ["--coff-imports", "--coff-exports", ...rest], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.status === 0) break;
    const m = /error: '([^']+)'/.exec(r.stderr);
    const bad = m ? rest.findIndex((f) => f === m[1]) : -1;
    if (bad < 0) throw new Error(`llvm-readobj failed: ${r.stderr}`);
    rejected.push(rest[bad]!);
    rest = rest.slice(bad + 1);
  }
  return rejected;
}

console.log(`corpus: ${dir}: ${files.length} PE files; best of ${runs} runs; ${jobs} kmdll worker thread(s)`);
let images = 0;
const tLib = await best(async () => {
  const r = await scanDirectory(dir, { jobs });
  images = r.images.length;
});
const tLib1 = await best(async () => void (await scanDirectory(dir, { jobs: 1 })));
const tCli = await best(() => {
  const r = spawnSync(process.execPath, [join(repo, "bin", "kmdll.js"), "scan", "-q", "--json", "--jobs", String(jobs), dir], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`kmdll scan failed (${r.status}): ${r.stderr}`);
  if (!r.stdout) throw new Error(`kmdll scan printed nothing (${r.status}, ${r.error}): ${r.stderr}`);
  const n = (JSON.parse(r.stdout) as { images: number }).images;
  if (n !== files.length) throw new Error(`kmdll scan (CLI) found ${n} images, expected ${files.length}: ${r.stderr}`);
});
let rejected: string[] = [];
const tRo = await best(() => void (rejected = readobjAll()));
// One process per file (as a shell loop would run it): slow, so only with --per-file.
const perFile = args.includes("--per-file");
const tRoEach = perFile
  ? await best(() => {
      for (const f of files) spawnSync("llvm-readobj", ["--coff-imports", "--coff-exports", f], { encoding: "utf8", maxBuffer: 1 << 28 });
    })
  : NaN;

const ms = (t: number) => `${t.toFixed(0).padStart(6)} ms`;
console.log(`kmdll scan (library, ${jobs} workers)      ${ms(tLib)}  (${images} images)`);
console.log(`kmdll scan (library, inline)          ${ms(tLib1)}`);
console.log(`kmdll scan -q --json (CLI process)    ${ms(tCli)}`);
console.log(`llvm-readobj, one process             ${ms(tRo)}  (${rejected.length} file(s) rejected and skipped: ${rejected.map((f) => f.slice(f.lastIndexOf("/") + 1)).join(", ") || "none"})`);
if (perFile) console.log(`llvm-readobj, one process per file    ${ms(tRoEach)}`);
console.log(`ratio kmdll scan (library) / llvm-readobj one process:   ${(tLib / tRo).toFixed(2)}x`);
console.log(`ratio kmdll scan (CLI) / llvm-readobj one process:       ${(tCli / tRo).toFixed(2)}x`);
if (perFile) console.log(`ratio kmdll scan (CLI) / llvm-readobj per file:          ${(tCli / tRoEach).toFixed(2)}x`);
