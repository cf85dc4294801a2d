/**
 * `npm run fuzz -- [--long] [--target NAME[,NAME]] [--seed N] [--time SECONDS] [--runs N] [--path P]`
 *
 * Runs the fuzz targets of test/fuzz/targets.ts. Default: every target for 2 s with a fresh seed.
 * `--long` (nightly): 120 s per target. A failure prints the target, the seed, the shrunk
 * counterexample and the command that replays it (`--target X --seed S --path P`); exit 1.
 */
import fc from "fast-check";
import { TARGETS } from "./targets.js";

interface Args {
  long: boolean;
  targets: string[] | null;
  seed: number | null;
  seconds: number | null;
  runs: number | null;
  path: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { long: false, targets: null, seed: null, seconds: null, runs: null, path: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === "--long") a.long = true;
    else if (k === "--target") a.targets = v().split(",");
    else if (k === "--seed") a.seed = Number(v());
    else if (k === "--time") a.seconds = Number(v());
    else if (k === "--runs") a.runs = Number(v());
    else if (k === "--path") a.path = v();
    else if (k === "--help" || k === "-h") {
      process.stdout.write("usage: npm run fuzz -- [--long] [--target NAME[,NAME]] [--seed N] [--time SECONDS] [--runs N] [--path P]\n\ntargets:\n" + TARGETS.map((t) => `  ${t.name.padEnd(15)} ${t.about}\n`).join(""));
      process.exit(0);
    } else throw new Error(`unknown argument ${k} (--help)`);
  }
  return a;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const unknown = (args.targets ?? []).filter((t) => !TARGETS.some((x) => x.name === t));
  if (unknown.length) throw new Error(`no target ${unknown.join(", ")} (targets: ${TARGETS.map((t) => t.name).join(", ")})`);
  const chosen = TARGETS.filter((t) => !args.targets || args.targets.includes(t.name));
  const seconds = args.seconds ?? (args.long ? 120 : 2);
  const seed = args.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  let failed = 0;
  for (const t of chosen) {
    const prop = await t.property();
    const t0 = Date.now();
    const r = fc.check(prop, {
      seed,
      numRuns: args.runs ?? Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: seconds * 1000,
      markInterruptAsFailure: false,
      ...(args.path ? { path: args.path } : {}),
    });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (r.failed) {
      failed++;
      process.stdout.write(`FAIL ${t.name}: after ${r.numRuns} runs (${secs} s), seed ${r.seed}, path ${r.counterexamplePath}\n`);
      process.stdout.write(`  counterexample: ${fc.stringify(r.counterexample)}\n`);
      process.stdout.write(`  error: ${r.errorInstance instanceof Error ? (r.errorInstance.stack ?? r.errorInstance.message) : String(r.errorInstance)}\n`);
      process.stdout.write(`  replay: npm run fuzz -- --target ${t.name} --seed ${r.seed} --path ${r.counterexamplePath}\n`);
    } else {
      process.stdout.write(`ok   ${t.name}: ${r.numRuns} runs in ${secs} s (seed ${seed})\n`);
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fuzz: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
