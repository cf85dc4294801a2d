/**
 * Status names (data/ntstatus-names.json, from mingw-w64's ntstatus.h by `npm run ntstatus-db`):
 * the committed file is what the generator produces; clang, compiling the header itself, agrees
 * with every name and value in it (a static assertion per name); every STATUS_ macro clang sees
 * has a name for its value; and reports name a status kmdll itself never uses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { statusName, parseStatus } from "../src/nt/status.js";
import { eventText } from "../src/report/event-text.js";
import { repoPath, tool } from "./helpers.js";

const HEADER = "/usr/share/mingw-w64/include/ntstatus.h";
const db = JSON.parse(readFileSync(repoPath("data", "ntstatus-names.json"), "utf8")) as { count: number; names: Record<string, string> };

test("npm run ntstatus-db --check: the committed table is what the generator produces", () => {
  const r = spawnSync(process.execPath, [repoPath("scripts/ntstatus-db.mjs"), "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /up to date/);
});

test("clang compiling ntstatus.h agrees with every name and value in the table", () => {
  const entries = Object.entries(db.names);
  assert.ok(entries.length > 1500, `only ${entries.length} names`);
  const dir = mkdtempSync(join(tmpdir(), "kmdll-ntstatus-"));
  try {
    const c = [
      "typedef long NTSTATUS;",
      `#include "${HEADER}"`,
      ...entries.map(([v, n]) => `_Static_assert(${n} == (NTSTATUS)${v}, "${n}");`),
    ].join("\n");
    writeFileSync(join(dir, "names.c"), c + "\n");
    const r = tool("clang", ["-fsyntax-only", "-std=c11", join(dir, "names.c")], { allowFail: true });
    assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Every status macro the compiler defines has a name for its value in the table.
  const macros = tool("clang", ["-E", "-dM", "-x", "c", HEADER]).stdout;
  let seen = 0;
  for (const m of macros.matchAll(/^#define (STATUS_\w+) \(\(NTSTATUS\)(0x[0-9A-Fa-f]+)L?\)$/gm)) {
    const key = "0x" + (parseInt(m[2]!, 16) >>> 0).toString(16).toUpperCase().padStart(8, "0");
    assert.ok(db.names[key], `${m[1]} (${key}) has no name in the table`);
    seen++;
  }
  assert.ok(seen >= db.count, `clang defines ${seen} status macros, the table has ${db.count} values`);
});

test("reports name statuses kmdll itself never uses", () => {
  assert.equal(statusName(0xc0000365), "STATUS_FAILED_DRIVER_ENTRY");
  assert.equal(statusName(0xc0000034), "STATUS_OBJECT_NAME_NOT_FOUND");
  assert.equal(statusName(0xdeadbeef), undefined);
  assert.equal(parseStatus("STATUS_FAILED_DRIVER_ENTRY"), 0xc0000365);
  assert.equal(parseStatus("FAILED_DRIVER_ENTRY"), 0xc0000365);
  assert.equal(parseStatus("STATUS_NO_SUCH_THING"), undefined);
  const ret = eventText({ event: "return", module: "km.sys", routine: "DriverEntry", status: "0xC0000365" } as never);
  assert.match(ret, /0xC0000365 STATUS_FAILED_DRIVER_ENTRY/);
  const step = eventText({ event: "step", phase: "end", step: "start km", ok: false, result: "0xC000009A" } as never);
  assert.match(step, /FAILED {2}start km → 0xC000009A STATUS_INSUFFICIENT_RESOURCES/);
});
