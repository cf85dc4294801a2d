/** docs/api-coverage.md is generated from the handler list and must be in sync with it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { repoPath } from "./helpers.js";
import { allApis } from "../src/emu/api/index.js";

test("docs/api-coverage.md lists exactly the implemented APIs", () => {
  const r = spawnSync(process.execPath, [repoPath("scripts", "api-coverage.mjs"), "--check"], {
    env: { ...process.env, KMDLL_DIST: repoPath("dist") },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const names = new Set(allApis.map((a) => `${a.module}!${a.name}`));
  assert.equal(names.size, allApis.length, "an API is defined twice for the same module");
});
