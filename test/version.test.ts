import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { VERSION } from "../src/version.js";
import { repoPath, runCli } from "./helpers.js";

test("VERSION matches package.json and --version prints it", async () => {
  const pkg = JSON.parse(readFileSync(repoPath("package.json"), "utf8"));
  assert.equal(VERSION, pkg.version);
  const r = await runCli(["--version"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test("an unknown command is a usage error (exit 2)", async () => {
  const r = await runCli(["no-such-command"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command/);
});
