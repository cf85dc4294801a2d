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
//  - dist/bundle/cli/worker.cjs: the scan worker thread, a small CommonJS file of its own (the PE
//    reader, the rules and what they need; no npm package): a worker thread runs it without
//    starting Node's ES module loader. bin/kmdll.js starts one as a `scan` process starts.
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
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "dist", "src");
const outdir = join(root, "dist", "bundle", "cli");
const entries = { cli: join(src, "cli", "main.js"), worker: join(src, "scan", "worker.js") };

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // Without esbuild (a node_modules from before it was a dependency), bin/kmdll.js runs dist/src.
  process.stderr.write("bundle: esbuild is not installed (npm ci); the CLI runs unbundled from dist/src\n");
  process.exit(process.argv.includes("--check") ? 1 : 0);
}

const toPosix = (p) => p.split(sep).join("/");
const outputOf = new Map([[entries.cli, join(outdir, "cli.cjs")], [entries.worker, join(outdir, "worker.cjs")]]);

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

rmSync(join(root, "dist", "bundle"), { recursive: true, force: true });
const started = Date.now();
const common = { bundle: true, platform: "node", target: "node20", sourcemap: "linked", logLevel: "warning", metafile: true, plugins: [moduleUrls] };
// The first line names the build (the id is filled in below; same length, so the source map still fits).
const ID_PLACEHOLDER = "0000000000000000";
const cli = await esbuild.build({
  ...common,
  entryPoints: [entries.cli],
  outfile: join(outdir, "cli.cjs"),
  format: "cjs",
  external: ["@viz-js/viz"],
  // import() of a package becomes require() (@viz-js/viz has a CommonJS build): the bundle runs as a vm.Script, which has no module loader of its own.
  supported: { "dynamic-import": false },
  define: { "import.meta.url": "__kmdllBundleUrl" },
  // No comments or indentation: less to read and hash per run (names stay; the source map leads back to dist/src).
  minifyWhitespace: true,
  banner: { js: `// kmdll-bundle ${ID_PLACEHOLDER}\n"use strict";\nconst __kmdllBundleUrl = require("node:url").pathToFileURL(__filename).href;` },
  write: false,
});
const worker = await esbuild.build({
  ...common,
  entryPoints: [entries.worker],
  outfile: join(outdir, "worker.cjs"),
  format: "cjs",
  packages: "external",
  define: { "import.meta.url": "__kmdllBundleUrl" },
  minifyWhitespace: true,
  banner: { js: `"use strict";\nconst __kmdllBundleUrl = require("node:url").pathToFileURL(__filename).href;` },
});
for (const f of cli.outputFiles) {
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
const fx = (f) => join(root, "test", "fixtures", "x64", f);
const cacheFile = join(outdir, "cli.cjs.cache");
if (existsSync(fx("client.sys")) && existsSync(fx("mydriver.sys"))) {
  const env = { ...process.env, KMDLL_WRITE_CODE_CACHE: "1" };
  delete env.KMDLL_UNBUNDLED;
  spawnSync(process.execPath, [bin, "sim", "--install", fx("client.sys"), fx("mydriver.sys"), "--", "start:client", "stop:client"], { env, stdio: "ignore", timeout: 120_000 });
}
const files = [...Object.keys(cli.metafile.outputs), ...Object.keys(worker.metafile.outputs)].filter((f) => !f.endsWith(".map"));
const inputs = new Set([...Object.keys(cli.metafile.inputs), ...Object.keys(worker.metafile.inputs)]).size;
const cached = existsSync(cacheFile) ? `, code cache ${Math.round(statSync(cacheFile).size / 1024)} KiB` : ", no code cache (the training run failed)";
process.stdout.write(`bundle: ${inputs} modules → ${files.map((f) => toPosix(relative(outdir, join(root, f)))).join(", ")} in ${toPosix(relative(root, outdir))}/${cached} (${Date.now() - started} ms)\n`);
