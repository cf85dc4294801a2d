/**
 * Unbounded driver output (issue 18): a driver that prints a billion lines or leaks thousands of
 * blocks (examples/qa-output, chatty.sys) gives bounded memory and bounded reports: events are
 * written as they happen (text and NDJSON, even to a slow reader), `--max-events` caps what is
 * shown, repeated leaks are folded by allocation site, the HTML report keeps a capped record.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, repoPath, runCli } from "./helpers.js";
import { LEAKS_SHOWN_PER_SITE } from "../src/report/event-stream.js";
import { formatRows } from "../src/cli/commands/lib.js";
import { widest } from "../src/text/width.js";

const CHATTY = fixture("x64", "chatty.sys");

function residentKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Run the CLI with a slow reader on its stdout (it takes a chunk, then waits 5 ms): returns the
 * resident memory after `warmMs` and the highest seen later, and the lines read.
 */
function runSlowReader(args: string[], warmMs: number): Promise<{ code: number | null; warmKb: number; peakKb: number; lines: number; lastLines: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [repoPath("bin", "kmdll.js"), ...args], { stdio: ["ignore", "pipe", "ignore"] });
    let lines = 0;
    let tail = "";
    let warmKb = 0;
    let peakKb = 0;
    const started = Date.now();
    const poll = setInterval(() => {
      const kb = residentKb(child.pid!);
      if (Date.now() - started < warmMs) warmKb = Math.max(warmKb, kb);
      else peakKb = Math.max(peakKb, kb);
    }, 100);
    child.stdout.on("data", (b: Buffer) => {
      const s = b.toString("utf8");
      for (const c of s) if (c === "\n") lines++;
      tail = (tail + s).slice(-2000);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 5);
    });
    child.on("close", (code) => {
      clearInterval(poll);
      resolveRun({ code, warmKb, peakKb, lines, lastLines: tail });
    });
  });
}

test("call: a driver printing in a loop (DbgPrint ×1e9) runs to its time budget in bounded memory, even with a slow reader", async () => {
  const r = await runSlowReader(["call", "--trace", "--timeout", "8", CHATTY, "PrintLoop"], 2500);
  assert.equal(r.code, 1, r.lastLines);
  assert.match(r.lastLines, /fault: timeout: time budget of 8 s exceeded/);
  assert.ok(r.lines > 10_000, `lines read: ${r.lines}`);
  assert.ok(r.warmKb > 0 && r.peakKb > 0, "memory sampled");
  // Kept events or a queue of unwritten output grow by tens of MB per second here.
  assert.ok(r.peakKb - r.warmKb < 40 * 1024, `resident memory grew from ${r.warmKb} kB to ${r.peakKb} kB`);
});

test("call --json streams {events:[...], return}: parseable, and the same bounded memory", async () => {
  const r = await runSlowReader(["call", "--json", "--timeout", "6", CHATTY, "PrintLoop"], 2000);
  assert.equal(r.code, 1);
  assert.match(r.lastLines, /\],"return":null,"fault":"timeout"\}\n$/);
  assert.ok(r.peakKb - r.warmKb < 40 * 1024, `resident memory grew from ${r.warmKb} kB to ${r.peakKb} kB`);
  const small = await runCli(["call", "--json", CHATTY, "PrintHostile"]);
  const doc = JSON.parse(small.stdout) as { return: string; events: { event: string }[] };
  assert.equal(doc.return, "0x1");
  assert.ok(doc.events.some((e) => e.event === "dbgprint"));
});

test("leaks are folded by allocation site: the first few shown, then one line with the rest", async () => {
  const r = await runCli(["call", CHATTY, "LeakMany", "1000"]);
  assert.equal(r.code, 1, r.stderr);
  const leakLines = r.stdout.split("\n").filter((l) => l.startsWith("leak"));
  assert.equal(leakLines.length, LEAKS_SHOWN_PER_SITE + 1, r.stdout);
  const site = /allocated at (chatty\.sys\+0x[0-9a-f]+)/.exec(leakLines[0]!)![1]!;
  assert.equal(leakLines.at(-1), `leak     chatty.sys: ${1000 - LEAKS_SHOWN_PER_SITE} more pool blocks allocated at ${site} still allocated when it unloaded (${16 * (1000 - LEAKS_SHOWN_PER_SITE)} bytes)`);
  // JSON stays exact: every leak is an event.
  const j = await runCli(["call", "--json", CHATTY, "LeakMany", "1000"]);
  const doc = JSON.parse(j.stdout) as { events: { event: string; site?: string }[] };
  const leaks = doc.events.filter((e) => e.event === "leak");
  assert.equal(leaks.length, 1000);
  assert.ok(leaks.every((e) => e.site === site));
});

