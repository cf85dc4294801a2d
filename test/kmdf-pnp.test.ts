// What a KMDF function driver reports about its device (examples/kmdf-pnp, two root-enumerated devices
// from examples/kmdf-pnp/devices.json): PnP/power capabilities as IRP_MN_QUERY_CAPABILITIES returns them,
// S0 idle settings, WdfDeviceSetStaticStopRemove against the PnP manager's query-remove, power
// pageability, WdfDriverOpenParametersRegistryKey, WdfDeviceAddQueryInterface and remote I/O targets (WdfIoTargetCreate/Open/Close,
// WdfIoTargetSendIoctlSynchronously) — each checked in C; x64, x86 and ARM64.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { simBothArches } from "./arch-compare.js";

type Ev = Record<string, unknown>;
const DEVICES = repoPath("examples", "kmdf-pnp", "devices.json");
const REG = repoPath("examples", "kmdf-pnp", "kmdfpnp.reg");
const prints = (ev: Ev[]) => ev.filter((e) => e.event === "dbgprint" && e.module === "kmdfpnp.sys").map((e) => String(e.text).trim());
const parse = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);

function checkRun(code: number, stdout: string, ev: Ev[]): void {
  // The first stop is refused (a vetoed query-remove keeps the device, so the PnP driver stays): exit 1.
  assert.equal(code, 1, stdout);
  const fails = ev.filter((e) => e.event === "fail").map((e) => `${String(e.status)} ${String(e.message)}`);
  assert.equal(fails.length, 1, stdout);
  assert.match(fails[0]!, /^0xC0000010 kmdfpnp\.sys keeps its devices: ROOT\\KMDFPNP\\0000 vetoed IRP_MN_QUERY_REMOVE_DEVICE with 0xC0000184/);
  const stops = ev.filter((e) => e.event === "step" && e.phase === "end").map((e) => `${String(e.step)} ${String(e.ok)}`);
  assert.deepEqual(stops, ["start kmdfpnp true", "stop kmdfpnp false", "stop kmdfpnp true"]);
  // 0 = every C check passed (a number names the first failed one: examples/kmdf-pnp/*.c).
  assert.deepEqual(prints(ev).sort(), [
    "kmdfpnp: add check 0 (owner 0)", "kmdfpnp: add check 0 (owner 1)",
    // IRP_MN_CANCEL_REMOVE_DEVICE reached the vetoing device (its WDM preprocess callback).
    "kmdfpnp: cancel-remove 03",
    "kmdfpnp: capabilities check 0 (owner 0)", "kmdfpnp: capabilities check 0 (owner 1)", "kmdfpnp: child started, parent ok",
    // The read left in the manual queue is cancelled when the device is removed (STATUS_CANCELLED).
    "kmdfpnp: held read completed 0xc0000120", "kmdfpnp: interface check 0", "kmdfpnp: manual queue check 0",
    "kmdfpnp: parameters check 0",
    // Forwarded asynchronously to the first device, parked in its manual queue, cancelled at its removal:
    // the completion routine runs then (WdfRequestSend with a completion routine, pending case).
    "kmdfpnp: pended forward completed c0000120", "kmdfpnp: string check 0", "kmdfpnp: target check 0",
    // A system thread parked in KeWaitForSingleObject (no timeout) resumes when the unload signals it (ARM64 too).
    "kmdfpnp: worker thread woke",
  ]);
  // WdfDeviceSetStaticStopRemove(FALSE) twice, TRUE once: the framework refuses query-remove with
  // STATUS_INVALID_DEVICE_STATE; the PnP manager cancels the removal for every devnode it asked
  // (last first) and removes nothing. The cancel makes the device stoppable (TRUE once more): the
  // second stop queries all three, then removes them.
  const qr = ev.filter((e) => e.event === "pnp" && ["query-remove", "cancel-remove"].includes(String(e.action))).map((e) => `${String(e.action)} ${String(e.device)} ${String(e.status)}`);
  assert.deepEqual(qr, [
    "query-remove KMDFPNP\\RAWCHILD\\7 0x00000000", "query-remove ROOT\\KMDFPNP\\0000 0xC0000184",
    "cancel-remove ROOT\\KMDFPNP\\0000 0x00000000", "cancel-remove KMDFPNP\\RAWCHILD\\7 0x00000000",
    "query-remove KMDFPNP\\RAWCHILD\\7 0x00000000", "query-remove ROOT\\KMDFPNP\\0000 0x00000000", "query-remove ROOT\\KMDFPNP\\0001 0x00000000",
  ]);
  // WdfDeviceSetDeviceState in AddDevice invalidates the device state (IoInvalidateDeviceState): after
  // the start the PnP manager sends IRP_MN_QUERY_PNP_DEVICE_STATE; NotDisableable TRUE, DontDisplayInUI FALSE.
  const ds = ev.filter((e) => e.event === "pnp" && e.action === "device-state").map((e) => `${String(e.device)} ${String(e.status)} ${String(e.state)}`);
  assert.deepEqual(ds, ["ROOT\\KMDFPNP\\0000 0x00000000 0x20"]);
  // The raw child PDO (WdfPdoInitAllocate, WdfFdoAddStaticChild): enumerated through the parent's bus
  // relations with the IDs the driver assigned, started without a function driver (RawDeviceOK),
  // removed before its parent.
  const child = ev.find((e) => e.event === "pnp" && e.action === "enumerate" && e.device === "KMDFPNP\\RAWCHILD\\7");
  assert.ok(child, stdout);
  assert.equal(child.parent, "ROOT\\KMDFPNP\\0000");
  assert.deepEqual([child.hardwareIds, child.compatibleIds], [["KMDFPNP\\RAWCHILD"], ["KMDFPNP\\CHILDCOMPAT"]]);
  assert.match(String(child.capabilities), /RawDeviceOK/);
  // The child's device interface, created before the PDO was reported (as touch drivers do), is registered
  // when the PDO starts, then enabled, and disabled at its removal (FxDeviceInterface::Register).
  const GUID = "{5c2f8e41-7a93-4b06-8d1e-0f9a8b7c6d5e}";
  const childIfc = ev.filter((e) => e.event === "pnp" && String(e.action).startsWith("interface-") && e.interface === GUID).map((e) => `${String(e.action)} ${String(e.device)}`);
  assert.deepEqual(childIfc, ["interface-registered KMDFPNP\\RAWCHILD\\7", "interface-enabled KMDFPNP\\RAWCHILD\\7", "interface-disabled KMDFPNP\\RAWCHILD\\7"]);
  const life = ev.filter((e) => e.event === "pnp" && ["start", "remove"].includes(String(e.action)) && String(e.device).startsWith("KMDFPNP") || (e.event === "pnp" && e.action === "remove")).map((e) => `${String(e.action)} ${String(e.device)} ${String(e.status)}`);
  assert.deepEqual(life, ["start KMDFPNP\\RAWCHILD\\7 0x00000000", "remove KMDFPNP\\RAWCHILD\\7 0x00000000", "remove ROOT\\KMDFPNP\\0000 0x00000000", "remove ROOT\\KMDFPNP\\0001 0x00000000"]);
  // No verifier finding either (the requests reused in reuse.c had come back from their targets).
  assert.deepEqual(ev.filter((e) => e.event === "fault" || e.event === "leak" || e.event === "verifier"), []);
  // The refused calls are reported (the framework only breaks into the debugger there).
  const warnings = ev.filter((e) => e.event === "warning").map((e) => String(e.message));
  assert.ok(warnings.some((w) => /WdfDeviceSetPnpCapabilities: PnpCapabilities->Size is 4, not 48/.test(w)), warnings.join("\n"));
  assert.ok(warnings.some((w) => /IdealDxStateForSx 4 can only be set by the power policy owner/.test(w)), warnings.join("\n"));
  assert.ok(warnings.some((w) => /WdfDeviceInitSetRequestAttributes: .*a ParentObject is not allowed/.test(w)), warnings.join("\n"));
  // WDF_INTERRUPT_INFO with Size 3 (dpc.c): nothing copied.
  assert.ok(warnings.some((w) => /WdfInterruptGetInfo: WDF_INTERRUPT_INFO\.Size is 3, not the size/.test(w)), warnings.join("\n"));
  // WDF_DEVICE_PROPERTY_DATA with Size 1 (property.c).
  assert.ok(warnings.some((w) => /WdfFdoInitQueryPropertyEx: WDF_DEVICE_PROPERTY_DATA\.Size is 1, not sizeof/.test(w)), warnings.join("\n"));
  // A request forwarded to the manual queue (WdfRequestForwardToIoQueue) is not one its callback forgot to complete.
  assert.ok(!warnings.some((w) => /returned without completing request/.test(w)), warnings.join("\n"));
}

