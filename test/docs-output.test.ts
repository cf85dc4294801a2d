/**
 * The output README.md and docs/*.md show is the output kmdll prints: every transcript block
 * ("$ kmdll …" followed by what it printed; conventions in docs-transcripts.ts) is run and compared.
 * docs/qa.md and docs/performance.md are records of runs on inputs outside the repository (third-party
 * drivers, a machine's timings) and are not re-run.
 *
 * Each document's blocks run in order in one fresh folder (a later block may use a file an
 * earlier one wrote, as a reader following the document would), with `test` and `examples`
 * linked from the repository and `kmdll` on PATH running this checkout's bin/kmdll.js.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./helpers.js";
import { expectationOf, mismatch, parseTranscripts, runBlock } from "./docs-transcripts.js";

const RECORDS = new Set(["qa.md", "performance.md"]);
const documents = ["README.md", ...readdirSync(join(REPO, "docs")).filter((f) => f.endsWith(".md") && !RECORDS.has(f)).sort().map((f) => `docs/${f}`)];

test("transcripts in README.md and docs/ show what kmdll prints", { concurrency: 3 }, async (t) => {
  let checked = 0;
  const runs: Promise<void>[] = [];
  for (const doc of documents) {
    const blocks = parseTranscripts(readFileSync(join(REPO, doc), "utf8"));
    for (const b of blocks) if (b.skip !== undefined) assert.ok(b.skip.length > 8, `${doc}:${b.line}: a skipped transcript says why`);
    const runnable = blocks.filter((b) => b.skip === undefined && b.commands.some((c) => /^(npx )?kmdll\b/.test(c.cmd)));
    if (runnable.length === 0) continue;
    checked += runnable.reduce((n, b) => n + b.commands.length, 0);
    runs.push(t.test(doc, async () => {
      const dir = mkdtempSync(join(tmpdir(), "kmdll-docs-"));
      try {
        writeFileSync(join(dir, "kmdll"), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO, "bin", "kmdll.js")}" "$@"\n`);
        chmodSync(join(dir, "kmdll"), 0o755);
        const failures: string[] = [];
        const workDir = mkdtempSync(join(dir, "w-"));
        for (const d of ["test", "examples"]) symlinkSync(join(REPO, d), join(workDir, d));
        for (const b of runnable) {
          const cwd = b.cwdRepo ? REPO : workDir;
          const shown = b.commands.map((c) => c.cmd.replace(/\(lines cut\)/, "").replace(/^npx kmdll\b/, "kmdll"));
          const results = await runBlock(b.setup, shown, cwd, dir);
          b.commands.forEach((c, i) => {
            const r = results[i];
            const why = r === undefined ? "the command did not finish (killed after 300 s, or the shell exited)" : mismatch(expectationOf(c), r.out.split("\n"), r.status);
            if (why) failures.push(`${doc}:${c.line}: $ ${c.cmd}\n    ${why}`);
          });
        }
        assert.deepEqual(failures, [], failures.join("\n"));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));
  }
  await Promise.all(runs);
  assert.ok(checked >= 60, `at least 60 documented commands are checked (${checked})`);
});
