/**
 * Lazy PE parsing (what `kmdll scan` uses): a file read piece by piece (PartialFile) and data
 * directories parsed on first access must give exactly what the eager parse of the whole file
 * gives — on our fixtures, on the wine64 corpus, and on hostile mutations — while reading only
 * a part of a large image when only its headers and import/export tables are asked for.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parsePe } from "../src/formats/pe/parse.js";
import type { PeImage } from "../src/formats/pe/types.js";
import { FormatError } from "../src/errors.js";
import { PartialFile } from "../src/io/partial-file.js";
import { repoPath } from "./helpers.js";

const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const FIELDS = ["exports", "imports", "delayImports", "relocations", "debug", "exceptionFunctions", "tls", "loadConfig"] as const;

function eager(path: string): PeImage | string {
  try {
    return parsePe(new Uint8Array(readFileSync(path)));
  } catch (e) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
}

/** Lazy parse through a PartialFile; touches the fields in the given order, then the checksum. */
function lazy(path: string, order: readonly (typeof FIELDS)[number][] = FIELDS): { image: PeImage | string; chunks: number; size: number } {
  const f = PartialFile.open(path);
  try {
    const image = parsePe(f.bytes, { lazyDirectories: true, loader: f.load });
    for (const k of order) void image[k];
    void image.checksum.computed;
    return { image: { ...image, checksum: { ...image.checksum } }, chunks: f.reads, size: f.size };
  } catch (e) {
    if (e instanceof FormatError) return { image: e.message, chunks: f.reads, size: f.size };
    throw e;
  } finally {
    f.close();
  }
}

function same(path: string, order?: readonly (typeof FIELDS)[number][]): void {
  const a = eager(path);
  const b = lazy(path, order).image;
  if (typeof a === "string" || typeof b === "string") {
    assert.equal(b, a, path);
    return;
  }
  for (const k of FIELDS) assert.deepEqual(b[k], a[k], `${path}: ${k}`);
  assert.deepEqual({ ...b.checksum }, { ...a.checksum }, `${path}: checksum`);
  // Warnings come in the order the directories were parsed: compare as sets.
  const w = (x: PeImage) => x.warnings.map((v) => JSON.stringify(v)).sort();
  assert.deepEqual(w(b), w(a), `${path}: warnings`);
}

test("lazy parse of every x64/x86 fixture equals the eager parse", () => {
  for (const arch of ["x64", "x86"]) {
    const dir = repoPath("test", "fixtures", arch);
    for (const f of readdirSync(dir).filter((n) => /\.(sys|dll|exe)$/i.test(n))) same(join(dir, f), [...FIELDS].reverse());
  }
});

test("lazy parse equals the eager parse on the wine64 corpus", { skip: !existsSync(WINE) && "wine64 is not installed" }, () => {
  const files = readdirSync(WINE).sort().filter((_, i) => i % 7 === 0);
  assert.ok(files.length > 50);
  for (const f of files) same(join(WINE, f));
});

test("a large image: headers, exports and imports read a small part of the file", { skip: !existsSync(WINE) && "wine64 is not installed" }, () => {
  const big = readdirSync(WINE).map((n) => join(WINE, n)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const f = PartialFile.open(big);
  try {
    const image = parsePe(f.bytes, { lazyDirectories: true, loader: f.load });
    assert.ok((image.exports?.functions.length ?? 0) + image.imports.length > 0);
    assert.ok(f.bytesRead * 16 < f.size, `${big}: read ${f.bytesRead} of ${f.size} bytes`);
  } finally {
    f.close();
  }
});

test("hostile mutations: lazy and eager parses agree (values, warnings, errors)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-lazy-"));
  try {
    const base = new Uint8Array(readFileSync(repoPath("test", "fixtures", "x64", "mydriver.sys")));
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    for (let i = 0; i < 150; i++) {
      const m = base.slice(0, i % 10 === 0 ? Math.floor(rnd() * base.length) : base.length);
      for (let k = 0; k < 8; k++) m[Math.floor(rnd() * Math.min(m.length, 0x600))] = Math.floor(rnd() * 256);
      const p = join(dir, `m${i}.sys`);
      writeFileSync(p, m);
      same(p);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a reused buffer holds zeros wherever the new file was not read", { skip: !existsSync(WINE) && "wine64 is not installed" }, () => {
  const files = readdirSync(WINE).map((n) => join(WINE, n)).filter((p) => statSync(p).size > 300_000).slice(0, 2);
  const a = PartialFile.open(files[0]!);
  a.loadAll();
  a.close();
  const b = PartialFile.open(files[1]!);
  try {
    b.load(0, 64);
    const rest = b.bytes.subarray(65536);
    assert.equal(rest.findIndex((x) => x !== 0), -1);
    assert.deepEqual(b.loadAll(), new Uint8Array(readFileSync(files[1]!)));
  } finally {
    b.close();
  }
});
