#!/usr/bin/env node
// npm "install" script: builds kmdll's Unicorn addon (native/) when the package is installed
// (`npm install -g kmdll-x.y.z.tgz`, `npm install`, `npm rebuild kmdll`). Needs libunicorn and
// pkg-config (Debian: apt-get install libunicorn-dev pkg-config) and a C++ compiler. Node's headers
// come from the local Node installation when it has them (Debian's nodejs: /usr/include/node), so
// nothing is downloaded. When the build is not possible, the install still succeeds: it prints
// why, and every command but the emulator ones (call, sim, demo) works; `npm rebuild kmdll` after
// installing libunicorn builds the addon.
// KMDLL_SKIP_NATIVE=1 skips the build (a checkout that builds it with `npm run build:native`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const native = join(root, "native");
const say = (s) => process.stderr.write(`kmdll: ${s}\n`);

if (process.env.KMDLL_SKIP_NATIVE === "1") process.exit(0);
if (!existsSync(join(native, "binding.gyp"))) process.exit(0);
if (process.platform !== "linux" || process.arch !== "x64") {
  say(`the emulator addon is built for Linux x64 only (this is ${process.platform} ${process.arch}); call, sim and demo are unavailable, the other commands work`);
  process.exit(0);
}
const pc = spawnSync("pkg-config", ["--exists", "unicorn"]);
if (pc.error || pc.status !== 0) {
  say("libunicorn not found (pkg-config unicorn): the emulator commands (call, sim, demo) are unavailable; inspect, def, implib, lib, check, build, graph and scan work.");
  say("to enable them: apt-get install libunicorn-dev pkg-config, then npm rebuild kmdll (add -g for a global install)");
  process.exit(0);
}

// Node's own headers, when this Node installation has them (no download).
const prefix = resolve(dirname(process.execPath), "..");
const nodedir = existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
// npm puts its own node-gyp on PATH for install scripts; a checkout also has node_modules/.bin/node-gyp.
const local = join(root, "node_modules", "node-gyp", "bin", "node-gyp.js");
const [cmd, args] = existsSync(local) ? [process.execPath, [local]] : ["node-gyp", []];
const r = spawnSync(cmd, [...args, "rebuild", "--directory", native, ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
  stdio: ["ignore", "ignore", "pipe"],
  encoding: "utf8",
  env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
});
if (r.error || r.status !== 0) {
  const why = r.error ? r.error.message : (r.stderr ?? "").split("\n").filter((l) => /error/i.test(l)).slice(0, 5).join("\n  ");
  say(`building the emulator addon failed; call, sim and demo are unavailable, the other commands work:\n  ${why}`);
  say("after fixing it: npm rebuild kmdll (add -g for a global install)");
  process.exit(0);
}
say("built the Unicorn emulator addon");
