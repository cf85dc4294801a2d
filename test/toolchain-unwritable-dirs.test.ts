/**
 * build/new on an output folder that cannot be created (under /proc, where Node 20's recursive
 * mkdirSync spins forever): one-line error, exit 2, no hang. The timeout turns a hang into a failure.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./helpers.js";

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-unwritable-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function oneLineError(r: { code: number; stdout: string; stderr: string }, what: RegExp): void {
  assert.notEqual(r.code, -1, "kmdll hung (killed by the timeout)");
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^kmdll: /);
  assert.match(lines[0]!, what);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test("kmdll new export-driver NAME /proc/nope: one-line error, exit 2", async () => {
  assert.ok(!existsSync("/proc/nope"), "premise");
  oneLineError(await runCli(["new", "export-driver", "foo", "/proc/nope"], { timeoutMs: 20_000 }), /\/proc\/nope/);
});

test("kmdll build --out /proc/nope/out DIR: one-line error, exit 2", async () => {
  const made = await runCli(["new", "export-driver", "foo", dir]);
  assert.equal(made.code, 0, made.stderr);
  oneLineError(await runCli(["build", "--out", "/proc/nope/out", dir], { timeoutMs: 60_000 }), /\/proc\/nope\/out/);
});
