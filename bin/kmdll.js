#!/usr/bin/env node
// Thin launcher. The CLI is compiled by `npm run build` to dist/src/cli/main.js (tsc) and bundled
// into dist/bundle/cli/main.js (scripts/bundle.mjs: a few files load faster than ~200 modules).
// The bundle runs when it is at least as new as the tsc output, so a later `tsc` alone runs the
// fresh unbundled modules rather than a stale bundle; KMDLL_UNBUNDLED=1 always runs them.
import { statSync } from "node:fs";
const at = (p) => new URL(p, import.meta.url);
const built = (u) => statSync(u, { throwIfNoEntry: false })?.mtimeMs;
const compiled = built(at("../dist/src/cli/main.js"));
const bundled = process.env.KMDLL_UNBUNDLED ? undefined : built(at("../dist/bundle/cli/main.js"));
if (compiled === undefined && bundled === undefined) {
  process.stderr.write("kmdll: not built yet; run `bash scripts/setup.sh` (or `npm run build`) in the kmdll checkout first\n");
  process.exit(2);
}
const main = bundled !== undefined && (compiled === undefined || bundled >= compiled) ? "../dist/bundle/cli/main.js" : "../dist/src/cli/main.js";
const { run } = await import(at(main).href);
process.exitCode = await run(process.argv.slice(2));