test("sim --max-events: N events, then only loader events and failures, and an omitted count (text and NDJSON)", async () => {
  const steps = ["start:chatty", "call:chatty.sys!LeakMany:500", "stop:chatty"];
  const j = await runCli(["sim", "--json", "--max-events", "20", "--install", CHATTY, "--", ...steps]);
  // 500 leaks: verifier findings, so the scenario fails (exit 1) — but cleanly, with every event accounted for.
  assert.equal(j.code, 1, j.stderr);
  assert.equal(j.stderr, "");
  const events = j.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; count?: number });
  const full = await runCli(["sim", "--json", "--install", CHATTY, "--", ...steps]);
  const all = full.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string });
  const omitted = events.filter((e) => e.event === "omitted");
  assert.equal(omitted.length, 1);
  assert.equal(events.length - 1 + omitted[0]!.count!, all.length, "every event is shown or counted");
  assert.equal(events.at(-1)!.event, "end");
  assert.ok(events.filter((e) => e.event === "leak").length < 20);
  const t = await runCli(["sim", "--max-events", "10", "--install", CHATTY, "--", ...steps]);
  assert.match(t.stdout, /^ {2}… {8}\d+ more events not shown \(--max-events 10\)$/m);
  assert.match(t.stdout, /ok {2}stop chatty/);
  const bad = await runCli(["sim", "--max-events", "-5", "--install", CHATTY, "--", ...steps]);
  assert.equal(bad.code, 2);
});

test("sim --html keeps at most --max-events rows; the summary still counts every event", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-html-cap-"));
  try {
    const file = join(dir, "r.html");
    const r = await runCli(["sim", "--max-events", "100", "--html", file, "--install", CHATTY, "--", "start:chatty", "call:chatty.sys!LeakMany:3000", "stop:chatty"]);
    assert.equal(r.code, 1, r.stderr); // the leaks fail the scenario (docs/verifier.md)
    assert.match(r.stdout, /scenario failed: 3000 verifier findings/);
    const html = readFileSync(file, "utf8");
    assert.ok(statSync(file).size < 400_000, `report size ${statSync(file).size}`);
    assert.match(html, /data-count="leaks"><div class="n">3000</);
    const m = /<tr class="ev-omitted">.*?(\d+) more events not shown/.exec(html);
    assert.ok(m, "an omitted row");
    assert.ok(Number(m[1]) > 2800);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("text tables of 200,000 rows (lib list, inspect sections): no stack overflow in the column widths", async () => {
  // A real library: 60,000 imports (an archive's index holds at most 65535 members), then the
  // renderer alone with 200,000 rows (the library had 130,000, from GNU dlltool).
  const dir = mkdtempSync(join(tmpdir(), "kmdll-biglib-"));
  try {
    const n = 60_000;
    writeFileSync(join(dir, "big.def"), `LIBRARY big.sys\nEXPORTS\n${Array.from({ length: n }, (_, i) => `  Routine${i}\n`).join("")}`);
    const lib = await runCli(["implib", join(dir, "big.def"), "-o", join(dir, "big.lib")]);
    assert.equal(lib.code, 0, lib.stderr);
    const r = await runCli(["lib", "list", join(dir, "big.lib")]);
    assert.equal(r.code, 0, r.stderr.slice(0, 500));
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("big.sys "));
    assert.equal(lines.length, n);
    assert.match(lines.at(-1)!, /^big\.sys +Routine59999 +Routine59999 +code +name +x64$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = Array.from({ length: 200_000 }, (_, i) => ({ dll: "big.sys", symbol: `R${i}`, importName: `R${i}`, ordinal: null, type: "code", nameType: "name", machine: "x64" }));
  const text = formatRows(rows as unknown as Parameters<typeof formatRows>[0]);
  assert.equal(text.split("\n").length, 200_002);
  assert.equal(widest(rows.map((r) => r.symbol), 6), "R199999".length);
});

test("implib: a .def with thousands of PRIVATE exports gets a one-line summary naming a few; --json lists every one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-private-"));
  try {
    const n = 5_000;
    writeFileSync(join(dir, "p.def"), `LIBRARY p.sys\nEXPORTS\n  Public1\n${Array.from({ length: n }, (_, i) => `  Hidden${i} PRIVATE\n`).join("")}`);
    const r = await runCli(["implib", join(dir, "p.def"), "-o", join(dir, "p.lib")]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length < 400, `summary is ${r.stdout.length} characters`);
    assert.match(r.stdout, /1 import from p\.sys .*PRIVATE, not importable: Hidden0, .* and \d+ more/);
    const more = Number(/and (\d+) more/.exec(r.stdout)![1]);
    assert.equal(more + r.stdout.split(":").at(-1)!.split(" and ")[0]!.split(",").length, n);
    const j = await runCli(["implib", join(dir, "p.def"), "-o", join(dir, "p.lib"), "--json"]);
    assert.equal(j.code, 0, j.stderr);
    assert.equal((JSON.parse(j.stdout) as { private: string[] }).private.length, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
