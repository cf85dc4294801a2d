/**
 * ndis.sys, the built-in NDIS 6 module, and the fwpkclnt.sys routines a network driver calls from
 * DriverEntry and unload (providers, deletes by key, injection handles), on examples/net-ndis
 * built from C: a virtual miniport that is also a WFP client, started as a service, exercised by
 * its Test* exports (each checks results in C and returns the number of failed checks) and stopped
 * through NDIS's DriverUnload, which calls its MiniportDriverUnload. Misuse ends in clean reports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { NDIS_EXPORTS } from "../src/emu/ndis/index.js";
import { ndisFilterApis } from "../src/emu/ndis/filter.js";
import { ndisRwLockApis } from "../src/emu/ndis/rwlock.js";
import { ndisRwLock5Apis } from "../src/emu/ndis/rwlock5.js";
import { ndisWrapperApis } from "../src/emu/ndis/wrapper.js";
import { ndisMisc5Apis } from "../src/emu/ndis/misc5.js";
import { ndisDevice5Apis } from "../src/emu/ndis/device5.js";
import { FWPKCLNT_EXPORTS } from "../src/emu/fltmgr/exports.js";
import type { TraceEvent } from "../src/events.js";
import { fixture, repoPath } from "./helpers.js";
import { archNeutralLine } from "./arch-compare.js";

const TESTS = ["TestNdisVersion", "TestNdisPools", "TestNdisRegistration", "TestWfpProviders", "TestNdisConfiguration", "TestNdisMemory", "TestNdisDevice", "TestNdisWorkItem", "TestNdisTimer", "TestNdisProcessorInfo", "TestNdisIMAssociate"];
const exercised = new Set<string>();
type Steps = Parameters<typeof runSimulation>[0]["steps"];

function run(steps: Steps, arch: "x64" | "x86" = "x64"): { events: TraceEvent[]; results: ReturnType<typeof runSimulation>["results"] } {
  const events: TraceEvent[] = [];
  const r = runSimulation({ install: [fixture(arch, "netndis.sys")], steps, sink: (e) => void events.push(e), executor: emulatorExecutor, trace: true });
  for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return { events, results: r.results };
}
/** Without addresses, and without the sizes that differ by pointer size (MEMORY_ALLOCATION_ALIGNMENT, the characteristics' and the configuration object's sizes). */
const neutral = (events: TraceEvent[]) =>
  events.filter((e) => e.event !== "api").map(archNeutralLine).map((l) => l.replace(/MEMORY_ALLOCATION_ALIGNMENT \((8|16)\)/, "MEMORY_ALLOCATION_ALIGNMENT (N)").replace(/REVISION_2 \((80|152)\)/, "REVISION_2 (N)").replace(/Header\.Size is (79|151), less than NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 \(the least revision 3 takes\) \((80|152)\)/, "Header.Size is N-1, less than NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 (the least revision 3 takes) (N)").replace(/size (12|20); it takes/, "size N; it takes").replace(/REVISION_1 \((12|20)\)/, "REVISION_1 (N)").replace(/Header\.Size is (15|23), less than NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 \((16|24)\)/, "Header.Size is N-1, less than NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 (N)").replace(/Header\.Size is (551|1071), less than NDIS_SIZEOF_SYSTEM_PROCESSOR_INFO_REVISION_1 \((552|1072)\)/, "Header.Size is N-1, less than NDIS_SIZEOF_SYSTEM_PROCESSOR_INFO_REVISION_1 (N)"));

test("netndis.sys: a miniport and WFP client starts, passes its checks and stops through NDIS's unload (x64 and x86 alike)", () => {
  const steps: Steps = [
    { kind: "start", name: "netndis" },
    ...TESTS.map((t) => ({ kind: "call" as const, module: "netndis.sys", routine: t, args: [], expect: 0n })),
    { kind: "stop", name: "netndis" },
  ];
  const { events, results } = run(steps);
  const x86 = run(steps, "x86");
  assert.deepEqual(neutral(x86.events), neutral(events));
  const prints = events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
  assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), []);
  assert.deepEqual(results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier"), []);
  assert.ok(prints.some((t) => t.includes("netndis: NDIS 6.84 miniport registered")), prints.join(""));
  // The stop reached MiniportDriverUnload once, through the DriverUnload NDIS set.
  assert.equal(prints.filter((t) => t.includes("netndis: MiniportDriverUnload (call 1, its driver object)")).length, 1, prints.join(""));
  // Each refused registration says why.
  const warns = events.filter((e) => e.event === "warning").map((e) => (e as { message: string }).message);
  for (const re of [/Header\.Type is 0x80/, /Header\.Revision is 0/, /Header\.Size is 16/, /asks for NDIS 5\.30/, /asks for NDIS 6\.99/, /required handler\(s\) HaltHandlerEx are NULL/, /ContextSize 4 is not a multiple/, /NdisAllocateTimerObject: Header\.Type is 0x80/, /NdisAllocateTimerObject: Header\.Size is \d+, less than NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1/, /NdisAllocateTimerObject: TimerFunction is NULL/, /NdisFreeTimerObject\(0x[0-9a-f]+\): the timer is still queued/, /NdisGetProcessorInformation: Header\.Size is \d+, less than NDIS_SIZEOF_SYSTEM_PROCESSOR_INFO_REVISION_1/, /Header\.Size is \d+, less than NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_2 \(the least revision 3 takes\)/])
    assert.ok(warns.some((w) => re.test(w)), `${re} in ${warns.join(" | ")}`);
});

