// KMDF: WDFLDR.SYS binding (WdfVersionBind / WdfVersionUnbind), the framework function table in
// the WDFFUNCENUM order, and a control-device driver's lifecycle and IOCTLs through a WDF queue
// (examples/kmdf-ctl, examples/kmdf-edge, built against examples/include/kmdfmin.h).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { KMDF_ARCHES, kmdfConstants } from "./kmdf-clang.js";
import { WDF_FUNCTIONS } from "../src/emu/wdf/index.js";
import { simBothArches } from "./arch-compare.js";
import { wdfLayoutFor, type WdfStruct } from "../src/emu/wdf/layouts.js";

type Ev = Record<string, unknown>;
const events = (out: string): Ev[] => out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);

test("the function table order: kmdfmin.h's indices (transcribed separately from wdffuncenum.h) agree with the emulated table", () => {
  const h = readFileSync(repoPath("examples", "include", "kmdfmin.h"), "utf8");
  const found = [...h.matchAll(/(Wdf\w+)TableIndex = (\d+)/g)];
  assert.ok(found.length >= 15);
  for (const [, name, index] of found) assert.equal(WDF_FUNCTIONS.indexOf(name!), Number(index), name);
  assert.equal(/WdfFunctionTableNumEntries = (\d+)/.exec(h)?.[1], String(WDF_FUNCTIONS.length));
  // Spot checks of well-known slots: first, last, and the append-only 1.15 boundary.
  assert.equal(WDF_FUNCTIONS[0], "WdfChildListCreate");
  assert.equal(WDF_FUNCTIONS.length, 458);
  assert.equal(new Set(WDF_FUNCTIONS).size, WDF_FUNCTIONS.length);
});

test("kmdf-ctl: DriverEntry binds, creates a control device, a link, file callbacks and a queue; IOCTLs reach EvtIoDeviceControl; each open is a WDFFILEOBJECT; unload runs EvtDriverUnload and removes the device", async () => {
  // x86 too: the same events once addresses are taken out (32-bit KMDF structures, stdcall DDIs).
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfctl.sys"), "--", "start:kmdfctl", "ioctl:\\Device\\KmdfCtl:0x222000:0102030405", "ioctl:\\DosDevices\\KmdfCtl:0x222004", "ioctl:\\Device\\KmdfCtl:0x222008", "ioctl:\\Device\\KmdfCtl:0x22200C", "stop:kmdfctl", "start:kmdfctl", "ioctl:\\Device\\KmdfCtl:0x22200C", "stop:kmdfctl"]);
  assert.equal(r.code, 1, r.stdout); // the unknown IOCTL fails its step
  const ev = r.events;
  const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
  assert.deepEqual(ends.map((e) => e.ok), [true, true, true, false, true, true, true, true, true]);
  assert.equal(ends[1]!.output, "0504030201");
  assert.equal(ends[2]!.output, "02000000"); // the device context counts requests
  // Each ioctl step opens the device (EvtDeviceFileCreate), sends the request, then cleans up and
  // closes (EvtFileCleanup, EvtFileClose): the 4th open sees 4 creates, 3 cleanups and 3 closes and
  // finds its own WDFFILEOBJECT (sequence 4) through WdfRequestGetFileObject; a reload starts over.
  assert.equal(ends[4]!.output, "04000000030000000300000004000000");
  assert.equal(ends[7]!.output, "01000000000000000000000001000000");
  const ioctls = ev.filter((e) => e.event === "irp" && e.major === 14);
  assert.deepEqual(ioctls.map((e) => e.status), ["0x00000000", "0x00000000", "0xC0000010", "0x00000000", "0x00000000"]);
  for (const e of ioctls) assert.equal(e.dispatch, "wdf01000.sys!FxIrpDispatch");
  const prints = ev.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());
  assert.deepEqual(prints, ["kmdfctl: loaded", "kmdfctl: EvtDriverUnload", "kmdfctl: loaded", "kmdfctl: EvtDriverUnload"]);
  // Nothing left behind: no leak (every WDFFILEOBJECT was deleted at its close), no warning about devices left at unload, the name was reusable.
  assert.deepEqual(ev.filter((e) => e.event === "leak" || e.event === "warning" || e.event === "fault"), []);
});

