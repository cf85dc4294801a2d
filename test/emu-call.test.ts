/** `kmdll call` end to end through the built CLI, on real driver fixtures. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, runCli, tool } from "./helpers.js";

const MY = fixture("x64", "mydriver.sys");
const FAULT = fixture("x64", "emufault.sys");

test("kmdll call mydriver.sys LoadPrinterDriver 41 prints 42 and the DllInitialize DbgPrint", async () => {
  const r = await runCli(["call", MY, "LoadPrinterDriver", "41"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(lines, [
    "mydriver: DllInitialize(\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver)",
    "LoadPrinterDriver returned 42 (0x2A)",
    "mydriver: DllUnload",
  ]);
});

test("kmdll call --json: return value and SPEC §9 events", async () => {
  const r = await runCli(["call", MY, "LoadPrinterDriver", "0x29", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { return: string; events: Record<string, unknown>[] };
  assert.equal(j.return, "0x2a");
  const kinds = j.events.map((e) => `${String(e.event)}:${String(e.routine ?? e.api ?? e.module)}`);
  assert.deepEqual(kinds.filter((k) => /^(load|call|return|unload)/.test(k)), [
    "load:mydriver.sys",
    "call:DllInitialize",
    "return:DllInitialize",
    "call:LoadPrinterDriver",
    "return:LoadPrinterDriver",
    "call:DllUnload",
    "return:DllUnload",
    "unload:mydriver.sys",
  ]);
  const init = j.events.find((e) => e.event === "call" && e.routine === "DllInitialize")!;
  assert.equal(init.arg, "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver");
  const dbg = j.events.filter((e) => e.event === "dbgprint");
  assert.equal(dbg[0]!.module, "mydriver.sys");
  assert.equal(dbg[0]!.text, "mydriver: DllInitialize(\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\mydriver)\n");
  const api = j.events.filter((e) => e.event === "api").map((e) => e.api);
  assert.ok(api.includes("ntoskrnl.exe!ExAllocatePoolWithTag") && api.includes("ntoskrnl.exe!ExFreePoolWithTag"), String(api));
});

test("kmdll call --trace: one line per API call with its caller and return value", async () => {
  const r = await runCli(["call", MY, "LoadPrinterDriver", "41", "--trace"]);
  assert.equal(r.code, 0, r.stderr);
  const apiLines = r.stdout.split("\n").filter((l) => l.startsWith("api "));
  assert.ok(apiLines.length >= 4, r.stdout);
  assert.ok(apiLines.some((l) => /mydriver\.sys\+0x[0-9a-f]+ → ntoskrnl\.exe!ExAllocatePoolWithTag\(.*= 0x/.test(l)), r.stdout);
  assert.ok(apiLines.some((l) => /ntoskrnl\.exe!DbgPrint\(/.test(l)), r.stdout);
});

test("kmdll call: faults print a report and exit 1", async () => {
  let r = await runCli(["call", FAULT, "WildRead", "0x10"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^fault: invalid-read: invalid read of 8 byte\(s\) at 0x0000000000000010 at emufault\.sys\+0x[0-9a-f]+$/m);
  assert.match(r.stdout, /^ {2}rip: emufault\.sys\+0x[0-9a-f]+ \(WildRead/m);
  assert.match(r.stdout, /^ {4}#0 emufault\.sys\+0x/m);
  r = await runCli(["call", FAULT, "Spin", "--timeout", "0.5"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /fault: timeout: time budget of 0\.5 s exceeded in emufault\.sys!Spin/);
  r = await runCli(["call", FAULT, "LeakPool", "24", "--json"]);
  assert.equal(r.code, 1);
  const leak = (JSON.parse(r.stdout) as { events: Record<string, unknown>[] }).events.find((e) => e.event === "leak")!;
  assert.deepEqual([leak.module, leak.tag, leak.size], ["emufault.sys", "Leak", 24]);
});

test("kmdll call: imports of other drivers come from --root System32/drivers (case-insensitive)", async () => {
  const root = mkdtempSync(join(tmpdir(), "kmdll-root-"));
  try {
    mkdirSync(join(root, "System32", "drivers"), { recursive: true });
    copyFileSync(fixture("x64", "chainc.sys"), join(root, "System32", "drivers", "CHAINC.SYS"));
    const r = await runCli(["call", fixture("x64", "chainb.sys"), "ChainB", "20", "--root", root]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    // ChainB(x) = ChainC(x) + 1 and ChainC(x) = 2x (examples/sc-chain-*).
    assert.match(r.stdout, /^ChainB returned 41 \(0x29\)$/m);
    assert.match(r.stdout, /chainc: DllInitialize\(\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\chainc\)/);
    const missing = await runCli(["call", fixture("x64", "chainb.sys"), "ChainB", "1"]);
    assert.equal(missing.code, 1);
    // The message of the one kernel loader (as `kmdll sim` prints it), with a hint for `call`.
    assert.match(missing.stderr, /chainb\.sys cannot find chainc\.sys: .*\(0xC0000034\).*; pass --root DIR$/m);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("kmdll call: usage errors exit 2 with one line", async () => {
  for (const args of [
    ["call", MY, "LoadPrinterDriver", "forty-one"],
    ["call", MY, "NoSuchExport"],
    ["call", join(tmpdir(), "does-not-exist.sys"), "X"],
    ["call", MY, "LoadPrinterDriver", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^kmdll: /);
  }
});

// On x86 the forwarder's import library gets the target's stdcall symbol (_ShimDouble@4, from
// chainc.lib's _ChainC@4), so an NTAPI importer links, and the stack stays balanced through it.
for (const arch of ["x64", "x86"] as const) test(`kmdll call resolves a forwarded import like the kernel loader (fwdshim.sys!ShimDouble → chainc.sys!ChainC), ${arch}`, async () => {
  // The fixture really is a forwarder (independent reading: llvm-objdump).
  const dump = tool("llvm-objdump", ["-p", fixture(arch, "fwdshim.sys")]).stdout;
  assert.match(dump, /ShimDouble \(forwarded to chainc\.ChainC\)/);
  const root = mkdtempSync(join(tmpdir(), "kmdll-root-"));
  try {
    mkdirSync(join(root, "System32", "drivers"), { recursive: true });
    for (const f of ["fwdshim.sys", "chainc.sys"]) copyFileSync(fixture(arch, f), join(root, "System32", "drivers", f));
    const r = await runCli(["call", fixture(arch, "fwduser.sys"), "UseShim", "20", "--root", root, "--json"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const j = JSON.parse(r.stdout) as { return: string; events: { event: string; module?: string; routine?: string }[] };
    // UseShim(x) = ShimDouble(x) + 100 * ShimVersion() = ChainC(20) + 300 (examples/sc-forward*).
    assert.equal(BigInt(j.return) & 0xffffffffn, 340n);
    const seq = j.events.filter((e) => ["load", "unload"].includes(e.event)).map((e) => `${e.event} ${e.module}`);
    assert.deepEqual(seq, ["load fwduser.sys", "load fwdshim.sys", "load chainc.sys", "unload fwduser.sys", "unload fwdshim.sys", "unload chainc.sys"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
