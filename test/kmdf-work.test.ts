/**
 * KMDF work items and EvtIoInCallerContext (the framework features WinDivert 1.x's KMDF driver
 * needs to start and take requests), on examples/kmdf-work built from C: a control device whose
 * EvtIoInCallerContext reads each request's WdfRequestGetParameters (a read's length, an IOCTL's
 * code and buffer lengths), completes reads, writes and some IOCTLs itself and enqueues the rest with
 * WdfDeviceEnqueueRequest; the queue's EvtIoDeviceControl checks WdfWorkItemCreate's documented
 * failures, Enqueue/Flush/GetParentObject and deletion of a queued work item, and returns the
 * number of failed checks as the IOCTL's output. x64, x86 and ARM64 alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "../src/kernel/simulation.js";
import { parseStepText } from "../src/kernel/scenario.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";
import { archNeutralLine } from "./arch-compare.js";

const STEPS = ["start:kmdfwork", "open:\\\\.\\KmdfWork,as=h", "ioctl:h:0x222404:cc,out=4,info=1", "ioctl:h:0x222404:00,out=4,expect=00000000", "read:h:8,info=8", "write:h:01,status=0xC0000010",
  // Purged, the default queue refuses requests (the driver completes them with the status WdfDeviceEnqueueRequest gave) until started again.
  "ioctl:h:0x222404:50,out=4,info=1", "ioctl:h:0x222404:00,out=4,status=0xC0000184", "ioctl:h:0x222404:53,out=4,info=1", "ioctl:h:0x222404:00,out=4,expect=00000000",
  "close:h", "stop:kmdfwork"];

function run(arch: "x64" | "x86" | "arm64"): { events: TraceEvent[]; results: ReturnType<typeof runSimulation>["results"] } {
  const events: TraceEvent[] = [];
  const r = runSimulation({ install: [fixture(arch, "kmdfwork.sys")], steps: STEPS.map((s) => parseStepText(s)), sink: (e) => void events.push(e), executor: emulatorExecutor, trace: true });
  return { events, results: r.results };
}

test("kmdfwork.sys: EvtIoInCallerContext completes or enqueues each request, work items pass their checks, the driver unloads clean (x64, x86, ARM64)", () => {
  const x64 = run("x64");
  assert.deepEqual(x64.results.filter((r) => !r.ok).map((r) => `${r.label}: ${r.detail}`), []);
  const prints = x64.events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
  assert.deepEqual(prints.filter((t) => t.startsWith("FAIL")), []);
  assert.deepEqual(x64.events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier" || e.event === "warning"), []);
  const apis = x64.events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api.replace(/^.*!/, ""));
  // The 0xCC request never reached the queue; the other went through WdfDeviceEnqueueRequest.
  assert.equal(apis.filter((a) => a === "WdfDeviceEnqueueRequest").length, 3);
  for (const a of ["WdfDeviceInitSetIoInCallerContextCallback", "WdfRequestGetParameters", "WdfWorkItemCreate", "WdfWorkItemEnqueue", "WdfWorkItemFlush", "WdfWorkItemGetParentObject", "WdfIoQueuePurge", "WdfIoQueueStart"]) assert.ok(apis.includes(a), a);
  const neutral = (ev: TraceEvent[]) => ev.filter((e) => e.event !== "api").map(archNeutralLine);
  for (const arch of ["x86", "arm64"] as const) {
    const r = run(arch);
    assert.deepEqual(r.results.map((x) => x.ok), x64.results.map((x) => x.ok), arch);
    assert.deepEqual(neutral(r.events), neutral(x64.events), arch);
  }
});