const steps = ["--devices", DEVICES, "--registry", REG];

test("kmdf-pnp: capabilities, S0 idle settings, static stop/remove, power pageability and the Parameters key behave as KMDF documents (C checks), x64 and x86", async () => {
  const r = await simBothArches((arch) => [...steps, "--install", fixture(arch, "kmdfpnp.sys"), "--", "start:kmdfpnp", "stop:kmdfpnp", "stop:kmdfpnp"]);
  checkRun(r.code, r.stdout, r.events);
});

test("kmdf-pnp on ARM64: the same checks pass", async () => {
  const sys = fixture("arm64", "kmdfpnp.sys");
  assert.match(tool("llvm-readobj", ["--file-headers", sys]).stdout, /IMAGE_FILE_MACHINE_ARM64/);
  const r = await runCli(["sim", "--json", ...steps, "--install", sys, "--", "start:kmdfpnp", "stop:kmdfpnp", "stop:kmdfpnp"]);
  checkRun(r.code, r.stdout + r.stderr, parse(r.stdout));
});

test("kmdf-pnp: without the seeded Parameters value the C check fails where it should (the test can fail)", async () => {
  const r = await runCli(["sim", "--json", "--devices", DEVICES, "--install", fixture("x64", "kmdfpnp.sys"), "--", "start:kmdfpnp", "stop:kmdfpnp", "stop:kmdfpnp"]);
  assert.ok(prints(parse(r.stdout)).includes("kmdfpnp: parameters check 2"), r.stdout);
});

