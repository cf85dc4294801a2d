/**
 * portcls.sys's adapter side (issue 12: the WDK's SimpleAudioSample, held-out set fresh6, failed to
 * load — "cannot find portcls.sys PcGetPhysicalDeviceObject" — and no audio adapter got past
 * AddDevice, PcAddAdapterDevice being a gap): examples/pc-adapter is a WaveRT-style adapter in C
 * with its own miniports; started on a root-enumerated device with a port range and an interrupt,
 * its StartDevice checks portcls's answers on valid and invalid arguments (resource lists, ports
 * and their Init, subdevices, the physical connection, power management, stream resources), and
 * removing the device releases the miniports and the power interface before DriverUnload. x64, x86.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fixture, repoPath, runCli } from "./helpers.js";
import { PORTCLS_EXPORTS } from "../src/emu/api/portcls.js";
import { allApis } from "../src/emu/api/index.js";

type Ev = Record<string, unknown>;
const DEVICES = repoPath("examples", "pc-adapter", "devices.json");

async function sim(arch: "x64" | "x86"): Promise<{ code: number; events: Ev[] }> {
  const r = await runCli(["sim", "--json", "--trace", "--devices", DEVICES, "--install", fixture(arch, "pcadapter.sys"), "--", "start:pcadapter", "stop:pcadapter"]);
  return { code: r.code, events: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev) };
}

for (const arch of ["x64", "x86"] as const) {
  test(`pcadapter.sys (${arch}): AddDevice → PcAddAdapterDevice, the PnP start reaches StartDevice, whose checks of portcls pass; removal releases the miniports`, async () => {
    const { code, events } = await sim(arch);
    const prints = events.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());
    assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), [], arch);
    assert.equal(code, 0, prints.join("\n"));
    // The order a PnP audio adapter lives in: DriverEntry, AddDevice, StartDevice (after the bus
    // started the PDO), then at stop the remove IRP (through the driver's hook into PcDispatchIrp),
    // the miniports and the adapter object freed by portcls's releases, then DriverUnload.
    const start = prints.find((t) => t.startsWith("pcadapter: StartDevice ran"));
    assert.match(start ?? "", /^pcadapter: StartDevice ran (\d+) checks, 0 failed$/);
    const expectedChecks = (readFileSync(repoPath("examples", "pc-adapter", "adapter.c"), "utf8").split("StartChecks(PDEVICE_OBJECT DeviceObject, PIRP Irp, PPCRESOURCELIST Resources)\n{")[1]!.split("\nstatic NTSTATUS PnpHandler")[0]!.match(/\bCHECK\(/g) ?? []).length;
    assert.equal(Number(/ran (\d+)/.exec(start!)![1]), expectedChecks, "every CHECK of StartChecks ran once");
    assert.deepEqual(prints.filter((t) => !t.startsWith("pcadapter: StartDevice")), [
      "pcadapter: DriverEntry",
      "pcadapter: AddDevice done",
      "pcadapter: remove (miniports freed 0)",
      "pcadapter: topology miniport freed",
      "pcadapter: wave miniport freed",
      "pcadapter: adapter common freed",
      "pcadapter: unload, miniports freed 2, adapter freed 1, failures 0",
    ]);
    const pnp = events.filter((e) => e.event === "pnp").map((e) => `${e.action}:${e.status ?? ""}`);
    assert.ok(pnp.includes("start:0x00000000"), pnp.join(", "));
    assert.ok(pnp.includes("remove:0x00000000"), pnp.join(", "));
    assert.deepEqual(events.filter((e) => e.event === "fault"), []);
    // The COM methods ran as portcls routines (the trace names the interface).
    const apis = new Set(events.filter((e) => e.event === "api").map((e) => String(e.api)));
    for (const a of ["portcls.sys!PcAddAdapterDevice", "portcls.sys!IPortTopology::Init", "portcls.sys!IPortWaveRT::Init", "portcls.sys!IResourceList::FindTranslatedEntry", "portcls.sys!IPortEvents::GenerateEventList", "portcls.sys!IPortClsStreamResourceManager2::AddStreamResource2", "portcls.sys!PcRegisterSubdevice", "portcls.sys!PcForwardIrpSynchronous", "portcls.sys!IPortClsVersion::GetVersion", "portcls.sys!PcNewRegistryKey", "portcls.sys!IRegistryKey::NewSubKey", "portcls.sys!IRegistryKey::QueryValueKey", "portcls.sys!PcNewServiceGroup", "portcls.sys!IServiceGroup::RequestService", "portcls.sys!PcGetDeviceProperty", "portcls.sys!IPortWaveRT::GetDeviceProperty"])
      assert.ok(apis.has(a), `${a} was called (${[...apis].filter((x) => x.startsWith("portcls")).join(", ")})`);
  });
}

test("portcls.sys exports what Learn's portcls.h reference lists, including the Windows 8 and 10 additions SimpleAudioSample imports; every handled routine is in the export list", () => {
  for (const n of ["PcGetPhysicalDeviceObject", "PcAddStreamResource", "PcRemoveStreamResource", "PcUnregisterAdapterPowerManagement", "PcAddAdapterDevice", "PcRegisterSubdevice"]) assert.ok(PORTCLS_EXPORTS.includes(n), n);
  // SimpleAudioSample's portcls imports (llvm-readobj --coff-imports of the fresh6 binaries): all exported.
  for (const n of ["PcNewMiniport", "PcNewPort", "PcRegisterPhysicalConnection", "PcRegisterSubdevice", "PcInitializeAdapterDriver", "PcRegisterAdapterPowerManagement", "PcAddAdapterDevice", "PcDispatchIrp", "PcGetPhysicalDeviceObject"]) assert.ok(PORTCLS_EXPORTS.includes(n), n);
  const handled = allApis.filter((a) => a.module === "portcls.sys").map((a) => a.name);
  for (const n of handled) assert.ok(PORTCLS_EXPORTS.includes(n), `${n} is handled but not exported`);
});
