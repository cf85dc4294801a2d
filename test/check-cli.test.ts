/** `kmdll check` on the command line: exit codes, output formats, --explain, --rules, input errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli } from "./helpers.js";

/** The rule ids SPEC §5 makes contracts. */
const SPEC_RULES = [
  "user-mode-import",
  "compiler-helper-import",
  "missing-dllinitialize",
  "missing-dllunload",
  "forwarded-entry-point",
  "entry-point-in-import-library",
  "subsystem-not-native",
  "missing-module",
  "unresolved-import",
  "library-name",
  "not-relocatable",
  "writable-executable-section",
  "section-alignment",
];

test("clean driver: exit 0, 'no findings'; --json {file, findings: []}", async () => {
  const t = await runCli(["check", fixture("x64", "mydriver.sys")]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /mydriver\.sys: no findings/);
  const j = await runCli(["check", fixture("x64", "mydriver.sys"), "--json"]);
  assert.equal(j.code, 0);
  assert.deepEqual(JSON.parse(j.stdout), { file: fixture("x64", "mydriver.sys"), findings: [] });
  const f = await runCli(["check", fixture("x64", "mydriver.sys"), "--format", "json"]);
  assert.equal(f.stdout, j.stdout);
});

test("error findings: exit 1; text names the rule, the location and a summary", async () => {
  const r = await runCli(["check", fixture("x86", "bad-wx-section.sys")]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /error: \[writable-executable-section\] section \.text/);
  assert.match(r.stdout, /at section \.text header \(RVA 0x1000, file offset 0x[0-9a-f]+\)/);
  assert.match(r.stdout, /1 error, 0 warnings, 0 notes/);
});

test("--def findings are reported at file:line:col of the .def", async () => {
  const def = repoPath("examples/bad-def-not-private/bad-def-not-private.def");
  const r = await runCli(["check", fixture("x64", "bad-def-not-private.sys"), "--def", def]);
  assert.equal(r.code, 1);
  const lines = readFileSync(def, "utf8").split("\n");
  const m = [...r.stdout.matchAll(/bad-def-not-private\.def:(\d+):(\d+): error: \[entry-point-in-import-library\]/g)];
  assert.equal(m.length, 2);
  for (const x of m) assert.equal(lines[Number(x[1]) - 1]!.slice(Number(x[2]) - 1).split(/\s/)[0]!.startsWith("Dll"), true);
});

test("--rules lists every SPEC rule id; --explain documents each", async () => {
  const r = await runCli(["check", "--rules", "--json"]);
  assert.equal(r.code, 0);
  const ids = (JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id);
  for (const id of SPEC_RULES) assert.ok(ids.includes(id), id);
  for (const id of SPEC_RULES) {
    const e = await runCli(["check", "--explain", id]);
    assert.equal(e.code, 0);
    assert.ok(e.stdout.startsWith(id + " ("), e.stdout.slice(0, 80));
    assert.ok(e.stdout.length > 300, `${id} is explained`);
    assert.match(e.stdout, /\nFix\b/);
  }
  const j = await runCli(["check", "--explain", "missing-dllunload", "--json"]);
  assert.equal(JSON.parse(j.stdout).id, "missing-dllunload");
});

test("input errors: exit 2 with one line, no stack trace", async () => {
  const t = mkdtempSync(join(tmpdir(), "kmdll-check-cli-"));
  try {
    const truncated = join(t, "trunc.sys");
    writeFileSync(truncated, readFileSync(fixture("x64", "mydriver.sys")).subarray(0, 300));
    const badDef = join(t, "bad.def");
    writeFileSync(badDef, "LIBRARY x.sys\nEXPORTS\n  Foo @0\n");
    const cases: [string[], RegExp][] = [
      [["check", join(t, "nope.sys")], /nope\.sys: cannot read file/],
      [["check", repoPath("examples/mydriver/mydriver.def")], /mydriver\.def/],
      [["check", truncated], /trunc\.sys/],
      [["check", fixture("x64", "mydriver.sys"), "--def", badDef], /bad\.def:3:\d+: error/],
      [["check", fixture("x64", "mydriver.sys"), "--lib", fixture("x64", "mydriver.sys")], /mydriver\.sys/],
      [["check", fixture("x64", "mydriver.sys"), "--root", join(t, "none")], /--root is not a folder/],
      [["check", "--explain", "no-such-rule"], /unknown rule 'no-such-rule'/],
      [["check"], /missing IMAGE/],
      [["check", fixture("x64", "mydriver.sys"), "--format", "xml"], /invalid|xml/i],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace: ${r.stderr}`);
    }
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test("several images: text per image, a JSON array, one SARIF log; exit 1 if any has an error", async () => {
  const imgs = [fixture("x64", "client.sys"), fixture("x64", "bad-tls.sys"), fixture("x86", "bad-subsystem.sys")];
  const t = await runCli(["check", ...imgs]);
  assert.equal(t.code, 1);
  assert.match(t.stdout, /client\.sys: no findings/);
  assert.match(t.stdout, /bad-tls\.sys: 0 errors, 1 warning, 0 notes/);
  const j = await runCli(["check", ...imgs, "--json"]);
  const arr = JSON.parse(j.stdout) as { file: string; findings: { rule: string }[] }[];
  assert.deepEqual(arr.map((r) => r.file), imgs);
  assert.deepEqual(arr.map((r) => r.findings.map((f) => f.rule)), [[], ["tls-directory"], ["subsystem-not-native"]]);
  const s = await runCli(["check", ...imgs, "--format", "sarif"]);
  const log = JSON.parse(s.stdout);
  assert.equal(log.runs.length, 1);
  assert.equal(log.runs[0].results.length, 2);
  assert.equal(log.runs[0].artifacts.length, 3);
  // Warnings alone do not fail.
  const w = await runCli(["check", fixture("x64", "client.sys"), fixture("x64", "bad-tls.sys")]);
  assert.equal(w.code, 0);
  const bad = await runCli(["check", ...imgs, "--def", repoPath("examples/mydriver/mydriver.def")]);
  assert.equal(bad.code, 2);
});
