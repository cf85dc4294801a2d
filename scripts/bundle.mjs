#!/usr/bin/env node
// Bundles the CLI (`npm run build` runs it after tsc): dist/src/cli/main.js and the scan worker,
// as compiled by tsc, into a few files in dist/bundle/cli/ (esbuild, ES modules, one chunk per
// command plus shared chunks, so a command still loads only what it uses). Node then reads and
// links ~30 files instead of ~200 modules for an emulator run. bin/kmdll.js runs the bundle when
// it is at least as new as dist/src/cli/main.js (a later `tsc` alone makes the unbundled CLI run,
// never a stale bundle); KMDLL_UNBUNDLED=1 runs the unbundled modules. The library API
// (dist/src/index.js) is not bundled. npm packages stay outside the bundle (node_modules).
//
// `new URL("../rel", import.meta.url)` names a file relative to the module: the bundle keeps it
// pointing at the same file from dist/bundle/cli/ (the scan worker becomes ./worker.js). Any other
// use of import.meta.url stops the build, so a new one cannot silently point elsewhere.
// Source maps (dist/bundle/cli/*.js.map, not in the npm package) lead back to dist/src/: run
// `node --enable-source-maps bin/kmdll.js …` for stacks with those positions.
//
//   node scripts/bundle.mjs           build (prints one line)
//   node scripts/bundle.mjs --check   exit 1 when esbuild is not installed (else build)
import { readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "dist", "src");
const outdir = join(root, "dist", "bundle", "cli");
const entries = { main: join(src, "cli", "main.js"), worker: join(src, "scan", "worker.js") };

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // Without esbuild (a node_modules from before it was a dependency), bin/kmdll.js runs dist/src.
  process.stderr.write("bundle: esbuild is not installed (npm ci); the CLI runs unbundled from dist/src\n");
  process.exit(process.argv.includes("--check") ? 1 : 0);
}

const toPosix = (p) => p.split(sep).join("/");
const outputOf = new Map(Object.entries(entries).map(([name, file]) => [file, join(outdir, `${name}.js`)]));

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
const result = await esbuild.build({
  entryPoints: entries,
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  sourcemap: "linked",
  logLevel: "warning",
  metafile: true,
  plugins: [moduleUrls],
});
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".js"));
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundle: ${inputs} modules → ${files.length} files in ${toPosix(relative(root, outdir))}/ (${Date.now() - started} ms)\n`);
