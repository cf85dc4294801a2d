/**
 * `kmdll scan` on a directory built from the real fixtures: PE detection by magic, recursion,
 * symbolic links, malformed files reported and skipped, dependency resolution between the
 * images, import/export tables cross-checked with llvm-readobj, worker threads vs inline,
 * progress output on a pipe and on a terminal.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fixture, repoPath, runCli } from "./helpers.js";
import { readobj } from "./scan-readobj.js";
import { scanDirectory, type ScanReport } from "../src/scan/index.js";

let dir: string;
let outside: string;

/** The PE files the test puts in the directory (relative paths), and what it puts besides. */
const PE = ["drivers/client.sys", "drivers/deep/mydriver.sys", "other/renamed.dat", "link-to-client.sys"];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-scan-"));
  outside = mkdtempSync(join(tmpdir(), "kmdll-scan-outside-"));
  mkdirSync(join(dir, "drivers", "deep"), { recursive: true });
  mkdirSync(join(dir, "other"), { recursive: true });
  copyFileSync(fixture("x64", "client.sys"), join(dir, "drivers", "client.sys"));
  copyFileSync(fixture("x64", "mydriver.sys"), join(dir, "drivers", "deep", "mydriver.sys"));
  // A PE image whose extension says otherwise (the x86 client: also imports mydriver.sys).
  copyFileSync(fixture("x86", "client.sys"), join(dir, "other", "renamed.dat"));
  // Not PE images, although their .sys names say driver: errors of the scan.
  writeFileSync(join(dir, "notes.sys"), "this is not a driver\n");
  writeFileSync(join(dir, "mz-only.sys"), Buffer.concat([Buffer.from("MZ"), Buffer.alloc(200)]));
  writeFileSync(join(dir, "empty.sys"), "");
  // Malformed: PE signature present, headers cut short.
  const my = readFileSync(fixture("x64", "mydriver.sys"));
  const peOff = my.readUInt32LE(0x3c);
  writeFileSync(join(dir, "drivers", "truncated.sys"), my.subarray(0, peOff + 30));
  // Symbolic links: one inside the directory (followed), one out of it (not followed).
  writeFileSync(join(outside, "secret.sys"), my);
  symlinkSync(join(outside, "secret.sys"), join(dir, "escape.sys"));
  symlinkSync(join(dir, "drivers", "client.sys"), join(dir, "link-to-client.sys"));
  symlinkSync(outside, join(dir, "outside-dir"));
  // A FIFO: never opened (opening it would block).
  spawnSync("mkfifo", [join(dir, "other", "pipe")]);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function stable(r: ScanReport): unknown {
  return { ...r, durationMs: 0, jobs: 0, workers: 0 };
}

test("scan finds PE images by magic, recursively, and reports the rest", async () => {
  const r = await scanDirectory(dir, { jobs: 2 });
  assert.deepEqual(r.images.map((i) => i.path).sort(), [...PE].sort());
  assert.equal(r.notPe, 0);
  const errors = Object.fromEntries(r.errors.map((e) => [e.path, e.error]));
  assert.deepEqual(Object.keys(errors).sort(), ["drivers/truncated.sys", "empty.sys", "mz-only.sys", "notes.sys"]);
  assert.match(errors["drivers/truncated.sys"]!, /offset 0x[0-9a-f]+/);
  assert.match(errors["notes.sys"]!, /not a PE image \(no MZ\/PE signature\), although its \.sys name says driver/);
  assert.match(errors["mz-only.sys"]!, /not a PE image/);
  assert.match(errors["empty.sys"]!, /not a PE image: the \.sys file is empty/);
  const skipped = Object.fromEntries(r.skipped.map((s) => [s.rel, s.reason]));
  assert.match(skipped["escape.sys"]!, /out of the scanned directory/);
  assert.match(skipped["outside-dir"]!, /out of the scanned directory/);
  assert.match(skipped["other/pipe"]!, /not a regular file/);
  assert.equal(r.images.some((i) => i.path.includes("secret")), false);
});

test("scan resolves imports against the other images: export drivers, their importers, kinds", async () => {
  const r = await scanDirectory(dir, { jobs: 1 });
  assert.deepEqual(r.exportDrivers.map((d) => d.path), ["drivers/deep/mydriver.sys"]);
  // client.sys is reached twice (file and link) under different names; renamed.dat imports mydriver.sys too.
  assert.deepEqual(r.exportDrivers[0]!.importers, ["drivers/client.sys", "link-to-client.sys", "other/renamed.dat"]);
  const kinds = Object.fromEntries(r.images.map((i) => [i.path, i.kind]));
  assert.equal(kinds["drivers/deep/mydriver.sys"], "export-driver");
  assert.equal(kinds["drivers/client.sys"], "driver");
  assert.deepEqual(r.unresolved.filter((u) => u.reason === "missing-module"), []);
  assert.equal(r.ruleCounts["missing-module"], undefined);
});

