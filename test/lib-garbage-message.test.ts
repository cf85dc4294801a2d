/** `kmdll lib list` on a file that is not an archive: the error shows its bytes escaped, on one line. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./helpers.js";

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-libgarbage-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("lib list on binary garbage: non-printable bytes are escaped as \\xNN", async () => {
  const bytes = Uint8Array.from([0x24, 0x56, 0x4b, 0x7c, 0x0b, 0x3b, 0xcd, 0x00, 0xff, 0x10, 0x20, 0x30]);
  const f = join(dir, "rand.bin");
  writeFileSync(f, bytes);
  const r = await runCli(["lib", "list", f]);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /archive signature/);
  // The first 8 bytes, printable ones as is, the others escaped.
  assert.ok(lines[0]!.includes('found "$VK|\\x0b;\\xcd\\x00"'), lines[0]);
  assert.doesNotMatch(r.stderr, /[\x00-\x08\x0b-\x1f\x7f-\uffff]/, "no raw control or non-ASCII characters");
});
