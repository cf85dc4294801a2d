/**
 * What a second held-out set of real drivers taught the emulator (docs/qa.md, issue 12, helper
 * "fresh2"), each lesson on a driver of our own (examples/qa-fresh2): usbd.sys for USB function
 * drivers (libusb0, libusbK, USBPcap), the PsLoadedModuleList export, the x64 IDT behind
 * KPCR.IdtBase, ExGetPreviousMode's code, PsRegisterPicoProvider after boot,
 * ZwUnlockVirtualMemory, and the report of a driver that scans the real kernel's code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { fixture } from "./helpers.js";
import { runSelfChecks, failures, bad } from "./self-check.js";

type Arch = "x64" | "x86";

const run = (tests: string[], arch: Arch = "x64", stop = true) => runSelfChecks("qafresh2", tests, arch, { stop });


function clean(tests: string[], arch: Arch) {
  const { events, r } = run(tests, arch);
  assert.deepEqual(failures(events), [], arch);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), [], arch);
  assert.deepEqual(bad(events), [], arch);
  assert.equal(r.ok, true, arch);
  return events;
}

const USBD_TESTS = ["TestUsbdVersion", "TestUsbdParse", "TestUsbdInterfaceLength", "TestUsbdSelectConfiguration"];

test("qafresh2.sys: usbd.sys — USBDI version, descriptor parsing, interface lengths and select-configuration URBs as usbdlib.h documents them (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) {
    const events = clean(USBD_TESTS, arch);
    // The routines ran in kmdll's usbd.sys (not a stub elsewhere), and the URBs were freed by the driver.
    const called = new Set(events.filter((e) => e.event === "api").map((e) => (e as { api?: string }).api ?? ""));
    for (const name of ["USBD_GetUSBDIVersion", "USBD_ParseDescriptors", "USBD_ParseConfigurationDescriptorEx", "USBD_GetInterfaceLength", "USBD_CreateConfigurationRequestEx"])
      assert.ok([...called].some((c) => c.startsWith("usbd.sys!") && c.includes(name)), `${arch}: ${name} in ${[...called].join(", ")}`);
  }
});

test("qafresh2.sys on x86: usbd.sys's three stdcall routines are imported by their decorated names, as real x86 USB drivers import them (llvm-readobj)", () => {
  const out = spawnSync("llvm-readobj", ["--coff-imports", fixture("x86", "qafresh2.sys")], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  const usbd = out.stdout.split(/Import \{/).find((b) => /Name: USBD\.SYS/i.test(b)) ?? "";
  for (const s of ["_USBD_ParseDescriptors@16", "_USBD_ParseConfigurationDescriptorEx@28", "_USBD_CreateConfigurationRequestEx@8", "USBD_GetUSBDIVersion"])
    assert.match(usbd, new RegExp(`Symbol: ${s.replace(/[@$]/g, "\\$&")} `), s);
  // kmdll's x86 usbd.sys exports the database's names: the decorated ones, and (held-out corpus
  // fresh4: signed x86 drivers import them so; test/usbd-x86names.test.ts) their undecorated forms.
  const x86 = new Set((kernelModuleExportsFor("usbd.sys", "x86") ?? []).map((e) => e.name));
  assert.ok(x86.has("_USBD_ParseDescriptors@16") && x86.has("USBD_ParseDescriptors"));
});

test("qafresh2.sys: PsLoadedModuleList is ntoskrnl's export, the head of a list of ntoskrnl.exe, hal.dll, the built-in modules and the driver (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) clean(["TestLoadedModuleList"], arch);
});

test("qafresh2.sys on x64: KPCR.IdtBase's gates lead into ntoskrnl.exe, and ExGetPreviousMode's ULONG at +12 is KTHREAD.PreviousMode", () => {
  clean(["TestIdt", "TestPreviousModeCode"], "x64");
});

test("qafresh2.sys: PsRegisterPicoProvider is STATUS_TOO_LATE for a started service; ZwUnlockVirtualMemory undoes ZwLockVirtualMemory (x64, x86)", () => {
  for (const arch of ["x64", "x86"] as const) clean(["TestPicoProvider", "TestUnlockVirtualMemory"], arch);
});

test("qafresh2.sys: a scan of the real kernel's code that runs off kmdll's synthetic ntoskrnl.exe is reported as that dependency, not as a crash Windows would have", () => {
  for (const arch of ["x64", "x86"] as const) {
    const { events, r } = run(["ScanForPattern"], arch, false);
    const fault = events.find((e) => e.event === "fault") as { kind?: string; message?: string } | undefined;
    assert.equal(fault?.kind, "invalid-read", arch);
    assert.match(fault?.message ?? "", /\d+ bytes before kmdll's synthetic ntoskrnl\.exe image/, arch);
    const detail = r.results.find((x) => !x.ok)?.detail ?? "";
    assert.match(detail, /a dependency on the real module's code kmdll does not have/, arch);
    assert.doesNotMatch(detail, /Windows would have crashed/, arch);
  }
});

test("every routine of the usbd and pico families is called by examples/qa-fresh2", () => {
  const { events } = run([...USBD_TESTS, "TestPicoProvider"], "x64");
  const called = new Set(events.filter((e) => e.event === "api").map((e) => ((e as { api?: string }).api ?? "").replace(/^.*!/, "")));
  const missing = ["usbd", "pico"].flatMap((f) => (apisByComponent[f] ?? []).map((a) => a.name)).filter((n) => !called.has(n));
  assert.deepEqual(missing, []);
  assert.ok((apisByComponent["usbd"] ?? []).length >= 6);
});
