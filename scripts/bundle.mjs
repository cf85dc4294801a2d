#!/usr/bin/env node
// Bundles the CLI (`npm run build` runs it after tsc), as compiled by tsc into dist/src/:
//  - dist/bundle/cli/cli.cjs: the whole CLI (dist/src/cli/main.js and every command) as one
//    CommonJS file (esbuild). A command's modules still run only when that command runs (esbuild
//    wraps what is reached by dynamic import() in lazy initialisers), but Node reads one file
//    instead of linking ~300 ES modules, and it can be compiled with a V8 code cache:
//  - dist/bundle/cli/cli.cjs.cache: V8 bytecode of what a training run used (below), written by
//    that run (bin/kmdll.js with KMDLL_WRITE_CODE_CACHE=1); bin/kmdll.js compiles the bundle with
//    it, which spares most of the parsing and compiling. It begins with the bundle's build id (a
//    hash of the bundle, on cli.cjs's first line), so a cache never applies to another build.
//  - dist/bundle/cli/implib.cjs (+ .cache): `kmdll implib` alone (dist/src/cli/implib-main.js:
//    the same program with only that command), which bin/kmdll.js runs for that command: the
//    import-library path loads and compiles none of the other commands' code, and its code cache
//    is trained on an implib run (a generated .def in a temporary folder).
//  - dist/bundle/cli/emu.cjs (+ .cache): the emulator commands `sim`, `call` and `demo` alone
//    (dist/src/cli/emu-main.js), about four fifths of cli.cjs; its cache is trained on the start-up
//    benchmark's `sim` run, cli.cjs's (every other command) on an `inspect` run.
//  - dist/bundle/cli/scan.cjs (+ .cache): `kmdll scan` alone (dist/src/cli/scan-main.js); its cache is
//    trained on `scan --json` over the x64 fixtures (the PE reader, every rule, the graph, the report).
//  - dist/bundle/cli/worker.cjs (+ .cache): the scan worker thread, a small CommonJS file of its own
//    (the PE reader, the rules and what they need; no npm package): a worker thread runs it without
//    starting Node's ES module loader, compiled with its code cache (bin/load-bundle.js
//    startBundleWorker), trained on a scan with a worker forced. bin/kmdll.js starts one as a
//    `scan` process starts where a worker will run.
// bin/kmdll.js runs the bundle when it is at least as new as dist/src/cli/main.js (a later `tsc`
// alone makes the unbundled CLI run, never a stale bundle); KMDLL_UNBUNDLED=1 runs the unbundled
// modules. The library API (dist/src/index.js) is not bundled. npm packages are bundled into
// cli.cjs except @viz-js/viz (large, loaded only for SVG output); the worker needs none.
//
// `new URL("../rel", import.meta.url)` names a file relative to the module: the bundle keeps it
// pointing at the same file from dist/bundle/cli/ (the scan worker becomes ./worker.cjs); in
// cli.cjs and worker.cjs, import.meta.url is the bundle's own URL. Any other use of import.meta.url stops the
// build, so a new one cannot silently point elsewhere.
// Source maps (dist/bundle/cli/*.map, not in the npm package) lead back to dist/src/: run
// `node --enable-source-maps bin/kmdll.js …` for stacks with those positions.
//
//   node scripts/bundle.mjs           build (prints one line)
//   node scripts/bundle.mjs --check   exit 1 when esbuild is not installed (else build)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "dist", "src");
const outdir = join(root, "dist", "bundle", "cli");
const entries = { cli: join(src, "cli", "main.js"), implib: join(src, "cli", "implib-main.js"), emu: join(src, "cli", "emu-main.js"), scan: join(src, "cli", "scan-main.js"), worker: join(src, "scan", "worker.js") };

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // Without esbuild (a node_modules from before it was a dependency), bin/kmdll.js runs dist/src.
  process.stderr.write("bundle: esbuild is not installed (npm ci); the CLI runs unbundled from dist/src\n");
  process.exit(process.argv.includes("--check") ? 1 : 0);
}

const toPosix = (p) => p.split(sep).join("/");
const outputOf = new Map([[entries.cli, join(outdir, "cli.cjs")], [entries.implib, join(outdir, "implib.cjs")], [entries.emu, join(outdir, "emu.cjs")], [entries.scan, join(outdir, "scan.cjs")], [entries.worker, join(outdir, "worker.cjs")]]);

