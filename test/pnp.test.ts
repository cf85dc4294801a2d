// The PnP manager (src/emu/pnp) and KMDF PnP (src/emu/wdf/pnp.ts): `kmdll sim --devices` starts a
// WDM bus driver (examples/pnp-bus) on a root-enumerated device, the bus reports two children, and
// their function drivers — WDM (examples/pnp-func) and KMDF (examples/kmdf-func) — are loaded by
// hardware ID, started, queried for the bus interface, used through IOCTLs and removed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { simBothArches } from "./arch-compare.js";

type Ev = Record<string, unknown>;
const events = (out: string): Ev[] => out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);
const DEVICES = repoPath("examples", "pnp-devices.json");
const KMDF_REG = repoPath("examples", "kmdf-func", "kmdffunc.reg");
const WDM_LINK = "\\DosDevices\\PNPDEMO#WDMCHILD#1#{8d3e4c21-2b7f-4e0a-a1c9-55e6f7a8b9c0}";
const KMDF_LINK = "\\DosDevices\\PNPDEMO#KMDFCHILD#2#{8d3e4c22-2b7f-4e0a-a1c9-55e6f7a8b9c0}";
const IOCTL_READ = "0x222400";
const IOCTL_INFO = "0x222404";
const pnp = (ev: Ev[], action: string) => ev.filter((e) => e.event === "pnp" && e.action === action);
const prints = (ev: Ev[], module: string) => ev.filter((e) => e.event === "dbgprint" && e.module === module).map((e) => String(e.text).trim());

