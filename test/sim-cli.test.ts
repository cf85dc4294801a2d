// `kmdll sim` as a user runs it: text timeline, NDJSON, --root layouts, expectations and exit codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli } from "./helpers.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "kmdll-simcli-"));
}

test("sim SCENARIO.json prints the timeline, the module table and passes", async () => {
  const r = await runCli(["sim", repoPath("examples", "scenarios", "seeds.json")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /load +mydriver\.sys from \\SystemRoot\\System32\\drivers\\mydriver\.sys .*imported by client\.sys/);
  assert.match(r.stdout, /call +mydriver\.sys!DllInitialize\("\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver"\)/);
  assert.match(r.stdout, /DbgPrint mydriver\.sys: mydriver: DllInitialize\(\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver\)/);
  assert.match(r.stdout, /count +mydriver\.sys = 0 +\(dereferenced by client\.sys\)/);
  assert.match(r.stdout, /unload +mydriver\.sys/);
  assert.match(r.stdout, /Loaded modules[^\n]*\n +\(none\)/);
  assert.match(r.stdout, /scenario passed: 3 step\(s\)/);
});

test("sim --json prints NDJSON events of SPEC §9 and a final end event", async () => {
  const r = await runCli(["sim", "--json", repoPath("examples", "scenarios", "diamond.json")]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const load = events.find((e) => e.event === "load" && e.module === "mydriver.sys")!;
  assert.equal(load.by, "client.sys");
  assert.equal(load.path, "\\SystemRoot\\System32\\drivers\\mydriver.sys");
  const init = events.find((e) => e.event === "call" && e.routine === "DllInitialize")!;
  assert.equal(init.arg, "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver");
  assert.ok(events.some((e) => e.event === "refcount" && e.module === "mydriver.sys" && e.count === 2));
  assert.ok(events.some((e) => e.event === "return" && e.routine === "DllUnload" && e.status === "0x00000000"));
  assert.ok(events.some((e) => e.event === "dbgprint" && e.module === "mydriver.sys"));
  assert.deepEqual(events.at(-1), { event: "end", modules: [], ok: true, semantics: "documented" });
});

test("sim --root DIR with steps; file names are found in any case", async () => {
  const root = tempDir();
  try {
    const drivers = join(root, "SYSTEM32", "Drivers");
    mkdirSync(drivers, { recursive: true });
    copyFileSync(fixture("x64", "mydriver.sys"), join(drivers, "MyDriver.SYS"));
    copyFileSync(fixture("x64", "client.sys"), join(drivers, "client.sys"));
    const r = await runCli(["sim", "--root", root, "start:client", "call:mydriver.sys!LoadPrinterDriver:41", "stop:client"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /call mydriver\.sys!LoadPrinterDriver\(41\) → 42/);
    const stay = await runCli(["sim", "--root", root, "start:client"]);
    assert.equal(stay.code, 0);
    assert.match(stay.stdout, /client\.sys +1 +service client\n +mydriver\.sys +1 +loaded for client\.sys/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("sim exits 1 when an expectation does not hold or a step fails unexpectedly", async () => {
  const dir = tempDir();
  try {
    const f = join(dir, "s.json");
    writeFileSync(f, JSON.stringify({ install: [fixture("x64", "mydriver.sys"), fixture("x64", "client.sys")], steps: [{ start: "client" }, { call: "mydriver.sys!LoadPrinterDriver", args: [41], expect: 43 }] }));
    const r = await runCli(["sim", f]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /scenario FAILED: call mydriver\.sys!LoadPrinterDriver\(41\): expected 43, got 42/);
    const u = await runCli(["sim", "--install", fixture("x64", "client.sys"), "--", "start:client"]);
    assert.equal(u.code, 1);
    assert.match(u.stdout, /client\.sys cannot find mydriver\.sys/);
    const wrong = await runCli(["sim", "--install", fixture("x64", "client.sys"), "--json", "--", "start:client"]);
    assert.equal(wrong.code, 1);
    const end = JSON.parse(wrong.stdout.trim().split("\n").at(-1)!);
    assert.equal(end.ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sim --semantics kernel and --registry from the command line", async () => {
  const k = await runCli(["sim", "--semantics", "kernel", "--install", fixture("x64", "noinit.sys"), fixture("x64", "noinituser.sys"), "--", "start:noinituser", "stop:noinituser"]);
  assert.equal(k.code, 0, k.stdout + k.stderr);
  assert.match(k.stdout, /call +noinit\.sys!DllUnload/);
  const d = await runCli(["sim", "--install", fixture("x64", "noinit.sys"), fixture("x64", "noinituser.sys"), "--", "start:noinituser", "stop:noinituser"]);
  assert.doesNotMatch(d.stdout, /DllUnload\(\)/);
  assert.match(d.stdout, /noinit\.sys +0 +loaded for noinituser\.sys, pinned/);
  const reg = await runCli(["sim", "--registry", repoPath("examples", "scenarios", "services.reg"), "--install", fixture("x64", "mydriver.sys"), fixture("x64", "client.sys"), "--", "start:printer"]);
  assert.equal(reg.code, 0, reg.stdout + reg.stderr);
  assert.match(reg.stdout, /client\.sys!DriverEntry\("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\printer"\)/);
});

test("sim usage and input errors: one line, exit 2", async () => {
  const dir = tempDir();
  try {
    const cases: [string[], RegExp][] = [
      [["sim", "--root", dir, "bogus"], /step "bogus": expected start:NAME/],
      [["sim", "start:client"], /no drivers: give --root/],
      [["sim", "--root", join(dir, "nope"), "start:x"], /the root is not a directory/],
      [["sim", "--root", dir, "--semantics", "other", "start:x"], /--semantics: expected documented or kernel/],
      [["sim", "--root", dir, "start:..\\x"], /not a valid driver name/],
      [["sim", "--root", dir, "call:mydriver.sys!F:abc"], /"abc" is not an integer/],
    ];
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    cases.push([["sim", bad], /invalid JSON/]);
    const unknown = join(dir, "unknown.json");
    writeFileSync(unknown, JSON.stringify({ steps: [{ begin: "x" }] }));
    cases.push([["sim", unknown], /steps\[0\]: unknown field "begin"/]);
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
