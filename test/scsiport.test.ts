/**
 * scsiport.sys and smclib.sys (issue 12, held-out corpus fresh4: 427 SATA/RAID/SCSI miniports
 * of the DriverPack mass-storage set import scsiport.sys, 245 card-reader drivers smclib.sys; both
 * failed to load, "cannot find SCSIPORT.SYS / SMCLIB.SYS"): examples/scsiport-mini, a SCSI
 * miniport skeleton whose DriverEntry checks in C ScsiPortInitialize's answers (NULL arguments, a
 * structure larger than the port driver's, missing required routines, an older XP-sized
 * structure), scsiport owning the driver object, the helper routines (ports and registers too:
 * 64 legacy miniports stopped at ScsiPortWritePortUlong/Uchar probing PCI configuration space) and
 * smclib's debug level;
 * started and stopped on x64 and x86.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { scsiportModuleExports, scsiInitDataLayout } from "../src/emu/api/scsiport.js";
import { SMCLIB_EXPORTS } from "../src/emu/api/smclib.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import * as layoutModule from "../src/nt/arch-layout.js";
import { fixture, runCli } from "./helpers.js";

const texts = (events: TraceEvent[], kind: string, field: string) => events.filter((e) => e.event === kind).map((e) => String((e as unknown as Record<string, unknown>)[field] ?? ""));

for (const arch of ["x64", "x86"] as const) {
  test(`scsimini.sys (${arch}): ScsiPortInitialize's answers, scsiport owning the driver object, the helpers and smclib's debug level, checked in C; starts and stops`, () => {
    const events: TraceEvent[] = [];
    const r = runSimulation({
      install: [fixture(arch, "scsimini.sys")],
      steps: [
        { kind: "start", name: "scsimini" },
        { kind: "stop", name: "scsimini" },
      ],
      sink: (e) => void events.push(e),
      executor: emulatorExecutor,
      trace: true,
    });
    const prints = texts(events, "dbgprint", "text");
    assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), [], arch);
    assert.ok(prints.includes("scsimini: all checks passed\n"), prints.join(""));
    assert.ok(prints.includes("scsimini: debug print works 42 0xbeef\n"), prints.join(""));
    assert.ok(prints.includes("scsimini: unload\n"), "the miniport's own DriverUnload ran at stop");
    assert.equal(r.ok, true, r.results.map((x) => `${x.label}: ${x.detail}`).join("; "));
    // The compiler's layout (offsetof HwResetBus, HwAdapterControl; sizeof) is the one the emulator
    // reads (scsiInitDataLayout, checked below against the same numbers).
    const L = arch === "x64" ? { hwResetBus: 40, hwAdapterControl: 120, maxSize: 208 } : { hwResetBus: 24, hwAdapterControl: 76, maxSize: 128 };
    assert.ok(prints.includes(`scsimini: layout ${L.hwResetBus} ${L.hwAdapterControl} ${L.maxSize}\n`), prints.join(""));
    const warnings = texts(events, "warning", "message");
    assert.deepEqual(warnings, [
      `ScsiPortInitialize: HwInitializationDataSize is ${L.maxSize + 1}, larger than scsiport's HW_INITIALIZATION_DATA (${L.maxSize})`,
      ...["HwInitialize", "HwStartIo", "HwFindAdapter", "HwResetBus"].map((n) => `ScsiPortInitialize: the required routine(s) ${n} are NULL`),
    ]);
    assert.deepEqual(events.filter((e) => e.event === "fault" || e.event === "leak"), []);
    // The port routines (srb.h: (Port[, Value]), no HwDeviceExtension) reach the machine model's
    // port latches; the verifier's port rule sees each access at the driver's call site (a legacy
    // access: no device gave the miniport I/O resources, a warning).
    const ports = events.filter((e) => e.event === "hardware" && e.kind === "port").map((e) => (e.event === "hardware" ? `${e.op} ${e.address}/${e.size} ${e.value}` : ""));
    assert.deepEqual(ports, ["write 0x300/1 0x5a", "read 0x300/1 0x5a", "write 0x302/2 0x1234", "read 0x302/2 0x1234", "write 0x304/4 0xcafef00d", "read 0x304/4 0xcafef00d"]);
    const verifier = events.filter((e) => e.event === "verifier");
    assert.equal(verifier.length, 6, JSON.stringify(verifier));
    for (const v of verifier) assert.ok(v.event === "verifier" && v.rule === "port-io-outside-resources" && /at scsimini\.sys\+0x/.test(v.message), JSON.stringify(v));
    const apis = texts(events, "api", "api");
    assert.equal(apis.filter((a) => a === "scsiport.sys!ScsiPortInitialize").length, 10, apis.join(", "));
    assert.ok(apis.includes("scsiport.sys!ScsiPortUnload"), "the miniport's unload chained to scsiport's");
    assert.ok(apis.includes("smclib.sys!SmartcardSetDebugLevel") && apis.includes("smclib.sys!SmartcardGetDebugLevel"), apis.join(", "));
  });
}

test("scsiInitDataLayout: the offsets and size the compiler gave scsimini.sys (the numbers its DriverEntry prints)", () => {
  const { setLayoutArch } = layoutModule;
  try {
    setLayoutArch("x86");
    assert.deepEqual([scsiInitDataLayout().hwResetBus, scsiInitDataLayout().hwAdapterControl, scsiInitDataLayout().maxSize], [24, 76, 128]);
  } finally {
    setLayoutArch("x64");
  }
  assert.deepEqual([scsiInitDataLayout().hwResetBus, scsiInitDataLayout().hwAdapterControl, scsiInitDataLayout().maxSize], [40, 120, 208]);
});

test("scsiport.sys exports: mingw-w64's x86 list plus srb.h's ScsiPortConvertPhysicalAddressToUlong, x64 the same names; smclib.sys smclib.h's; check and sim agree", async () => {
  const x86 = new Map(scsiportModuleExports("x86").map((e) => [e.name, e]));
  const x64 = scsiportModuleExports("x64");
  assert.ok(x86.size >= 46, String(x86.size));
  assert.equal(x86.get("ScsiDebugPrint")?.call, "cdecl");
  assert.equal(x86.get("ScsiPortInitialize")?.argBytes, 16);
  assert.equal(x86.get("ScsiPortConvertPhysicalAddressToUlong")?.argBytes, 8);
  assert.deepEqual(x64.map((e) => e.name).sort(), [...x86.keys()].sort());
  for (const a of apisByComponent.scsiport ?? []) assert.ok(x86.has(a.name), a.name);
  for (const a of apisByComponent.smclib ?? []) assert.ok(SMCLIB_EXPORTS.includes(a.name), a.name);
  for (const arch of ["x64", "x86"] as const) {
    const db = kernelModuleExportsFor("scsiport.sys", arch);
    assert.ok(db, `${arch}: scsiport.sys missing from the kernel export database`);
    assert.deepEqual(db.map((e) => e.name).sort(), scsiportModuleExports(arch).map((e) => e.name).sort(), arch);
  }
  const def = readFileSync(new URL("../../examples/scsiport-mini/scsiport.def", import.meta.url), "utf8");
  for (const m of def.matchAll(/^\s+(Scsi\w+)/gm)) assert.ok(x86.has(m[1]!), m[1]);
  const r = await runCli(["check", "--json", fixture("x64", "scsimini.sys")]);
  const findings = (JSON.parse(r.stdout) as { findings: { rule: string; message: string }[] }).findings;
  assert.deepEqual(findings.filter((f) => /scsiport/i.test(f.message)).map((f) => `${f.rule}: ${f.message}`), []);
});