test("sim --devices: a WDM bus driver enumerates two children; a WDM and a KMDF function driver start under it, use the bus interface and are removed before it", async () => {
  // x86 too: the same events once addresses are taken out (32-bit layouts, stdcall KMDF DDIs).
  const r = await simBothArches((arch) => ["--devices", DEVICES, "--registry", KMDF_REG, "--install", ...["pnpbus.sys", "pnpfunc.sys", "kmdffunc.sys"].map((f) => fixture(arch, f)), "--",
    "start:pnpbus", `ioctl:${WDM_LINK}:${IOCTL_READ}:01000000`, `ioctl:${WDM_LINK}:${IOCTL_READ}:02000000`, `ioctl:${WDM_LINK}:${IOCTL_INFO}`,
    `ioctl:${KMDF_LINK}:${IOCTL_READ}:00000000`, `ioctl:${KMDF_LINK}:${IOCTL_INFO}`, `ioctl:${KMDF_LINK}:0x222408`, "stop:pnpbus"]);
  const ev = r.events;
  const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
  // The unknown IOCTL is forwarded by the KMDF driver to the bus PDO, which has no handler for it.
  assert.deepEqual(ends.map((e) => e.ok), [true, true, true, true, true, true, false, true], r.stdout.slice(-3000));
  // The bus read its translated resources from IRP_MN_START_DEVICE: port 0x300, IRQ 5 → vector 0x35.
  assert.equal(ends[1]!.output, "00030000");
  assert.equal(ends[2]!.output, "35000000");
  assert.equal(ends[3]!.output, "030000000100000001000000"); // 3 requests; one interface arrival notification; IoGetDeviceInterfaces lists one enabled interface
  assert.equal(ends[4]!.output, "504e4250"); // the bus signature through the interface the KMDF driver queried
  assert.equal(ends[5]!.output, "020000000100000000000000"); // 2 requests, one D0 entry, no resources of its own
  const forwarded = ev.filter((e) => e.event === "irp" && e.ioctl === "0x00222408");
  assert.deepEqual(forwarded.map((e) => [e.driver, e.status]), [["pnpbus.sys", "0xC0000010"], ["kmdffunc.sys", "0xC0000010"]]);

  // AddDevice for each driver of each devnode, with the driver's own routine or the framework's.
  assert.deepEqual(pnp(ev, "add-device").map((e) => [e.device, e.service]), [["ROOT\\PNPDEMOBUS\\0000", "pnpbus"], ["PNPDEMO\\WDMCHILD\\1", "pnpfunc"], ["PNPDEMO\\KMDFCHILD\\2", "kmdffunc"]]);
  assert.equal(pnp(ev, "add-device")[2]!.routine, "wdf01000.sys!FxDriverAddDevice");
  // IoOpenDeviceRegistryKey in pnpfunc's AddDevice: the hardware key keeps what was written to it,
  // the software key is another key (STATUS_OBJECT_NAME_NOT_FOUND), a bad type
  // STATUS_INVALID_PARAMETER, the FDO (no PDO) STATUS_INVALID_DEVICE_REQUEST.
  assert.ok(prints(ev, "pnpfunc.sys").includes("pnpfunc: device key 0x00000000 read back 1, driver key 0xc0000034, bad type 0xc000000d, not a PDO 0xc0000010"), prints(ev, "pnpfunc.sys").join("\n"));
  assert.deepEqual(pnp(ev, "enumerate").map((e) => e.hardwareIds), [["ROOT\\PNPDEMOBUS"], ["PNPDEMO\\WDMCHILD", "PNPDEMO\\CHILD"], ["PNPDEMO\\KMDFCHILD", "PNPDEMO\\CHILD"]]);
  assert.deepEqual(pnp(ev, "start").map((e) => e.status), ["0x00000000", "0x00000000", "0x00000000"]);
  // QUERY_INTERFACE between stacks: both function drivers got the bus interface from the bus's PDOs.
  const qi = ev.filter((e) => e.event === "irp" && e.name === "IRP_MJ_PNP/IRP_MN_QUERY_INTERFACE");
  assert.deepEqual(qi.map((e) => [e.from, e.driver, e.status]), [["pnpfunc.sys", "pnpbus.sys", "0x00000000"], ["kmdffunc.sys", "pnpbus.sys", "0x00000000"]]);
  // Balanced: every interface reference was dereferenced; nothing leaked; no warning or fault.
  const iface = ev.filter((e) => e.event === "interface");
  assert.deepEqual(iface.map((e) => e.action), ["reference", "reference", "dereference", "dereference"]);
  // kmdffunc's EvtDriverDeviceAdd uses its WDFDEVICE_INIT once more after WdfDeviceCreate (as real
  // drivers do): a warning, no effect (its own check of DO_BUFFERED_IO passed), no bug check.
  const stale = ev.filter((e) => e.event === "warning" && /WdfDeviceInitSetIoType: 0x[0-9a-f]+ was already used by WdfDeviceCreate; the call has no effect/.test(String(e.message)));
  assert.equal(stale.length, 1, r.stdout.slice(-3000));
  assert.deepEqual(ev.filter((e) => ["leak", "warning", "fault", "verifier"].includes(String(e.event)) && !stale.includes(e)), []);

  // Removal: children before their parent, function drivers unloaded before the bus; no
  // IRP_MN_SET_POWER D3 before a REMOVE ("The power policy owner for the device ... does not send a
  // separate IRP_MN_SET_POWER request to set the device power state to D3", Microsoft Learn,
  // "Removing a Device in a Function Driver"): each driver powers down on the remove IRP.
  const removes = pnp(ev, "remove").map((e) => e.device);
  assert.deepEqual(removes, ["PNPDEMO\\KMDFCHILD\\2", "PNPDEMO\\WDMCHILD\\1", "ROOT\\PNPDEMOBUS\\0000"]);
  const order = ev.filter((e) => (e.event === "pnp" && ["remove", "power"].includes(String(e.action))) || e.event === "unload").map((e) => `${e.event}:${e.action ?? ""}:${e.device ?? e.module}`);
  assert.deepEqual(order, [
    "pnp:remove:PNPDEMO\\KMDFCHILD\\2", "pnp:remove:PNPDEMO\\WDMCHILD\\1",
    "pnp:remove:ROOT\\PNPDEMOBUS\\0000", "unload::pnpfunc.sys", "unload::kmdffunc.sys", "unload::pnpbus.sys",
  ]);
  assert.deepEqual(ev.filter((e) => e.event === "irp" && String(e.name).startsWith("IRP_MJ_POWER")), []);
  // The KMDF callbacks in the framework's order.
  // WDFKEY (WdfDeviceOpenRegistryKey, WdfRegistryQueryULong, WdfRegistryClose): kmdffunc's C checks
  // of its hardware key, seeded by examples/kmdf-func/kmdffunc.reg, all passed (0 = no failed check).
  assert.match(prints(ev, "kmdffunc.sys")[0] ?? "", /^kmdffunc: EvtDriverDeviceAdd, PDO [0-9A-Fa-f]+, registry check 0$/);
  assert.deepEqual(prints(ev, "kmdffunc.sys").map((t) => t.replace(/PDO [0-9A-F]+/, "PDO").replace(/ from state \d| to state \d|, .*/g, "")), [
    "kmdffunc: EvtDriverDeviceAdd", "kmdffunc: EvtDevicePrepareHardware", "kmdffunc: EvtDeviceD0Entry", "kmdffunc: EvtDeviceSelfManagedIoSuspend", "kmdffunc: EvtDeviceD0Exit",
    "kmdffunc: EvtDeviceReleaseHardware", "kmdffunc: EvtDeviceSelfManagedIoFlush", "kmdffunc: EvtDeviceSelfManagedIoCleanup", "kmdffunc: EvtDriverUnload",
  ]);
  // Removal order (Learn: EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND/_FLUSH/_CLEANUP): the driver's own
  // check in EvtDeviceSelfManagedIoCleanup saw Suspend, D0Exit, ReleaseHardware, Flush in that order.
  assert.ok(prints(ev, "kmdffunc.sys").includes("kmdffunc: EvtDeviceSelfManagedIoCleanup, order ok (1234)"), prints(ev, "kmdffunc.sys").join("\n"));
  assert.ok(prints(ev, "pnpbus.sys").includes("pnpbus: started with 3 resource(s), port 0x300, vector 0x35"));
  // IRP_MN_QUERY_ID to its root PDO (ReactOS pnproot.c PdoQueryId): the IDs of the device file's
  // entry — device ID and instance ID split from its instance path, the first hardware ID (%ws
  // prints up to the MULTI_SZ's first NUL); no serial number (STATUS_NOT_SUPPORTED kept).
  const root = (JSON.parse(readFileSync(DEVICES, "utf8")) as { devices: { instance: string; hardwareIds: string[] }[] }).devices[0]!;
  const cut = root.instance.lastIndexOf("\\");
  assert.deepEqual(prints(ev, "pnpbus.sys").filter((t) => t.startsWith("pnpbus: PDO ID")), [
    `pnpbus: PDO ID 0: ${root.instance.slice(0, cut)}`, `pnpbus: PDO ID 3: ${root.instance.slice(cut + 1)}`, `pnpbus: PDO ID 1: ${root.hardwareIds[0]}`, "pnpbus: PDO ID 4: 0xc00000bb",
  ]);
  assert.ok(prints(ev, "pnpbus.sys").includes("pnpbus: removed (0 interface reference(s) outstanding)"));
  assert.deepEqual((ev.find((e) => e.event === "end")!.modules as unknown[]).length, 0);
});

