/**
 * classpnp.sys and ks.sys!KsInitializeDriver (issue 12, held-out corpus fresh4: 19 drivers
 * importing CLASSPNP.SYS failed to load, "cannot find CLASSPNP.SYS"; 24 AVStream minidrivers
 * stopped at "kmdll does not implement ks!KsInitializeDriver" in DriverEntry):
 * examples/class-ks checks in C KsInitializeDriver (ks owns the driver object, no device before
 * AddDevice, NULL descriptor allowed) and ClassInitialize's answers (wrong CLASS_INIT_DATA size,
 * missing required FDO/PDO routines: STATUS_REVISION_MISMATCH, driver object untouched; then
 * classpnp owns it, its unload calling the driver's ClassUnload), and ClassDebugPrint; started
 * and stopped on x64 and x86. pciidex.sys (14 IDE controller minidrivers, "cannot find
 * PCIIDEX.SYS"): PciIdeXInitialize, checked in the same driver. hidparse.sys (11 drivers) is
 * loadable too (its export list).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { classInitDataLayout } from "../src/emu/api/classpnp.js";
import * as layoutModule from "../src/nt/arch-layout.js";
import { BUILTIN_MODULES } from "../src/emu/kernel-modules.js";
import { pciidexModuleExports } from "../src/emu/api/pciidex.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import { fixture } from "./helpers.js";

const texts = (events: TraceEvent[], kind: string, field: string) => events.filter((e) => e.event === kind).map((e) => String((e as unknown as Record<string, unknown>)[field] ?? ""));

for (const arch of ["x64", "x86"] as const) {
  test(`classks.sys (${arch}): KsInitializeDriver and ClassInitialize's answers, the libraries owning the driver object, ClassDebugPrint, checked in C; starts and stops through classpnp's unload`, () => {
    const events: TraceEvent[] = [];
    const r = runSimulation({
      install: [fixture(arch, "classks.sys")],
      steps: [
        { kind: "start", name: "classks" },
        { kind: "stop", name: "classks" },
      ],
      sink: (e) => void events.push(e),
      executor: emulatorExecutor,
      trace: true,
    });
    const prints = texts(events, "dbgprint", "text");
    assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), [], arch);
    assert.ok(prints.includes("classks: all checks passed\n"), prints.join(""));
    assert.ok(prints.includes("classks: debug print works 42 0xbeef\n"), prints.join(""));
    assert.ok(prints.includes("classks: class unload\n"), "the driver's ClassUnload ran at stop");
    assert.ok(!prints.some((t) => t.includes("own unload")), "the driver's DriverUnload set before KsInitializeDriver never runs");
    assert.equal(r.ok, true, r.results.map((x) => `${x.label}: ${x.detail}`).join("; "));
    // The compiler's CLASS_INIT_DATA (sizeof; offsetof FdoData, PdoData, ClassAddDevice, ClassUnload) — independent numbers:
    // clang offsetof over mingw-w64's classpnp.h gave x64 392/8/176/344, x86 212/4/96/188.
    const L = arch === "x64" ? [392, 8, 176, 344, 376] : [212, 4, 96, 188, 204];
    assert.ok(prints.includes(`classks: layout ${L.join(" ")}\n`), prints.join(""));
    const warnings = texts(events, "warning", "message");
    const size = L[0];
    assert.deepEqual(warnings, [
      `KsInitializeDriver: the KSDEVICE_DESCRIPTOR ${warnings[0]?.match(/0x[0-9a-f]+/)?.[0]} has FilterDescriptorsCount 2 and a NULL FilterDescriptors (AVStream's AddDevice would dereference it)`,
      `PciIdeXInitialize: the driver object ${warnings[1]?.match(/0x[0-9a-f]+/)?.[0]} has pciidex's extension already: STATUS_OBJECT_NAME_COLLISION`,
      `ClassInitialize: InitializationDataSize is ${size - 4}, not sizeof(CLASS_INIT_DATA) (${size}): STATUS_REVISION_MISMATCH`,
      `ClassInitialize: InitializationDataSize is ${size + 8}, not sizeof(CLASS_INIT_DATA) (${size}): STATUS_REVISION_MISMATCH`,
      "ClassInitialize: the required FDO entry(s) ClassStartDevice are NULL: STATUS_REVISION_MISMATCH",
      "ClassInitialize: the required FDO entry(s) ClassReadWriteVerification (or ClassStartIo) are NULL: STATUS_REVISION_MISMATCH",
      "ClassInitialize: the required FDO entry(s) ClassAddDevice are NULL: STATUS_REVISION_MISMATCH",
      "ClassInitialize: ClassEnumerateDevice is set but the required PDO entry(s) PdoData.ClassDeviceControl, PdoData.ClassReadWriteVerification (or ClassStartIo), PdoData.ClassStartDevice are NULL: STATUS_REVISION_MISMATCH",
      "ClassInitialize: ClassUnload is NULL: the driver does not support unload (DriverUnload is NULL)",
    ]);
    assert.deepEqual(events.filter((e) => e.event === "fault" || e.event === "leak"), []);
    const apis = texts(events, "api", "api");
    assert.equal(apis.filter((a) => a === "ks.sys!KsInitializeDriver").length, 3, apis.join(", "));
    assert.ok(apis.includes("ks.sys!KsNullDriverUnload"), apis.join(", "));
    // KsLoadResource (ladfGSCamd64.sys, fresh6, stopped at it): the driver's own RCDATA by ID and by name, then a missing name and type (checked in C).
    assert.equal(apis.filter((a) => a === "ks.sys!KsLoadResource").length, 4, apis.join(", "));
    assert.equal(apis.filter((a) => a === "classpnp.sys!ClassInitialize").length, 9, apis.join(", "));
    assert.ok(apis.includes("classpnp.sys!ClassUnload"), "the driver's unload chained through classpnp's");
    assert.ok(apis.includes("classpnp.sys!ClassDebugPrint"), apis.join(", "));
    assert.equal(apis.filter((a) => a === "pciidex.sys!PciIdeXInitialize").length, 2, apis.join(", "));
  });
}

test("classInitDataLayout: the size and offsets the compiler gave classks.sys", () => {
  const { setLayoutArch } = layoutModule;
  const pick = () => { const l = classInitDataLayout(); return [l.size, l.fdo, l.pdo, l.addDevice, l.unload]; };
  try {
    setLayoutArch("x86");
    assert.deepEqual(pick(), [212, 4, 96, 188, 204]);
  } finally {
    setLayoutArch("x64");
  }
  assert.deepEqual(pick(), [392, 8, 176, 344, 376]);
});

test("classpnp.sys, hidparse.sys and pciidex.sys are built-in modules; pciidex's export list is ide.h's (x86 stdcall sizes)", () => {
  assert.ok((BUILTIN_MODULES as readonly string[]).includes("pciidex.sys"));
  assert.deepEqual(pciidexModuleExports("x86").map((e) => `${e.name}:${e.call}:${e.argBytes ?? ""}`), ["PciIdeXDebugPrint:cdecl:", "PciIdeXGetBusData:stdcall:16", "PciIdeXInitialize:stdcall:16", "PciIdeXSetBusData:stdcall:20"]);
  assert.deepEqual((kernelModuleExportsFor("pciidex.sys", "x64") ?? []).map((e) => e.name), pciidexModuleExports("x64").map((e) => e.name), "check and sim agree");
  assert.ok((BUILTIN_MODULES as readonly string[]).includes("classpnp.sys"));
  assert.ok((BUILTIN_MODULES as readonly string[]).includes("hidparse.sys"));
});