test("WdfVersionBind: a client newer than the emulated framework gets STATUS_INVALID_PARAMETER naming both versions (as Wdf01000.sys's WdfBindClientHelper); an old 1.9 client gets a copied table", async () => {
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!BindNewer", "call:kmdfedge.sys!BindOld", "call:kmdfedge.sys!BindNoTable"]);
  assert.equal(r.code, 0, r.stdout);
  const ev = r.events;
  const values = ev.filter((e) => e.event === "step" && e.phase === "end").slice(1).map((e) => String(e.value ?? e.result ?? e.status ?? ""));
  assert.equal(values.length, 3, JSON.stringify(values));
  assert.match(values[0]!, /\(0xc000000d\)$/);
  assert.match(values[1]!, /^0 \(0x0\)$/);
  assert.match(values[2]!, /\(0xc000000d\)$/);
  const w = ev.filter((e) => e.event === "warning").map((e) => String(e.message));
  assert.equal(w.length, 1, w.join("\n"));
  assert.match(w[0]!, /KMDF 1\.35, newer than the emulated framework KMDF 1\.33 \(Driver Version: 1\.35 Kmdf Lib\. Version: 1\.33\): STATUS_INVALID_PARAMETER/);
});

test("WdfVersionBind: a newer minor version is refused even when its table fits; a WDF_BIND_INFO2 client (build on newer, run on older) binds down to the framework's table unless its minimum is newer", async () => {
  // x86: WDF_BIND_INFO is 32 bytes and WDF_BIND_INFO2 52 (48 and 88 on x64).
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!BindNewerMinor", "call:kmdfedge.sys!BindInfo2:25", "call:kmdfedge.sys!BindInfo2:35"]);
  assert.equal(r.code, 0, r.stdout);
  const ev = r.events;
  const values = ev.filter((e) => e.event === "return" && e.module === "kmdfedge.sys" && e.routine !== "DriverEntry").map((e) => BigInt(String(e.value)) & 0xffffffffn);
  assert.deepEqual(values, [0xc000000dn, 0n, 0xc000000dn]);
  const w = ev.filter((e) => e.event === "warning").map((e) => String(e.message));
  assert.match(w[0]!, /built for KMDF 1\.35, newer than the emulated framework KMDF 1\.33/);
  assert.match(w[1]!, /targets KMDF 1\.35 \(minimum KMDF 1\.25\); it binds to the emulated KMDF 1\.33 and may call only the 458 functions/);
  assert.match(w[2]!, /requires at least KMDF 1\.35, newer than the emulated framework KMDF 1\.33 \(Driver Version: 1\.35 Kmdf Lib\. Version: 1\.33\)/);
});

test("WDF object leak report: a WDFDRIVER still referenced (WdfObjectReference without WdfObjectDereference) when the framework unloads the driver", async () => {
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfedge.sys"), "--", "start:kmdfedge", "stop:kmdfedge"]);
  assert.equal(r.code, 1, r.stdout); // a leak fails the scenario
  const leaks = r.events.filter((e) => e.event === "leak");
  assert.equal(leaks.length, 1, r.stdout);
  assert.equal(leaks[0]!.kind, "wdf-object");
  assert.equal(leaks[0]!.module, "kmdfedge.sys");
  assert.match(String(leaks[0]!.message), /^WDFDRIVER 0x[0-9a-f]+ was deleted but 1 reference\(s\) taken with WdfObjectReference were never released/);
});

test("a call through the table to a DDI kmdll does not implement is a named unimplemented-api fault", async () => {
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!CallUnimplemented"]);
  assert.equal(r.code, 1);
  const fault = r.events.find((e) => e.event === "fault");
  assert.ok(fault, r.stdout);
  assert.equal(fault.kind, "unimplemented-api");
  assert.match(String(fault.message), /^unimplemented wdf01000!WdfDmaEnablerCreate called from kmdfedge\.sys\+0x[0-9a-f]+/);
});

