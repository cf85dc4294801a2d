/**
 * Start-up benchmark (`npm run bench:startup`): whole processes against `node -e 0` (what any
 * Node program pays before its first line) and one-file-per-process inspection against
 * llvm-readobj, run interleaved:
 *  - `kmdll --version`                                   target ≤ 1.3× node -e 0
 *  - a tiny driver started and stopped in the emulator  target ≤ 2× node -e 0
 *    (`kmdll sim --install client.sys mydriver.sys -- start:client stop:client`)
 *  - `kmdll inspect FILE`, one process per file, vs `llvm-readobj --file-headers --sections
 *    --coff-imports --coff-exports FILE` (wine64's .sys files, else our fixtures)
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type BenchOptions, type BenchRow, interleaved, isMain, kmdll, node, REPO, row, table, WINE } from "./harness.js";

export async function run(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const rounds = opts.quick ? 3 : 21;
  const fx = (f: string) => join(REPO, "test", "fixtures", "x64", f);
  const [nodeMs, versionMs, simMs] = interleaved(
    [node("-e", "0"), kmdll("--version"), kmdll("sim", "--install", fx("client.sys"), fx("mydriver.sys"), "--", "start:client", "stop:client")],
    rounds,
  );
  const rows = [
    row("kmdll --version (process)", versionMs!, nodeMs!, "node -e 0", "ms", 1.3),
    row("tiny driver start+stop in the emulator (process)", simMs!, nodeMs!, "node -e 0", "ms", 2),
  ];
  const corpus = existsSync(WINE) ? readdirSync(WINE).filter((f) => f.endsWith(".sys")).map((f) => join(WINE, f)) : [fx("mydriver.sys"), fx("client.sys")];
  const files = corpus.slice(0, opts.quick ? 2 : 12);
  const per = interleaved(
    // Both may reject a file (wine's http.sys has an export directory without functions: llvm-readobj refuses it).
    files.flatMap((f) => [{ ...kmdll("inspect", f), ok: [0, 1, 2] }, { cmd: "llvm-readobj", args: ["--file-headers", "--sections", "--coff-imports", "--coff-exports", f], ok: [0, 1] }]),
    opts.quick ? 1 : 5,
  );
  const sum = (k: number) => per.filter((_, i) => i % 2 === k).reduce((a, b) => a + b, 0) / files.length;
  rows.push(row(`kmdll inspect, one process per file (${files.length} .sys files)`, sum(0), sum(1), "llvm-readobj", "ms"));
  return rows;
}

if (isMain(import.meta.url)) process.stdout.write(table(await run({ quick: process.argv.includes("--quick") })));
