/**
 * What a seventh held-out set of real drivers taught the emulator (/work/wt/qa-gaps12.md, issue 12,
 * helper "gaps12"; corpora fresh7 and fresh7b of helper "corpus"), each lesson on a driver of our
 * own (examples/qa-fresh7): EtwSetInformation (TraceLogging providers of Realtek, Surface and
 * coolstar's if_re.sys), the auxiliary counter (Intel e1d/e1r/e1i/e1s), triage dump data arrays
 * (Surface), FwpsInjectionHandleCreate0 with Flags 0 (WinDivert 1.0) and
 * SystemTimeOfDayInformation (Equation's GROK).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import { allApis } from "../src/emu/api/index.js";

const run = (tests: string[], arch: "x64" | "x86") => runSelfChecks("qafresh7", tests, arch);

function check(name: string, routines: string[]): void {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run([name], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    const called = apis(events);
    for (const n of routines) assert.ok(called.some((a) => a.endsWith(`!${n}`)), `${arch}: ${n} called`);
  }
}

test("qafresh7.sys: EtwSetInformation — provider traits and the descriptor-type switch are accepted on a registered handle; NULL data with a length, short or unterminated traits, a BOOLEAN of the wrong size are STATUS_INVALID_PARAMETER; reserved/unknown classes STATUS_NOT_SUPPORTED; unknown or unregistered handles STATUS_INVALID_HANDLE (x64, x86)", () => {
  check("TestEtwSetInformation", ["EtwSetInformation"]);
});

test("qafresh7.sys: the auxiliary counter — a frequency, conversions both ways consistent with KeQueryPerformanceCounter, values more than 10 s off STATUS_INVALID_PARAMETER (x64, x86)", () => {
  check("TestAuxiliaryCounter", ["KeQueryAuxiliaryCounterFrequency", "KeConvertAuxiliaryCounterToPerformanceCounter", "KeConvertPerformanceCounterToAuxiliaryCounter"]);
});

test("qafresh7.sys: KeInitializeTriageDumpDataArray / KeAddTriageDumpDataBlock — the array is sized from its bytes, blocks fill it in order, a full array STATUS_BUFFER_TOO_SMALL, bad blocks and uninitialised arrays STATUS_INVALID_PARAMETER (x64, x86)", () => {
  check("TestTriageDumpData", ["KeInitializeTriageDumpDataArray", "KeAddTriageDumpDataBlock"]);
});

test("qafresh7.sys: FwpsInjectionHandleCreate0 with Flags 0 makes an injection handle (Learn: transport, stream and forward); unknown families or flag bits are still STATUS_INVALID_PARAMETER (x64, x86)", () => {
  check("TestInjectionHandleFlagsZero", ["FwpsInjectionHandleCreate0"]);
});

test("qafresh7.sys: ZwQuerySystemInformation(SystemTimeOfDayInformation) — 48 bytes agreeing with KeQuerySystemTime and the boot time; a short buffer gets its first bytes, a long one STATUS_INFO_LENGTH_MISMATCH (x64, x86)", () => {
  check("TestTimeOfDayInformation", ["ZwQuerySystemInformation"]);
});

test("the routines qafresh7.sys checks are ntoskrnl.exe exports on x64 and x86", () => {
  for (const arch of ["x64", "x86"] as const) {
    const names = new Set((kernelModuleExportsFor("ntoskrnl.exe", arch) ?? []).map((e) => e.name));
    for (const n of ["EtwSetInformation", "KeQueryAuxiliaryCounterFrequency", "KeConvertAuxiliaryCounterToPerformanceCounter", "KeConvertPerformanceCounterToAuxiliaryCounter", "KeInitializeTriageDumpDataArray", "KeAddTriageDumpDataBlock"]) assert.ok(names.has(n), `${arch}: ${n}`);
  }
});

test("qafresh7.sys: PoFxRegisterPlugin (a stub: no power engine) — documented version/size/callback checks, a Plugin handle and PoFx callbacks that answer, no second registration (x64; Windows exports it on x64 and arm64 only)", () => {
  const { events, r } = run(["TestPepRegistration"], "x64");
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events), []);
  assert.equal(r.ok, true);
  assert.ok(apis(events).includes("ntoskrnl.exe!PoFxRegisterPlugin"));
  assert.equal(allApis.find((a) => a.name === "PoFxRegisterPlugin")?.stub, true);
  assert.equal(allApis.find((a) => a.name === "PoFxRegisterPluginEx")?.stub, true);
});

test("qafresh7.sys: ExGetSystemFirmwareTable / ExEnumerateSystemFirmwareTables — sizes with a NULL or short buffer (STATUS_BUFFER_TOO_SMALL), the SMBIOS and ACPI tables, an unknown table STATUS_NOT_FOUND, an unknown provider STATUS_ILLEGAL_FUNCTION (x64, x86)", () => {
  check("TestFirmwareTables", ["ExGetSystemFirmwareTable", "ExEnumerateSystemFirmwareTables"]);
});

test("qafresh7.sys: PoSetSystemWakeDevice returns having recorded nothing (no sleep, no wake window); listed as a stub (x64)", () => {
  const { events, r } = run(["TestSystemWakeDevice"], "x64");
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events), []);
  assert.equal(r.ok, true);
  assert.ok(apis(events).includes("ntoskrnl.exe!PoSetSystemWakeDevice"));
  assert.equal(allApis.find((a) => a.name === "PoSetSystemWakeDevice")?.stub, true);
});

test("qafresh7.sys: an image importing battc.sys!BatteryClassUpdateData loads (x64, x86)", () => {
  check("TestBatteryClassUpdateDataResolves", []);
});

test("qafresh7.sys: IoSetStartIoAttributes — with DeferredStartIo an IoStartNextPacket inside StartIo does not re-enter it (the next packet starts after it returns); without, StartIo nests (x64, x86)", () => {
  check("TestStartIoAttributes", ["IoSetStartIoAttributes", "IoStartNextPacket"]);
});

test("qafresh7.sys: NdisOpenFile / NdisMapFile / NdisUnmapFile / NdisCloseFile on a file of the sandboxed drivers directory — not found, length, contents, ALREADY_MAPPED, unmap, close (x64, x86)", () => {
  check("TestNdisFiles", ["NdisOpenFile", "NdisMapFile", "NdisUnmapFile", "NdisCloseFile"]);
});
