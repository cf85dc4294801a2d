/**
 * `kmdll scan --jobs 2` against `--jobs 1` on real corpora: our examples' fixtures (x64, x86 and
 * ARM64 images built by the real toolchain) and Debian's wine64 PE files when installed. The
 * three outputs (text, --json, --ndjson) must be the same whatever the thread count, apart from
 * the figures that name it (the thread count, the duration) — and the worker thread must really
 * run: the parallel path is what is compared, not the single thread twice.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { repoPath, runCli, type CliResult } from "./helpers.js";
import { scanDirectory, walkFiles } from "../src/scan/index.js";

/** `kmdll scan …` with a worker thread forced (on a 2-CPU machine --jobs 2 alone starts none below 8192 files). */
function scanWithWorker(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [repoPath("bin", "kmdll.js"), "scan", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    timeout: 300_000,
    env: { ...process.env, KMDLL_SCAN_MIN_FILES_PER_WORKER: "1" },
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const FIXTURES = repoPath("test", "fixtures");

/** --json without the duration and the thread count. */
function jsonStable(stdout: string): unknown {
  return { ...(JSON.parse(stdout) as object), durationMs: 0, jobs: 0 };
}

/** The text report without its "(0.42 s, 2 threads)". */
function textStable(stdout: string): string {
  return stdout.replace(/ \(\d+\.\d\d s, \d+ threads?\)\n/, "\n");
}

/** NDJSON: the lines as they are (path order), the summary without duration and thread count. */
function ndjsonStable(stdout: string): unknown[] {
  const lines = stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string });
  const summary = lines.pop() as { type: string; durationMs: number; jobs: number };
  assert.equal(summary.type, "summary");
  return [...lines, { ...summary, durationMs: 0, jobs: 0 }];
}

/** The thread line `scan` prints on standard error without --quiet (before any per-file line). */
function threadLine(stderr: string): string {
  return stderr.split("\n")[0]!;
}

for (const [name, dir] of [
  ["the examples' fixtures", FIXTURES],
  ["wine64", WINE],
] as const) {
  test(`scan ${name}: --jobs 2 (a worker thread) prints what --jobs 1 prints (text, --json, --ndjson)`, { skip: !existsSync(dir) && `${dir} is not there` }, async () => {
    const files = walkFiles(dir).files.length;
    const one = `scan: ${files} files, this thread only`;
    const two = `scan: ${files} files, this thread + 1 worker thread`;

    const j1 = await runCli(["scan", "--json", "--jobs", "1", dir]);
    const j2 = scanWithWorker(["--json", "--jobs", "2", dir]);
    assert.ok(j1.code === 0 || j1.code === 1, j1.stderr.slice(-2000));
    assert.equal(j2.code, j1.code, j2.stderr.slice(-2000));
    assert.equal(threadLine(j1.stderr), one);
    assert.equal(threadLine(j2.stderr), two, "the worker thread ran");
    // The per-file progress lines (path order in both) are the same too.
    assert.deepEqual(j2.stderr.split("\n").slice(1), j1.stderr.split("\n").slice(1));
    assert.deepEqual(jsonStable(j2.stdout), jsonStable(j1.stdout));
    const parsed = JSON.parse(j1.stdout) as { images: number; files: number };
    assert.equal(parsed.files, files);
    assert.ok(parsed.images > 100, `${parsed.images} images`);

    const t1 = await runCli(["scan", "-q", "--limit", "0", "--jobs", "1", dir]);
    const t2 = scanWithWorker(["-q", "--limit", "0", "--jobs", "2", dir]);
    assert.equal(t2.code, t1.code, t2.stderr);
    assert.match(t1.stdout, / \(\d+\.\d\d s, 1 thread\)\n/);
    assert.equal(textStable(t2.stdout), textStable(t1.stdout));

    const n1 = await runCli(["scan", "-q", "--ndjson", "--jobs", "1", dir]);
    const n2 = scanWithWorker(["-q", "--ndjson", "--jobs", "2", dir]);
    // The worker really ran in these two as well (their thread line, without -q).
    assert.equal(threadLine(scanWithWorker(["--ndjson", "--jobs", "2", dir]).stderr), two);
    assert.equal(n2.code, n1.code, n2.stderr);
    assert.deepEqual(ndjsonStable(n2.stdout), ndjsonStable(n1.stdout));
  });
}

test("the library with a worker forced on the fixtures: the same report, and the worker did run", async () => {
  const a = await scanDirectory(FIXTURES, { jobs: 1 });
  const b = await scanDirectory(FIXTURES, { jobs: 2, minFilesPerWorker: 1 });
  assert.equal(a.workers, 0);
  assert.equal(b.workers, 1);
  assert.deepEqual({ ...b, durationMs: 0, jobs: 0, workers: 0 }, { ...a, durationMs: 0, jobs: 0, workers: 0 });
});

