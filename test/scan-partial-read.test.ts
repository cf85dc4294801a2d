/**
 * `kmdll scan` reads each file piece by piece (4 KiB pages, only those the parse and the rules
 * look at). Its results must be exactly those of an analysis of the whole file read at once:
 * on the example drivers, on the wine64 corpus, and on hostile and truncated copies — a truncated
 * or malformed file keeps its precise error (structure, offset, sizes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { analyzeBytes, analyzeFile, type AnalyzeRequest, type AnalyzeResult } from "../src/scan/analyze.js";
import { ScanModules } from "../src/scan/checks.js";
import { PartialFile } from "../src/io/partial-file.js";
import { repoPath } from "./helpers.js";

const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

function indexOf(dir: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const n of readdirSync(dir).sort()) m.set(n.toLowerCase(), [join(dir, n)]);
  return m;
}

/** The piecewise analysis (what scan runs) and the whole-file one, with separate module caches. */
function both(dir: string, name: string): { partial: AnalyzeResult; whole: AnalyzeResult } {
  const req: AnalyzeRequest = { path: join(dir, name), rel: name };
  const index = indexOf(dir);
  const partial = analyzeFile(req, new ScanModules(index, dir));
  const whole = analyzeBytes(req, { bytes: new Uint8Array(readFileSync(req.path)) }, new ScanModules(index, dir));
  return { partial, whole };
}

function agree(dir: string, names: string[]): AnalyzeResult[] {
  const out: AnalyzeResult[] = [];
  for (const n of names) {
    const { partial, whole } = both(dir, n);
    assert.deepEqual(partial, whole, `${dir}/${n}`);
    out.push(partial);
  }
  return out;
}

test("piecewise and whole-file analyses agree on the example drivers (x64, x86, arm64)", () => {
  for (const arch of ["x64", "x86", "arm64"]) {
    const dir = repoPath("test", "fixtures", arch);
    if (!existsSync(dir)) continue;
    const names = readdirSync(dir).filter((n) => /\.(sys|dll|exe)$/i.test(n));
    const results = agree(dir, names);
    assert.ok(results.some((r) => r.status === "ok" && r.findings.length > 0), `${arch}: some fixture has findings`);
  }
});

test("piecewise and whole-file analyses agree on a sample of wine64", { skip: !existsSync(WINE) && "wine64 is not installed" }, () => {
  const names = readdirSync(WINE).sort().filter((_, i) => i % 9 === 0);
  const results = agree(WINE, names);
  assert.ok(results.filter((r) => r.status === "ok").length > 50);
});

test("truncated and hostile copies: the same results, and a truncated file keeps its precise error", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-partial-"));
  try {
    const base = new Uint8Array(readFileSync(repoPath("test", "fixtures", "x64", "mydriver.sys")));
    // Shown to be the client's export driver: the checks resolve client.sys's imports against it.
    writeFileSync(join(dir, "client.sys"), readFileSync(repoPath("test", "fixtures", "x64", "client.sys")));
    const names: string[] = [];
    // Truncations at every interesting length: inside the DOS header, the PE headers, the section table, each section.
    for (const len of [0, 1, 63, 64, 0x80, 0x100, 0x180, 0x200, 0x3ff, 0x400, 0x401, 0x1000, base.length - 0x201, base.length - 1]) {
      if (len > base.length) continue;
      const n = `trunc-${len}.sys`;
      writeFileSync(join(dir, n), base.subarray(0, len));
      names.push(n);
    }
    let seed = 4242;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    for (let i = 0; i < 120; i++) {
      const m = base.slice();
      // Flip bytes in the headers and section table, and sometimes anywhere (tables, names).
      for (let k = 0; k < 6; k++) m[Math.floor(rnd() * (i % 3 === 0 ? m.length : Math.min(m.length, 0x400)))] = Math.floor(rnd() * 256);
      const n = `mut-${i}.sys`;
      writeFileSync(join(dir, n), i % 10 === 0 ? m.subarray(0, Math.floor(rnd() * m.length)) : m);
      names.push(n);
    }
    names.push("client.sys");
    const results = agree(dir, names);
    const byName = new Map(results.map((r) => [r.rel, r]));
    // Precise errors survive the piecewise read: the structure, its offset and the file size.
    const t256 = byName.get("trunc-256.sys")!;
    assert.equal(t256.status, "error");
    assert.match((t256 as { error: string }).error, /offset 0x[0-9a-f]+: needs \d+ bytes but the file has \d+ there \(file size 256\)/);
    const tail = byName.get(`trunc-${base.length - 1}.sys`)!;
    assert.equal(tail.status, "error");
    assert.match((tail as { error: string }).error, /^malformed image: section \d+ \(\.\w+\): raw data 0x[0-9a-f]+\+0x[0-9a-f]+ runs past the end of the file \(size 0x[0-9a-f]+\): the file is truncated/);
    assert.equal(byName.get("trunc-0.sys")!.status, "error");
    assert.ok(results.filter((r) => r.status === "ok").length > 10, "some mutations still parse");
    assert.ok(results.filter((r) => r.status === "error").length > 10, "some mutations are refused");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a scan reads a small part of a large image", { skip: !existsSync(WINE) && "wine64 is not installed" }, () => {
  // The largest file of the corpus: its headers, export and import tables only.
  const names = readdirSync(WINE);
  let big = names[0]!;
  let size = 0;
  for (const n of names) {
    const f = PartialFile.open(join(WINE, n));
    if (f.size > size) [big, size] = [n, f.size];
    f.close();
  }
  const f = PartialFile.open(join(WINE, big));
  try {
    const r = analyzeBytes({ path: join(WINE, big), rel: big }, f, new ScanModules(indexOf(WINE), WINE));
    assert.equal(r.status, "ok");
    assert.ok(f.bytesRead * 20 < f.size, `${big}: read ${f.bytesRead} of ${f.size} bytes`);
  } finally {
    f.close();
  }
});
