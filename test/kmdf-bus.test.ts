// A KMDF bus driver's default child list (examples/kmdf-bus, two root devices from its devices.json):
// WdfFdoInitSetDefaultChildListConfig (refused configurations), EvtChildListScanForChildren at start,
// WdfChildListBeginScan / AddOrUpdateChildDescriptionAsPresent / UpdateChildDescriptionAsMissing /
// EndScan (statuses checked in C), EvtChildListCreateDevice at enumeration, and a change after the
// start: the PnP manager removes the missing child and starts the new one; the bus device's power
// policy callbacks, alignment and its device key (WdfRegistryAssignULong, QueryUnicodeString,
// QueryMultiString on values examples/kmdf-bus/kmdfbus.reg seeds), the bus information its children
// answer IRP_MN_QUERY_BUS_INFORMATION with. x64, x86 and ARM64.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, repoPath, runCli } from "./helpers.js";
import { simBothArches } from "./arch-compare.js";

type Ev = Record<string, unknown>;
const DEVICES = repoPath("examples", "kmdf-bus", "devices.json");
const REG = repoPath("examples", "kmdf-bus", "kmdfbus.reg");
const steps = (sys: string) => ["--devices", DEVICES, "--registry", REG, "--install", sys, "--", "start:kmdfbus", "call:kmdfbus.sys!ChangeChildren", "stop:kmdfbus"];
const parse = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);

function checkRun(code: number, stdout: string, ev: Ev[]): void {
  assert.equal(code, 0, stdout);
  assert.deepEqual(ev.filter((e) => ["fault", "leak", "verifier", "fail"].includes(String(e.event))), []);
  // 0 = every C check passed (a number names the first failed one: examples/kmdf-bus/bus.c).
  const prints = ev.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());
  assert.deepEqual(prints, [
    "kmdfbus: add check 0 (bus)", "kmdfbus: scan check 0", "kmdfbus: create child 1 (list ok)", "kmdfbus: create child 2 (list ok)",
    "kmdfbus: add check 0 (plain)", "kmdfbus: change check 0", "kmdfbus: create child 3 (list ok)",
  ]);
  // The three refused configurations are reported (the framework only breaks into the debugger).
  const warnings = ev.filter((e) => e.event === "warning").map((e) => String(e.message));
  for (const w of [/Config->Size 8 is not sizeof\(WDF_CHILD_LIST_CONFIG\)/, /IdentificationDescriptionSize is 0/, /DefaultChildListAttributes name a ParentObject/,
    /WdfDeviceInitSetPowerPolicyEventCallbacks: both EvtDeviceArmWakeFromSx and EvtDeviceArmWakeFromSxWithReason/, /PowerPolicyEventCallbacks->Size 12 is not sizeof/,
    /WdfDeviceSetSpecialFileSupport: FileType 5 is not a WDF_SPECIAL_FILE_TYPE this client may set/])
    assert.ok(warnings.some((m) => w.test(m)), `${String(w)}\n${warnings.join("\n")}`);
  // Children 1 and 2 after the bus started; 3 after the change, 2 removed as missing; the rest at the stop.
  const life = ev.filter((e) => e.event === "pnp" && ["enumerate", "start", "removing"].includes(String(e.action)) && String(e.device).startsWith("KMDFBUS\\"))
    .map((e) => `${String(e.action)} ${String(e.device)}${e.action === "enumerate" ? ` ${String(e.parent)} ${JSON.stringify(e.hardwareIds)}` : ""}${e.reason ? ` (${String(e.reason)})` : ""}`);
  assert.deepEqual(life, [
    'enumerate KMDFBUS\\CHILD\\1 ROOT\\KMDFBUS\\0000 ["KMDFBUS\\\\CHILD"]', 'enumerate KMDFBUS\\CHILD\\2 ROOT\\KMDFBUS\\0000 ["KMDFBUS\\\\CHILD"]',
    "start KMDFBUS\\CHILD\\1", "start KMDFBUS\\CHILD\\2",
    'enumerate KMDFBUS\\CHILD\\3 ROOT\\KMDFBUS\\0000 ["KMDFBUS\\\\CHILD"]', "removing KMDFBUS\\CHILD\\2 (reported missing by its bus driver)", "start KMDFBUS\\CHILD\\3",
    "removing KMDFBUS\\CHILD\\3 (its parent ROOT\\KMDFBUS\\0000 is being removed)", "removing KMDFBUS\\CHILD\\1 (its parent ROOT\\KMDFBUS\\0000 is being removed)",
  ]);
}