/** Keep module-relative URLs pointing at the same files from the bundle's folder. */
const moduleUrls = {
  name: "module-relative-urls",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(src + sep)) return undefined;
      let text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta")) return { contents: text, loader: "js" };
      text = text.replace(/new URL\((["'])(\.{1,2}\/[^"'`$]*)\1, import\.meta\.url\)/g, (_, q, rel) => {
        const target = resolve(dirname(args.path), rel);
        const moved = outputOf.get(target) ?? target;
        let to = toPosix(relative(outdir, moved)) + (rel.endsWith("/") ? "/" : "");
        if (!to.startsWith(".")) to = "./" + to;
        return `new URL(${q}${to}${q}, import.meta.url)`;
      });
      const rest = text
        .replace(/new URL\((["'])[^"']*\1, import\.meta\.url\)/g, "")
        .replace(/createRequire\(import\.meta\.url\)/g, "");
      if (rest.includes("import.meta")) {
        const line = rest.split("\n").findIndex((l) => l.includes("import.meta")) + 1;
        throw new Error(`${relative(root, args.path)}:${line}: import.meta used other than as new URL("./relative", import.meta.url) or createRequire(import.meta.url): the bundle cannot keep it pointing at the same file`);
      }
      return { contents: text, loader: "js" };
    });
  },
};

/**
 * commander loads node:child_process when its module loads (for executable subcommands, which
 * kmdll has none of); that is the largest of Node's modules a command like `kmdll sim` would
 * otherwise load (it brings net, streams, dgram). Loaded when first used instead: commander
 * only calls childProcess.spawn.
 */
const lazyChildProcess = {
  name: "lazy-child-process",
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const eager = /^const childProcess = require\((["'])node:child_process\1\);$/m;
      if (!eager.test(text)) return { contents: text, loader: "js" };
      return { contents: text.replace(eager, 'const childProcess = { spawn: (...a) => require("node:child_process").spawn(...a) };'), loader: "js" };
    });
  },
};

rmSync(join(root, "dist", "bundle"), { recursive: true, force: true });
const started = Date.now();
const common = { bundle: true, platform: "node", target: "node20", sourcemap: "linked", logLevel: "warning", metafile: true, plugins: [moduleUrls, lazyChildProcess] };
// The first line names the build (the id is filled in below; same length, so the source map still fits).
const ID_PLACEHOLDER = "0000000000000000";
// Each bundle is one function expression with the parameters of Node's CommonJS wrapper, which
// bin/load-bundle.js compiles as it is and calls: wrapping the text at run time made a two-piece
// string that V8 copied (1.5 MiB for emu.cjs, each page a fault) before looking it up and compiling it.
const BANNER = `// kmdll-bundle ${ID_PLACEHOLDER}\n(function (exports, require, module, __filename, __dirname) {"use strict";\nconst __kmdllBundleUrl = require("node:url").pathToFileURL(__filename).href;`;
const FOOTER = "})";
/** A CommonJS bundle of the CLI from one entry (cli.cjs: every command; implib.cjs: `implib` alone; emu.cjs: `sim`, `call`, `demo`). */
const cjsBundle = (entry, outfile) =>
  esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile: join(outdir, outfile),
    format: "cjs",
    external: ["@viz-js/viz"],
    // import() of a package becomes require() (@viz-js/viz has a CommonJS build): the bundle runs as a vm.Script, which has no module loader of its own.
    supported: { "dynamic-import": false },
    define: { "import.meta.url": "__kmdllBundleUrl" },
    // No comments or indentation: less to read and hash per run (names stay; the source map leads back to dist/src).
    minifyWhitespace: true,
    banner: { js: BANNER },
    footer: { js: FOOTER },
    write: false,
  });
const cli = await cjsBundle(entries.cli, "cli.cjs");
const implib = await cjsBundle(entries.implib, "implib.cjs");
const emu = await cjsBundle(entries.emu, "emu.cjs");
const scan = await cjsBundle(entries.scan, "scan.cjs");
const worker = await esbuild.build({
  ...common,
  entryPoints: [entries.worker],
  outfile: join(outdir, "worker.cjs"),
  format: "cjs",
  packages: "external",
  define: { "import.meta.url": "__kmdllBundleUrl" },
  minifyWhitespace: true,
  banner: { js: BANNER },
    footer: { js: FOOTER },
  write: false,
});
mkdirSync(outdir, { recursive: true });
for (const f of [...cli.outputFiles, ...implib.outputFiles, ...emu.outputFiles, ...scan.outputFiles, ...worker.outputFiles]) {
  let text = f.text;
  if (f.path.endsWith(".cjs")) {
    // bin/load-bundle.js reads it as latin1 (no UTF-8 decoding): esbuild's default charset escapes non-ASCII.
    const at = text.search(/[^\x00-\x7f]/);
    if (at >= 0) throw new Error(`bundle: ${toPosix(relative(root, f.path))} has a non-ASCII character at offset ${at}`);
    const id = createHash("sha256").update(text).digest("hex").slice(0, ID_PLACEHOLDER.length);
    text = text.replace(`// kmdll-bundle ${ID_PLACEHOLDER}\n`, `// kmdll-bundle ${id}\n`);
  }
  writeFileSync(f.path, text);
}

