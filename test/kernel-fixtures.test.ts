// The loader over the real example drivers (parsed by kmdll's PE reader from a temporary \SystemRoot),
// with a scripted executor: import resolution checked against llvm-readobj.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import type { TraceEvent } from "../src/events.js";
import { Kernel, RootImageSource, ScriptedExecutor, temporaryRoot } from "../src/kernel/index.js";
import { fixture, tool } from "./helpers.js";

function withRoot<T>(files: string[], fn: (k: Kernel, exec: ScriptedExecutor, events: TraceEvent[]) => T, script = {}): T {
  const root = temporaryRoot(files.map((f) => fixture("x64", f)));
  try {
    const events: TraceEvent[] = [];
    const exec = new ScriptedExecutor(script, { sink: (e) => events.push(e) });
    const k = new Kernel({ executor: exec, images: new RootImageSource(root), sink: (e) => events.push(e) });
    return fn(k, exec, events);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function readobj(args: string[], file: string): string {
  return tool("llvm-readobj", [...args, fixture("x64", file)]).stdout;
}

test("client.sys's LoadPrinterDriver slot is snapped to mydriver.sys's export (llvm-readobj cross-check)", () => {
  const imports = readobj(["--coff-imports"], "client.sys");
  const block = /Name: mydriver\.sys\s+ImportLookupTableRVA: 0x[0-9A-F]+\s+ImportAddressTableRVA: (0x[0-9A-F]+)/i.exec(imports);
  assert.ok(block, imports);
  const iatRva = Number(block[1]);
  const exportsText = readobj(["--coff-exports"], "mydriver.sys");
  const exp = /Name: LoadPrinterDriver\s+RVA: (0x[0-9A-F]+)/i.exec(exportsText);
  assert.ok(exp, exportsText);
  withRoot(["mydriver.sys", "client.sys"], (k, exec) => {
    assert.equal(k.start("client").ok, true);
    const my = k.findModule("mydriver.sys")!;
    assert.equal(exec.iat.get("client.sys")!.get(iatRva), my.base + BigInt(Number(exp[1])));
    assert.ok(exec.log.includes("DllInitialize mydriver.sys \\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver"));
  });
});

test("file names are looked up case-insensitively in System32\\drivers", () => {
  const root = temporaryRoot([fixture("x64", "client.sys")]);
  try {
    const src = new RootImageSource(root);
    assert.equal(src.open("\\SystemRoot\\SYSTEM32\\DRIVERS\\CLIENT.SYS").ok, true);
    const missing = src.open("\\SystemRoot\\System32\\drivers\\mydriver.sys");
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.status, 0xc0000034);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("real failure images: missing export, ordinal out of range, user-mode import, missing file", () => {
  withRoot(["mydriver.sys", "newclient.sys", "ordclient.sys", "usermode.sys", "chaina.sys", "chainb.sys"], (k) => {
    const a = k.start("newclient");
    assert.equal(a.status, 0xc0000263);
    assert.equal(a.message, "newclient.sys cannot find mydriver.sys LoadPrinterDriverEx (0xC0000263) → 0xC0000263");
    const b = k.start("ordclient");
    assert.equal(b.status, 0xc0000262);
    assert.match(b.message!, /ordclient\.sys cannot find mydriver\.sys #9/);
    assert.equal(k.start("usermode").status, 0xc000007a);
    const c = k.start("chaina");
    assert.equal(c.status, 0xc0000034);
    assert.match(c.message!, /chainb\.sys cannot find chainc\.sys/);
    assert.deepEqual(k.modules(), []);
  });
});

test("a corrupt image fails to load (0xC000007B surfaced as 0xC000026C); links out of the root are refused", async () => {
  const { writeFileSync, symlinkSync, mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const root = temporaryRoot([fixture("x64", "client.sys")]);
  const outside = mkdtempSync(join(tmpdir(), "kmdll-outside-"));
  try {
    const drivers = join(root, "System32", "drivers");
    writeFileSync(join(drivers, "mydriver.sys"), "MZ this is not a PE image");
    const events: TraceEvent[] = [];
    const k = new Kernel({ executor: new ScriptedExecutor(), images: new RootImageSource(root), sink: (e) => events.push(e) });
    const r = k.start("client");
    assert.equal(r.status, 0xc000026c);
    assert.equal(r.cause, 0xc000007b);
    assert.match(r.message!, /client\.sys cannot load mydriver\.sys: .*mydriver\.sys/);
    // A symbolic link inside System32\drivers pointing outside the root is not followed.
    writeFileSync(join(outside, "evil.sys"), "x");
    symlinkSync(join(outside, "evil.sys"), join(drivers, "evil.sys"));
    const e = new RootImageSource(root).open("\\SystemRoot\\System32\\drivers\\evil.sys");
    assert.equal(e.ok, false);
    assert.match(!e.ok ? e.message : "", /outside the root/);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