test("a KMDF device whose EvtDevicePrepareHardware fails gets EvtDeviceReleaseHardware (it frees what PrepareHardware took), no D0 entry; the driver is unloaded with no device left", async () => {
  // FxPkgPnp::PnpEventHardwareAvailable → PnpEventFailedOwnHardware → EvtDeviceReleaseHardware
  // (Windows-Driver-Frameworks pnpstatemachine.cpp). kmdffunc takes pool in PrepareHardware, then
  // fails when its hardware key says FailPrepareHardware=1; only its ReleaseHardware frees it.
  const dir = mkdtempSync(join(tmpdir(), "kmdll-pnp-fail-"));
  const reg = join(dir, "fail.reg");
  writeFileSync(reg, "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\PNPDEMO\\KMDFCHILD\\2\\Device Parameters]\r\n\"FailPrepareHardware\"=dword:00000001\r\n");
  const r = await simBothArches((arch) => ["--devices", DEVICES, "--registry", reg, "--install", ...["pnpbus.sys", "pnpfunc.sys", "kmdffunc.sys"].map((f) => fixture(arch, f)), "--", "start:pnpbus", "stop:pnpbus"]);
  const ev = r.events;
  assert.deepEqual(pnp(ev, "problem").map((e) => [e.device, e.problem, e.codeName]), [["PNPDEMO\\KMDFCHILD\\2", "IRP_MN_START_DEVICE failed with 0xC0000182", "CM_PROB_FAILED_START"]]);
  // The failed start is followed by IRP_MN_REMOVE_DEVICE (the WDFDEVICE goes); kmdffunc then has no
  // device object and the PnP manager unloads it (FxDriverUnload → EvtDriverUnload), docs/pnp.md.
  assert.deepEqual(prints(ev, "kmdffunc.sys").map((t) => t.replace(/,.*/, "")), ["kmdffunc: EvtDriverDeviceAdd", "kmdffunc: EvtDevicePrepareHardware", "kmdffunc: EvtDeviceReleaseHardware", "kmdffunc: EvtDriverUnload"]);
  assert.deepEqual(pnp(ev, "unload-driver").map((e) => [e.service, e.reason]), [["kmdffunc", "it has no device objects left after PNPDEMO\\KMDFCHILD\\2 failed"], ["pnpfunc", "its last device was removed"]]);
  assert.deepEqual(ev.filter((e) => e.event === "leak" || e.event === "fault"), [], r.stdout.slice(-3000));
});