test("kmdf-pnp: bad arguments are KMDF verifier bug checks (WDF_VIOLATION 0x10D), x64 and x86", async () => {
  for (const [routine, pattern] of [
    ["BadPnpCapsNull", /WdfDeviceSetPnpCapabilities: PnpCapabilities is NULL/],
    ["BadStopRemoveHandle", /WdfDeviceSetStaticStopRemove: Device 0x[0-9a-f]+ is not a live WDF device handle/],
    ["BadParametersKeyNull", /WdfDriverOpenParametersRegistryKey: Key is NULL/],
    ["BadIoTargetNull", /WdfIoTargetCreate: IoTarget is NULL/],
    ["BadQueryInterfaceNull", /WdfDeviceAddQueryInterface: InterfaceConfig is NULL/],
    ["BadRegistryOpenKeyNull", /WdfRegistryOpenKey: KeyName is NULL/],
    ["BadPdoIdNull", /WdfPdoInitAssignDeviceID: DeviceInit is NULL/],
    ["BadRequestCreateNull", /WdfRequestCreate: Request is NULL/],
    ["BadStringNull", /WdfStringCreate: String is NULL/],
    ["BadPropertyResultLength", /WdfDeviceQueryProperty: ResultLength is NULL/],
    ["BadSymbolicLinkNull", /WdfDeviceCreateSymbolicLink: SymbolicLinkName is NULL/],
    ["BadPropertyExType", /WdfDeviceQueryPropertyEx: Type is NULL/],
    ["BadLookasideNull", /WdfLookasideListCreate: Lookaside is NULL/],
    ["BadDpcHandle", /WdfDpcEnqueue: Dpc 0x[0-9a-f]+ is not a live WDF dpc handle/],
    ["BadInterruptInfoNull", /WdfInterruptGetInfo: Info is NULL/],
  ] as const) {
    const r = await simBothArches((arch) => [...steps, "--install", fixture(arch, "kmdfpnp.sys"), "--", "start:kmdfpnp", `call:kmdfpnp.sys!${routine}`]);
    assert.equal(r.code, 1, r.stdout);
    const fault = r.events.find((e) => e.event === "fault");
    assert.ok(fault, r.stdout);
    assert.equal(fault.kind, "bugcheck", routine);
    assert.equal(fault.code, "0x0000010D", routine);
    assert.match(String(fault.message), pattern);
  }
});