// The code cache: one run of the CLI from the bundle (the start-up benchmark's command) writes the
// bytecode of what it compiled. Without the Unicorn addon the run fails part way; the cache then
// holds what ran until then. A failed training leaves no cache (the bundle works without one).
const bin = join(root, "bin", "kmdll.js");
const trainEnv = { ...process.env, KMDLL_WRITE_CODE_CACHE: "1" };
delete trainEnv.KMDLL_UNBUNDLED;
const fx = (f) => join(root, "test", "fixtures", "x64", f);
const cacheFile = join(outdir, "cli.cjs.cache");
if (existsSync(fx("client.sys")) && existsSync(fx("mydriver.sys"))) {
  // emu.cjs (sim, call, demo): the start-up benchmark's command.
  spawnSync(process.execPath, [bin, "sim", "--install", fx("client.sys"), fx("mydriver.sys"), "--", "start:client", "stop:client"], { env: trainEnv, stdio: "ignore", timeout: 120_000 });
  // cli.cjs (every other command): reading and showing an image, what most of them start with.
  spawnSync(process.execPath, [bin, "inspect", fx("mydriver.sys")], { env: trainEnv, stdio: "ignore", timeout: 120_000 });
  // worker.cjs: the same scan with a worker thread forced (it writes its cache when its work is
  // done); first, since it writes scan.cjs's cache too, which the next run replaces.
  const scanTrain = ["scan", "-q", "--json", "--jobs", "2", dirname(fx("client.sys"))];
  spawnSync(process.execPath, [bin, ...scanTrain], { env: { ...trainEnv, KMDLL_SCAN_MIN_FILES_PER_WORKER: "1" }, stdio: "ignore", timeout: 120_000 });
  // scan.cjs: `kmdll scan --json` over the x64 fixtures (the PE reader, every rule, the graph, the JSON report).
  spawnSync(process.execPath, [bin, "scan", "-q", "--json", "--jobs", "1", dirname(fx("client.sys"))], { env: trainEnv, stdio: "ignore", timeout: 120_000 });
}
// implib.cjs's cache: `kmdll implib` on a generated plain .def (every attribute the one-pass path reads).
{
  const tmp = mkdtempSync(join(tmpdir(), "kmdll-bundle-"));
  try {
    const lines = ["; code cache training", "LIBRARY train.sys", "EXPORTS", "  DllInitialize PRIVATE"];
    for (let i = 1; i <= 400; i++) lines.push(`  Export${i}${i % 7 === 0 ? "=Impl" + i : ""}${i % 3 === 0 ? ` @${i}` : ""}${i % 9 === 0 ? " NONAME" : ""}${i % 5 === 0 ? " DATA" : i % 11 === 0 ? " CONSTANT" : ""}${i % 13 === 0 ? " PRIVATE" : ""}`);
    writeFileSync(join(tmp, "train.def"), lines.join("\n") + "\n");
    spawnSync(process.execPath, [bin, "implib", join(tmp, "train.def"), "-o", join(tmp, "train.lib")], { env: trainEnv, stdio: "ignore", timeout: 120_000 });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
const files = [...Object.keys(cli.metafile.outputs), ...Object.keys(implib.metafile.outputs), ...Object.keys(emu.metafile.outputs), ...Object.keys(scan.metafile.outputs), ...Object.keys(worker.metafile.outputs)].filter((f) => !f.endsWith(".map"));
const inputs = new Set([...Object.keys(cli.metafile.inputs), ...Object.keys(worker.metafile.inputs)]).size;
const cacheSize = (f) => (existsSync(f) ? `${Math.round(statSync(f).size / 1024)} KiB` : "none (the training run failed)");
const cached = `, code caches ${cacheSize(cacheFile)} (cli.cjs), ${cacheSize(join(outdir, "emu.cjs.cache"))} (emu.cjs), ${cacheSize(join(outdir, "scan.cjs.cache"))} (scan.cjs), ${cacheSize(join(outdir, "worker.cjs.cache"))} (worker.cjs) and ${cacheSize(join(outdir, "implib.cjs.cache"))} (implib.cjs)`;
process.stdout.write(`bundle: ${inputs} modules → ${files.map((f) => toPosix(relative(outdir, join(root, f)))).join(", ")} in ${toPosix(relative(root, outdir))}/${cached} (${Date.now() - started} ms)\n`);
