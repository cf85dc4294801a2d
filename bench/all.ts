/**
 * `npm run bench`: every benchmark, one table. Each row pairs kmdll with an independent
 * reference measured in the same run (node -e 0, llvm-dlltool, llvm-readobj, native clang, the
 * N-API round trip) and gives the ratio, with the target where the project has one. The heading
 * names the machine, its load and the date: the docs quote only tables printed by this command.
 *
 *   npm run bench [-- --quick] [-- --only startup,implib,scan,emu,loader,inspect,check]
 *
 * --quick: small inputs and few repetitions — a smoke test of the benchmarks, not a measurement.
 */
import { loadavg } from "node:os";
import { type BenchOptions, type BenchRow, cliForm, machine, table } from "./harness.js";

const SUITES: Record<string, () => Promise<{ run(o: BenchOptions): Promise<BenchRow[]> }>> = {
  startup: () => import("./startup.js"),
  implib: () => import("./implib.js"),
  scan: () => import("./scan.js"),
  emu: () => import("./emu.js"),
  loader: () => import("./loader.js"),
  inspect: () => import("./inspect.js"),
  check: () => import("./check.js"),
};

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",").filter(Boolean) : Object.keys(SUITES);
const unknown = only.filter((s) => !(s in SUITES));
if (unknown.length) {
  console.error(`bench: unknown suite(s) ${unknown.join(", ")} (known: ${Object.keys(SUITES).join(", ")})`);
  process.exit(2);
}

const started = new Date();
const before = machine();
const rows: BenchRow[] = [];
let failed = false;
for (const name of only) {
  process.stderr.write(`bench: ${name}…\n`);
  try {
    rows.push(...(await (await SUITES[name]!()).run({ quick })));
  } catch (e) {
    failed = true;
    process.stderr.write(`bench: ${name} failed: ${(e as Error).message}\n`);
  }
}
process.stdout.write(
  `kmdll benchmarks${quick ? " (--quick: smoke test, not a measurement)" : ""}, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${Math.round((Date.now() - started.getTime()) / 1000)} s\n` +
    `machine: ${before}\n` +
    `CLI: ${cliForm()}; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n` +
    `ratio = kmdll / reference (times; lower is better)\n\n` +
    table(rows),
);
if (failed) process.exitCode = 1;
