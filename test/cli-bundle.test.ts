/**
 * The bundled CLI (scripts/bundle.mjs → dist/bundle/cli/, run by bin/kmdll.js; docs/performance.md):
 * bin/kmdll.js runs the bundle (emu.cjs for sim, call and demo, scan.cjs for scan, cli.cjs for the rest) when it is at least as new as the tsc output and the unbundled
 * modules otherwise or with KMDLL_UNBUNDLED=1 (which files load is observed with a module resolve
 * hook for ES modules and a preloaded wrapper of fs.readFileSync and fs.openSync for the bundle); the bundle is
 * compiled with its V8 code cache, which V8 accepts; both print the same for commands that reach
 * every part the bundle moves: data files (kernel export database, include folder), the Unicorn
 * addon, the scan worker thread, Graphviz (an npm package the bundle loads).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fixture, repoPath } from "./helpers.js";

const bundle = repoPath("dist", "bundle", "cli", "cli.cjs");
const built = statSync(bundle, { throwIfNoEntry: false });
// run-tests.mjs bundles after tsc; without esbuild installed (an old node_modules) there is no bundle to test.
const skip = built && built.mtimeMs >= statSync(repoPath("dist", "src", "cli", "main.js")).mtimeMs ? false : "the CLI is not bundled (esbuild not installed)";

function cli(args: string[], env: Record<string, string> = {}, hooks: string[] = []) {
  const r = spawnSync(process.execPath, [...hooks, repoPath("bin", "kmdll.js"), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The repository's files under dist/ a command line loads (ES modules seen by a resolve hook, files opened or read whole by name: the bundle and its cache). */
function loadedFiles(args: string[], env: Record<string, string> = {}): string[] {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-bundle-test-"));
  try {
    const log = join(dir, "loads.txt");
    const hooks = join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      `import { appendFileSync } from "node:fs";\nlet log;\nexport function initialize(d) { log = d.log; }\n` +
        `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith("file:")) appendFileSync(log, r.url + "\\n"); return r; }\n`,
    );
    const register = join(dir, "register.mjs");
    writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });\n`);
    const reads = join(dir, "reads.cjs");
    writeFileSync(
      reads,
      `const fs = require("node:fs"); const url = require("node:url"); const read = fs.readFileSync;\n` +
        `fs.readFileSync = function (p, ...rest) { if (typeof p === "string") fs.appendFileSync(${JSON.stringify(log)}, url.pathToFileURL(p).href + "\\n"); return read.call(this, p, ...rest); };\n` +
        // bin/load-bundle.js opens the bundle and its cache and reads both into one buffer.
        `const open = fs.openSync; let busy = false; fs.openSync = function (p, ...rest) { if (typeof p === "string" && !busy) { busy = true; try { fs.appendFileSync(${JSON.stringify(log)}, url.pathToFileURL(p).href + "\\n"); } finally { busy = false; } } return open.call(this, p, ...rest); };\n`,
    );
    const r = cli(args, env, ["--import", pathToFileURL(register).href, "--require", reads]);
    assert.equal(r.code, 0, r.stderr);
    const root = pathToFileURL(repoPath()).href + "/";
    return [...new Set(readFileSync(log, "utf8").split("\n").filter((u) => u.startsWith(root + "dist/")).map((u) => u.slice(root.length)))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("bin/kmdll.js runs the bundle; KMDLL_UNBUNDLED=1 runs dist/src", { skip }, () => {
  const F = (f: string) => fixture("x64", f);
  const args = ["sim", "--install", F("client.sys"), F("mydriver.sys"), "--", "start:client", "stop:client"];
  // sim, call and demo run the emulator commands' own bundle (src/cli/emu-main.ts), every other command cli.cjs.
  const bundled = loadedFiles(args);
  assert.deepEqual(bundled, ["dist/bundle/cli/emu.cjs", "dist/bundle/cli/emu.cjs.cache"], "the bundle and its code cache, nothing else of dist/");
  assert.deepEqual(loadedFiles(["inspect", F("mydriver.sys")]), ["dist/bundle/cli/cli.cjs", "dist/bundle/cli/cli.cjs.cache"]);
  // scan runs its own bundle (src/cli/scan-main.ts) with a cache trained on a scan.
  const empty = mkdtempSync(join(tmpdir(), "kmdll-bundle-scan-"));
  try {
    assert.deepEqual(loadedFiles(["scan", "-q", empty]), ["dist/bundle/cli/scan.cjs", "dist/bundle/cli/scan.cjs.cache"]);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  assert.deepEqual(loadedFiles(["call", F("mydriver.sys"), "LoadPrinterDriver", "41"]), ["dist/bundle/cli/emu.cjs", "dist/bundle/cli/emu.cjs.cache"]);
  const unbundled = loadedFiles(args, { KMDLL_UNBUNDLED: "1" });
  assert.ok(unbundled.includes("dist/src/cli/main.js"));
  assert.deepEqual(unbundled.filter((f) => !f.startsWith("dist/src/")), []);
  // The point of the bundle: far fewer files to read and link.
  assert.ok(bundled.length * 50 < unbundled.length, `${bundled.length} bundle files vs ${unbundled.length} modules`);
});

test("the bundles' code caches are of this build and V8 accepts them", { skip }, () => {
  for (const file of [bundle, repoPath("dist", "bundle", "cli", "emu.cjs"), repoPath("dist", "bundle", "cli", "scan.cjs")]) {
    const cache = readFileSync(file + ".cache");
    assert.equal(cache.toString("latin1", 0, 16), /^\/\/ kmdll-bundle ([0-9a-f]{16})\n/.exec(readFileSync(file, "latin1"))?.[1], `${file}: the cache names the bundle's build id`);
    // The test runner's own V8 flags may differ from a plain `node` (the cache would be rejected): load it in a plain node.
    const r = spawnSync(process.execPath, ["-e", `const b = require(${JSON.stringify(repoPath("bin", "load-bundle.js"))}).loadBundle(${JSON.stringify(file)}); process.stdout.write(b.codeCache + " " + typeof b.run)`], { encoding: "utf8" });
    assert.equal(r.stdout, "used function", `${file}: ${r.stderr}`);
  }
});

