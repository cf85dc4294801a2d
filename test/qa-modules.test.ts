/**
 * Windows system modules real drivers import or look for (issue 12, helper "modules",
 * /work/wt/qa-modules.md), each on a driver of our own (examples/qa-modules, x64 and ARM64):
 * dxgkrnl.sys (module list, Services\DXGKrnl, \Device\DxgKrnl and the port driver's
 * DxgkInitialize a display miniport's displib reaches), cng.sys's entropy sources, werkernel.sys.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, apis } from "./self-check.js";
import { apis as werApis } from "../src/emu/api/werkernel.js";
import { apis as entropyApis } from "../src/emu/api/cng-entropy.js";
import type { TraceEvent } from "../src/events.js";

const ARCHES = ["x64", "arm64"] as const;
const run = (tests: string[], arch: (typeof ARCHES)[number]) => runSelfChecks("qamodules", tests, arch);
const warnings = (events: TraceEvent[]) => events.filter((e) => e.event === "warning").map((e) => String((e as { message?: string }).message));
const faultsAndLeaks = (events: TraceEvent[]) => events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier");
const printed = (events: TraceEvent[]) => events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
const described = (events: TraceEvent[], api: string) => events.filter((e) => e.event === "api" && (e as { api?: string }).api === api).map((e) => JSON.stringify(e));

test("qamodules.sys: a display miniport's DxgkInitialize (displib) gets dxgkrnl's through IOCTL_VIDEO_DDI_FUNC_REGISTER; the port driver records the DRIVER_INITIALIZATION_DATA and its DriverUnload calls DxgkDdiUnload (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestDisplayMiniport"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(faultsAndLeaks(events), [], arch);
    assert.equal(r.ok, true, arch);
    const a = apis(events);
    assert.ok(a.includes("ntoskrnl.exe!ZwLoadDriver") && a.includes("dxgkrnl.sys!DxgkInitialize"), arch);
    const init = described(events, "dxgkrnl.sys!DxgkInitialize").join("\n");
    assert.match(init, /Version 0x1052/, arch);
    assert.match(init, /DxgkDdi: AddDevice, StartDevice, StopDevice, RemoveDevice, Unload/, arch);
    const w = warnings(events);
    assert.equal(w.length, 1, `${arch}: ${w.join("; ")}`);
    assert.match(w[0]!, /kmdll does not model the WDDM port driver/);
    // stop: dxgkrnl's DriverUnload called the miniport's DxgkDdiUnload.
    assert.ok(printed(events).some((t) => t.includes("qamodules: DxgkDdiUnload")), arch);
  }
});

test("qamodules.sys: ZwLoadDriver(Services\\DXGKrnl) is STATUS_IMAGE_ALREADY_LOADED; \\Device\\DxgKrnl answers a short buffer with STATUS_BUFFER_TOO_SMALL, an unknown IOCTL with STATUS_INVALID_DEVICE_REQUEST; DxgkInitialize(NULL…) is STATUS_INVALID_PARAMETER (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestDxgkrnlRequests"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(faultsAndLeaks(events), [], arch);
    assert.deepEqual(warnings(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qamodules.sys: dxgkrnl.sys and werkernel.sys are in SystemModuleInformation as \\SystemRoot\\System32\\drivers\\NAME and dxgkrnl's export resolves by name (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestDxgkrnlModuleList"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(faultsAndLeaks(events), [], arch);
    assert.equal(r.ok, true, arch);
  }
});

test("qamodules.sys: cng.sys's EntropyRegisterSource / ProvideData / RegisterCallback / UnregisterSource check their handles and arguments and record the source; listed as stubs (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestEntropySource"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(faultsAndLeaks(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.match(described(events, "cng.sys!EntropyUnregisterSource").join("\n"), /qamodules RNG\\?": 32 bytes, 256000 millibits provided/, arch);
  }
  assert.ok(entropyApis.length === 4 && entropyApis.every((d) => d.stub === true));
});

test("qamodules.sys: werkernel.sys hosts ext-ms-win-ntos-werkernel-l1-1-1; WerLiveKernelCreateReport writes no report (STATUS_NOT_SUPPORTED, NULL handle), the others refuse every handle; listed as stubs (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestWerLiveKernel"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(faultsAndLeaks(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(apis(events).includes("werkernel.sys!WerLiveKernelCreateReport"), arch);
  }
  assert.ok(werApis.length === 5 && werApis.every((d) => d.stub === true));
});

test("qamodules.sys: portcls's PcNewInterruptSync checks its arguments against the resource list; IInterruptSync registers, connects at the descriptor's vector and level, runs CallSynchronizedRoutine at DISPATCH_LEVEL unconnected and at the interrupt's IRQL connected, disconnects (x64, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestInterruptSync"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(faultsAndLeaks(events), [], arch);
    assert.deepEqual(warnings(events), [], arch);
    assert.equal(r.ok, true, arch);
    const hws = events.filter((e) => e.event === "hardware").map((e) => JSON.stringify(e));
    assert.ok(hws.some((h) => /"connect"/.test(h) && /PcInterruptSyncIsr/.test(h)), `${arch}: ${hws.join("\n")}`);
    assert.ok(hws.some((h) => /"disconnect"/.test(h)), arch);
  }
});