test("WDF_DPC_CONFIG and WDF_DEVICE_PROPERTY_DATA are laid out as clang lays out kmdfpnp.h's structures, on x64, x86 and ARM64", async () => {
  const { kmdfConstants } = await import("./kmdf-clang.js");
  const { wdfLayoutFor } = await import("../src/emu/wdf/layouts.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "kmdll-dpc-layout-"));
  try {
    for (const [arch, p] of [["x64", 8], ["x86", 4], ["arm64", 8]] as const) {
      const dpc = ["EvtDpcFunc", "DriverDpcLevel", "AutomaticSerialization"] as const;
      const l = wdfLayoutFor("WDF_DPC_CONFIG", p);
      assert.deepEqual([l.$size, ...dpc.map((f) => l[f])], kmdfConstants(dir, ["sizeof(WDF_DPC_CONFIG)", ...dpc.map((f) => `offsetof(WDF_DPC_CONFIG, ${f})`)], arch, "kmdfpnp.h"), arch);
      const prop = ["PropertyKey", "Lcid", "Flags"] as const;
      const q = wdfLayoutFor("WDF_DEVICE_PROPERTY_DATA", p);
      assert.deepEqual([q.$size, ...prop.map((f) => q[f])], kmdfConstants(dir, ["sizeof(WDF_DEVICE_PROPERTY_DATA)", ...prop.map((f) => `offsetof(WDF_DEVICE_PROPERTY_DATA, ${f})`)], arch, "kmdfpnp.h"), arch);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("WDF_INTERRUPT_INFO (current and KMDF 1.7) is laid out as clang lays out kmdfpnp.h's structure, on x64, x86 and ARM64", async () => {
  const { kmdfConstants } = await import("./kmdf-clang.js");
  const { wdfLayoutFor } = await import("../src/emu/wdf/layouts.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "kmdll-intinfo-layout-"));
  try {
    for (const [arch, p] of [["x64", 8], ["x86", 4], ["arm64", 8]] as const) {
      const f = ["TargetProcessorSet", "MessageNumber", "Vector", "Irql", "Mode", "MessageSignaled", "ShareDisposition", "Group"] as const;
      const l = wdfLayoutFor("WDF_INTERRUPT_INFO", p);
      assert.deepEqual([l.$size, ...f.map((x) => l[x])], kmdfConstants(dir, ["sizeof(WDF_INTERRUPT_INFO)", ...f.map((x) => `offsetof(WDF_INTERRUPT_INFO, ${x})`)], arch, "kmdfpnp.h"), arch);
      // KMDF 1.7's structure is the current one up to ShareDisposition (wdfinterrupt.h), rounded to its 8-byte alignment.
      const [end] = kmdfConstants(dir, ["offsetof(WDF_INTERRUPT_INFO, ShareDisposition) + 1"], arch, "kmdfpnp.h");
      assert.equal(wdfLayoutFor("WDF_INTERRUPT_INFO_V1_7", p).$size, Math.ceil(end! / 8) * 8, arch);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