test("the scan worker's bundle has a code cache of this build that V8 accepts", { skip }, () => {
  const file = repoPath("dist", "bundle", "cli", "worker.cjs");
  const cache = readFileSync(`${file}.cache`);
  assert.equal(cache.toString("latin1", 0, 16), /^\/\/ kmdll-bundle ([0-9a-f]{16})\n/.exec(readFileSync(file, "latin1"))?.[1], "the cache names the worker bundle's build id");
  // Outside a worker thread the bundle only loads (it waits for a job on parentPort, which is null here).
  const r = spawnSync(process.execPath, ["-e", `process.stdout.write(require(${JSON.stringify(repoPath("bin", "load-bundle.js"))}).loadBundle(${JSON.stringify(file)}).codeCache)`], { encoding: "utf8" });
  assert.equal(r.stdout, "used", r.stderr);
});

test("bundled and unbundled CLI print the same (data files, addon, scan worker, help)", { skip }, () => {
  const F = (f: string) => fixture("x64", f);
  const drop = (json: string) => JSON.stringify({ ...JSON.parse(json), durationMs: 0 });
  const cases: { args: string[]; norm?: (s: string) => string; error?: boolean }[] = [
    { args: ["--help"] },
    { args: ["inspect", "--json", F("mydriver.sys")] },
    { args: ["check", "--json", F("client.sys")] },
    { args: ["sim", "--json", "--install", F("client.sys"), F("mydriver.sys"), "--", "start:client", "stop:client"] },
    { args: ["call", F("mydriver.sys"), "LoadPrinterDriver", "41"] },
    // The emulator commands' bundle is a program of its own: the same help and option errors.
    { args: ["sim", "--help"] },
    { args: ["call", "--help"] },
    { args: ["demo", "--help"] },
    { args: ["sim", "--no-such-option"], error: true },
    { args: ["call"], error: true },
    // The x64 fixtures with --jobs 2 (a worker only on more than 2 CPUs: ./worker.cjs from the bundle's folder).
    { args: ["scan", "-q", "--json", "--jobs", "2", repoPath("test", "fixtures", "x64")], norm: drop },
    { args: ["apis", "--json"] },
    { args: ["graph", "--format", "svg", F("client.sys"), F("mydriver.sys")] },
  ];
  for (const c of cases) {
    const a = cli(c.args);
    const b = cli(c.args, { KMDLL_UNBUNDLED: "1" });
    assert.equal(a.code, b.code, `${c.args.join(" ")}: exit codes (${a.stderr} / ${b.stderr})`);
    assert.equal(a.stderr, b.stderr, c.args.join(" "));
    assert.equal(c.norm ? c.norm(a.stdout) : a.stdout, c.norm ? c.norm(b.stdout) : b.stdout, c.args.join(" "));
    if (c.error) assert.ok(a.code !== 0 && a.stderr.length > 0, c.args.join(" "));
    else assert.ok(a.stdout.length > 0, c.args.join(" "));
  }
});
