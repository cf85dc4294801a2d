/**
 * Benchmark: parse every PE of the wine64 corpus in one process (kmdll's reader: read the file,
 * parse headers, sections, every directory, compute the checksum) vs llvm-readobj
 * --file-headers --sections --coff-exports --coff-imports over the same files (batched, like the
 * tests run it). Prints both times and the ratio. `npm run bench:inspect [DIR...]`
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../src/errors.js";
import { readImage } from "../src/io/image.js";
import { type BenchOptions, type BenchRow, isMain, REPO, row } from "./harness.js";

const dirs = process.argv.slice(2).filter((a) => !a.startsWith("--")).length && isMain(import.meta.url)
  ? process.argv.slice(2).filter((a) => !a.startsWith("--"))
  : ["/usr/lib/x86_64-linux-gnu/wine/x86_64-windows", "/usr/lib/x86_64-linux-gnu/wine/i386-windows"].filter(existsSync);
const files = dirs.flatMap((d) => readdirSync(d).map((f) => join(d, f))).filter((p) => statSync(p).isFile());
if (!files.length) files.push(...["mydriver.sys", "client.sys"].map((f) => join(REPO, "test", "fixtures", "x64", f)));
const bytes = files.reduce((a, f) => a + statSync(f).size, 0);

function kmdll(): { ms: number; ok: number; failed: number; exports: number; imports: number } {
  const t = performance.now();
  let ok = 0, failed = 0, exports = 0, imports = 0;
  for (const f of files) {
    try {
      const { image } = readImage(f);
      ok++;
      exports += image.exports?.functions.length ?? 0;
      imports += image.imports.reduce((a, m) => a + m.functions.length, 0);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      failed++;
    }
  }
  return { ms: performance.now() - t, ok, failed, exports, imports };
}

const OPTS = ["--file-headers", "--sections", "--coff-exports", "--coff-imports"];

/** llvm-readobj in batches of 200; it stops at a file it cannot read, so resume after that file. */
function readobj(): number {
  const t = performance.now();
  let rest = files;
  while (rest.length) {
    const batch = rest.slice(0, 200);
    const r = spawnSync("llvm-readobj", [...OPTS, ...batch], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.status === 0) {
      rest = rest.slice(batch.length);
      continue;
    }
    const bad = /llvm-readobj: error: '([^']*)'/.exec(r.stderr)?.[1];
    const idx = bad ? batch.indexOf(bad) : -1;
    if (idx < 0) throw new Error(`llvm-readobj failed: ${r.stderr}`);
    // The failing file again without the option it cannot do (wine's http.sys: exports).
    spawnSync("llvm-readobj", ["--file-headers", "--sections", "--coff-imports", bad!], { encoding: "utf8", maxBuffer: 1 << 28 });
    rest = rest.slice(idx + 1);
  }
  return performance.now() - t;
}

/** In-process reader vs batched llvm-readobj over the corpus (best of 3 after a warm-up). */
export async function run(opts: BenchOptions = {}): Promise<BenchRow[]> {
  if (opts.quick) files.splice(20);
  kmdll();
  readobj();
  const runs = [0, 1, 2].map(() => kmdll());
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const ro = Math.min(...[0, 1, 2].map(() => readobj()));
  const mib = files.reduce((a, f) => a + statSync(f).size, 0) / 1048576;
  return [row(`PE reader, in process (${files.length} files, ${mib.toFixed(0)} MiB: headers, sections, imports, exports)`, best.ms, ro, "llvm-readobj, batched", "ms")];
}

if (isMain(import.meta.url)) {
  kmdll();
  readobj();
  const runs = [0, 1, 2].map(() => kmdll());
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const ro = Math.min(...[0, 1, 2].map(() => readobj()));
  console.log(`corpus: ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB (${dirs.join(", ")})`);
  console.log(`kmdll reader : ${best.ms.toFixed(0)} ms  (${best.ok} parsed, ${best.failed} rejected; ${best.exports} exports, ${best.imports} imports)`);
  console.log(`llvm-readobj : ${ro.toFixed(0)} ms`);
  console.log(`ratio        : kmdll/llvm-readobj = ${(best.ms / ro).toFixed(2)}`);
}
