/**
 * The NDIS 5.x miniport interface (issue 12, held-out corpus fresh4: 263 XP/Vista-era LAN
 * miniports stopped at "kmdll does not implement ndis!NdisInitializeWrapper", 54 at
 * NdisGetRoutineAddress). NDIS 5.x miniports were removed in Windows 8 (Microsoft Learn, "NDIS
 * 6.30 Backward Compatibility"): on the emulated Windows 10 NdisMRegisterMiniport refuses every
 * version (NDIS_STATUS_BAD_VERSION) with a warning naming why, so such a driver's start fails with
 * that reason instead of an emulator gap. examples/ndis5-mini checks in C the refusals, the
 * untouched driver object, the wrapper handles (NULL for a non-driver object; terminated) and
 * NdisGetRoutineAddress; it then stays loaded with its own unload and leaves nothing allocated.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";
import { ndisWrapperApis } from "../src/emu/ndis/wrapper.js";

const texts = (events: TraceEvent[], kind: string, field: string) => events.filter((e) => e.event === kind).map((e) => String((e as unknown as Record<string, unknown>)[field] ?? ""));
const removed = (v: string) => `NdisMRegisterMiniport: an NDIS ${v} miniport driver; NDIS 5.x and earlier miniports were removed in Windows 8 (Microsoft Learn, "NDIS 6.30 Backward Compatibility") and the emulated Windows runs NDIS 6.84: NDIS_STATUS_BAD_VERSION`;

for (const arch of ["x64", "x86"] as const) {
  test(`ndis5mini.sys (${arch}): NdisMInitializeWrapper / NdisMRegisterMiniport (refused on Windows 8+) / NdisTerminateWrapper and NdisGetRoutineAddress, checked in C; starts and stops clean`, () => {
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
    assert.ok(prints.includes("ndis5mini: unload\n"));
    assert.equal(r.ok, true, r.results.map((x) => `${x.label}: ${x.detail}`).join("; "));
    const warnings = texts(events, "warning", "message");
    assert.equal(warnings.length, 6, warnings.join("\n"));
    assert.match(warnings[0]!, /^NdisInitializeWrapper: SystemSpecific1 0x[0-9a-f]+ is not a DRIVER_OBJECT: the wrapper handle is NULL$/);
    assert.deepEqual(warnings.slice(1), [
      removed("5.1"),
      removed("4.0"),
      removed("3.0"),
      "NdisMRegisterMiniport: MajorNdisVersion.MinorNdisVersion is 6.0, not an NDIS 5.x miniport version (NDIS 6 miniports register with NdisMRegisterMiniportDriver): NDIS_STATUS_BAD_VERSION",
      // NDIS 5 intermediate drivers (fresh4's Marvell Yukon yk51x64v.sys and others) are refused alike.
      removed("5.1").replace("NdisMRegisterMiniport", "NdisIMRegisterLayeredMiniport").replace("miniport driver", "intermediate (layered) miniport driver"),
    ]);
    // The terminated wrapper was released: no leak, no fault.
    assert.deepEqual(events.filter((e) => e.event === "fault" || e.event === "leak"), []);
    const apis = texts(events, "api", "api");
    assert.equal(apis.filter((a) => a === "ndis.sys!NdisMRegisterMiniport").length, 4);
    // NDIS 5 configuration on the wrapper handle (ewusbnet.sys of fresh4): refused without the Parameters key, then read (values checked in C).
    assert.equal(apis.filter((a) => a === "ndis.sys!NdisOpenConfiguration").length, 2);
    assert.equal(apis.filter((a) => a === "ndis.sys!NdisReadConfiguration").length, 2);
    // Every routine of the NDIS 5 wrapper family was called by the example.
    for (const a of ndisWrapperApis) assert.ok(apis.includes(`ndis.sys!${a.name}`), a.name);
  });
}
