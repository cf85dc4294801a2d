// The ioctl step (parsing, CLI, NDJSON irp events, expectations) and I/O manager misuse reports:
// a driver unloading with devices left, a provider unloaded while a client still holds its
// interface, an ioctl to a device that does not exist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parseStepObject, parseStepText } from "../src/kernel/scenario.js";
import { KmdllError } from "../src/errors.js";
import { fixture, runCli } from "./helpers.js";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";

const PORT = [fixture("x64", "portlib.sys"), fixture("x64", "miniport.sys")];

test("ioctl step: text and scenario-file forms", () => {
  const s = parseStepText("ioctl:\\Device\\Miniport:0x80002004:010203");
  assert.equal(s.kind, "ioctl");
  if (s.kind !== "ioctl") return;
  assert.equal(s.device, "\\Device\\Miniport");
  assert.equal(s.code, 0x80002004);
  assert.deepEqual([...s.input], [1, 2, 3]);
  assert.equal(s.outputLength, 256);
  const d = parseStepText("ioctl:\\Device\\X:2147491844");
  assert.ok(d.kind === "ioctl" && d.code === 0x80002004 && d.input.length === 0);
  const o = parseStepObject({ ioctl: "\\Device\\Miniport", code: "0x80002004", input: "0a0b", outputLength: 2, expect: "0b0a" }, 0);
  assert.ok(o.kind === "ioctl" && o.outputLength === 2 && o.expect !== undefined && [...o.expect].join() === "11,10");
  const st = parseStepObject({ ioctl: "\\Device\\Miniport", code: 0x80002004, expectStatus: "STATUS_BUFFER_TOO_SMALL" }, 1);
  assert.ok(st.kind === "ioctl" && st.expectStatus === 0xc0000023);
  const bad: [() => unknown, RegExp][] = [
    [() => parseStepText("ioctl:\\Device\\X"), /expected ioctl:HANDLE:CODE\[:HEX\|@FILE\] or ioctl:\\Device\\Name:CODE/],
    [() => parseStepText("ioctl:\\Device\\X:0x1:0g"), /not hex bytes/],
    [() => parseStepText("ioctl:\\Device\\X:0x1:012"), /not hex bytes/],
    [() => parseStepText("ioctl:\\Device\\X:0x100000000"), /not a 32-bit IOCTL code/],
    [() => parseStepText("ioctl:Device\\X:1"), /not a device path/],
    [() => parseStepObject({ ioctl: "\\Device\\X" }, 2), /needs "code"/],
    [() => parseStepObject({ ioctl: "\\Device\\X", code: 1, args: [] }, 3), /unknown field "args"/],
    [() => parseStepObject({ ioctl: "\\Device\\X", code: 1, outputLength: -1 }, 4), /outputLength/],
    [() => parseStepObject({ ioctl: "\\Device\\X", code: 1, expect: 3 }, 5), /expect: expected hex bytes/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: unknown) => e instanceof KmdllError && re.test(e.message));
});

