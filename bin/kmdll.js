#!/usr/bin/env node
// Thin launcher (a CommonJS file: bin/package.json says so, so Node starts it without its ES module
// loader). The CLI is compiled by `npm run build` to dist/src/cli/main.js (tsc) and bundled into
// one CommonJS file, dist/bundle/cli/cli.cjs, with a V8 code cache beside it (scripts/bundle.mjs).
// The bundle runs when it is at least as new as the tsc output, so a later `tsc` alone runs the
// fresh unbundled modules rather than a stale bundle; KMDLL_UNBUNDLED=1 always runs them.
//
// The bundle is compiled with its V8 code cache (./load-bundle.js). `kmdll implib …` runs
// dist/bundle/cli/implib.cjs, a bundle of that command alone with a code cache of its own;
// `kmdll sim …`, `kmdll call …` and `kmdll demo` run dist/bundle/cli/emu.cjs, the emulator commands alone;
// `kmdll scan …` runs dist/bundle/cli/scan.cjs.
"use strict";
const { statSync } = require("node:fs");
const { join } = require("node:path");

const argv = process.argv.slice(2);
const at = (p) => join(__dirname, p);
const built = (p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs;

/**
 * `kmdll scan` with more than one thread: start the scan's worker thread now, so that its start-up
 * (a thread, a V8 isolate, Node's bootstrap, the worker bundle) overlaps the loading of the CLI in
 * this thread. It waits for its work (src/scan/worker.ts); the scan takes it through
 * globalThis[Symbol.for("kmdll.scanWorkers")] (src/scan/index.ts), or stops it when the corpus is
 * too small for a worker. Unreferenced until taken: it never keeps the process alive.
 */
function prestartScanWorker(file) {
  const jobs = argv.findIndex((a) => a === "-j" || a === "--jobs");
  const inline = /^(?:-j|--jobs=)(\d+)$/.exec(argv.find((a) => /^(?:-j|--jobs=)\d+$/.test(a)) ?? "");
  const cpus = require("node:os").availableParallelism();
  const n = jobs >= 0 ? Number(argv[jobs + 1]) : inline ? Number(inline[1]) : Math.min(8, cpus);
  // On 2 CPUs a scan starts no worker below 8192 files per worker (MIN_FILES_PER_WORKER_2_CPUS) unless told otherwise.
  if (cpus <= 2 && !process.env.KMDLL_SCAN_MIN_FILES_PER_WORKER) return;
  if (!(n > 1) || statSync(file, { throwIfNoEntry: false }) === undefined) return;
  const p = { worker: require("./load-bundle.js").startBundleWorker(file) };
  p.worker.unref();
  p.worker.on("error", (e) => (p.failed = e));
  p.worker.on("exit", () => (p.exited = true));
  globalThis[Symbol.for("kmdll.scanWorkers")] = [p];
}

/**
 * `kmdll sim|call|demo`: open the Unicorn addon (and so libunicorn, whose loading and relocation
 * are a large part of an emulator start) on a thread of its own now, while this thread loads the
 * CLI (native/src/preload.c); the emulator's own load of the addon (src/emu/native.ts) then finds
 * it loaded. Without the preload addon (not built), the emulator loads the addon itself as before.
 */
function preloadEmulator() {
  const dir = at("../native/build/Release");
  const preload = { exports: {} };
  try {
    process.dlopen(preload, join(dir, "kmdll_preload.node"));
  } catch {
    return;
  }
  preload.exports.preload(join(dir, "kmdll_unicorn.node"));
}

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  // What `kmdll --version` prints without loading the CLI (src/version.ts equals package.json's version: test/version.test.ts).
  process.stdout.write(`${require("../package.json").version}\n`);
} else {
  const compiled = built(at("../dist/src/cli/main.js"));
  // `kmdll implib …` and `kmdll scan …` run a bundle of that command alone, `kmdll sim|call|demo …` one of the emulator
  // commands (scripts/bundle.mjs; src/cli/emu-main.ts lists them), when the build made them.
  const own = argv[0] === "implib" ? at("../dist/bundle/cli/implib.cjs") : argv[0] === "scan" ? at("../dist/bundle/cli/scan.cjs") : argv[0] === "sim" || argv[0] === "call" || argv[0] === "demo" ? at("../dist/bundle/cli/emu.cjs") : undefined;
  const bundle = own !== undefined && built(own) !== undefined ? own : at("../dist/bundle/cli/cli.cjs");
  const bundled = process.env.KMDLL_UNBUNDLED ? undefined : built(bundle);
  if (compiled === undefined && bundled === undefined) {
    process.stderr.write("kmdll: not built yet; run `bash scripts/setup.sh` (or `npm run build`) in the kmdll checkout first\n");
    process.exitCode = 2;
  } else if (bundled !== undefined && (compiled === undefined || bundled >= compiled)) {
    const emulator = argv[0] === "sim" || argv[0] === "call" || argv[0] === "demo";
    if (emulator) preloadEmulator();
    if (argv[0] === "scan") {
      const worker = at("../dist/bundle/cli/worker.cjs");
      // Every scan worker (src/scan/threads.ts takeWorker) runs worker.cjs with its code cache.
      globalThis[Symbol.for("kmdll.scanWorkerFactory")] = () => require("./load-bundle.js").startBundleWorker(worker);
      prestartScanWorker(worker);
    }
    const { run, cache } = require("./load-bundle.js").loadBundle(bundle);
    // `kmdll implib` runs its WebAssembly module (src/formats/lib/wasm-archive.ts) once: V8's
    // baseline code alone, without compiling the module's hot functions again with TurboFan on
    // another thread for calls that never come (that took more CPU time than the run itself;
    // docs/performance.md, "Import libraries"). Not in a training run: a code cache made after a
    // flag changed is refused by the next run.
    if (argv[0] === "implib" && process.env.KMDLL_WRITE_CODE_CACHE !== "1") require("node:v8").setFlagsFromString("--liftoff-only");
    run(argv).then((code) => {
      process.exitCode = code;
      // scripts/bundle.mjs: a training run writes the code cache for the next runs.
      if (process.env.KMDLL_WRITE_CODE_CACHE === "1") cache?.();
      // The emulator commands end here: their output is written (synchronously, src/cli/program.ts)
      // and they leave nothing running. process.exit skips Node's teardown of the heap (tens of MB
      // freed page by page after an emulator run), which nobody observes; the exit code is the same.
      if (emulator) process.exit(code);
    });
  } else {
    import(require("node:url").pathToFileURL(at("../dist/src/cli/main.js")).href).then(async ({ run }) => {
      process.exitCode = await run(argv);
    });
  }
}
