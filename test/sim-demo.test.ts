// `kmdll demo`: the seeds' story on the bundled drivers, end to end, cross-checked with llvm-nm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, tool } from "./helpers.js";

test("kmdll demo runs every stage and narrates the lifecycle with the seeds' rules", async () => {
  const out = mkdtempSync(join(tmpdir(), "kmdll-demo-"));
  try {
    const r = await runCli(["demo", "--out", out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const stage of ["== 1. Inspect", "== 2. Write mydriver.lib", "== 3. Check both", "== 4. Simulate", "== 5. What the kernel did"]) assert.ok(r.stdout.includes(stage), stage);
    assert.match(r.stdout, /left out \(PRIVATE\): DllInitialize, DllUnload/);
    assert.match(r.stdout, /call +mydriver\.sys!DllInitialize\("\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver"\)/);
    assert.match(r.stdout, /mydriver\.sys's DriverEntry was never called/);
    assert.match(r.stdout, /seed: "When the reference count falls to zero, the system unloads the export driver\."/);
    assert.match(r.stdout, /demo complete/);
    // The written import library, read by an independent tool: LoadPrinterDriver importable, PRIVATE names absent.
    const nm = tool("llvm-nm", [join(out, "mydriver.lib")]).stdout;
    assert.match(nm, /__imp_LoadPrinterDriver/);
    assert.doesNotMatch(nm, /DllInitialize|DllUnload/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("kmdll demo --json: one document with inspect, implib, check, sim and narration", async () => {
  const r = await runCli(["demo", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.ok, true);
  assert.deepEqual(j.inspect.map((i: { module: string }) => i.module), ["mydriver.sys", "client.sys"]);
  assert.deepEqual(j.implib.private, ["DllInitialize", "DllUnload"]);
  assert.equal(j.check.length, 2);
  assert.deepEqual(j.sim.modules, []);
  const routines = j.sim.events.filter((e: { event: string }) => e.event === "call").map((e: { module: string; routine: string }) => `${e.module}!${e.routine}`);
  assert.deepEqual(routines, ["mydriver.sys!DllInitialize", "client.sys!DriverEntry", "mydriver.sys!LoadPrinterDriver", "client.sys!DriverUnload", "mydriver.sys!DllUnload"]);
  assert.ok(j.narration.some((n: { rule?: { source: string } }) => n.rule?.source === "Creating Export Drivers"));
});
