// A PnP device that fails (src/emu/pnp/problems.ts, docs/pnp.md "A device that fails"): a failed
// AddDevice or IRP_MN_START_DEVICE gives the devnode its CM_PROB_* code, IRP_MN_REMOVE_DEVICE goes to
// the stack built so far (Microsoft Learn, "Starting a Device"), and a PnP driver left without device
// objects is unloaded — DriverUnload, then the image ("Unload Routine Environment"). WDM
// (examples/pnp-fail) and KMDF (examples/kmdf-func, examples/kmdf-filter), x64 and x86.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath } from "./helpers.js";
import { simBothArches } from "./arch-compare.js";

type Ev = Record<string, unknown>;
const pnp = (ev: Ev[], action: string) => ev.filter((e) => e.event === "pnp" && e.action === action);
const prints = (ev: Ev[], module: string) => ev.filter((e) => e.event === "dbgprint" && e.module === module).map((e) => String(e.text).trim());
const FAIL_DEVICES = repoPath("examples", "pnp-fail", "devices.json");

/** CM_PROB_* values from the SDK's cfg.h (mingw-w64's copy), not from kmdll. */
function cfgProblem(name: string): number {
  const header = ["/usr/share/mingw-w64/include/cfg.h", "/usr/x86_64-w64-mingw32/include/cfg.h"].find((p) => existsSync(p));
  assert.ok(header, "mingw-w64's cfg.h is installed (setup.sh installs mingw-w64)");
  const m = new RegExp(`#define\\s+${name}\\s+\\((0x[0-9A-Fa-f]+)\\)`).exec(readFileSync(header, "utf8"));
  assert.ok(m, `${name} in ${header}`);
  return Number(m[1]);
}

function deviceFile(devices: unknown[]): string {
  const f = join(mkdtempSync(join(tmpdir(), "kmdll-pnp-fail-")), "devices.json");
  writeFileSync(f, JSON.stringify({ devices, drivers: [] }));
  return f;
}

test("WDM: a failed AddDevice (CM_PROB_FAILED_ADD) and a failed IRP_MN_START_DEVICE (CM_PROB_FAILED_START, then IRP_MN_REMOVE_DEVICE); with no device object left the driver is unloaded", async () => {
  const r = await simBothArches((arch) => ["--devices", FAIL_DEVICES, "--install", fixture(arch, "pnpfail.sys"), fixture(arch, "mathlib.sys"), "--", "start:pnpfail", "stop:pnpfail"]);
  const ev = r.events;
  const problems = pnp(ev, "problem").map((e) => [e.device, e.code, e.codeName]);
  assert.deepEqual(problems, [
    ["ROOT\\PNPFAIL\\0000", cfgProblem("CM_PROB_FAILED_ADD"), "CM_PROB_FAILED_ADD"],
    ["ROOT\\PNPFAIL\\0001", cfgProblem("CM_PROB_FAILED_START"), "CM_PROB_FAILED_START"],
  ]);
  // Only the device whose AddDevice attached an FDO gets a remove IRP; the driver removes it before it started.
  assert.deepEqual(pnp(ev, "remove").map((e) => e.device), ["ROOT\\PNPFAIL\\0001"]);
  assert.deepEqual(prints(ev, "pnpfail.sys"), [
    "pnpfail: DriverEntry, mathlib says 6*7 = 42", "pnpfail: AddDevice fails (device objects left 0)", "pnpfail: AddDevice mode 2", "pnpfail: start, lower 0x00000000",
    "pnpfail: remove (started 0)", "pnpfail: DriverUnload (device objects left 0)",
  ]);
  // The unload follows the removal, within the start step; DriverUnload runs, then the image goes and
  // the export driver it imported is dereferenced: DllUnload, unloaded (docs/dynamic-linking.md).
  const order = ev.filter((e) => (e.event === "pnp" && ["remove", "unload-driver"].includes(String(e.action))) || e.event === "unload" || (e.event === "call" && ["DriverUnload", "DllUnload"].includes(String(e.routine))))
    .map((e) => `${e.event}:${e.action ?? e.routine ?? ""}:${e.device || e.service || e.module}`);
  assert.deepEqual(order, ["pnp:remove:ROOT\\PNPFAIL\\0001", "pnp:unload-driver:pnpfail", "call:DriverUnload:pnpfail.sys", "unload::pnpfail.sys", "call:DllUnload:mathlib.sys", "unload::mathlib.sys"]);
  assert.match(String(pnp(ev, "unload-driver")[0]!.reason), /no device objects left after ROOT\\PNPFAIL\\0000, ROOT\\PNPFAIL\\0001 failed/);
  // The service is not running any more: the stop step is refused as NtUnloadDriver refuses it.
  const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
  assert.deepEqual(ends.map((e) => [e.ok, e.result]), [[true, "0x00000000"], [false, "0xC0000034"]]);
  assert.deepEqual(ev.find((e) => e.event === "end")!.modules, []);
  assert.deepEqual(ev.filter((e) => ["leak", "fault"].includes(String(e.event))), []);
});

