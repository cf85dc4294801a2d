// ARM64 drivers run in the emulator: the computation driver gives the natively compiled C's
// results, the lifecycle and IOCTL scenarios of examples/scenarios give the same events on the
// ARM64 builds of their drivers as on the x64 ones (addresses aside), the images are what
// llvm-readobj says an ARM64 driver is, and images of the wrong arch get
// STATUS_INVALID_IMAGE_FORMAT (0xC000007B) — from the loader, never a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { TraceEvent } from "../src/events.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { parseScenario, runSimulation } from "../src/kernel/index.js";
import { callImage } from "../src/sim/call.js";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { compactCommon } from "./trace.js";

/** Every event as one line without addresses (bases, pool pointers and RVAs differ by arch). */
function line(e: TraceEvent): string {
  const common = compactCommon(e);
  if (common !== undefined) return common;
  const { event, ...rest } = e as TraceEvent & Record<string, unknown>;
  for (const k of ["base", "path", "rip", "registers", "backtrace", "address", "caller"]) delete rest[k];
  return `${event} ${JSON.stringify(rest)
    .replace(/0x[0-9a-f]{8,16}\b/gi, "ADDR")
    .replace(/\+0x[0-9a-f]+/g, "+OFF")}`;
}

/** Run a scenario file with its install list taken from test/fixtures/<arch>/. */
function runOn(name: string, arch: "x64" | "arm64"): { ok: boolean; lines: string[] } {
  const file = repoPath("examples", "scenarios", name + ".json");
  const json = JSON.parse(readFileSync(file, "utf8")) as { install?: string[] };
  if (json.install) json.install = json.install.map((p) => (p.includes("fixtures/x64/") ? fixture(arch, basename(p)) : p));
  const s = parseScenario(json, (p) => resolve(dirname(file), p));
  const events: TraceEvent[] = [];
  const r = runSimulation({ ...s, sink: (e) => events.push(e), executor: emulatorExecutor });
  return { ok: r.ok, lines: events.map(line) };
}

// Lifecycle (seeds: load on import, DllInitialize, the call, DllUnload on the last reference) and
// IOCTL (an interface handed out through a device IOCTL, called across drivers, referenced and released).
const SCENARIOS = ["seeds", "dl-ioctl-interface"];

for (const name of SCENARIOS) {
  test(`scenario ${name}: ARM64 drivers give the x64 events`, () => {
    const x64 = runOn(name, "x64");
    const arm = runOn(name, "arm64");
    assert.equal(x64.ok, true, x64.lines.join("\n"));
    assert.equal(arm.ok, true, arm.lines.join("\n"));
    assert.deepEqual(arm.lines, x64.lines);
  });
}