test("kmdf-bus: a default child list enumerates, adds and removes children as KMDF documents (C checks), x64 and x86", async () => {
  const r = await simBothArches((arch) => steps(fixture(arch, "kmdfbus.sys")));
  checkRun(r.code, r.stdout, r.events);
});

test("kmdf-bus on ARM64: the same", async () => {
  const r = await runCli(["sim", "--json", ...steps(fixture("arm64", "kmdfbus.sys"))]);
  checkRun(r.code, r.stdout + r.stderr, parse(r.stdout));
});

test("kmdf-bus: without the change step only children 1 and 2 exist, without the seeded values the registry check fails (the test can fail); a NULL description is a WDF_VIOLATION", async () => {
  const r = await runCli(["sim", "--json", "--devices", DEVICES, "--install", fixture("x64", "kmdfbus.sys"), "--", "start:kmdfbus", "stop:kmdfbus"]);
  const ev = parse(r.stdout);
  assert.equal(r.code, 0, r.stdout);
  assert.ok(ev.some((e) => e.event === "dbgprint" && String(e.text).trim() === "kmdfbus: add check 21 (bus)"), r.stdout);
  assert.deepEqual(ev.filter((e) => e.event === "pnp" && e.action === "enumerate" && String(e.device).startsWith("KMDFBUS\\")).map((e) => e.device), ["KMDFBUS\\CHILD\\1", "KMDFBUS\\CHILD\\2"]);
  const bad = await simBothArches((arch) => ["--devices", DEVICES, "--install", fixture(arch, "kmdfbus.sys"), "--", "start:kmdfbus", "call:kmdfbus.sys!BadChildDescriptionNull"]);
  assert.equal(bad.code, 1, bad.stdout);
  const fault = bad.events.find((e) => e.event === "fault");
  assert.ok(fault, bad.stdout);
  assert.deepEqual([fault.kind, fault.code], ["bugcheck", "0x0000010D"]);
  assert.match(String(fault.message), /WdfChildListAddOrUpdateChildDescriptionAsPresent: IdentificationDescription is NULL/);
});

test("WDF_CHILD_LIST_CONFIG and WDF_POWER_POLICY_EVENT_CALLBACKS are laid out as clang lays out kmdfpnp.h's structures, on x64, x86 and ARM64", async () => {
  const { kmdfConstants } = await import("./kmdf-clang.js");
  const { wdfLayoutFor } = await import("../src/emu/wdf/layouts.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const fields = ["IdentificationDescriptionSize", "AddressDescriptionSize", "EvtChildListCreateDevice", "EvtChildListScanForChildren", "EvtChildListIdentificationDescriptionCopy",
    "EvtChildListIdentificationDescriptionDuplicate", "EvtChildListIdentificationDescriptionCompare", "EvtChildListDeviceReenumerated"] as const;
  const dir = mkdtempSync(join(tmpdir(), "kmdll-childlist-layout-"));
  try {
    for (const [arch, p] of [["x64", 8], ["x86", 4], ["arm64", 8]] as const) {
      const nums = kmdfConstants(dir, ["sizeof(WDF_CHILD_LIST_CONFIG)", ...fields.map((f) => `offsetof(WDF_CHILD_LIST_CONFIG, ${f})`)], arch, "kmdfpnp.h");
      const l = wdfLayoutFor("WDF_CHILD_LIST_CONFIG", p);
      assert.deepEqual([l.$size, ...fields.map((f) => l[f])], nums, arch);
      // WDF_POWER_POLICY_EVENT_CALLBACKS as devcaps.ts reads it: Size padded to a pointer, 7 callbacks (1.5: 6).
      const pp = kmdfConstants(dir, ["sizeof(WDF_POWER_POLICY_EVENT_CALLBACKS)", "offsetof(WDF_POWER_POLICY_EVENT_CALLBACKS, EvtDeviceArmWakeFromSx)", "offsetof(WDF_POWER_POLICY_EVENT_CALLBACKS, EvtDeviceArmWakeFromSxWithReason)"], arch, "kmdfpnp.h");
      assert.deepEqual(pp, [8 * p, 4 * p, 7 * p], arch);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