test("WDM: a driver whose other device started keeps running after one device failed; stopping it removes that device and unloads it", async () => {
  const devices = deviceFile([
    { instance: "ROOT\\PNPFAIL\\0000", hardwareIds: ["ROOT\\PNPFAIL_START"], service: "pnpfail" },
    { instance: "ROOT\\PNPFAIL\\0001", hardwareIds: ["ROOT\\PNPFAIL_OK"], service: "pnpfail" },
  ]);
  const r = await simBothArches((arch) => ["--devices", devices, "--install", fixture(arch, "pnpfail.sys"), fixture(arch, "mathlib.sys"), "--", "start:pnpfail", "stop:pnpfail"]);
  const ev = r.events;
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.deepEqual(pnp(ev, "problem").map((e) => [e.device, e.codeName]), [["ROOT\\PNPFAIL\\0000", "CM_PROB_FAILED_START"]]);
  assert.deepEqual(pnp(ev, "unload-driver"), [], "a driver with a device object is not unloaded");
  assert.deepEqual(pnp(ev, "start").map((e) => [e.device, e.status]), [["ROOT\\PNPFAIL\\0000", "0xC0000182"], ["ROOT\\PNPFAIL\\0001", "0x00000000"]]);
  // The stop step: the started device is removed (query first), then DriverUnload with no device left.
  assert.deepEqual(pnp(ev, "remove").map((e) => e.device), ["ROOT\\PNPFAIL\\0000", "ROOT\\PNPFAIL\\0001"]);
  assert.deepEqual(prints(ev, "pnpfail.sys").filter((t) => /remove|Unload/.test(t)), ["pnpfail: remove (started 0)", "pnpfail: remove (started 1)", "pnpfail: DriverUnload (device objects left 0)"]);
});

test("a lower filter whose AddDevice succeeded gets IRP_MN_REMOVE_DEVICE when the function driver's AddDevice fails; both drivers are unloaded", async () => {
  const devices = deviceFile([{ instance: "ROOT\\PNPFAIL\\0000", hardwareIds: ["ROOT\\PNPFAIL_ADD"], service: "pnpfail", lowerFilters: ["kmdffilt"] }]);
  const r = await simBothArches((arch) => ["--devices", devices, "--install", fixture(arch, "pnpfail.sys"), fixture(arch, "mathlib.sys"), fixture(arch, "kmdffilt.sys"), "--", "start:pnpfail"]);
  const ev = r.events;
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.deepEqual(pnp(ev, "add-device-done").map((e) => [e.service, e.status]), [["kmdffilt", "0x00000000"], ["pnpfail", "0xC000009A"]]);
  assert.deepEqual(pnp(ev, "problem").map((e) => e.codeName), ["CM_PROB_FAILED_ADD"]);
  // The remove IRP reaches the KMDF filter's device (the top of the stack built so far) and the PDO.
  assert.deepEqual(ev.filter((e) => e.event === "irp" && String(e.name).endsWith("IRP_MN_REMOVE_DEVICE")).map((e) => e.driver), ["ntoskrnl.exe", "kmdffilt.sys"]);
  assert.deepEqual(pnp(ev, "unload-driver").map((e) => e.service), ["kmdffilt", "pnpfail"]);
  assert.deepEqual(ev.filter((e) => e.event === "unload").map((e) => e.module), ["kmdffilt.sys", "pnpfail.sys", "mathlib.sys"]);
  assert.deepEqual(ev.find((e) => e.event === "end")!.modules, []);
  assert.deepEqual(ev.filter((e) => ["leak", "fault"].includes(String(e.event)) || (e.event === "warning" && /still there/.test(String(e.message)))), []);
});

