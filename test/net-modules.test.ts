/**
 * The built-in netio.sys (Winsock Kernel, IP helpers), tdi.sys, ks.sys and wmilib.sys modules and
 * NDIS's filter-driver and generic-object routines, on examples/net-modules built from C for x64,
 * x86 and ARM64: a lightweight filter driver started as a service, exercised by its Test* exports
 * (each checks results in C and returns the number of failed checks) and stopped through its own
 * DriverUnload. Misuse and emulator gaps end in clean reports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { NETIO_EXPORTS } from "../src/emu/netio/index.js";
import { NDIS_EXPORTS } from "../src/emu/ndis/index.js";
import { ndisFilterApis } from "../src/emu/ndis/filter.js";
import { TDI_EXPORTS } from "../src/emu/api/tdi.js";
import { KS_EXPORTS } from "../src/emu/api/ks.js";
import { WMILIB_EXPORTS } from "../src/emu/api/wmilib.js";
import type { TraceEvent } from "../src/events.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import { fixture, repoPath } from "./helpers.js";

const TESTS = ["TestNdisFilter", "TestWsk", "TestIpHelper", "TestTdi", "TestKs", "TestWmi"];
const ARCHES = ["x64", "x86", "arm64"] as const;
const exercised = new Set<string>();
type Steps = Parameters<typeof runSimulation>[0]["steps"];

function run(steps: Steps, arch: (typeof ARCHES)[number]): { events: TraceEvent[]; results: ReturnType<typeof runSimulation>["results"] } {
  const events: TraceEvent[] = [];
  const r = runSimulation({ install: [fixture(arch, "netmods.sys")], steps, sink: (e) => void events.push(e), executor: emulatorExecutor, trace: true });
  for (const e of events) {
    if (e.event === "api") exercised.add(e.api);
    // A routine whose every call ends in a report (NdisFSetAttributes outside FilterAttach) is exercised by that report.
    const api = (e as { api?: string }).api;
    if (e.event === "fault" && api) exercised.add(api);
  }
  return { events, results: r.results };
}

for (const arch of ARCHES) {
  test(`netmods.sys (${arch}): a filter driver and WSK/TDI/KS/WMI client starts, passes its checks and stops through its own DriverUnload`, () => {
    const steps: Steps = [
      { kind: "start", name: "netmods" },
      ...TESTS.map((t) => ({ kind: "call" as const, module: "netmods.sys", routine: t, args: [], expect: 0n })),
      { kind: "stop", name: "netmods" },
    ];
    const { events, results } = run(steps, arch);
    const prints = events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
    assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), []);
    assert.deepEqual(results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
    // No leak: WmiFireEvent freed the event data, every registration and generic object was undone.
    assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier"), []);
    assert.ok(prints.some((t) => t.includes("netmods: NDIS filter driver registered")), prints.join(""));
    assert.equal(prints.filter((t) => t.includes("netmods: DriverUnload (call 1, its driver object)")).length, 1, prints.join(""));
    const warns = events.filter((e) => e.event === "warning").map((e) => (e as { message: string }).message);
    for (const re of [/Header\.Type is 0x8a/, /Header\.Revision is 0/, /Header\.Size is \d+, less than NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2/, /required handler\(s\) AttachHandler are NULL/, /asks for NDIS 5\.30/, /asks for NDIS 6\.99/, /WSK 2\.0/, /WskSocketConnect: the emulated machine has no network/])
      assert.ok(warns.some((w) => re.test(w)), `${re} in ${warns.join(" | ")}`);
    // The provider's socket routines are netio.sys's, not ntoskrnl's.
    assert.ok(events.some((e) => e.event === "api" && e.api === "netio.sys!WskSocketConnect"));
  });
}

test("netmods.sys: misuse and emulator gaps end in clean reports on every arch", () => {
  const cases: [string, string, RegExp][] = [
    ["WskDeregisterCaptured", "deadlock", /WskDeregister\(0x[0-9a-f]+\) with 1 captured provider NPI\(s\) not released/],
    ["FreeUnknownMibTable", "bugcheck", /FreeMibTable\(0x[0-9a-f]+\): not a table a netio\.sys routine returned/],
    ["TdiConnectRequest", "unimplemented-api", /kmdll does not implement TdiMapUserRequest's conversion of IOCTL_TDI_CONNECT \(0x210004\)/],
    ["SetAttributesOutsideAttach", "bugcheck", /NdisFSetAttributes\(0x[0-9a-f]+\): not a filter module handle/],
    ["WildIfRow", "invalid-read", /0x10 in netio!GetIfEntry2/],
    ["WildWmiLibInfo", "invalid-read", /0x20 in wmilib!WmiSystemControl/],
    ["WildKsIrp", "invalid-read", /0x30 in ks!KsGetPinFromIrp/],
  ];
  for (const arch of ARCHES) {
    for (const [exp, kind, re] of cases) {
      const { events } = run([{ kind: "start", name: "netmods" }, { kind: "call", module: "netmods.sys", routine: exp, args: [] }], arch);
      const f = events.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
      assert.equal(f?.kind, kind, `${arch} ${exp}: ${JSON.stringify(f)}`);
      assert.match(f!.message, re);
    }
  }
});

test("every routine kmdll implements for netio/tdi/ks/wmilib and NDIS filters was called by netmods.sys and is in its module's export list", () => {
  // (KsInitializeDriver, KsNullDriverUnload and KsLoadResource: examples/class-ks, test/class-ks.test.ts.)
  const mine = [...["netio", "tdi", "ks", "wmilib"].flatMap((f) => apisByComponent[f] ?? []), ...ndisFilterApis].filter((a) => !a.stub && !(a.module === "ks.sys" && ["KsInitializeDriver", "KsNullDriverUnload", "KsLoadResource"].includes(a.name)));
  assert.ok(mine.length >= 23, String(mine.length));
  assert.deepEqual(mine.map((a) => `${a.module}!${a.name}`).filter((n) => !exercised.has(n)).sort(), [], "implemented but never called by the example");
  const lists: Record<string, readonly string[]> = { "netio.sys": NETIO_EXPORTS, "tdi.sys": TDI_EXPORTS, "ks.sys": KS_EXPORTS, "wmilib.sys": WMILIB_EXPORTS, "ndis.sys": NDIS_EXPORTS };
  assert.deepEqual(mine.filter((a) => !lists[a.module]?.includes(a.name)).map((a) => a.name), []);
  // The headers' names kmdll lists are in the kernel export database's lists (mingw-w64's import libraries), which the emulator serves.
  for (const [module, names] of [["netio.sys", NETIO_EXPORTS], ["ks.sys", KS_EXPORTS], ["wmilib.sys", WMILIB_EXPORTS]] as const)
    for (const arch of ARCHES) {
      const db = new Set((kernelModuleExportsFor(module, arch) ?? []).map((e) => e.name));
      assert.deepEqual(names.filter((n) => !db.has(n)), [], `${module} ${arch}`);
    }
  // tdi.sys: the database has mingw-w64's x86 list only; kmdll's list (every arch) is exactly it.
  assert.deepEqual([...TDI_EXPORTS].sort(), (kernelModuleExportsFor("tdi.sys", "x86") ?? []).map((e) => e.name).sort());
  // The example's import libraries name only exported routines.
  for (const [def, module] of [["netio.def", "netio.sys"], ["tdi.def", "tdi.sys"], ["ks.def", "ks.sys"], ["wmilib.def", "wmilib.sys"], ["ndis.def", "ndis.sys"]] as const) {
    const names = readFileSync(repoPath(`examples/net-modules/${def}`), "utf8").split("\n").map((l) => l.trim()).filter((l) => /^[A-Z]\w+$/.test(l) && l !== "EXPORTS");
    assert.ok(names.length > 0);
    assert.deepEqual(names.filter((n) => !lists[module]!.includes(n)), [], def);
  }
});
