// The order KMDF tears a driver down in (examples/kmdf-unload, built against
// examples/include/kmdfmin.h, on x64, x86 and ARM64): FxDriver::Unload runs EvtDriverUnload, then
// deletes the WDFDRIVER; FxObject's state machine disposes its children first (each
// EvtCleanupCallback before the parent's), and destroys them only after the parent's cleanup, so a
// driver whose WDFDRIVER cleanup deletes its control device (Microsoft's dc3d.sys) works; a second
// WdfObjectDelete of a deleted but still referenced object is dropped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, runCli } from "./helpers.js";
import { simBothArches } from "./arch-compare.js";

const ORDER = [
  "kmdfunld: referenced object cleanup",
  "kmdfunld: referenced object deleted twice",
  "kmdfunld: referenced object destroy",
  "kmdfunld: loaded",
  "kmdfunld: EvtDriverUnload, control device alive",
  // the WDFDRIVER's children, disposed in creation order; a control device destroys its own children with its DEVICE_OBJECT
  "kmdfunld: collection cleanup",
  "kmdfunld: queue cleanup",
  "kmdfunld: device cleanup",
  "kmdfunld: queue destroy",
  // the driver's cleanup: its children's handles are still valid, and deleting the disposed control device is allowed
  "kmdfunld: driver cleanup, collection holds 0",
  "kmdfunld: driver cleanup, control device context intact",
  "kmdfunld: driver cleanup, control device deleted",
  // then the children are released, then the driver
  "kmdfunld: collection destroy",
  "kmdfunld: device destroy",
  "kmdfunld: driver destroy",
];

const prints = (events: Record<string, unknown>[]) => events.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());

test("kmdf-unload: EvtDriverUnload first, then the WDFDRIVER's children are disposed before its EvtCleanupCallback and destroyed after it; the cleanup deletes the disposed control device (as dc3d.sys) without a WDF_VIOLATION (x64, x86)", async () => {
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfunld.sys"), "--", "start:kmdfunld", "stop:kmdfunld", "start:kmdfunld", "stop:kmdfunld"]);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(prints(r.events), [...ORDER, ...ORDER]);
  // the device and its link are gone at unload (the reload could create them again); nothing leaked
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "warning" || e.event === "fault"), []);
});

test("kmdf-unload: the ARM64 build tears down in the same order", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("arm64", "kmdfunld.sys"), "--", "start:kmdfunld", "stop:kmdfunld"]);
  assert.equal(r.code, 0, r.stdout);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(prints(events), ORDER);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "warning" || e.event === "fault"), []);
});

test("kmdf-unbind: a driver that keeps its own DriverUnload (no dispatch override, no EvtDriverUnload — an NDIS-WDF miniport's way) and only unbinds: WdfVersionUnbind deletes the WDFDRIVER still there with its children, closing its WDFKEYs (one made by WdfRegistryCreateKey) (x64, x86, ARM64)", async () => {
  const order = [
    // WdfRegistryCreateKey: REG_CREATED_NEW_KEY, then REG_OPENED_EXISTING_KEY
    "kmdfunbd: Parameters\\Settings created (1), then opened (2)",
    // WdfRegistryWdmGetHandle: the WDFKEY's own kernel handle
    "kmdfunbd: Probe written through the WDM handle reads 7",
    "kmdfunbd: loaded",
    "kmdfunbd: DriverUnload, unbinding",
    "kmdfunbd: collection cleanup",
    "kmdfunbd: parameters key cleanup",
    "kmdfunbd: driver cleanup",
    "kmdfunbd: collection destroy",
    "kmdfunbd: driver destroy",
    "kmdfunbd: DriverUnload, unbound",
  ];
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfunbd.sys"), "--", "start:kmdfunbd", "stop:kmdfunbd"]);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(prints(r.events), order);
  // the Parameters key's handle was closed with its WDFKEY: no handle leak
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  const arm = await runCli(["sim", "--json", "--install", fixture("arm64", "kmdfunbd.sys"), "--", "start:kmdfunbd", "stop:kmdfunbd"]);
  assert.equal(arm.code, 0, arm.stdout);
  assert.deepEqual(prints(arm.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)), order);
});