test("sim --devices on x86: the WDM bus and function drivers go through the same life (32-bit layouts)", async () => {
  const r = await runCli(["sim", "--json", "--devices", DEVICES, "--install", fixture("x86", "pnpbus.sys"), fixture("x86", "pnpfunc.sys"), "--", "start:pnpbus", `ioctl:${WDM_LINK}:${IOCTL_READ}:01000000`, "stop:pnpbus"]);
  const ev = events(r.stdout);
  const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
  assert.deepEqual(ends.map((e) => e.ok), [true, true, true], r.stdout.slice(-3000));
  assert.equal(ends[1]!.output, "00030000");
  // kmdffunc.sys is not installed: its devnode keeps a problem, nothing crashes.
  assert.match(String(pnp(ev, "problem")[0]?.problem), /the driver kmdffunc could not be loaded .*0xC0000034/);
  // Its PDO, never started, still gets IRP_MN_REMOVE_DEVICE when its parent goes ("Drivers can also
  // receive a remove IRP before a device is started", IRP_MN_REMOVE_DEVICE on Microsoft Learn).
  assert.deepEqual(pnp(ev, "remove").map((e) => e.device), ["PNPDEMO\\KMDFCHILD\\2", "PNPDEMO\\WDMCHILD\\1", "ROOT\\PNPDEMOBUS\\0000"]);
  assert.deepEqual(ev.filter((e) => e.event === "leak" || e.event === "fault"), []);
});

test("stopping a function driver removes only its device; starting it again adds the device again", async () => {
  const r = await simBothArches((arch) => ["--devices", DEVICES, "--install", fixture(arch, "pnpbus.sys"), fixture(arch, "pnpfunc.sys"), fixture(arch, "kmdffunc.sys"), "--",
    "start:pnpbus", "stop:pnpfunc", "start:pnpfunc", `ioctl:${WDM_LINK}:${IOCTL_READ}:00000000`, "stop:pnpbus"]);
  const ev = r.events;
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.deepEqual(pnp(ev, "add-device").map((e) => e.service), ["pnpbus", "pnpfunc", "kmdffunc", "pnpfunc"]);
  assert.deepEqual(pnp(ev, "remove").map((e) => e.device), ["PNPDEMO\\WDMCHILD\\1", "PNPDEMO\\KMDFCHILD\\2", "PNPDEMO\\WDMCHILD\\1", "ROOT\\PNPDEMOBUS\\0000"]);
  // The interface notification registered by each pnpfunc instance saw its own device's arrival.
  assert.equal(prints(ev, "pnpfunc.sys").filter((t) => t.startsWith("pnpfunc: interface arrival")).length, 2);
});

test("a bad device file is a usage error naming the field; the HTML report counts PnP events", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-pnp-"));
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ devices: [{ hardwareIds: ["ROOT\\X"], service: "a/b" }] }));
  const r = await runCli(["sim", "--devices", bad, "--install", fixture("x64", "pnpbus.sys"), "--", "start:pnpbus"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.json: devices\[0\]\.service: expected a service name/);
  const html = join(dir, "r.html");
  const h = await runCli(["sim", "--devices", DEVICES, "--html", html, "--install", fixture("x64", "pnpbus.sys"), fixture("x64", "pnpfunc.sys"), "--", "start:pnpbus", "stop:pnpbus"]);
  assert.equal(h.code, 0, h.stdout.slice(-2000));
  assert.match(h.stdout, /pnp      start ROOT\\PNPDEMOBUS\\0000: resources port 0x300\+0x10, IRQ 5, memory 0xfebd0000\+0x1000/);
  assert.match(readFileSync(html, "utf8"), /PnP events/);
});

test("the examples import what a PnP driver needs (llvm-readobj): AddDevice-era routines from ntoskrnl, WdfVersionBind from WDFLDR.SYS", () => {
  const bus = tool("llvm-readobj", ["--coff-imports", fixture("x64", "pnpbus.sys")]).stdout;
  for (const n of ["IoInvalidateDeviceRelations", "PoCallDriver", "IoAttachDeviceToDeviceStack", "ObfReferenceObject"]) assert.match(bus, new RegExp(`Symbol: ${n} `), n);
  const func = tool("llvm-readobj", ["--coff-imports", fixture("x64", "pnpfunc.sys")]).stdout;
  for (const n of ["IoRegisterDeviceInterface", "IoSetDeviceInterfaceState", "IoRegisterPlugPlayNotification"]) assert.match(func, new RegExp(`Symbol: ${n} `), n);
  assert.match(tool("llvm-readobj", ["--coff-imports", fixture("x64", "kmdffunc.sys")]).stdout, /Name: WDFLDR\.SYS[\s\S]*Symbol: WdfVersionBind /);
});

