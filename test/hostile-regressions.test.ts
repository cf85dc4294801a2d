/**
 * Regression tests for the smaller defects of issue 18 (item 5) and its stack overflows. Each
 * input is generated here (or by llvm-dlltool from a generated .def); expectations come from the
 * construction of the input, the C source of the example drivers or Windows' documented layouts.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, closeSync, openSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli, tool, unicornAbortImage } from "./helpers.js";
import { exportImage } from "./pe-shapes.js";
import { parsePe } from "../src/formats/pe/index.js";
import { parseDef, defFromImage, writeDef } from "../src/formats/def/index.js";
import { parseMakeVars, MAX_EXPANDED_LENGTH } from "../src/toolchain/makevars.js";
import { allApis } from "../src/emu/api/index.js";
import { registryOf } from "../src/emu/api/zw.js";
import { STATUS } from "../src/nt/status.js";
import { L64 } from "../src/nt/layouts.js";
import { FakeEnv } from "./api-fake.js";

let dir = "";
const p = (...f: string[]): string => join(dir, ...f);
before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-hostile-reg-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("def from-image: a name listed twice (same slot, other slot) is written once; def check accepts the result", async () => {
  const img = exportImage(3, [["Alpha", 0], ["Alpha", 0], ["Beta", 1], ["Alpha", 2], ["Gamma", 2]]);
  const f = p("dup.sys");
  writeFileSync(f, img);
  const r = defFromImage(parsePe(img), "dup.sys");
  const names = r.def.exports.map((e) => e.name);
  assert.deepEqual([...new Set(names)].sort(), [...names].sort(), `duplicates in ${names.join(",")}`);
  assert.ok(names.includes("Alpha") && names.includes("Beta") && names.includes("Gamma"));
  assert.ok(r.warnings.some((w) => /"Alpha" already used by this ordinal/.test(w)), r.warnings.join("\n"));
  assert.ok(r.warnings.some((w) => /"Alpha" already used by another ordinal/.test(w)), r.warnings.join("\n"));
  const cli = await runCli(["def", "from-image", f, "-o", p("dup.def")]);
  assert.equal(cli.code, 0, cli.stderr);
  const check = await runCli(["def", "check", p("dup.def")]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  // And the import library tool of LLVM accepts it too.
  tool("llvm-dlltool", ["-d", p("dup.def"), "-l", p("dup.lib"), "-m", "i386:x86-64"]);
});

test("a negative hex argument (-0x10) is an argument, not an option", async () => {
  // mydriver.c: LoadPrinterDriver returns arg1 + 1 (int): -16 + 1 = -15 = 0xFFFFFFF1 in EAX.
  const r = await runCli(["call", fixture("x64", "mydriver.sys"), "LoadPrinterDriver", "-0x10", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(BigInt(JSON.parse(r.stdout).return) & 0xffffffffn, BigInt.asUintN(32, -15n));
  const dec = await runCli(["call", fixture("x64", "mydriver.sys"), "LoadPrinterDriver", "-16", "--json"]);
  assert.equal(JSON.parse(dec.stdout).return, JSON.parse(r.stdout).return);
  // A real unknown option is still one.
  const bad = await runCli(["call", fixture("x64", "mydriver.sys"), "LoadPrinterDriver", "-0xzz"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option '-0xzz'/);
});

test("scan --limit rejects negative and fractional numbers", async () => {
  for (const v of ["-5", "1.5", "x"]) {
    const r = await runCli(["scan", "--limit", v, "-q", repoPath("test", "fixtures", "x64")]);
    assert.equal(r.code, 2, `--limit ${v}: ${r.stderr}`);
    assert.match(r.stderr, /--limit/);
  }
});

/** client.sys with its import name "mydriver.sys" replaced by `name` (same length, or shorter with a NUL). */
function clientImporting(name: string): Buffer {
  const b = Buffer.from(readFileSync(fixture("x64", "client.sys")));
  const at = b.indexOf(Buffer.from("mydriver.sys\0"));
  assert.ok(at > 0 && b.indexOf(Buffer.from("mydriver.sys\0"), at + 1) < 0, "one import name string");
  b.fill(0, at, at + 12);
  b.write(name, at, "latin1");
  return b;
}

test("an import name with a trailing space is missing in sim and in scan alike", async () => {
  const root = p("trail");
  mkdirSync(join(root, "System32", "drivers"), { recursive: true });
  writeFileSync(join(root, "System32", "drivers", "client.sys"), clientImporting("mydrive.sys "));
  copyFileSync(fixture("x64", "mydriver.sys"), join(root, "System32", "drivers", "mydrive.sys"));
  const sim = await runCli(["sim", "--root", root, "start:client", "--json"]);
  assert.equal(sim.code, 1, sim.stderr);
  const events = sim.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(!events.some((e) => e.event === "load" && /mydrive/i.test(e.module)), "the file without the space must not be loaded");
  const fail = events.find((e) => e.event === "fail");
  assert.equal(fail?.missing, "mydrive.sys ");
  assert.equal(fail?.status, "0xC0000034", "STATUS_OBJECT_NAME_NOT_FOUND");
  const scan = await runCli(["scan", root, "-q", "--json"]);
  const doc = JSON.parse(scan.stdout);
  assert.deepEqual(
    doc.unresolved.map((u: { importer: string; dll: string; reason: string }) => [u.importer, u.dll, u.reason]),
    [["System32/drivers/client.sys", "mydrive.sys ", "missing-module"]],
  );
});

