/**
 * The npm package works installed (issue 17 item 6): `npm pack` gives a tarball without source
 * maps or test sources that holds what `kmdll demo` needs; `npm install -g` of it into a temporary
 * prefix builds the Unicorn addon during install (scripts/install-native.mjs) from the npm cache
 * alone (--offline; the registry only when the cache lacks a dependency), and the installed
 * `kmdll --version` and `kmdll demo` run outside the checkout. Without the addon, the format and
 * check commands still work and the emulator commands say how to build it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { REPO, fixture } from "./helpers.js";

const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { name: string; version: string; dependencies: Record<string, string> };
let work = "";
let tarball = "";
let files: string[] = [];
const prefix = () => join(work, "prefix");
const installed = () => join(prefix(), "lib", "node_modules", pkg.name);

function npm(args: string[], cwd: string, timeoutMs = 300_000) {
  return spawnSync("npm", args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" } });
}

function kmdll(args: string[]) {
  return spawnSync(join(prefix(), "bin", "kmdll"), args, { cwd: work, encoding: "utf8", timeout: 120_000 });
}

before(() => {
  work = mkdtempSync(join(tmpdir(), "kmdll-pack-"));
  // dist/ is current: the test runner compiled it. --ignore-scripts skips prepack's second tsc.
  const r = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], REPO);
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path);
});
after(() => rmSync(work, { recursive: true, force: true }));

test("npm pack: what the CLI, the addon build and the demo need; no source maps, no test sources, no build output", () => {
  for (const f of ["bin/kmdll.js", "dist/src/cli/main.js", "dist/src/index.d.ts", "native/binding.gyp", "native/src/unicorn.cc", "scripts/install-native.mjs", "examples/mydriver/mydriver.def", "test/fixtures/x64/mydriver.sys", "test/fixtures/x64/client.sys", "docs/design.md"]) {
    assert.ok(files.includes(f), `${f} in the package`);
  }
  // The bundled CLI (scripts/bundle.mjs) is in the package when the checkout has it (esbuild installed), without its source maps.
  if (existsSync(join(REPO, "dist", "bundle", "cli", "cli.cjs"))) {
    for (const f of ["cli.cjs", "cli.cjs.cache", "emu.cjs", "emu.cjs.cache", "implib.cjs", "implib.cjs.cache", "scan.cjs", "scan.cjs.cache", "worker.cjs"]) assert.ok(files.includes(`dist/bundle/cli/${f}`), `the CLI bundle's ${f} in the package`);
  }
  // kmdll implib's WebAssembly module (scripts/build-wasm.mjs) when the checkout built it, and its C sources.
  if (existsSync(join(REPO, "dist", "wasm", "implib.wasm"))) assert.ok(files.includes("dist/wasm/implib.wasm"), "the WebAssembly import-library writer in the package");
  for (const f of ["implib.c", "implib.h", "sort.c", "def-scan.c"]) assert.ok(files.includes(`native/wasm/${f}`), `native/wasm/${f} in the package`);
  assert.ok(files.includes("bin/package.json") && files.includes("bin/load-bundle.js"), "the launcher's CommonJS scope and bundle loader");
  assert.deepEqual(files.filter((f) => f.endsWith(".map")), [], "no source maps");
  assert.deepEqual(files.filter((f) => /^(src|test)\/.*\.ts$/.test(f) || f.startsWith("dist/test") || f.startsWith("native/build")), []);
  assert.ok(!Object.keys(pkg.dependencies).some((d) => d.startsWith("ajv")), "ajv is a test dependency");
});

test("npm install -g of the tarball builds the addon; the installed kmdll --version and kmdll demo run", () => {
  let r = npm(["install", "-g", "--prefix", prefix(), "--offline", tarball], work);
  if (r.status !== 0 && /ENOTCACHED/.test(r.stderr)) r = npm(["install", "-g", "--prefix", prefix(), "--prefer-offline", tarball], work);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.ok(existsSync(join(installed(), "native", "build", "Release", "kmdll_unicorn.node")), "the install script built the addon");
  const v = kmdll(["--version"]);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), pkg.version);
  const d = kmdll(["demo"]);
  assert.equal(d.status, 0, d.stdout + d.stderr);
  assert.match(d.stdout, /demo complete: every stage behaved as the seeds describe/);
  assert.match(d.stdout, /DbgPrint mydriver\.sys: mydriver: DllUnload/);

  // Without the addon (libunicorn missing at install time): formats and check work, the emulator
  // commands are a one-line error that says how to build it.
  renameSync(join(installed(), "native", "build"), join(installed(), "native", "build.off"));
  try {
    const ins = kmdll(["inspect", fixture("x64", "mydriver.sys")]);
    assert.equal(ins.status, 0, ins.stderr);
    const chk = kmdll(["check", fixture("x64", "mydriver.sys")]);
    assert.equal(chk.status, 0, chk.stderr);
    const call = kmdll(["call", fixture("x64", "mydriver.sys"), "LoadPrinterDriver", "1"]);
    assert.equal(call.status, 2, call.stderr);
    assert.match(call.stderr, /^kmdll: the Unicorn emulator addon is not built: .*libunicorn-dev.*npm rebuild/);
    assert.equal(call.stderr.trim().split("\n").length, 1);
  } finally {
    renameSync(join(installed(), "native", "build.off"), join(installed(), "native", "build"));
  }
});

test("the install script without libunicorn: a clear message, and the install goes on (exit 0)", () => {
  const r = spawnSync(process.execPath, [join(REPO, "scripts", "install-native.mjs")], { encoding: "utf8", env: { ...process.env, PATH: join(work, "no-such-bin") } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /libunicorn not found.*call, sim, demo.*are unavailable/);
  assert.match(r.stderr, /apt-get install libunicorn-dev pkg-config, then npm rebuild kmdll/);
});
