/**
 * Benchmark: `kmdll scan` over Debian's wine64 PE corpus versus
 * `llvm-readobj --coff-imports --coff-exports` over the same files (`npm run bench:scan [-- DIR]`).
 *
 * kmdll scan does more than llvm-readobj (it also runs every conformance check and resolves every
 * import against the other images), so the ratio is an upper bound of the cost of reading the
 * import/export tables. llvm-readobj stops at the first file it rejects, so it is run over the
 * whole list and restarted after any file it refuses. Rows:
 *  - `kmdll scan -q --json --jobs 2 DIR` (process) vs llvm-readobj (one process)   target ≤ 1.0×
 *    (≥ 1.0× llvm-readobj's files/s)
 *  - `kmdll scan --jobs 2` vs `--jobs 1` (processes)                                target < 1.0×
 *  - the library (scanDirectory, in process), jobs 2, vs llvm-readobj
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { scanDirectory } from "../src/scan/index.js";
import { looksLikePe, walkFiles } from "../src/scan/walk.js";
import { type BenchOptions, type BenchRow, isMain, kmdll, median, REPO, row, runTimed, table, timeAsync, WINE } from "./harness.js";

/** llvm-readobj over the list, restarting after each file it rejects. Returns the rejected files. */
function readobjAll(files: string[]): string[] {
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

export async function run(opts: BenchOptions & { dir?: string } = {}): Promise<BenchRow[]> {
  const dir = opts.dir ?? (existsSync(WINE) && !opts.quick ? WINE : `${REPO}/test/fixtures/x64`);
  const files = walkFiles(dir).files.filter((f) => looksLikePe(f.path)).map((f) => f.path);
  const rounds = opts.quick ? 1 : 7;
  // The readobj "command" is a function here (restarts); time it interleaved with the kmdll processes by hand.
  const scanJobs = (j: number) => kmdll("scan", "-q", "--json", "--jobs", String(j), dir);
  const ok = [0, 1];
  const ro: number[] = [];
  const k2: number[] = [];
  const k1: number[] = [];
  const readobjMs = () => {
    const t = process.hrtime.bigint();
    readobjAll(files);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  // Warm-up round, then interleaved rounds.
  readobjMs();
  runTimed({ ...scanJobs(2), ok });
  runTimed({ ...scanJobs(1), ok });
  for (let i = 0; i < rounds; i++) {
    ro.push(readobjMs());
    k2.push(runTimed({ ...scanJobs(2), ok }));
    k1.push(runTimed({ ...scanJobs(1), ok }));
  }
  const lib = median(await Promise.all([0].map(() => timeAsync(() => scanDirectory(dir, { jobs: 2 })))));
  const roMs = median(ro);
  const label = `${files.length} PE files${dir === WINE ? " (wine64)" : ""}`;
  return [
    row(`scan ${label}, --jobs 2 (process)`, median(k2), roMs, "llvm-readobj --coff-imports --coff-exports", "ms", 1.0),
    row(`scan ${label}: --jobs 2 vs --jobs 1 (processes)`, median(k2), median(k1), "kmdll scan --jobs 1", "ms", 1.0),
    row(`scan ${label}, --jobs 2 (library, in process)`, lib, roMs, "llvm-readobj --coff-imports --coff-exports", "ms"),
  ];
}

if (isMain(import.meta.url)) {
  const dir = process.argv.slice(2).find((a) => !a.startsWith("--"));
  process.stdout.write(table(await run({ quick: process.argv.includes("--quick"), ...(dir ? { dir } : {}) })));
}
