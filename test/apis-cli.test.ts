/**
 * `kmdll apis [--json]` (issue 12, item 4) and `kmdll call --machine FILE`: the catalog as users
 * and scripts see it, and a machine file changing what a driver observes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { allApis } from "../src/emu/api/index.js";
import { fixture, runCli } from "./helpers.js";

test("kmdll apis --json lists every handler with module, name, family, notes and stub; ≥ 600 implemented", async () => {
  const r = await runCli(["apis", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { implemented: number; stubs: number; apis: { module: string; name: string; family: string; notes: string; stub: boolean }[] };
  assert.equal(j.apis.length, allApis.length);
  assert.equal(j.implemented + j.stubs, j.apis.length);
  assert.equal(j.implemented, j.apis.filter((a) => !a.stub).length);
  assert.ok(j.implemented >= 600, `${j.implemented} implemented`);
  for (const a of j.apis) {
    assert.match(a.module, /^(ntoskrnl\.exe|hal\.dll|wdfldr\.sys|wdf01000\.sys|fltmgr\.sys|fwpkclnt\.sys|ndis\.sys|ksecdd\.sys|cng\.sys|wpprecorder\.sys|win32kbase\.sys|win32kfull\.sys|netio\.sys|tdi\.sys|ks\.sys|wmilib\.sys|usbd\.sys|storport\.sys|hidclass\.sys|portcls\.sys|scsiport\.sys|smclib\.sys|classpnp\.sys|pciidex\.sys|msgpioclx\.sys|spbcx\.sys|ucmcx\.sys|ucmtcpcicx\.sys|werkernel\.sys)$/);
    assert.equal(typeof a.family, "string");
    assert.equal(typeof a.notes, "string");
  }
  // Names are unique per module.
  assert.equal(new Set(j.apis.map((a) => `${a.module}!${a.name}`)).size, j.apis.length);
  assert.ok(j.apis.some((a) => a.name === "MmMapIoSpace" && a.family === "machine"));
});

test("kmdll apis: text listing, --family / --module filters, unknown family is a usage error", async () => {
  const all = await runCli(["apis"]);
  assert.equal(all.code, 0);
  assert.match(all.stdout, /\n(\d+) implemented, (\d+) stubs\n$/);
  const fam = await runCli(["apis", "--family", "mdl", "--json"]);
  const j = JSON.parse(fam.stdout) as { apis: { family: string }[] };
  assert.ok(j.apis.length > 10 && j.apis.every((a) => a.family === "mdl"));
  const hal = JSON.parse((await runCli(["apis", "--module", "HAL.DLL", "--json"])).stdout) as { apis: { module: string }[] };
  assert.ok(hal.apis.length > 5 && hal.apis.every((a) => a.module === "hal.dll"));
  const bad = await runCli(["apis", "--family", "nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown family 'nope'/);
});

test("kmdll call --machine: the machine file changes what the driver sees; a bad file is a usage error naming it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-machine-"));
  try {
    const base = await runCli(["call", fixture("x64", "apihw.sys"), "TestPci"]);
    assert.equal(base.code, 0, base.stdout + base.stderr);
    assert.match(base.stdout, /TestPci returned 0 /);
    // Two processors and no network controller: the driver's checks against the default machine fail.
    const m = join(dir, "two-cpus.json");
    writeFileSync(m, JSON.stringify({ ram: [{ base: "0x1000", size: "0x9e000" }], pci: [{ bus: 0, device: 0, vendorId: "0x8086", deviceId: "0x1237" }], processors: 2 }));
    const other = await runCli(["call", fixture("x64", "apihw.sys"), "TestPci", "--machine", m]);
    assert.match(other.stdout, /FAIL pci\.c:\d+: found == 2/);
    assert.match(other.stdout, /FAIL pci\.c:\d+: KeQueryActiveProcessors\(\) == 1/);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, JSON.stringify({ processors: 0 }));
    const bad = await runCli(["call", fixture("x64", "apihw.sys"), "TestPci", "--machine", broken]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /broken\.json: machine: processors: 1\.\.64/);
    // Not JSON, and a FIFO (reading one would block for ever): one line naming the file, exit 2.
    const text = join(dir, "text.json");
    writeFileSync(text, "{ processors: 2");
    const notJson = await runCli(["call", fixture("x64", "apihw.sys"), "TestPci", "--machine", text]);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /text\.json: invalid JSON/);
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const blocked = await runCli(["call", fixture("x64", "apihw.sys"), "TestPci", "--machine", fifo]);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stderr, /fifo: cannot read file: not a regular file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