test("scan's import and export tables agree with llvm-readobj", async () => {
  const r = await scanDirectory(dir, { jobs: 2 });
  const ro = readobj(r.images.map((i) => join(dir, i.path)));
  for (const im of r.images) {
    const expected = ro.get(join(dir, im.path));
    assert.ok(expected, `llvm-readobj reads ${im.path}`);
    assert.deepEqual(
      im.imports.filter((m) => !m.delay).map((m) => [m.dll, m.names]),
      [...expected.imports.entries()].filter(([d]) => !d.startsWith("delay:")),
      im.path,
    );
    assert.equal(im.exports, expected.exportOrdinals.length, im.path);
  }
});

test("worker threads and the inline path give the same report", async () => {
  const a = await scanDirectory(dir, { jobs: 1 });
  const b = await scanDirectory(dir, { jobs: 3, minFilesPerWorker: 1 });
  assert.deepEqual(stable(b), stable(a));
  assert.equal(b.jobs, 3);
  assert.equal(a.workers, 0);
  assert.equal(b.workers, 2, "two worker threads helped");
});

test("a missing export driver is a missing-module finding and an unresolved import; exit code 1", async () => {
  const d = mkdtempSync(join(tmpdir(), "kmdll-scan-missing-"));
  try {
    copyFileSync(fixture("x64", "client.sys"), join(d, "client.sys"));
    const r = await scanDirectory(d);
    const ro = readobj([join(d, "client.sys")]).get(join(d, "client.sys"))!;
    assert.deepEqual(r.unresolved, [{ importer: "client.sys", dll: "mydriver.sys", reason: "missing-module", names: ro.imports.get("mydriver.sys"), delay: false }]);
    assert.equal(r.ruleCounts["missing-module"], 1);
    const cli = await runCli(["scan", "--json", d]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).ruleCounts["missing-module"], 1);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("a KMDF driver's WDFLDR.SYS is a Windows system module, not a missing one (scan agrees with check's note)", async () => {
  const d = mkdtempSync(join(tmpdir(), "kmdll-scan-system-"));
  try {
    copyFileSync(fixture("x64", "kmdfctl.sys"), join(d, "kmdfctl.sys"));
    const r = await scanDirectory(d);
    const ro = readobj([join(d, "kmdfctl.sys")]).get(join(d, "kmdfctl.sys"))!;
    const wdf = [...ro.imports.keys()].find((k) => /^wdfldr\.sys$/i.test(k))!;
    assert.ok(wdf, "the fixture imports WDFLDR.SYS (llvm-readobj)");
    assert.deepEqual(r.unresolved.map((u) => [u.dll, u.reason]), [[wdf, "system-module"]]);
    assert.equal(r.ruleCounts["missing-module"] ?? 0, 0);
    const cli = await runCli(["scan", d]);
    assert.match(cli.stdout, /0 missing modules.*1 Windows system module not in the directory/);
    assert.match(cli.stdout, /wdfldr\.sys \(system module\) ← kmdfctl\.sys/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("kmdll scan on a pipe: plain progress lines on stderr, summary on stdout", async () => {
  const r = await runCli(["scan", "--jobs", "2", dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  const total = PE.length + 3 + 1; // images, not-PE files, the truncated one
  // First the file and thread count (8 files: too few for a worker), then one line per file.
  assert.equal(lines.shift(), "scan: 8 files, this thread only");
  assert.equal(lines.length, total);
  for (const l of lines) assert.match(l, new RegExp(`^scan: \\[\\d+/${total}\\] `));
  assert.ok(lines.some((l) => /truncated\.sys: ERROR /.test(l)));
  assert.match(r.stdout, /^scanned .*: 8 files, 4 PE images, 0 not PE, 4 unreadable or malformed files, 3 skipped/);
  assert.match(r.stdout, /export drivers and their importers:\n  drivers\/deep\/mydriver\.sys ← drivers\/client\.sys, link-to-client\.sys, other\/renamed\.dat/);
  const q = await runCli(["scan", "-q", "--json", dir]);
  assert.equal(q.stderr, "");
  assert.equal(JSON.parse(q.stdout).images, PE.length);
});

test("kmdll scan on a terminal draws a progress bar (cli-progress)", () => {
  const cmd = `${process.execPath} ${repoPath("bin", "kmdll.js")} scan ${dir} > /dev/null`;
  const r = spawnSync("script", ["-qefc", cmd, "/dev/null"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /scan \[[█░]+\] \d+\/8 files/);
  assert.doesNotMatch(r.stdout, /^scan: \[/m);
});

test("bad arguments: one-line errors, exit 2", async () => {
  const a = await runCli(["scan", join(dir, "nope")]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /^kmdll: .*nope: no such directory\n$/);
  const b = await runCli(["scan", join(dir, "notes.sys")]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /not a directory/);
  const c = await runCli(["scan", "--jobs", "0", dir]);
  assert.equal(c.code, 2);
});

test("scan's findings for each image are those of kmdll check on the same folder", async () => {
  const src = repoPath("test", "fixtures", "x64");
  const r = await scanDirectory(src, { jobs: 2 });
  const names = ["client.sys", "mydriver.sys", "bad-missing-module.sys", "bad-unresolved-import.sys", "bad-malloc.sys", "bad-no-dllunload.sys"].filter((n) => r.images.some((i) => i.path === n));
  assert.ok(names.length >= 4);
  for (const n of names) {
    const cli = await runCli(["check", "--format", "json", join(src, n)]);
    assert.ok(cli.code === 0 || cli.code === 1, cli.stderr);
    const doc = JSON.parse(cli.stdout) as { findings: { rule: string; severity: string }[] } | { findings: { rule: string; severity: string }[] }[];
    const findings = (Array.isArray(doc) ? doc[0]! : doc).findings;
    const im = r.images.find((i) => i.path === n)!;
    assert.deepEqual(im.findings.map((f) => `${f.rule}/${f.severity}`).sort(), findings.map((f) => `${f.rule}/${f.severity}`).sort(), n);
  }
  // The fixtures that exist to break a rule do break it in the scan.
  const rules = Object.fromEntries(r.images.map((i) => [i.path, new Set(i.findings.map((f) => f.rule))]));
  if (rules["bad-missing-module.sys"]) assert.ok(rules["bad-missing-module.sys"].has("missing-module"));
  if (rules["bad-unresolved-import.sys"]) assert.ok(rules["bad-unresolved-import.sys"].has("unresolved-import"));
});

test("scan --ndjson: one line per image or unreadable file, in any order, then a summary; same findings as the full report", async () => {
  const full = await scanDirectory(dir, { jobs: 1 });
  const r = await runCli(["scan", "--ndjson", "-q", "--jobs", "2", dir]);
  assert.equal(r.code, full.images.some((i) => i.findings.some((f) => f.severity === "error")) ? 1 : 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; path?: string; findings?: unknown[]; imports?: unknown[] });
  const summary = lines.pop() as unknown as { type: string; files: number; images: number; notPe: number; errors: number };
  assert.equal(summary.type, "summary");
  assert.deepEqual({ files: summary.files, images: summary.images, notPe: summary.notPe, errors: summary.errors }, { files: full.files, images: full.images.length, notPe: full.notPe, errors: full.errors.length });
  const images = lines.filter((l) => l.type === "image").sort((a, b) => (a.path! < b.path! ? -1 : 1));
  assert.deepEqual(images.map((l) => l.path), full.images.map((i) => i.path));
  for (const [k, l] of images.entries()) {
    assert.deepEqual(l.findings, full.images[k]!.findings, l.path);
    assert.deepEqual(l.imports, full.images[k]!.imports, l.path);
  }
  assert.deepEqual(lines.filter((l) => l.type === "error").map((l) => l.path).sort(), full.errors.map((e) => e.path).sort());
});

test("scanStream holds back new files while the consumer is backed up", async () => {
  const { scanStream } = await import("../src/scan/index.js");
  let gate: { promise: Promise<void>; open: () => void } | null = null;
  const seen: string[] = [];
  const run = scanStream(dir, {
    jobs: 1,
    onResult: (r) => {
      seen.push(r.rel);
      // Back up after the first result.
      if (seen.length === 1) {
        let open!: () => void;
        const promise = new Promise<void>((r) => (open = r));
        gate = { promise, open: () => ((gate = null), open()) };
      }
    },
    paused: () => gate?.promise ?? null,
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen.length, 1, "no file is analyzed while the consumer is backed up");
  (gate as { open: () => void } | null)!.open();
  const summary = await run;
  assert.equal(seen.length, summary.files);
});
