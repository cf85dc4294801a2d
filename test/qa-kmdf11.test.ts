/**
 * What the WOA-Drivers ARM64 KMDF set taught the emulator (/work/wt/qa-kmdf11.md, issue 12,
 * helper "kmdf11"), each lesson on a driver of our own (examples/qa-kmdf11, x64 and ARM64): the
 * newer kernel, portcls.sys and WppRecorder.sys routines Qualcomm's Snapdragon drivers import (the
 * USB Type-C class extensions their USB-C drivers bind: test/kmdf-clx.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";
import { apis as wppApis } from "../src/emu/api/wpprecorder.js";
import { PORTCLS_EXPORTS } from "../src/emu/api/portcls.js";

const ARCHES = ["x64", "arm64"] as const;
const run = (tests: string[], arch: (typeof ARCHES)[number]) => runSelfChecks("qakmdf11", tests, arch);
const warnings = (events: ReturnType<typeof run>["events"]) => events.filter((e) => e.event === "warning").map((e) => String((e as { message?: string }).message));

test("qakmdf11.sys: ExQueryTimerResolution — minimum <= current <= maximum, the current tick is KeQueryTimeIncrement's (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestExQueryTimerResolution"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(apis(events).includes("ntoskrnl.exe!ExQueryTimerResolution"), arch);
  }
});

test("qakmdf11.sys: IoReportInterruptInactive on a ConnectionContext IoConnectInterruptEx never returned is a bug check report, as the kernel would crash dereferencing it (x64, ARM64; the connected forms: test/api-fresh.test.ts)", () => {
  for (const arch of ARCHES) {
    const { events } = run(["TestInterruptActiveReports"], arch);
    const fault = events.find((e): e is Extract<(typeof events)[number], { event: "fault" }> => e.event === "fault");
    assert.ok(fault, arch);
    assert.equal(fault.kind, "bugcheck", `${arch}: ${fault.message}`);
    assert.match(fault.message, /IoReportInterruptInactive\(0x[0-9a-f]+\): 0x[0-9a-f]+ is not an interrupt IoConnectInterruptEx connected/, arch);
  }
});

test("qakmdf11.sys: WppRecorderConfigure takes RECORDER_CONFIGURE_PARAMS_INIT's 16-byte block, warns on another Size, and is listed as a stub (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestWppRecorderConfigure"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
    const w = warnings(events);
    assert.equal(w.length, 1, `${arch}: ${w.join("; ")}`);
    assert.match(w[0]!, /RECORDER_CONFIGURE_PARAMS Size 3/);
  }
  assert.equal(wppApis.find((d) => d.name === "imp_WppRecorderConfigure")?.stub, true);
});

test("qakmdf11.sys: MmAllocateMdlForIoSpace, IoGetDriverDirectory, PoFxRegisterCrashdumpDevice, PoFxPowerOnCrashdumpDevice, PoFxRegisterPluginEx and portcls's PcAddStreamResource / PcRemoveStreamResource / PcGetPhysicalDeviceObject resolve: an image importing them loads (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestNewExportsResolve"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
  for (const n of ["PcAddStreamResource", "PcRemoveStreamResource", "PcGetPhysicalDeviceObject"]) assert.ok(PORTCLS_EXPORTS.includes(n), n);
});

test("qakmdf11.sys: ZwLoadDriver of a service key that does not exist is STATUS_OBJECT_NAME_NOT_FOUND; for a Windows system driver's service kmdll lacks (ACPI) a warning names the gap as kmdll's (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestLoadMissingServices"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
    const w = warnings(events);
    assert.equal(w.length, 1, `${arch}: ${w.join("; ")}`);
    assert.match(w[0]!, /ACPI.*acpi\.sys is a Windows system module every installation has, which kmdll does not emulate: a gap of the emulator/i);
  }
});