test("scan --ndjson: names with DEL, C1 and format characters stay valid JSON (escaped as \\uNNNN)", async () => {
  const { mkdtempSync, copyFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const d = mkdtempSync(join(tmpdir(), "kmdll-scan-names-"));
  try {
    const names = ["del\x7f.sys", "csi\x9b.sys", "rlo\u202e.sys"];
    for (const n of names) copyFileSync(repoPath("test", "fixtures", "x64", "mydriver.sys"), join(d, n));
    const r = await runCli(["scan", "-q", "--ndjson", d]);
    const lines = r.stdout.trimEnd().split("\n");
    for (const l of lines) assert.doesNotMatch(l, /[\x7f-\x9f\u202e]/, "no raw control or format character on the terminal");
    const paths = lines.map((l) => JSON.parse(l) as { type: string; path?: string }).filter((l) => l.type === "image").map((l) => l.path);
    assert.deepEqual(paths, [...names].sort());
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("scanStream with a worker: results in path order, none handed on while the consumer is backed up", async () => {
  const { scanStream } = await import("../src/scan/index.js");
  let gate: { promise: Promise<void>; open: () => void } | null = null;
  const seen: string[] = [];
  let workers = -1;
  const run = scanStream(FIXTURES, {
    jobs: 2,
    minFilesPerWorker: 1,
    onStart: (i) => (workers = i.workers),
    onResult: (r) => {
      seen.push(r.rel);
      if (seen.length === 1) {
        let open!: () => void;
        const promise = new Promise<void>((res) => (open = res));
        gate = { promise, open: () => ((gate = null), open()) };
      }
    },
    paused: () => gate?.promise ?? null,
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(seen.length, 1, "nothing handed on while backed up");
  (gate as { open: () => void } | null)!.open();
  const summary = await run;
  assert.equal(workers, 1);
  assert.equal(seen.length, summary.files);
  assert.deepEqual(seen, walkFiles(FIXTURES).files.map((f) => f.rel), "path order");
});

/**
 * Run `body` with every scan worker replaced by one that claims two files and never answers.
 * Returns how many were made and the indexes the last one claimed (-1: none yet).
 */
async function withStuckWorker(body: (claimed: Int32Array) => Promise<void>): Promise<{ made: number; claimed: number[] }> {
  const { Worker } = await import("node:worker_threads");
  // Stands in for a scan worker starved of CPU time (it runs at nice 19): it claims the first two
  // files from the shared counter (slot 0, src/scan/work-queue.ts) and then never posts a result.
  const stuck = `const { parentPort, workerData } = require("node:worker_threads");
parentPort.once("message", (job) => {
  const ctl = new Int32Array(job.control);
  const claimed = new Int32Array(workerData);
  claimed[0] = Atomics.add(ctl, 0, 1);
  claimed[1] = Atomics.add(ctl, 0, 1);
  for (;;) Atomics.wait(ctl, 2, 0, 50);
});`;
  const claimed = new Int32Array(new SharedArrayBuffer(8)).fill(-1);
  const factory = Symbol.for("kmdll.scanWorkerFactory");
  const g = globalThis as Record<symbol, unknown>;
  const before = g[factory];
  let made = 0;
  g[factory] = () => (made++, new Worker(stuck, { eval: true, workerData: claimed.buffer }));
  try {
    await body(claimed);
  } finally {
    g[factory] = before;
  }
  return { made, claimed: [...claimed] };
}

test("a worker that claims files and never answers: this thread takes them over, and the report is --jobs 1's", async () => {
  const a = await scanDirectory(FIXTURES, { jobs: 1 });
  let b: Awaited<ReturnType<typeof scanDirectory>> | undefined;
  const { made } = await withStuckWorker(async () => void (b = await scanDirectory(FIXTURES, { jobs: 2, minFilesPerWorker: 1 })));
  assert.equal(made, 1, "the stuck worker was the scan's worker");
  assert.equal(b!.workers, 1);
  assert.deepEqual({ ...b!, durationMs: 0, jobs: 0, workers: 0 }, { ...a, durationMs: 0, jobs: 0, workers: 0 });
});

test("a stuck worker holding the first files of a corpus longer than the result window: the stream still ends, in path order", async () => {
  const { mkdtempSync, writeFileSync, copyFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { scanStream } = await import("../src/scan/index.js");
  const { WINDOW } = await import("../src/scan/work-queue.js");
  const d = mkdtempSync(join(tmpdir(), "kmdll-scan-window-"));
  try {
    // More files than the window (this thread may not run WINDOW files past the first missing
    // result): a few images, then tiny non-PE files.
    const IMAGES = 20;
    for (let k = 0; k < IMAGES; k++) copyFileSync(repoPath("test", "fixtures", "x64", "mydriver.sys"), join(d, `a${String(k).padStart(5, "0")}.sys`));
    for (let k = 0; k < WINDOW + 40; k++) writeFileSync(join(d, `b${String(k).padStart(5, "0")}.bin`), "x");
    const n = IMAGES + WINDOW + 40;
    const seen: string[] = [];
    let summary: Awaited<ReturnType<typeof scanStream>> | undefined;
    const { made, claimed } = await withStuckWorker(async (held) => {
      const onResult = (r: { rel: string }): void => {
        // The first result: hold this thread until the worker has claimed its two files.
        if (seen.length === 0) for (let t = 0; t < 200 && Atomics.load(held, 1) < 0; t++) Atomics.wait(held, 1, -1, 50);
        seen.push(r.rel);
      };
      summary = await scanStream(d, { jobs: 2, minFilesPerWorker: 1, onResult });
    });
    assert.equal(made, 1);
    assert.ok(claimed[0]! >= 0 && claimed[0]! + WINDOW < n, `the worker held a file (${claimed[0]}) more than WINDOW files before the end (${n})`);
    assert.equal(summary!.images, IMAGES);
    assert.deepEqual(seen, walkFiles(d).files.map((f) => f.rel), "every file once, in path order");
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
