/** Drivers made from `kmdll new` templates and built with `kmdll build` pass `kmdll check` as is (SPEC §4). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkFile } from "../src/check/io.js";
import { runCli } from "./helpers.js";

test("template export driver + importing driver, x64 and x86: no findings (with .def and .lib)", async () => {
  const ws = mkdtempSync(join(tmpdir(), "kmdll-check-tpl-"));
  try {
    for (const args of [["new", "export-driver", "tpllib", ws], ["new", "driver", "tplclient", ws, "--imports", "tpllib"]]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
    }
    for (const arch of ["x64", "x86"]) {
      const root = join(ws, "root-" + arch);
      const b = await runCli(["build", ws, "--arch", arch, "--no-check", "--out", join(ws, "out"), "--install", root]);
      assert.equal(b.code, 0, b.stdout + b.stderr);
      const drivers = join(root, "System32", "drivers");
      const lib = checkFile(join(drivers, "tpllib.sys"), { root, def: join(ws, "tpllib", "tpllib.def"), lib: join(ws, "out", arch, "tpllib.lib") });
      assert.deepEqual(lib.findings, [], `${arch} tpllib`);
      const client = checkFile(join(drivers, "tplclient.sys"), { root });
      assert.deepEqual(client.findings, [], `${arch} tplclient`);
      // And through the CLI: exit 0.
      const c = await runCli(["check", join(drivers, "tplclient.sys"), "--root", root]);
      assert.equal(c.code, 0, c.stdout + c.stderr);
    }
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
