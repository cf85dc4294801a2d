/**
 * The emulator's preload (native/src/preload.c, bin/kmdll.js; docs/performance.md "Start-up"):
 * `preload(path)` opens a shared object on a thread of its own, so the Unicorn addon and libunicorn
 * are loaded while the main thread does other work; the main thread's own load then finds them
 * loaded. bin/kmdll.js starts it for sim, call and demo before it reads the CLI bundle.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath } from "./helpers.js";

const release = repoPath("native", "build", "Release");
const preloadAddon = join(release, "kmdll_preload.node");
const unicornAddon = join(release, "kmdll_unicorn.node");
const skip = existsSync(preloadAddon) && existsSync(unicornAddon) ? false : "the native addons are not built (npm run build:native)";

/** Run a CommonJS script in a fresh Node process: its exit code and output. */
function script(source: string) {
  const r = spawnSync(process.execPath, ["-e", source], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The child waits (up to 20 s) until the mappings of the process show a file, without loading it on its own thread.
const waitMapped = `
const fs = require("node:fs");
const mapped = (name) => fs.readFileSync("/proc/self/maps", "utf8").includes(name);
const waitMapped = (name, ms) => { const cell = new Int32Array(new SharedArrayBuffer(4)); const end = Date.now() + ms; while (!mapped(name) && Date.now() < end) Atomics.wait(cell, 0, 0, 5); return mapped(name); };
`;

test("preload opens the addon and libunicorn on another thread; the main thread's require then uses them", { skip }, () => {
  const r = script(`${waitMapped}
const m = { exports: {} };
process.dlopen(m, ${JSON.stringify(preloadAddon)});
const before = mapped("kmdll_unicorn.node");
const started = m.exports.preload(${JSON.stringify(unicornAddon)});
const seen = waitMapped("kmdll_unicorn.node", 20000) && waitMapped("libunicorn", 20000);
const a = require(${JSON.stringify(unicornAddon)});
const e = new a.Engine("x64");
e.mapMemory(0x10000n, 0x1000, a.constants.prot.ALL);
e.write(0x10000n, Uint8Array.of(1, 2, 3));
console.log(JSON.stringify({ before, started, seen, bytes: [...e.read(0x10000n, 3)] }));
`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: false, started: true, seen: true, bytes: [1, 2, 3] });
});

test("preload: a path that does not exist is ignored (the main thread's own load reports it); no argument starts nothing", { skip }, () => {
  const missing = join(tmpdir(), "kmdll-no-such-addon.node");
  const r = script(`${waitMapped}
const m = { exports: {} };
process.dlopen(m, ${JSON.stringify(preloadAddon)});
const started = m.exports.preload(${JSON.stringify(missing)});
const none = m.exports.preload();
waitMapped("kmdll-no-such-addon", 200);
let error = "";
try { require(${JSON.stringify(missing)}); } catch (e) { error = e.code; }
console.log(JSON.stringify({ started, none, error }));
`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { started: true, none: false, error: "MODULE_NOT_FOUND" });
});

test("kmdll sim starts the preload before it reads the CLI bundle, loads the addon once more by name, and prints what it printed without it", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-preload-test-"));
  try {
    const log = join(dir, "log.txt");
    const hook = join(dir, "hook.cjs");
    // Logs each process.dlopen (file name) and each open of a dist/bundle file, in order.
    writeFileSync(
      hook,
      `const fs = require("node:fs"); const log = ${JSON.stringify(log)};\n` +
        `const dl = process.dlopen; process.dlopen = function (m, f, ...rest) { fs.appendFileSync(log, "dlopen " + require("node:path").basename(f) + "\\n"); return dl.call(this, m, f, ...rest); };\n` +
        `const open = fs.openSync; fs.openSync = function (p, ...rest) { if (typeof p === "string" && p.includes("dist/bundle/")) fs.appendFileSync(log, "open " + require("node:path").basename(p) + "\\n"); return open.call(this, p, ...rest); };\n`,
    );
    const args = ["sim", "--install", fixture("x64", "client.sys"), fixture("x64", "mydriver.sys"), "--", "start:client", "stop:client"];
    const run = (pre: string[]) => spawnSync(process.execPath, [...pre, repoPath("bin", "kmdll.js"), ...args], { encoding: "utf8", timeout: 120_000 });
    const traced = run(["--require", hook]);
    assert.equal(traced.status, 0, traced.stderr);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    assert.deepEqual(lines.filter((l) => l.startsWith("dlopen")), ["dlopen kmdll_preload.node", "dlopen kmdll_unicorn.node"]);
    assert.ok(lines.indexOf("dlopen kmdll_preload.node") < lines.indexOf("open emu.cjs"), lines.join(" | "));
    // The same output as the unbundled CLI, which runs no preload.
    const plain = spawnSync(process.execPath, [repoPath("bin", "kmdll.js"), ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, KMDLL_UNBUNDLED: "1" } });
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(traced.stdout, plain.stdout);
    assert.match(traced.stdout, /scenario passed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
