/**
 * The NDIS 5.x miniport interface (issue 12, held-out corpus fresh4: 263 XP/Vista-era LAN
 * miniports stopped at "kmdll does not implement ndis!NdisInitializeWrapper", 54 at
 * NdisGetRoutineAddress, 22 at NdisInitializeReadWriteLock, 21 at NdisAllocateMemoryWithTag):
 * examples/ndis5-mini checks in C NdisMRegisterMiniport's answers to unsupported versions and
 * short characteristics, a terminated wrapper, the read/write lock zeroed to the compiler's
 * sizeof, NdisGetRoutineAddress on an NDIS export, an unknown name and an ntoskrnl routine, and
 * tagged memory; then registers with an unload handler NDIS's DriverUnload calls, leaving nothing
 * allocated. x64 and x86.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";

const texts = (events: TraceEvent[], kind: string, field: string) => events.filter((e) => e.event === kind).map((e) => String((e as unknown as Record<string, unknown>)[field] ?? ""));

for (const arch of ["x64", "x86"] as const) {
  test(`ndis5mini.sys (${arch}): NdisMInitializeWrapper / NdisMRegisterMiniport / NdisMRegisterUnloadHandler / NdisTerminateWrapper and the NDIS 5 helpers, checked in C; starts and stops clean`, () => {
    const events: TraceEvent[] = [];
    const r = runSimulation({
      install: [fixture(arch, "ndis5mini.sys")],
      steps: [
        { kind: "start", name: "ndis5mini" },
        { kind: "stop", name: "ndis5mini" },
      ],
      sink: (e) => void events.push(e),
      executor: emulatorExecutor,
      trace: true,
    });
    const prints = texts(events, "dbgprint", "text");
    assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), [], arch);
    assert.ok(prints.includes("ndis5mini: all checks passed\n"), prints.join(""));
    assert.ok(prints.includes("ndis5mini: unload\n"), "NDIS's DriverUnload called the registered unload handler");
    // NDIS_RW_LOCK as the compiler lays it out: 16 + 16 × MAXIMUM_PROCESSORS (64 x64, 32 x86).
    assert.ok(prints.includes(`ndis5mini: rwlock ${arch === "x64" ? 1040 : 528}\n`), prints.join(""));
    assert.equal(r.ok, true, r.results.map((x) => `${x.label}: ${x.detail}`).join("; "));
    const size51 = arch === "x64" ? 8 + 29 * 8 : 8 + 29 * 4;
    const size40 = arch === "x64" ? 8 + 16 * 8 : 8 + 16 * 4;
    assert.deepEqual(texts(events, "warning", "message"), [
      "NdisMRegisterMiniport: MajorNdisVersion.MinorNdisVersion is 6.0, not a miniport version NDIS supports (3.0, 4.0, 5.0, 5.1)",
      "NdisMRegisterMiniport: MajorNdisVersion.MinorNdisVersion is 5.2, not a miniport version NDIS supports (3.0, 4.0, 5.0, 5.1)",
      `NdisMRegisterMiniport: CharacteristicsLength is ${size51 - 1}, less than the NDIS 5.1 NDIS_MINIPORT_CHARACTERISTICS (${size51})`,
      `NdisMRegisterMiniport: CharacteristicsLength is ${size40 - 1}, less than the NDIS 4.0 NDIS_MINIPORT_CHARACTERISTICS (${size40})`,
    ]);
    // Both wrapper handles and the tagged block were released: no leak, no fault.
    assert.deepEqual(events.filter((e) => e.event === "fault" || e.event === "leak"), []);
    const apis = texts(events, "api", "api");
    assert.equal(apis.filter((a) => a === "ndis.sys!NdisInitializeWrapper").length, 2);
    assert.ok(apis.includes("ndis.sys!ndisMUnload"), apis.join(", "));
  });
}