test("kmdll sim ioctl (CLI, --json): irp events from user mode reach portlib's dispatch routine, output bytes printed", async () => {
  const r = await runCli(["sim", "--json", "--install", ...PORT, "--", "start:miniport", "ioctl:\\Device\\Miniport:0x80002004:0102030405", "stop:miniport"]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const irps = events.filter((e) => e.event === "irp");
  assert.deepEqual(
    irps.map((e) => [e.major, e.from, e.to, e.driver, e.status]),
    [
      [0, "user", "\\Device\\Miniport", "miniport.sys", "0x00000000"],
      [14, "user", "\\Device\\Miniport", "miniport.sys", "0x00000000"],
      [2, "user", "\\Device\\Miniport", "miniport.sys", "0x00000000"],
    ],
  );
  assert.equal(irps[1]!.ioctl, "0x80002004");
  assert.match(String(irps[1]!.dispatch), /^portlib\.sys\+0x[0-9a-f]+$/);
  const end = events.find((e) => e.event === "step" && e.phase === "end" && String(e.step).startsWith("ioctl"))!;
  assert.equal(end.output, "0504030201");
  assert.equal(end.ok, true);

  const text = await runCli(["sim", "--install", ...PORT, "--", "start:miniport", "ioctl:\\Device\\Miniport:0x80002004:abcdef"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /ok {2}ioctl \\Device\\Miniport 0x80002004 \[abcdef\] → 0x00000000 STATUS_SUCCESS, Information 3, 3 byte\(s\) out: efcdab/);
  assert.match(text.stdout, /irp {6}user → \\Device\\Miniport \(miniport\.sys\): IRP_MJ_DEVICE_CONTROL 0x80002004, dispatch portlib\.sys\+0x[0-9a-f]+ → 0x00000000 STATUS_SUCCESS/);
});

test("ioctl expectations: wrong output or an unknown IOCTL fail the scenario (exit 1); bad steps exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-dlio-"));
  try {
    const file = join(dir, "s.json");
    writeFileSync(file, JSON.stringify({ install: PORT, steps: [{ start: "miniport" }, { ioctl: "\\Device\\Miniport", code: "0x80002004", input: "0102", expect: "0102" }] }));
    const r = await runCli(["sim", file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAILED {2}ioctl \\Device\\Miniport 0x80002004 \[0102\] → 0x00000000 STATUS_SUCCESS, Information 2, 2 byte\(s\) out: 0201: expected output 0102, got 0201/);
    // An IOCTL code the miniport does not know: its callback returns STATUS_INVALID_DEVICE_REQUEST.
    const u = await runCli(["sim", "--install", ...PORT, "--", "start:miniport", "ioctl:\\Device\\Miniport:0x80002008:01"]);
    assert.equal(u.code, 1);
    assert.match(u.stdout, /FAILED {2}ioctl .* → 0xC0000010/);
    const bad = await runCli(["sim", "--install", ...PORT, "--", "ioctl:Mini/port:1"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unloading with a device left is a warning; a provider unloaded under its client's interface ends in a fault", async () => {
  const left = await runCli(["sim", "--json", "--install", fixture("x64", "apiio.sys"), "--", "start:apiio", "call:apiio.sys!LeaveDevice", "stop:apiio"]);
  assert.equal(left.code, 0, left.stderr);
  const warnings = left.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === "warning");
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]!.message), /apiio\.sys unloaded with 1 device object\(s\) left: \\Device\\ApiIoLeftover/);

  const r = await runCli(["sim", "--install", fixture("x64", "busdrv.sys"), fixture("x64", "funcdrv.sys"), "--", "start:busdrv", "start:funcdrv", "stop:busdrv", "stop:funcdrv"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /warning {2}IoDeleteDevice\(\\Device\\DemoBus\): funcdrv\.sys \(unnamed device\) is still attached on top of it/);
  assert.match(r.stdout, /FAULT {4}funcdrv\.sys: InterfaceDereference \(busdrv\.sys\+0x[0-9a-f]+\): busdrv\.sys is no longer loaded/);
  // The dereference never happened: no interface event after the fault line.
  assert.doesNotMatch(r.stdout, /iface {4}dereference/);
});

test("completing an IRP twice is a MULTIPLE_IRP_COMPLETE_REQUESTS bugcheck fault", () => {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture("x64", "apiio.sys")],
    steps: [{ kind: "start", name: "apiio" }, { kind: "call", module: "apiio.sys", routine: "CompleteTwice", args: [], expectFault: "bugcheck" }],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
  });
  assert.ok(r.ok, JSON.stringify(r.results.map((x) => x.detail)));
  const fault = events.find((e) => e.event === "fault") as { message: string; code?: string; rip?: string } | undefined;
  assert.ok(fault);
  assert.match(fault.message, /^IoCompleteRequest\(0x[0-9a-f]+\): not an IRP in progress \(MULTIPLE_IRP_COMPLETE_REQUESTS\)$/);
  assert.equal(fault.code, "0x00000044");
  assert.match(String(fault.rip), /^apiio\.sys\+0x[0-9a-f]+$/);
});
