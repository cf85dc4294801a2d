/**
 * RtlNtStatusToDosError / RtlNtStatusToDosErrorNoTeb (src/emu/api/doserror.ts) on examples/api-doserr
 * built from C for both arches: 80 NTSTATUS values checked against the SDK header names of Microsoft's
 * mapping (KB 113996) — so the numbers come from ntstatus.h / winerror.h, not from kmdll — with the
 * pass-through cases and ERROR_MR_MID_NOT_FOUND for a status without a mapping.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

for (const arch of ["x64", "x86"] as const) {
  test(`apidoserr.sys (${arch}): every NTSTATUS maps to the Win32 error Microsoft's table gives it; unknown ones to ERROR_MR_MID_NOT_FOUND`, () => {
    const events: TraceEvent[] = [];
    const r = runSimulation({
      install: [fixture(arch, "apidoserr.sys")],
      steps: [{ kind: "start", name: "apidoserr" }],
      sink: (e) => void events.push(e),
      executor: emulatorExecutor,
      trace: true,
    });
    assert.deepEqual(r.results.map((x) => x.ok), [true], r.results.map((x) => x.detail).join("; "));
    const prints = events.filter((e) => e.event === "dbgprint").map((e) => String((e as { text?: string }).text ?? "").trim());
    assert.deepEqual(prints, ["apidoserr: 80 pair(s), 0 failed check(s)"]);
    const apis = new Set(events.filter((e) => e.event === "api").map((e) => String((e as { api?: string }).api).replace(/^.*!/, "")));
    assert.ok(apis.has("RtlNtStatusToDosError") && apis.has("RtlNtStatusToDosErrorNoTeb"));
  });
}
