/**
 * Terminal escape injection (issue 18): names read from files (sections, exports, imports, DLL
 * names) and text a driver prints reach the terminal escaped (`\x1b`), in every command's text
 * output and in --trace; JSON stays exact. Inputs: real fixtures with names patched to control
 * sequences of the same length, and chatty.sys!PrintHostile (examples/qa-output).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, runCli } from "./helpers.js";
import { terminalText, jsonText } from "../src/text/terminal.js";

/** What a terminal would act on: C0 controls but newline and tab, DEL, C1, bidi overrides. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const EVIL_DLL = "\x1b[2Jevil.sys"; // 12 characters, like "mydriver.sys"
const EVIL_EXPORT = "\x1b[2J\rrinterDriver"; // 17, like "LoadPrinterDriver"
const EVIL_SECTION = "\x1b]0;t\x07"; // OSC 0 (window title), like ".rdata"
let dir = "";
let client = "";
let mydriver = "";
let lib = "";

function patch(src: string, dst: string, pairs: [string, string][]): void {
  const b = Buffer.from(readFileSync(src));
  for (const [from, to] of pairs) {
    assert.equal(Buffer.byteLength(from, "latin1"), Buffer.byteLength(to, "latin1"));
    let i = b.indexOf(from, 0, "latin1");
    assert.ok(i >= 0, `${from} in ${src}`);
    for (; i >= 0; i = b.indexOf(from, i + 1, "latin1")) b.write(to, i, "latin1");
  }
  writeFileSync(dst, b);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-sanitize-"));
  client = join(dir, "client.sys");
  mydriver = join(dir, "mydriver.sys");
  lib = join(dir, "mydriver.lib");
  patch(fixture("x64", "client.sys"), client, [["mydriver.sys", EVIL_DLL], [".rdata", EVIL_SECTION], ["LoadPrinterDriver", EVIL_EXPORT]]);
  patch(fixture("x64", "mydriver.sys"), mydriver, [["LoadPrinterDriver", EVIL_EXPORT]]);
  copyFileSync(fixture("x64", "mydriver.lib"), lib);
  patch(fixture("x64", "mydriver.lib"), lib, [["LoadPrinterDriver", EVIL_EXPORT]]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function assertInert(what: string, text: string, escaped: string[]): void {
  assert.doesNotMatch(text, RAW_CONTROL, `${what}: raw control characters in ${JSON.stringify(text.slice(0, 2000))}`);
  for (const e of escaped) assert.ok(text.includes(e), `${what}: ${JSON.stringify(e)} shown escaped in ${JSON.stringify(text.slice(0, 2000))}`);
}

test("the sanitiser: control and reordering characters escaped, newline and tab kept; JSON exact", () => {
  assert.equal(terminalText("a\x1b[2Jb\x07\r\x7f\x9b\u202e\tc\n"), "a\\x1b[2Jb\\x07\\x0d\\x7f\\x9b\\u{202e}\tc\n");
  const v = { s: "a\x1b\x7f\x9b\u202e" };
  const j = jsonText(v);
  assert.doesNotMatch(j, RAW_CONTROL);
  assert.deepEqual(JSON.parse(j), v);
});

test("inspect / check / graph / lib list: hostile names from files are escaped in text, exact in JSON", async () => {
  const ins = await runCli(["inspect", client]);
  assert.equal(ins.code, 0, ins.stderr);
  assertInert("inspect", ins.stdout, ["\\x1b[2Jevil.sys", "\\x1b]0;t\\x07", "\\x1b[2J\\x0drinterDriver"]);
  const insJ = JSON.parse((await runCli(["inspect", "--json", client])).stdout) as { sections: { name: string }[]; imports: { dll: string; functions: { name: string }[] }[] };
  assert.ok(insJ.sections.some((s) => s.name === EVIL_SECTION));
  assert.ok(insJ.imports.some((m) => m.dll === EVIL_DLL && m.functions.some((f) => f.name === EVIL_EXPORT)));

  const chk = await runCli(["check", client]);
  assertInert("check", chk.stdout + chk.stderr, ["\\x1b[2Jevil.sys"]);
  const chkJ = await runCli(["check", "--json", client]);
  assert.doesNotMatch(chkJ.stdout, RAW_CONTROL);
  assert.ok(JSON.stringify(JSON.parse(chkJ.stdout)).includes(JSON.stringify(EVIL_DLL).slice(1, -1)));

  for (const format of ["dot", "mermaid"]) {
    const g = await runCli(["graph", "--format", format, client, mydriver]);
    assert.equal(g.code, 0, g.stderr);
    assertInert(`graph --format ${format}`, g.stdout, ["\\x1b[2Jevil.sys"]);
  }
  const gj = JSON.parse((await runCli(["graph", "--json", client, mydriver])).stdout) as { nodes: { name: string }[] };
  assert.ok(gj.nodes.some((n) => n.name === EVIL_DLL));

  const l = await runCli(["lib", "list", lib]);
  assert.equal(l.code, 0, l.stderr);
  assertInert("lib list", l.stdout, ["\\x1b[2J\\x0drinterDriver"]);
  const lj = JSON.parse((await runCli(["lib", "list", "--json", lib])).stdout) as { symbol: string }[];
  assert.ok(lj.some((r) => r.symbol === EVIL_EXPORT));
});

// On the x64 driver and on its x86 build: the text is the driver's, whatever its arch.
for (const arch of ["x64", "x86"] as const) test(`call / sim: DbgPrint text and hostile names are escaped in text and --trace, exact in JSON (${arch})`, async () => {
  const printed = "chatty: \x1b]0;pwned\x07title\x1b[2J\rscenario passed: 1 step(s) as expected\u009b31m\n";
  const chatty = fixture(arch, "chatty.sys");
  for (const args of [["call", chatty, "PrintHostile"], ["call", "--trace", chatty, "PrintHostile"]]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    assertInert(args.join(" "), r.stdout, ["\\x1b]0;pwned\\x07title\\x1b[2J\\x0dscenario passed", "\\x9b31m"]);
    // The fake verdict never starts a line of its own.
    assert.doesNotMatch(r.stdout, /^scenario passed/m);
  }
  const cj = JSON.parse((await runCli(["call", "--json", chatty, "PrintHostile"])).stdout) as { events: { event: string; text?: string }[] };
  assert.equal(cj.events.find((e) => e.event === "dbgprint")!.text, printed);

  const steps = ["start:chatty", "call:chatty.sys!PrintHostile", "stop:chatty"];
  for (const extra of [[], ["--trace"]]) {
    const s = await runCli(["sim", ...extra, "--install", chatty, "--", ...steps]);
    assert.equal(s.code, 0, s.stderr);
    assertInert(`sim ${extra.join(" ")}`, s.stdout, ["\\x1b]0;pwned\\x07title"]);
  }
  const sj = await runCli(["sim", "--json", "--install", chatty, "--", ...steps]);
  assert.doesNotMatch(sj.stdout, RAW_CONTROL);
  const dbg = sj.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; text?: string }).find((e) => e.event === "dbgprint");
  assert.equal(dbg!.text, printed);

  // A hostile import name in a load failure (sim) and in call's error message.
  const s = await runCli(["sim", "--install", client, mydriver, "--", "start:client"]);
  assertInert("sim (load failure)", s.stdout + s.stderr, ["\\x1b[2Jevil.sys"]);
  const c = await runCli(["call", client, "DriverEntry"]);
  assertInert("call (load failure)", c.stdout + c.stderr, []);
});

test("colours come from picocolors after sanitising: severities coloured on a colour terminal, hostile names still escaped; none without colour", async () => {
  const { run } = await import("../src/cli/main.js");
  const capture = async (color: boolean) => {
    let out = "";
    const code = await run(["check", client], { out: (s) => void (out += s), err: (s) => void (out += s), setExit: () => {}, isTTY: true, color });
    return { code, out };
  };
  const on = await capture(true);
  assert.equal(on.code, 1);
  assert.ok(on.out.includes("\x1b[31merror\x1b[39m"), JSON.stringify(on.out.slice(0, 300)));
  // The only escape sequences are the colours kmdll added.
  assert.doesNotMatch(on.out.replace(/\x1b\[(31|33|36|39)m/g, ""), RAW_CONTROL);
  assert.ok(on.out.includes("\\x1b[2Jevil.sys"));
  const off = await capture(false);
  assert.doesNotMatch(off.out, RAW_CONTROL);
  assert.match(off.out, /: error: \[/);
});