test("the loader replaces the linker's default /GS cookie in the load configuration (llvm-readobj confirms the directory), on x64 and on x86", async () => {
  for (const [arch, def, bits] of [["x64", 0x2b992ddfa232n, 48n], ["x86", 0xbb40e64en, 32n]] as const) {
    const lc = tool("llvm-readobj", ["--coff-load-config", fixture(arch, "kmdfedge.sys")]);
    assert.match(lc.stdout, /SecurityCookie: 0x[0-9A-F]+/i);
    const r = await runCli(["sim", "--json", "--install", fixture(arch, "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!GsCookie"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ret = events(r.stdout).find((e) => e.event === "return" && e.routine === "GsCookie");
    assert.ok(ret, r.stdout);
    const v = BigInt(String(ret.value ?? ret.status ?? ret.ret));
    assert.notEqual(v, def, arch);
    assert.notEqual(v, 0n, arch);
    // x64: the top 16 bits stay clear, as Windows' loader keeps them; x86: a 32-bit cookie.
    assert.equal(v >> bits, 0n, arch);
  }
});

test("the KMDF structure layouts the framework reads are the ones clang gives kmdfmin.h's structures, on x64 and on x86", () => {
  const fields: [WdfStruct, string[]][] = [
    ["WDF_BIND_INFO", ["Size", "Component", "Version.Major:Major", "Version.Minor:Minor", "Version.Build:Build", "FuncCount", "FuncTable", "Module"]],
    ["WDF_DRIVER_GLOBALS", ["Driver", "DriverFlags", "DriverTag", "DriverName", "DisplaceDriverUnload"]],
    ["WDF_DRIVER_CONFIG", ["EvtDriverDeviceAdd", "EvtDriverUnload", "DriverInitFlags", "DriverPoolTag"]],
    ["WDF_OBJECT_ATTRIBUTES", ["EvtCleanupCallback", "EvtDestroyCallback", "ParentObject", "ContextSizeOverride", "ContextTypeInfo"]],
    ["WDF_OBJECT_CONTEXT_TYPE_INFO", ["ContextSize"]],
    ["WDF_IO_QUEUE_CONFIG", ["DefaultQueue", "EvtIoDefault", "EvtIoRead", "EvtIoWrite", "EvtIoDeviceControl", "EvtIoInternalDeviceControl"]],
    ["WDF_PNPPOWER_EVENT_CALLBACKS", ["EvtDeviceD0Entry", "EvtDeviceD0Exit", "EvtDevicePrepareHardware", "EvtDeviceReleaseHardware", "EvtDeviceSelfManagedIoCleanup", "EvtDeviceSelfManagedIoFlush", "EvtDeviceSelfManagedIoInit", "EvtDeviceSelfManagedIoSuspend", "EvtDeviceSurpriseRemoval", "EvtDeviceQueryRemove"]],
    ["WDF_REQUEST_SEND_OPTIONS", ["Flags", "Timeout"]],
    ["WDF_FILEOBJECT_CONFIG", ["EvtDeviceFileCreate", "EvtFileClose", "EvtFileCleanup", "AutoForwardCleanupClose", "FileObjectClass"]],
  ];
  const dir = mkdtempSync(join(tmpdir(), "kmdll-wdf-layout-"));
  try {
    const items = fields.flatMap(([s, fs]) => [`sizeof(${s})`, ...fs.map((f) => `offsetof(${s}, ${f.split(":")[0]})`)]);
    for (const [arch, , p] of KMDF_ARCHES) {
      const nums = kmdfConstants(dir, items, arch);
      let i = 0;
      for (const [s, fs] of fields) {
        const l = wdfLayoutFor(s, p) as Record<string, number>;
        assert.equal(l.$size, nums[i++], `${arch} sizeof(${s})`);
        for (const f of fs) assert.equal(l[f.split(":").pop()!], nums[i++], `${arch} ${s}.${f}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
