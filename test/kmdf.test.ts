// KMDF: WDFLDR.SYS binding (WdfVersionBind / WdfVersionUnbind), the framework function table in
// the WDFFUNCENUM order, and a control-device driver's lifecycle and IOCTLs through a WDF queue
// (examples/kmdf-ctl, examples/kmdf-edge, built against examples/include/kmdfmin.h).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { WDF_FUNCTIONS } from "../src/emu/wdf/index.js";

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

test("kmdf-ctl: DriverEntry binds, creates a control device, a link and a queue; IOCTLs reach EvtIoDeviceControl; unload runs EvtDriverUnload and removes the device", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "kmdfctl.sys"), "--", "start:kmdfctl", "ioctl:\\Device\\KmdfCtl:0x222000:0102030405", "ioctl:\\DosDevices\\KmdfCtl:0x222004", "ioctl:\\Device\\KmdfCtl:0x222008", "stop:kmdfctl", "start:kmdfctl", "stop:kmdfctl"]);
  assert.equal(r.code, 1, r.stderr); // the unknown IOCTL fails its step
  const ev = events(r.stdout);
  const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
  assert.deepEqual(ends.map((e) => e.ok), [true, true, true, false, true, true, true]);
  assert.equal(ends[1]!.output, "0504030201");
  assert.equal(ends[2]!.output, "02000000"); // the device context counts requests
  const ioctls = ev.filter((e) => e.event === "irp" && e.major === 14);
  assert.deepEqual(ioctls.map((e) => e.status), ["0x00000000", "0x00000000", "0xC0000010"]);
  for (const e of ioctls) assert.equal(e.dispatch, "wdf01000.sys!FxIrpDispatch");
  const prints = ev.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());
  assert.deepEqual(prints, ["kmdfctl: loaded", "kmdfctl: EvtDriverUnload", "kmdfctl: loaded", "kmdfctl: EvtDriverUnload"]);
  // Nothing left behind: no leak, no warning about devices left at unload, the name was reusable.
  assert.deepEqual(ev.filter((e) => e.event === "leak" || e.event === "warning" || e.event === "fault"), []);
});

test("WdfVersionBind: a client newer than the emulated framework gets STATUS_INVALID_PARAMETER naming both versions (as Wdf01000.sys's WdfBindClientHelper); an old 1.9 client gets a copied table", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!BindNewer", "call:kmdfedge.sys!BindOld", "call:kmdfedge.sys!BindNoTable"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ev = events(r.stdout);
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
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!BindNewerMinor", "call:kmdfedge.sys!BindInfo2:25", "call:kmdfedge.sys!BindInfo2:35"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ev = events(r.stdout);
  const values = ev.filter((e) => e.event === "return" && e.module === "kmdfedge.sys" && e.routine !== "DriverEntry").map((e) => BigInt(String(e.value)) & 0xffffffffn);
  assert.deepEqual(values, [0xc000000dn, 0n, 0xc000000dn]);
  const w = ev.filter((e) => e.event === "warning").map((e) => String(e.message));
  assert.match(w[0]!, /built for KMDF 1\.35, newer than the emulated framework KMDF 1\.33/);
  assert.match(w[1]!, /targets KMDF 1\.35 \(minimum KMDF 1\.25\); it binds to the emulated KMDF 1\.33 and may call only the 458 functions/);
  assert.match(w[2]!, /requires at least KMDF 1\.35, newer than the emulated framework KMDF 1\.33 \(Driver Version: 1\.35 Kmdf Lib\. Version: 1\.33\)/);
});

test("WDF object leak report: a WDFDRIVER still referenced (WdfObjectReference without WdfObjectDereference) when the framework unloads the driver", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "kmdfedge.sys"), "--", "start:kmdfedge", "stop:kmdfedge"]);
  assert.equal(r.code, 1, r.stdout + r.stderr); // a leak fails the scenario
  const leaks = events(r.stdout).filter((e) => e.event === "leak");
  assert.equal(leaks.length, 1, r.stdout);
  assert.equal(leaks[0]!.kind, "wdf-object");
  assert.equal(leaks[0]!.module, "kmdfedge.sys");
  assert.match(String(leaks[0]!.message), /^WDFDRIVER 0x[0-9a-f]+ was deleted but 1 reference\(s\) taken with WdfObjectReference were never released/);
});

test("a call through the table to a DDI kmdll does not implement is a named unimplemented-api fault", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!CallUnimplemented"]);
  assert.equal(r.code, 1);
  const fault = events(r.stdout).find((e) => e.event === "fault");
  assert.ok(fault, r.stdout);
  assert.equal(fault.kind, "unimplemented-api");
  assert.match(String(fault.message), /^unimplemented wdf01000!WdfDmaEnablerCreate called from kmdfedge\.sys\+0x[0-9a-f]+/);
});

test("the loader replaces the linker's default /GS cookie in the load configuration (llvm-readobj confirms the directory)", async () => {
  const lc = tool("llvm-readobj", ["--coff-load-config", fixture("x64", "kmdfedge.sys")]);
  assert.match(lc.stdout, /SecurityCookie: 0x[0-9A-F]+/i);
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "kmdfedge.sys"), "--", "start:kmdfedge", "call:kmdfedge.sys!GsCookie"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ret = events(r.stdout).find((e) => e.event === "return" && e.routine === "GsCookie");
  assert.ok(ret, r.stdout);
  const v = BigInt(String(ret.value ?? ret.status ?? ret.ret));
  assert.notEqual(v, 0x2b992ddfa232n);
  assert.notEqual(v, 0n);
  assert.equal(v >> 48n, 0n);
});
