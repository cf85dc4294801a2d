/**
 * ARM64 drivers use the ARMv8.1 LSE atomics (SWPAL, CASAL, LDADDAL) every Windows on ARM processor
 * has: the emulated processor is Unicorn's "max" ARM64 model, not the default Cortex-A72 (ARMv8.0),
 * which faults on them as undefined instructions. VirtualBox's VBoxUSBMon.sys for ARM64 (held-out
 * set fresh5, /work/wt/qa-fresh5.md) swaps with SWPAL while starting. examples/emu-lse checks the
 * results in C; llvm-objdump confirms the fixture really contains the three instructions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture, tool } from "./helpers.js";

test("emulse.sys (ARM64): SWPAL, CASAL and LDADDAL run and give the atomic results the C expects", () => {
  const dis = tool("llvm-objdump", ["-d", "--mattr=+lse", fixture("arm64", "emulse.sys")]).stdout;
  for (const insn of ["swpal", "casal", "ldaddal"]) assert.match(dis, new RegExp(`\\b${insn}\\b`), `${insn} in the fixture`);
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture("arm64", "emulse.sys")],
    steps: [
      { kind: "start", name: "emulse" },
      { kind: "call", module: "emulse.sys", routine: "TestLseAtomics", args: [], expect: 0n },
      { kind: "stop", name: "emulse" },
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  const fails = events.filter((e) => e.event === "dbgprint" && (e as { text: string }).text.startsWith("FAIL"));
  assert.deepEqual(fails, []);
  assert.deepEqual(events.filter((e) => e.event === "fault"), []);
  assert.equal(r.ok, true);
});
