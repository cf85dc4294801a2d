/**
 * `kmdll check --format sarif` produces SARIF 2.1.0 that validates against the SARIF 2.1.0 JSON
 * schema (vendored in test/data from the SARIF SDK's npm package, see its SOURCE file), checked
 * with ajv; and its results carry the same findings as --json.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2020 } from "ajv/dist/2020.js";
import { checkFile } from "../src/check/io.js";
import { RULES } from "../src/check/rules.js";
import { renderSarif, pathToUri } from "../src/report/sarif.js";
import { fixture, repoPath, runCli } from "./helpers.js";
import { CLEAN, makeRoot } from "./check-support.js";

const require = createRequire(import.meta.url);
const addFormats = require("ajv-formats") as (ajv: unknown) => void;

function validator() {
  const schema = JSON.parse(readFileSync(repoPath("test/data/sarif-schema-2.1.0.json"), "utf8"));
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}
const validate = validator();

function assertValid(doc: unknown) {
  const ok = validate(doc);
  assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
}

const BAD = ["bad-malloc", "bad-stack-probe", "bad-no-dllunload", "bad-subsystem", "bad-unresolved-import", "bad-missing-module", "bad-wx-section", "bad-fixed", "bad-section-alignment", "bad-forwarded-entry"];

test("SARIF of every x64 fixture validates against the SARIF 2.1.0 schema", () => {
  const { root, cleanup } = makeRoot("x64", CLEAN.x64);
  try {
    const reports = [...BAD, ...CLEAN.x64].map((n) => checkFile(fixture("x64", n + ".sys"), { root }));
    // One log per image and one log for all of them.
    for (const r of reports) assertValid(renderSarif([r], { toolVersion: "0.1.0", rules: RULES }));
    const all = renderSarif(reports, { toolVersion: "0.1.0", rules: RULES }) as any;
    assertValid(all);
    const results = all.runs[0].results;
    assert.equal(results.length, reports.reduce((n, r) => n + r.findings.length, 0));
    for (const res of results) {
      assert.equal(all.runs[0].tool.driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(["error", "warning", "note"].includes(res.level));
    }
  } finally {
    cleanup();
  }
});

test("SARIF with .def (line/column) and .lib (byte offset) locations validates", () => {
  const r1 = checkFile(fixture("x64", "bad-def-not-private.sys"), { def: repoPath("examples/bad-def-not-private/bad-def-not-private.def"), lib: fixture("x64", "bad-def-not-private.lib") });
  const log = renderSarif([r1], { toolVersion: "0.1.0", rules: RULES }) as any;
  assertValid(log);
  const regions = log.runs[0].results.map((r: any) => r.locations[0].physicalLocation.region);
  assert.ok(regions.some((g: any) => g.startLine === 4));
  assert.ok(regions.some((g: any) => typeof g.byteOffset === "number"));
  // Every artifact index points at the artifact with the same URI.
  for (const res of log.runs[0].results) {
    const al = res.locations[0].physicalLocation.artifactLocation;
    assert.equal(log.runs[0].artifacts[al.index].location.uri, al.uri);
  }
});

test("the validator rejects a broken log (it can fail)", () => {
  const r = checkFile(fixture("x64", "bad-subsystem.sys"));
  const log = renderSarif([r], { toolVersion: "0.1.0", rules: RULES }) as any;
  log.runs[0].results[0].level = "fatal";
  assert.equal(validate(log), false);
  delete log.version;
  assert.equal(validate(log), false);
});

test("paths become URI references (spaces, absolute paths)", () => {
  assert.equal(pathToUri("a b/c#d.sys"), "a%20b/c%23d.sys");
  assert.equal(pathToUri("/tmp/x y.sys"), "file:///tmp/x%20y.sys");
});

test("CLI --format sarif: same findings as --json, exit 1 on errors", async () => {
  const img = fixture("x64", "bad-malloc.sys");
  const s = await runCli(["check", img, "--format", "sarif"]);
  const j = await runCli(["check", img, "--json"]);
  assert.equal(s.code, 1, s.stderr);
  assert.equal(j.code, 1, j.stderr);
  const log = JSON.parse(s.stdout);
  assertValid(log);
  const report = JSON.parse(j.stdout);
  assert.deepEqual(
    log.runs[0].results.map((r: any) => [r.ruleId, r.level, r.message.text]),
    report.findings.map((f: any) => [f.rule, f.severity, f.message]),
  );
});