test("kmdll new kmdf-driver: the project builds with kmdll build and its device starts, answers its IOCTL and is removed under kmdll sim --devices", async () => {
  const ws = mkdtempSync(join(tmpdir(), "kmdll-kmdfnew-"));
  const n = await runCli(["new", "kmdf-driver", "toaster", ws, "--json"]);
  assert.equal(n.code, 0, n.stderr);
  // Built for x64 and x86 (the default arches); both run with the same events.
  const b = await runCli(["build", ws], { timeoutMs: 180_000 });
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const guid = /\{[0-9a-f-]{36}\}/.exec(readFileSync(join(ws, "toaster", "README.md"), "utf8"))![0];
  const r = await simBothArches((arch) => ["--devices", join(ws, "toaster", "devices.json"), "--install", join(ws, "out", arch, "toaster.sys"), "--",
    "start:toaster", `ioctl:\\DosDevices\\ROOT#TOASTER#0000#${guid}:0x00222000`, `ioctl:\\DosDevices\\ROOT#TOASTER#0000#${guid}:0x00222000`, "stop:toaster"]);
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  const ev = r.events;
  assert.deepEqual(ev.filter((e) => e.event === "step" && e.phase === "end").map((e) => e.output ?? null), [null, "01000000", "02000000", null]);
  assert.deepEqual(prints(ev, "toaster.sys").map((t) => t.replace(/ \(.*\)$/, "")), [
    "toaster: DriverEntry", "toaster: EvtDevicePrepareHardware", "toaster: EvtDeviceD0Entry", "toaster: EvtDeviceD0Exit", "toaster: EvtDeviceReleaseHardware", "toaster: EvtDriverUnload",
  ]);
  assert.deepEqual(ev.filter((e) => ["leak", "warning", "fault"].includes(String(e.event))), []);
});

test("a KMDF upper filter (WdfFdoInitSetFilter) from the device file sits above the WDM function driver: its queue passes IOCTLs down and answers its own", async () => {
  const r = await simBothArches((arch) => ["--devices", repoPath("examples", "pnp-devices-filter.json"), "--install", ...["pnpbus.sys", "pnpfunc.sys", "kmdffilt.sys"].map((f) => fixture(arch, f)), "--",
    "start:pnpbus", `ioctl:${WDM_LINK}:${IOCTL_READ}:00000000`, `ioctl:${WDM_LINK}:${IOCTL_INFO}`, `ioctl:${WDM_LINK}:0x222408`, "stop:pnpbus"]);
  const ev = r.events;
  const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
  assert.deepEqual(ends.map((e) => e.ok), [true, true, true, true, true], r.stdout.slice(-3000));
  assert.equal(ends[1]!.output, "504e4250"); // through the filter to pnpfunc, then the bus interface
  assert.equal(ends[3]!.output, "02000000"); // the filter passed two requests down
  // AddDevice order: the function driver, then the upper filter on top of it.
  assert.deepEqual(pnp(ev, "add-device").map((e) => e.service), ["pnpbus", "pnpfunc", "kmdffilt"]);
  const ioctl = ev.filter((e) => e.event === "irp" && e.ioctl === "0x00222400").map((e) => e.driver);
  assert.deepEqual(ioctl, ["pnpfunc.sys", "kmdffilt.sys"]); // the lower one finishes first
  // The KMDF child has no driver installed here: its PDO gets the remove IRP all the same.
  assert.deepEqual(pnp(ev, "remove").map((e) => e.device), ["PNPDEMO\\KMDFCHILD\\2", "PNPDEMO\\WDMCHILD\\1", "ROOT\\PNPDEMOBUS\\0000"]);
  assert.deepEqual(ev.filter((e) => ["leak", "warning", "fault"].includes(String(e.event))), []);
  assert.deepEqual(ev.filter((e) => e.event === "unload").map((e) => e.module), ["pnpfunc.sys", "kmdffilt.sys", "pnpbus.sys"]);
});

test("a scenario file names its device file (\"devices\", relative to the scenario): examples/scenarios/pnp.json passes", async () => {
  const r = await runCli(["sim", "--json", repoPath("examples", "scenarios", "pnp.json")]);
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  const ev = events(r.stdout);
  assert.deepEqual(pnp(ev, "add-device").map((e) => e.service), ["pnpbus", "pnpfunc", "kmdffunc"]);
  assert.equal(ev.filter((e) => e.event === "step" && e.phase === "end" && e.ok === true).length, 4);
});
