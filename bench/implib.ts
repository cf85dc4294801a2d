/**
 * Import-library benchmark (`npm run bench:implib`): a generated 30,000-export .def → .lib,
 * kmdll vs llvm-dlltool. Median wall times (interleaved runs) of
 *  - the command lines (`kmdll implib` as a process vs `llvm-dlltool` as a process), also on a
 *    2,129-export .def (the size of ntoskrnl's export table), and
 *  - kmdll in-process (parse + write, what a build tool calling the library pays, with the
 *    WebAssembly archive writer handed over as the CLI does),
 * and the ratios against llvm-dlltool. Also checks that both libraries list the same symbols.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { generateLargeDef } from "../test/def-gen.js";
import { parseDef } from "../src/formats/def/index.js";
import { writeImportLibrary, readArchive, setArchiveWasm } from "../src/formats/lib/index.js";
import { implibWasm } from "../src/io/wasm.js";
import { type BenchOptions, type BenchRow, interleaved, isMain, kmdll, median, row, table, time } from "./harness.js";

export async function run(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const n = Number(process.env.KMDLL_BENCH_EXPORTS ?? (opts.quick ? 2_000 : 30_000));
  const rounds = Number(process.env.KMDLL_BENCH_RUNS ?? (opts.quick ? 2 : 11));
  const dir = mkdtempSync(join(tmpdir(), "kmdll-bench-implib-"));
  try {
    const def = join(dir, "big.def");
    writeFileSync(def, generateLargeDef(n));
    const small = n > 2_129 ? 2_129 : Math.max(1, n >> 3);
    const smallDef = join(dir, "small.def");
    writeFileSync(smallDef, generateLargeDef(small));
    const mine = join(dir, "kmdll.lib");
    const theirs = join(dir, "llvm.lib");
    const [llvm, cli, llvmSmall, cliSmall] = interleaved(
      [
        { cmd: "llvm-dlltool", args: ["-m", "i386:x86-64", "-d", def, "-l", theirs] },
        kmdll("implib", def, "-o", mine, "--machine", "x64"),
        { cmd: "llvm-dlltool", args: ["-m", "i386:x86-64", "-d", smallDef, "-l", join(dir, "llvm-small.lib")] },
        kmdll("implib", smallDef, "-o", join(dir, "kmdll-small.lib"), "--machine", "x64"),
      ],
      rounds,
    );
    // The library as the CLI uses it: with the WebAssembly archive writer when the build made it.
    setArchiveWasm(implibWasm);
    const lib = median(Array.from({ length: rounds }, () => time(() => writeFileSync(mine, writeImportLibrary(parseDef(readFileSync(def)).def, { machine: "x64" }).bytes))));
    const symbols = (f: string) => readArchive(readFileSync(f)).symbols!.map((s) => s.name).sort().join("\n");
    if (symbols(mine) !== symbols(theirs)) throw new Error("kmdll's and llvm-dlltool's libraries list different symbols");
    const label = `${n.toLocaleString("en")} exports`;
    return [
      row(`implib ${label} (process)`, cli!, llvm!, "llvm-dlltool", "ms", 1.0),
      row(`implib ${label} (library, in process)`, lib, llvm!, "llvm-dlltool", "ms"),
      row(`implib ${small.toLocaleString("en")} exports (process)`, cliSmall!, llvmSmall!, "llvm-dlltool", "ms"),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) process.stdout.write(table(await run({ quick: process.argv.includes("--quick") })));
