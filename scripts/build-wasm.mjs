#!/usr/bin/env node
// Compiles kmdll's WebAssembly (`npm run build` runs it after tsc, before the bundles):
// native/wasm/implib.c (the archive), sort.c (its sort of the names) and def-scan.c (the plain .def scanner) → dist/wasm/implib.wasm,
// what `kmdll implib` uses (src/formats/lib/wasm-archive.ts). It needs clang with the wasm32 target and wasm-ld (Debian:
// clang and lld); without them it prints why and removes a stale module, and kmdll writes
// libraries with the JavaScript writer (the same bytes, slower). No libc: -nostdlib; bulk memory
// operations (Node ≥ 20) so that clang's block copies need no memcpy.
//   node scripts/build-wasm.mjs        build (prints one line)
//   CLANG=/path/to/clang node scripts/build-wasm.mjs
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sources = ["implib.c", "sort.c", "def-scan.c"].map((f) => join(root, "native", "wasm", f));
const out = join(root, "dist", "wasm", "implib.wasm");
const clang = process.env.CLANG || "clang";
mkdirSync(dirname(out), { recursive: true });
const args = ["--target=wasm32", "-O2", "-nostdlib", "-mbulk-memory", "-Wall", "-Wextra", "-Werror", "-Wl,--no-entry", "-Wl,--strip-debug", "-o", out, ...sources];
const r = spawnSync(clang, args, { encoding: "utf8" });
if (r.error || r.status !== 0) {
  rmSync(out, { force: true });
  const why = r.error ? `${clang}: ${r.error.message}` : (r.stderr || r.stdout).trim().split("\n").slice(0, 3).join(" | ");
  process.stderr.write(`build-wasm: ${relative(root, out)} not built (${why}); kmdll implib uses its JavaScript writer\n`);
} else {
  process.stdout.write(`build-wasm: ${relative(root, out)} (${statSync(out).size} bytes)\n`);
}