test("netndis.sys: a wild pool-parameters pointer, an unknown pool handle and a foreign FwpmFreeMemory0 end in clean reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildPoolParameters", "invalid-read", /0x10 in ndis!NdisAllocateNetBufferListPool/],
    ["FreeUnknownPool", "bugcheck", /NdisFreeNetBufferListPool\(0x[0-9a-f]+\): not a pool handle NdisAllocateNetBufferListPool returned/],
    ["FreeForeignFwpMemory", "bugcheck", /FwpmFreeMemory0\(0x[0-9a-f]+ -> 0x[0-9a-f]+\): not a block an Fwpm\*Get\* routine returned/],
    ["FreeUnknownTimer", "bugcheck", /NdisFreeTimerObject\(0x[0-9a-f]+\): not a timer object NdisAllocateTimerObject returned/],
    ["WildTimerCharacteristics", "invalid-read", /0x20 in ndis!NdisAllocateTimerObject/],
    ["AssociateUnknownProtocol", "bugcheck", /NdisIMAssociateMiniport: ProtocolHandle 0x[0-9a-f]+ is not a handle NdisRegisterProtocolDriver returned/],
  ];
  for (const arch of ["x64", "x86"] as const) {
    for (const [exp, kind, re] of cases) {
      const { events } = run([{ kind: "start", name: "netndis" }, { kind: "call", module: "netndis.sys", routine: exp, args: [] }], arch);
      const f = events.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
      assert.equal(f?.kind, kind, `${arch} ${exp}: ${JSON.stringify(f)}`);
      assert.match(f!.message, re);
    }
  }
});

test("every ndis routine kmdll implements was called by netndis.sys and is in ndis.sys's export list; the WFP routines it imports are fwpkclnt exports", () => {
  // The filter-driver and generic-object routines are examples/net-modules' (test/net-modules.test.ts),
  // the read/write locks examples/qa-fresh3's (test/qa-fresh3.test.ts), the NDIS 5 lock and
  // NdisAllocateMemoryWithTag examples/qa-fresh5's (test/qa-fresh5.test.ts), the NDIS 5 wrapper
  // examples/ndis5-mini's (test/ndis5.test.ts), the NDIS spin lock, error log and NDIS 5 device
  // examples/qa-quickwins' (test/qa-quickwins.test.ts).
  // NDIS 5 NdisOpenConfiguration on a wrapper handle is examples/ndis5-mini's (test/ndis5.test.ts).
  const fresh5 = (a: { name: string }) => ndisRwLock5Apis.includes(a as never) || a.name === "NdisAllocateMemoryWithTag" || a.name === "NdisOpenConfiguration";
  const mine = (apisByComponent["ndis"] ?? []).filter((a) => !a.stub && !ndisFilterApis.includes(a) && !ndisRwLockApis.includes(a) && !fresh5(a) && !ndisWrapperApis.includes(a) && !ndisMisc5Apis.includes(a) && !ndisDevice5Apis.includes(a));
  assert.ok(mine.length >= 7);
  assert.deepEqual(mine.map((a) => a.name).filter((n) => !exercised.has(n)).sort(), [], "implemented but never called by the example");
  assert.deepEqual(mine.filter((a) => !NDIS_EXPORTS.includes(a.name)).map((a) => a.name), []);
  const defNames = (f: string) => readFileSync(repoPath(`examples/net-ndis/${f}`), "utf8").split("\n").map((l) => l.trim()).filter((l) => /^[A-Z]\w+$/.test(l) && l !== "EXPORTS");
  assert.deepEqual(defNames("ndis.def").filter((n) => !NDIS_EXPORTS.includes(n)), []);
  assert.deepEqual(defNames("fwpkclnt.def").filter((n) => !FWPKCLNT_EXPORTS.includes(n)), []);
  const wfp = new Set((apisByComponent["wfp"] ?? []).map((a) => a.name));
  assert.deepEqual(defNames("fwpkclnt.def").filter((n) => !exercised.has(n) || !wfp.has(n)), []);
});
