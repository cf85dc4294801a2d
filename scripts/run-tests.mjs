#!/usr/bin/env node
// `npm test`: compile (tsc), build the WebAssembly module (scripts/build-wasm.mjs), bundle the CLI (scripts/bundle.mjs) and run every test/**/*.test.ts with node's built-in test runner.
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=inspect); a path
// argument ending in .test.ts limits the run to those files.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve, relative } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
process.chdir(root);
const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
// tsc still emits JavaScript when there are type errors: run the tests anyway (so one broken
// file does not hide every result), but the run fails at the end.
const typeErrors = tsc.status !== 0;
if (typeErrors) process.stderr.write("run-tests: TypeScript reported errors (above); running the tests anyway, the run will fail\n");
// kmdll implib's WebAssembly module from native/wasm/ (without clang's wasm32 target it prints why and
// the tests check the TypeScript road alone).
spawnSync(process.execPath, ["scripts/build-wasm.mjs"], { stdio: ["ignore", "ignore", "inherit"] });
// The CLI tests run bin/kmdll.js, which runs the bundle when it is newer than the tsc output.
const bundle = spawnSync(process.execPath, ["scripts/bundle.mjs"], { stdio: ["ignore", "ignore", "inherit"] });
const bundleFailed = bundle.status !== 0;
if (bundleFailed) process.stderr.write("run-tests: bundling the CLI failed (above); the tests run the unbundled CLI, the run will fail\n");

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "fixtures" || name === "node_modules") continue;
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const only = args.filter((a) => a.endsWith(".test.ts")).map((a) => relative(root, resolve(a)));
const flags = args.filter((a) => !a.endsWith(".test.ts"));
const files = (only.length ? only : walk("test")).sort().map((f) => join("dist", f.replace(/\.ts$/, ".js")));
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=2", "--test-timeout=600000", ...flags, ...files], { stdio: "inherit" });
process.exit(typeErrors || bundleFailed ? 1 : (r.status ?? 1));
