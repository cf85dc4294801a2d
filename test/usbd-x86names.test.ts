/**
 * x86 usbd.sys's undecorated names (issue 12, held-out corpus fresh4: 51 signed x86 USB drivers
 * failed to load, "cannot find USBD.SYS USBD_CreateConfigurationRequestEx", because kmdll's x86
 * usbd.sys exported only mingw-w64's _X@n forms): examples/usbd-x86names imports the three
 * descriptor routines by their plain names and checks their answers in C.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import { usbdModuleExtras } from "../src/emu/api/usbd.js";
import { fixture, runCli } from "./helpers.js";

test("usbdnames.sys (x86): imports USBD_ParseConfigurationDescriptorEx / USBD_ParseDescriptors / USBD_CreateConfigurationRequestEx undecorated; they resolve and answer as documented", async () => {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture("x86", "usbdnames.sys")],
    steps: [
      { kind: "start", name: "usbdnames" },
      { kind: "stop", name: "usbdnames" },
    ],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  const prints = events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
  assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), []);
  assert.ok(prints.includes("usbdnames: all checks passed\n"), prints.join(""));
  assert.equal(r.ok, true, r.results.map((x) => `${x.label}: ${x.detail}`).join("; "));
  // kmdll check finds every import (the plain names included) in the kernel export database.
  const imp = await runCli(["check", "--json", fixture("x86", "usbdnames.sys")]);
  assert.deepEqual((JSON.parse(imp.stdout) as { findings: unknown[] }).findings, []);
  const apis = events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api);
  for (const n of ["USBD_ParseConfigurationDescriptorEx", "USBD_ParseDescriptors", "USBD_CreateConfigurationRequestEx"]) assert.ok(apis.includes(`usbd.sys!${n}`), n);
});

test("the kernel export database lists x86 usbd.sys's undecorated names (stdcall, the decorated forms' bytes); x64 gets no extras", () => {
  const x86 = new Map((kernelModuleExportsFor("usbd.sys", "x86") ?? []).map((e) => [e.name, e]));
  assert.equal(x86.get("USBD_ParseConfigurationDescriptorEx")?.argBytes, 28);
  assert.equal(x86.get("USBD_CreateConfigurationRequestEx")?.argBytes, 8);
  assert.equal(x86.get("USBD_ParseDescriptors")?.argBytes, 16);
  assert.ok(x86.has("_USBD_ParseDescriptors@16"));
  assert.deepEqual(usbdModuleExtras("x64"), []);
});
