/**
 * ndis.sys for protocol drivers (src/emu/ndis/protocol.ts) on examples/net-proto built from C: a
 * packet-capture protocol in the style of WinPcap's npf.sys reads TCP/IP's bindings from the
 * default hive, registers an NDIS 6 protocol, makes one device per bound adapter and undoes it all
 * in DriverUnload. Its Test* exports check the NDIS 6 and NDIS 5.x registrations, NDIS events,
 * processor counts and packet pools in C (each returns the number of failed checks); misuse ends
 * in clean reports. x64 and x86 alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { ndisModuleExports, NDIS } from "../src/emu/ndis/index.js";
import { ndisTimerApis } from "../src/emu/ndis/timer.js";
import { ndisConfigApis } from "../src/emu/ndis/config.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import type { TraceEvent } from "../src/events.js";
import { fixture, repoPath } from "./helpers.js";
import { archNeutralLine } from "./arch-compare.js";

const TESTS = ["TestProtocolRegistration", "TestNdisEvents", "TestProcessorCounts", "TestCaptureDevices", "TestLegacyProtocol", "TestPacketPool", "TestProtocolTimer", "TestProtocolConfiguration", "TestPredefinedKeywords"];
const exercised = new Set<string>();
type Steps = Parameters<typeof runSimulation>[0]["steps"];

function run(steps: Steps, arch: "x64" | "x86" = "x64"): { events: TraceEvent[]; results: ReturnType<typeof runSimulation>["results"] } {
  const events: TraceEvent[] = [];
  const r = runSimulation({ install: [fixture(arch, "netproto.sys")], steps, sink: (e) => void events.push(e), executor: emulatorExecutor, trace: true });
  for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return { events, results: r.results };
}

test("netproto.sys: a capture protocol starts on TCP/IP's bindings, passes its checks and stops clean (x64 and x86 alike)", () => {
  const steps: Steps = [
    { kind: "start", name: "netproto" },
    ...TESTS.map((t) => ({ kind: "call" as const, module: "netproto.sys", routine: t, args: [], expect: 0n })),
    { kind: "stop", name: "netproto" },
  ];
  const { events, results } = run(steps);
  const x86 = run(steps, "x86");
  const neutral = (ev: TraceEvent[]) => ev.filter((e) => e.event !== "api").map(archNeutralLine).map((l) => l.replace(/(Size is|CharacteristicsLength|size) \d+/g, "$1 N").replace(/\(\d+\)/g, "(N)"));
  assert.deepEqual(neutral(x86.events), neutral(events));
  const prints = events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
  assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), []);
  assert.deepEqual(results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier"), []);
  assert.ok(prints.some((t) => t.includes("netproto: protocol registered, 1 capture device(s)")), prints.join(""));
  assert.ok(prints.some((t) => t.includes("netproto: unloaded")), prints.join(""));
  // Each refused registration says why.
  const warns = events.filter((e) => e.event === "warning").map((e) => (e as { message: string }).message);
  for (const re of [/Header\.Type is 0x80/, /Header\.Revision is 3/, /Header\.Size is \d+, less than NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1/, /asks for NDIS 5\.0/, /asks for NDIS 6\.99/, /required handler\(s\) BindAdapterHandlerEx are NULL/, /Name is empty/, /a protocol named "netproto" is registered already/, /MajorNdisVersion is 2/, /CharacteristicsLength \d+ is less than the size of NDIS50_PROTOCOL_CHARACTERISTICS/])
    assert.ok(warns.some((w) => re.test(w)), `${re} in ${warns.join(" | ")}`);
});

test("netproto.sys: a wild characteristics pointer, an unknown protocol handle and a pool freed with packets out end in clean reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildCharacteristics", "invalid-read", /0x10 in ndis!NdisRegisterProtocolDriver/],
    ["DeregisterUnknown", "bugcheck", /NdisDeregisterProtocolDriver\(0x[0-9a-f]+\): not a handle NdisRegisterProtocolDriver returned/],
    ["FreePoolWithPacketsOut", "bugcheck", /NdisFreePacketPool\(0x[0-9a-f]+\): 1 packet\(s\) of the pool are still allocated/],
  ];
  for (const arch of ["x64", "x86"] as const) {
    for (const [exp, kind, re] of cases) {
      const { events } = run([{ kind: "start", name: "netproto" }, { kind: "call", module: "netproto.sys", routine: exp, args: [] }], arch);
      const f = events.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
      assert.equal(f?.kind, kind, `${arch} ${exp}: ${JSON.stringify(f)}`);
      assert.match(f!.message, re);
    }
  }
});

test("every ndis-protocol routine kmdll implements was called by netproto.sys; ndis.sys exports what the export database lists for it", () => {
  const mine = (apisByComponent["ndis-protocol"] ?? []).filter((a) => !a.stub).map((a) => a.name);
  const notCalled = mine.filter((n) => !exercised.has(n) && !["NdisMaxGroupCount", "NdisActiveGroupCount"].includes(n));
  assert.deepEqual(notCalled, [], "implemented but never called by the example");
  for (const arch of ["x64", "x86"]) {
    const exported = new Set(ndisModuleExports(arch)[NDIS]!.map((e) => e.name));
    const db = (kernelModuleExportsFor(NDIS, arch) ?? []).filter((e) => e.type === "code").map((e) => e.name);
    assert.ok(db.length > 100, `${arch}: the database lists ndis.sys`);
    assert.deepEqual(db.filter((n) => !exported.has(n)), [], `${arch}: database names the built-in ndis.sys lacks`);
    assert.deepEqual(mine.filter((n) => !exported.has(n)), []);
  }
  const def = readFileSync(repoPath("examples/net-proto/ndis.def"), "utf8").split("\n").map((l) => l.trim()).filter((l) => /^[A-Z]\w+$/.test(l) && l !== "EXPORTS");
  // The NDIS 6 timer objects and the configuration routines are ndis.sys's (src/emu/ndis/timer.ts, config.ts; examples/net-ndis
  // checks them in full): here on a protocol handle. NdisGetVersion (examples/net-ndis) checks NdisVersion's answer.
  const elsewhere = [...ndisTimerApis, ...ndisConfigApis].map((a) => a.name).concat("NdisGetVersion");
  assert.deepEqual(def.filter((n) => !mine.includes(n) && !elsewhere.includes(n)), []);
});
