// Loads the bundled CLI (dist/bundle/cli/cli.cjs, made by scripts/bundle.mjs) for bin/kmdll.js.
// The bundle is compiled with its code cache (cli.cjs.cache: V8 bytecode of the functions a
// training run of the build used), which spares most of parsing and compiling it. The cache starts
// with the bundle's build id (the first line of cli.cjs names it); a cache of another build, or one
// V8 rejects (another Node version, other V8 flags), is not used: the bundle is then compiled from
// source. With --enable-source-maps Node's CommonJS loader compiles the bundle, which maps stack traces.
"use strict";
const { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } = require("node:fs");
const { dirname } = require("node:path");

/**
 * Load the bundle: its `run`; `cache` writes the code cache of what ran so far (training runs);
 * `codeCache` says whether a cache was used ("used"), refused by V8 ("rejected") or absent or of
 * another build ("none").
 */
function loadBundle(file) {
  if (process.sourceMapsEnabled) return { run: requireWithSourceMap(file).run, cache: undefined, codeCache: "none" };
  const vm = require("node:vm");
  const { createRequire } = require("node:module");
  // The bundle and then its cache are read into one buffer, so the cache lands in pages the
  // bundle's bytes already touched (each first touch of a page is a fault: ~300 fewer for emu.cjs).
  const cacheFile = `${file}.cache`;
  const fd = openSync(file, "r");
  let cfd;
  try {
    cfd = openSync(cacheFile, "r");
  } catch {
    // No cache: compile from source.
  }
  let buf;
  let source;
  try {
    buf = Buffer.allocUnsafeSlow(Math.max(fstatSync(fd).size, cfd === undefined ? 0 : fstatSync(cfd).size));
    // The bundle is ASCII (esbuild escapes the rest): latin1 makes a one-byte string without decoding.
    source = buf.toString("latin1", 0, readWhole(fd, buf));
  } finally {
    closeSync(fd);
  }
  const id = /^\/\/ kmdll-bundle ([0-9a-f]{16})\n/.exec(source)?.[1];
  let cachedData;
  if (cfd !== undefined) {
    try {
      const n = readWhole(cfd, buf);
      if (id !== undefined && n >= 16 && buf.toString("latin1", 0, 16) === id) cachedData = buf.subarray(16, n);
    } finally {
      closeSync(cfd);
    }
  }
  // The bundle is a function expression with the parameters of Node's CommonJS wrapper
  // (scripts/bundle.mjs), compiled as read: wrapping it here made a two-piece string that V8 copied
  // whole before compiling. (The bundle has no import(): scripts/bundle.mjs turns them into require().)
  const script = new vm.Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  const cache = id === undefined ? undefined : () => writeFileSync(cacheFile, Buffer.concat([Buffer.from(id, "latin1"), script.createCachedData()]));
  const codeCache = cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "used";
  return { run: module.exports.run, cache, codeCache };
}

/** Read an open file from its start into `buf` (as large as the file was when opened): the bytes read. */
function readWhole(fd, buf) {
  let n = 0;
  for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, n)) > 0; ) n += r;
  return n;
}

/**
 * The bundle loaded by Node's CommonJS loader, which maps stack traces through its source map
 * (--enable-source-maps): the text of the file, a function expression, called with the module's
 * variables (on a line of its own: the file may end with the source-map comment).
 */
function requireWithSourceMap(file) {
  const Module = require("node:module");
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(dirname(file));
  m._compile(`${readFileSync(file, "latin1")}\n(exports, require, module, __filename, __dirname);`, file);
  return m.exports;
}

/**
 * A worker thread running a bundle (the scan worker, dist/bundle/cli/worker.cjs) compiled with its
 * code cache like the CLI's: the thread starts from the cached bytecode instead of compiling the
 * PE reader and the rules from source. With KMDLL_WRITE_CODE_CACHE=1 (a training run), the worker
 * writes the cache of what it ran when its work is done (globalThis[Symbol.for("kmdll.writeCodeCache")]).
 */
function startBundleWorker(file) {
  const { Worker } = require("node:worker_threads");
  return new Worker(`require(${JSON.stringify(__filename)}).runWorkerBundle(${JSON.stringify(file)});`, { eval: true });
}

/** In a worker thread: run the bundle (see startBundleWorker). */
function runWorkerBundle(file) {
  const { cache } = loadBundle(file);
  if (process.env.KMDLL_WRITE_CODE_CACHE === "1" && cache) globalThis[Symbol.for("kmdll.writeCodeCache")] = cache;
}

module.exports = { loadBundle, startBundleWorker, runWorkerBundle };
