import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { repoPath } from "./helpers.js";

// The committed driver images must be exactly what the sources in examples/ build to.
test("committed fixtures rebuild byte-identically from examples/", () => {
  const r = spawnSync(process.execPath, [repoPath("scripts", "fixtures.mjs"), "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /rebuilt byte-identically/);
});