test("KMDF: EvtDriverDeviceAdd fails after WdfDeviceCreate: the framework deletes the device (no remove IRP reaches it), CM_PROB_FAILED_ADD, the driver is unloaded and not loaded again", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-pnp-fail-"));
  const reg = join(dir, "fail.reg");
  writeFileSync(reg, "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\PNPDEMO\\KMDFCHILD\\2\\Device Parameters]\r\n\"FailDeviceAdd\"=dword:00000001\r\n");
  const r = await simBothArches((arch) => ["--devices", repoPath("examples", "pnp-devices.json"), "--registry", reg, "--install", ...["pnpbus.sys", "pnpfunc.sys", "kmdffunc.sys"].map((f) => fixture(arch, f)), "--", "start:pnpbus", "stop:pnpbus"]);
  const ev = r.events;
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.deepEqual(pnp(ev, "problem").map((e) => [e.device, e.codeName]), [["PNPDEMO\\KMDFCHILD\\2", "CM_PROB_FAILED_ADD"]]);
  assert.deepEqual(ev.filter((e) => e.event === "irp" && e.driver === "kmdffunc.sys"), [], "the framework deleted the device inside AddDevice");
  assert.deepEqual(prints(ev, "kmdffunc.sys").map((t) => t.replace(/,.*/, "")), ["kmdffunc: EvtDriverDeviceAdd", "kmdffunc: EvtDriverUnload"]);
  assert.equal(ev.filter((e) => e.event === "load" && e.module === "kmdffunc.sys").length, 1, "loaded once");
  assert.deepEqual(ev.filter((e) => ["leak", "fault"].includes(String(e.event))), []);
  assert.deepEqual(ev.find((e) => e.event === "end")!.modules, []);
});

test("KMDF filter: a failed EvtDriverDeviceAdd becomes STATUS_SUCCESS and the stack is built without the filter; the filter, left without devices, is unloaded and the device keeps working", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-pnp-fail-"));
  const reg = join(dir, "fail.reg");
  writeFileSync(reg, "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\PNPDEMO\\WDMCHILD\\1\\Device Parameters]\r\n\"FailFilterAdd\"=dword:00000001\r\n");
  const link = "\\DosDevices\\PNPDEMO#WDMCHILD#1#{8d3e4c21-2b7f-4e0a-a1c9-55e6f7a8b9c0}";
  const r = await simBothArches((arch) => ["--devices", repoPath("examples", "pnp-devices-filter.json"), "--registry", reg, "--install", ...["pnpbus.sys", "pnpfunc.sys", "kmdffilt.sys"].map((f) => fixture(arch, f)), "--",
    "start:pnpbus", `ioctl:${link}:0x222400:01000000`, "stop:pnpbus"]);
  const ev = r.events;
  assert.equal(r.code, 0, r.stdout.slice(-3000));
  assert.deepEqual(pnp(ev, "add-device-done").filter((e) => e.device === "PNPDEMO\\WDMCHILD\\1").map((e) => [e.service, e.status, e.fdo === undefined]), [["pnpfunc", "0x00000000", false], ["kmdffilt", "0x00000000", true]]);
  assert.deepEqual(pnp(ev, "problem").filter((e) => e.device === "PNPDEMO\\WDMCHILD\\1"), []);
  assert.deepEqual(pnp(ev, "start").filter((e) => e.device === "PNPDEMO\\WDMCHILD\\1").map((e) => e.status), ["0x00000000"]);
  assert.deepEqual(pnp(ev, "unload-driver")[0]?.service, "kmdffilt");
  // The IOCTL reaches pnpfunc directly: no filter in the stack.
  const ioctl = ev.filter((e) => e.event === "irp" && e.ioctl === "0x00222400");
  assert.deepEqual(ioctl.map((e) => e.driver), ["pnpfunc.sys"]);
  assert.deepEqual(ev.filter((e) => ["leak", "fault"].includes(String(e.event))), []);
});