test("an empty import name is refused with a sentence that reads", async () => {
  const root = p("empty");
  mkdirSync(join(root, "System32", "drivers"), { recursive: true });
  writeFileSync(join(root, "System32", "drivers", "client.sys"), clientImporting(""));
  const r = await runCli(["sim", "--root", root, "start:client"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /refused: the name is empty/);
  assert.doesNotMatch(r.stdout, /empty name/);
});

/** Run the CLI in-process in a child and report its exit code and the bytes it read (/proc/self/io rchar). */
function bytesRead(args: string[]): { code: number; rchar: number; out: string; stderr: string } {
  const script = `
    const { run } = await import(${JSON.stringify(repoPath("dist", "src", "cli", "main.js"))});
    let out = "", err = "";
    const code = await run(${JSON.stringify(args)}, { out: (s) => void (out += s), err: (s) => void (err += s), setExit: () => {}, isTTY: false });
    process.stderr.write(err);
    const io = (await import("node:fs")).readFileSync("/proc/self/io", "utf8");
    process.stdout.write(JSON.stringify({ code, out, rchar: Number(/rchar: (\\d+)/.exec(io)[1]) }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
  const j = JSON.parse(r.stdout.slice(r.stdout.lastIndexOf("{")));
  return { code: j.code, rchar: j.rchar, out: j.out, stderr: r.stderr };
}

test("a 1 GiB sparse file is refused from its first bytes, not read whole", () => {
  const big = p("big.bin");
  const fd = openSync(big, "w");
  ftruncateSync(fd, 1 << 30);
  closeSync(fd);
  const cases: [string[], number, RegExp][] = [
    [["inspect", big], 2, /no MZ signature/],
    [["check", big], 2, /no MZ signature/],
    [["def", "from-image", big], 2, /no MZ signature/],
    [["call", big, "X"], 2, /no MZ signature/],
    [["graph", big], 2, /no MZ signature/],
    [["lib", "list", big], 2, /archive signature/],
    [["def", "check", big], 1, /NUL byte at offset 0/],
    [["implib", big, "-o", p("big.lib")], 2, /NUL byte at offset 0/],
  ];
  for (const [args, code, re] of cases) {
    const r = bytesRead(args);
    assert.equal(r.code, code, `${args[0]}: ${r.stderr}`);
    assert.match(r.out + r.stderr, re, args.join(" "));
    // Node and kmdll's own modules are a few MB; the file is 1024 MB.
    assert.ok(r.rchar < 64 << 20, `${args.join(" ")} read ${r.rchar} bytes`);
  }
});

test("libunicorn's 'tcg fatal error' line does not reach stderr after a handled engine abort", async () => {
  // emufault.sys with a routine that makes Unicorn 2.0.1 print "tcg fatal error" and abort (helpers.ts).
  const { bytes } = unicornAbortImage(readFileSync(fixture("x64", "emufault.sys")));
  writeFileSync(p("ffea.sys"), bytes);
  const r = await runCli(["call", p("ffea.sys"), "CallUnimplemented"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /aborted while translating guest code/);
  assert.doesNotMatch(r.stderr, /tcg/);
  assert.equal(r.stderr, "");
});

test("lib list on a 130k-import library (llvm-dlltool) prints every row", async () => {
  const n = 130_000;
  const def = ["LIBRARY big.sys", "EXPORTS", ...Array.from({ length: n }, (_, i) => `  Routine${i}`)].join("\n") + "\n";
  writeFileSync(p("big.def"), def);
  tool("llvm-dlltool", ["-d", p("big.def"), "-l", p("big130k.lib"), "-m", "i386:x86-64"]);
  const r = await runCli(["lib", "list", p("big130k.lib")]);
  assert.equal(r.code, 0, r.stderr.slice(0, 2000));
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, n + 2, "header, one row per import, summary");
  assert.match(lines.at(-1)!, new RegExp(`^${n} imports from 1 DLL`));
  assert.match(lines.find((l) => /\bRoutine129999\b/.test(l))!, /^big\.sys\s+Routine129999\s+Routine129999\s+code/);
});

test("inspect --json on an image with 10^7 export entries: the reachable 65536 slots and a warning", async () => {
  const f = p("e7.sys");
  writeFileSync(f, exportImage(10_000_000, [["First", 0], ["Last", 65535]]));
  const r = await runCli(["inspect", "--json", f]);
  assert.equal(r.code, 0, r.stderr.slice(0, 2000));
  const j = JSON.parse(r.stdout);
  const ex = j.exports ?? j.image?.exports;
  assert.equal(ex.numberOfFunctions, 10_000_000);
  assert.equal(ex.functions.length, 65536);
  assert.ok(ex.functions.some((x: { name: string; ordinal: number }) => x.name === "Last" && x.ordinal === 65536));
  assert.match(JSON.stringify(j.warnings ?? j.image?.warnings), /only the first 65536 entries can be imported/);
});

test("sources: macros that double each other stop at the expansion limit with an error", () => {
  const lines = ["TARGETNAME=bomb", "A0=xxxxxxxx"];
  for (let i = 1; i <= 60; i++) lines.push(`A${i}=$(A${i - 1})$(A${i - 1})`);
  const text = lines.join("\n") + "\n";
  assert.ok(text.length < 1400, "a 1.3 KB file");
  const t0 = Date.now();
  const r = parseMakeVars(text);
  assert.ok(Date.now() - t0 < 5000);
  for (const a of r.assignments) assert.ok(a.value.length <= MAX_EXPANDED_LENGTH, `${a.name}: ${a.value.length}`);
  // 8 · 2^17 = 2^20 characters is the last value that fits; A18 would be 2^21.
  assert.equal(r.vars.get("A17")!.value.length, MAX_EXPANDED_LENGTH);
  assert.ok(r.diagnostics.some((d) => d.severity === "error" && d.line === 20 && /expands to more than/.test(d.message)), JSON.stringify(r.diagnostics.slice(0, 3)));
});

test("ZwQueryKey(KeyFullInformation) on a key with 200k values", () => {
  const env = new FakeEnv(allApis);
  const reg = registryOf(env.kernel);
  const key = reg.createKey("\\Registry\\Machine\\Software\\Big")!.key;
  const n = 200_000;
  for (let i = 0; i < n; i++) key.setValue(`v${i}`, 4, new Uint8Array(i === 123 ? 40 : 4));
  // Open it through the API, as a driver would.
  const name = "\\Registry\\Machine\\Software\\Big";
  const us = env.mem.alloc(L64.UNICODE_STRING.$size);
  const buf = env.mem.putWString(name);
  env.mem.setU16(us + BigInt(L64.UNICODE_STRING.Length), name.length * 2);
  env.mem.setU16(us + BigInt(L64.UNICODE_STRING.MaximumLength), name.length * 2 + 2);
  env.mem.setU64(us + BigInt(L64.UNICODE_STRING.Buffer), buf);
  const oa = env.mem.alloc(L64.OBJECT_ATTRIBUTES.$size);
  env.mem.setU32(oa + BigInt(L64.OBJECT_ATTRIBUTES.Length), L64.OBJECT_ATTRIBUTES.$size);
  env.mem.setU64(oa + BigInt(L64.OBJECT_ATTRIBUTES.ObjectName), us);
  env.mem.setU32(oa + BigInt(L64.OBJECT_ATTRIBUTES.Attributes), 0x240);
  const out = env.mem.alloc(8);
  assert.equal(env.status("ZwOpenKey", out, 0x20019, oa), STATUS.SUCCESS);
  const h = env.mem.u64(out);
  const info = env.mem.alloc(0x200);
  const len = env.mem.alloc(4);
  assert.equal(env.status("ZwQueryKey", h, 2, info, 0x200, len), STATUS.SUCCESS);
  const L = L64.KEY_FULL_INFORMATION;
  assert.equal(env.mem.u32(info + BigInt(L.Values)), n);
  assert.equal(env.mem.u32(info + BigInt(L.MaxValueNameLen)), `v${n - 1}`.length * 2, "longest value name in bytes");
  assert.equal(env.mem.u32(info + BigInt(L.MaxValueDataLen)), 40);
});

test("def from-image output always passes def check (random export tables)", () => {
  // Names drawn from awkward characters: keywords, quotes, separators, '@', spaces, non-ASCII.
  const pieces = ["A", "b", "EXPORTS", "PRIVATE", "@", "@1", "=", "==", ";", ",", " ", '"', ".", "#", "é", "x.y", "DATA", "\t"];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let round = 0; round < 300; round++) {
    const slots = 1 + rnd(6);
    const names: [string, number][] = [];
    for (let k = rnd(8); k > 0; k--) {
      let s = "";
      for (let j = 1 + rnd(3); j > 0; j--) s += pieces[rnd(pieces.length)];
      names.push([s, rnd(slots)]);
    }
    const img = exportImage(slots, names);
    const r = defFromImage(parsePe(img), "x.sys");
    const text = writeDef(r.def);
    const back = parseDef(text);
    const errors = back.diagnostics.filter((d) => d.severity === "error");
    assert.deepEqual(errors, [], `${JSON.stringify(names)}\n${text}`);
    assert.deepEqual(back.def.exports.map((e) => e.name), r.def.exports.map((e) => e.name));
  }
});
