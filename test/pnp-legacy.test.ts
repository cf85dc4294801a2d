// Legacy detection (src/emu/pnp/detect.ts): a driver reports a device no bus enumerates
// (IoReportDetectedDevice, as WinVBlock's bus does in DriverEntry), attaches its FDO itself, and the
// PnP manager starts the device with the reported resources; IoReportResourceForDetection claims
// the ports, so a second driver probing them gets STATUS_CONFLICTING_ADDRESSES.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, runCli } from "./helpers.js";

type Ev = Record<string, unknown>;
const events = (out: string): Ev[] => out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);
const pnp = (ev: Ev[], action: string) => ev.filter((e) => e.event === "pnp" && e.action === action);
const STATE = "ioctl:\\DosDevices\\LegacyBus:0x222400";

/** LEGACY_STATE (examples/pnp-legacy/legacy.h): StartCount, ResourceCount, Port, Vector, PowerD0, PowerIrps. */
function state(hex: string): number[] {
  const b = Buffer.from(hex, "hex");
  return [0, 4, 8, 12, 16, 20].map((o) => b.readUInt32LE(o));
}

for (const arch of ["x64", "x86"] as const) {
  test(`IoReportDetectedDevice: the reporting driver's own FDO is started with the reported resources; a second claim of its ports conflicts (${arch})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "kmdll-legacy-"));
    const one = join(dir, "legacy.sys");
    const two = join(dir, "legacy2.sys");
    copyFileSync(fixture(arch, "legacy.sys"), one);
    copyFileSync(fixture(arch, "legacy.sys"), two);
    const r = await runCli(["sim", "--json", "--install", one, two, "--", "start:legacy", STATE, "start:legacy2", "stop:legacy", "start:legacy", STATE, "stop:legacy"]);
    const ev = events(r.stdout);
    const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
    assert.deepEqual(ends.map((e) => e.ok), [true, true, false, true, true, true, true], r.stdout.slice(-3000));
    // One START_DEVICE with the translated list: port 0x2E8 (8 ports), IRQ 3 → vector 0x33; no
    // IRP_MN_SET_POWER D0 after it (Learn, "Powering Up a Device": start-up powers the device on,
    // and the power policy owner sends no D0 IRP then).
    assert.deepEqual(state(String(ends[1]!.output)), [1, 2, 0x2e8, 0x33, 0, 0]);
    assert.deepEqual(state(String(ends[5]!.output)), [1, 2, 0x2e8, 0x33, 0, 0]);
    // The device: root-enumerated, DETECTED\<service> IDs; AddDevice is never called for it.
    const reported = pnp(ev, "reported");
    assert.deepEqual(reported.map((e) => [e.device, e.service]), [["ROOT\\LEGACY\\0000", "legacy"], ["ROOT\\LEGACY\\0000", "legacy"]]);
    assert.deepEqual(reported[0]!.hardwareIds, ["DETECTED\\legacy"]);
    assert.equal(reported[0]!.resources, "port 0x2e8+0x8, IRQ 3");
    assert.equal(reported[1]!.again, true, "the second start finds the devnode the first report made");
    assert.deepEqual(pnp(ev, "add-device"), []);
    assert.deepEqual(pnp(ev, "start").map((e) => e.status), ["0x00000000", "0x00000000"]);
    // The invalidation DriverEntry made before the start is answered by the start's own query.
    const relations = ev.filter((e) => e.event === "irp" && e.name === "IRP_MJ_PNP/IRP_MN_QUERY_DEVICE_RELATIONS" && e.driver === "legacy.sys");
    assert.equal(relations.length, 2);
    // legacy2's claim of the same ports: ConflictDetected, STATUS_CONFLICTING_ADDRESSES, and its DriverEntry fails.
    assert.deepEqual(pnp(ev, "resource-conflict").map((e) => [e.device, e.claimedBy, e.resources]), [["legacy2.sys", "legacy.sys", "port 0x2e8+0x8"]]);
    assert.equal(ends[2]!.result, "0xC0000018");
    // The bus's child (LEGACY\DISK, no driver installed) is enumerated with a problem, not started.
    assert.deepEqual(pnp(ev, "enumerate").map((e) => [e.device, e.parent]), [["LEGACY\\DISK\\0", "ROOT\\LEGACY\\0000"], ["LEGACY\\DISK\\0", "ROOT\\LEGACY\\0000"]]);
    assert.equal(pnp(ev, "problem").length, 2);
    // Stopping removes the child's PDO first (a remove IRP although it never started), then the
    // device (REMOVE reaches the driver's FDO, which deletes itself and the child PDO) before
    // DriverUnload; no IRP_MN_SET_POWER D3 comes before either remove.
    const order = ev.filter((e) => (e.event === "pnp" && e.action === "remove") || e.event === "unload").map((e) => `${e.event}:${e.device ?? e.module}`);
    assert.deepEqual(order, [
      "unload:legacy2.sys", "pnp:LEGACY\\DISK\\0", "pnp:ROOT\\LEGACY\\0000", "unload:legacy.sys",
      "pnp:LEGACY\\DISK\\0", "pnp:ROOT\\LEGACY\\0000", "unload:legacy.sys",
    ]);
    assert.deepEqual(ev.filter((e) => e.event === "irp" && String(e.name).startsWith("IRP_MJ_POWER")), []);
    assert.deepEqual(ev.filter((e) => ["leak", "warning", "fault"].includes(String(e.event))), []);
    // The trace macro's `__FUNCTION__ ": "` (cl.exe's string-literal concatenation) named each function.
    const prints = ev.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim().replace(/\b[0-9A-F]{8,16}\b/, "PTR"));
    assert.deepEqual(prints, [
      "legacy: DriverEntry: reported, FDO PTR attached", "legacy: DriverEntry: ports 0x2e8 claimed by another driver (0xc0000018, conflict 1)",
      "legacy: LegacyChildDispatch: child removed (1 remove IRP(s))", "legacy: LegacyDispatchPnp: removing, 1 start(s), 0 power IRP(s)", "legacy: LegacyUnload: unloaded",
      "legacy: DriverEntry: reported, FDO PTR attached",
      "legacy: LegacyChildDispatch: child removed (1 remove IRP(s))", "legacy: LegacyDispatchPnp: removing, 1 start(s), 0 power IRP(s)", "legacy: LegacyUnload: unloaded",
    ]);
  });
}
