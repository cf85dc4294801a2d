import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, runCli, tool } from "./helpers.js";

// A driver that allocates pool in a loop must get NULL once the emulated machine's pool is
// exhausted (as on Windows), not grow the host process without bound.
test("pool is finite: 1 MiB allocations in a loop end with NULL, the driver frees them all, no leak", async () => {
  const r = await runCli(["call", fixture("x64", "qahostile.sys"), "ExhaustPool", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { return: string; events: { event: string }[] };
  const n = Number(BigInt(j.return));
  assert.ok(n >= 16 && n < 100000, `blocks obtained: ${n}`);
  assert.ok(!j.events.some((e) => e.event === "leak" || e.event === "fault"), r.stdout);
});

test("kmdll call: unreadable inputs and a bad --root are one-line errors (exit 2), never a hang", async () => {
  const cases: [string[], RegExp][] = [
    [["call", "/dev/zero", "X"], /not a regular file/],
    [["call", "src", "X"], /is a directory/],
    [["call", fixture("x64", "mydriver.sys"), "LoadPrinterDriver", "1", "--root", "/nonexistent-kmdll-root"], /the root is not a directory/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args, { timeoutMs: 20_000 });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

test("kmdll call refuses a file named like the emulated kernel with a clear reason", async () => {
  const r = await runCli(["call", "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/ntoskrnl.exe", "strlen", "0"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /ntoskrnl\.exe is the emulated kernel itself/);
});

test("a call through a wild function pointer names the call site and the calling module", async () => {
  const r = await runCli(["call", fixture("x64", "emufault.sys"), "WildJump", "0x4141414141", "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout) as { events: { event: string; module?: string; message?: string }[] };
  const f = j.events.find((e) => e.event === "fault");
  assert.equal(f?.module, "emufault.sys");
  // The call site lies inside WildJump's code (its RVA from the export table, read by llvm-readobj).
  const m = /called from emufault\.sys\+0x([0-9a-f]+)/.exec(f?.message ?? "");
  assert.ok(m, f?.message);
  const exp = tool("llvm-readobj", ["--coff-exports", fixture("x64", "emufault.sys")]).stdout;
  const wild = /Name: WildJump\s+RVA: 0x([0-9A-F]+)/i.exec(exp);
  assert.ok(wild, exp);
  const site = parseInt(m[1]!, 16);
  const start = parseInt(wild[1]!, 16);
  assert.ok(site > start && site < start + 0x40, `call site 0x${site.toString(16)} vs WildJump at 0x${start.toString(16)}`);
});
