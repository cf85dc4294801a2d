/**
 * What real drivers from the GitHub corpus (docs/qa.md, "More real drivers from GitHub") call at
 * start and kmdll lacked, on examples/api-platform built from C (x64): each Test* export checks
 * its results in C and returns the number of failed checks; the Wild* exports pass bad pointers
 * and must end in a clean fault report; CngAes asks for an algorithm Windows has and kmdll does
 * not model, which must be reported as the emulator's gap.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { allApis, apisByComponent } from "../src/emu/api/index.js";
import { apis as mmlockApis } from "../src/emu/api/mmlock.js";
import { fixture } from "./helpers.js";

const exercised = new Set<string>();
function call(exp: string, opts: Record<string, unknown> = {}): CallImageResult {
  const r = callImage(fixture("x64", "apiplat.sys"), exp, [], { apis: allApis, trace: true, ...opts });
  for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return r;
}
function selfCheck(exp: string, opts: Record<string, unknown> = {}): CallImageResult {
  const r = call(exp, opts);
  assert.equal(r.fault, null, `${exp}: ${r.fault?.kind}: ${r.fault?.message}`);
  const fails = r.events.filter((e) => e.event === "dbgprint" && (e as { text: string }).text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
  assert.deepEqual(fails, [], `${exp} failed checks`);
  assert.equal(r.value, 0n, `${exp} returned ${r.value}`);
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault" || (e.event === "verifier" && (e as { level?: string }).level === "error")), []);
  return r;
}

test("apiplat.sys: debugger state, power information, driver paging, Driver Verifier, feature staging, multibyte conversions", () => {
  for (const e of ["TestDebugger", "TestPower", "TestPaging", "TestVerifier", "TestFeatures", "TestMultiByte"]) selfCheck(e);
  // Without Driver Verifier, MmIsVerifierEnabled says so (the C accepts either answer; the mode decides which).
  const off = call("TestVerifier", { verifier: "none" });
  assert.equal(off.value, 0n);
  assert.ok(off.events.some((e) => e.event === "api" && /MmIsVerifierEnabled/.test(e.api) && (e as { ret?: string }).ret === "0xc00000bb"), "STATUS_NOT_SUPPORTED with --verifier none");
});

test("apiplat.sys: AVL generic tables, the module list with a short buffer, thread notify (Ex), IoTryQueueWorkItem", () => {
  for (const e of ["TestAvlTable", "TestModuleList", "TestThreadNotifyEx", "TestTryQueueWorkItem"]) selfCheck(e);
  const r = selfCheck("TestTryQueueWorkItem");
  assert.ok(r.events.some((e) => e.event === "api" && /IoTryQueueWorkItem/.test(e.api) && (e as { ret?: string }).ret === "0x1"), "IoTryQueueWorkItem returned TRUE");
});

test("apiplat.sys: cng.sys, WppRecorder.sys and FltDoCompletionProcessingWhenSafe load as built-in modules and work", () => {
  for (const e of ["TestCng", "TestWppRecorder", "TestFltCompletion"]) {
    const r = selfCheck(e);
    // Built into the emulated kernel: never loaded from the root.
    assert.equal(r.events.some((x) => x.event === "load" && /cng|wpprecorder|fltmgr/i.test((x as { module: string }).module)), false);
  }
  const aes = call("CngAes");
  assert.equal(aes.value, null);
  assert.equal(aes.fault?.kind, "unimplemented-api");
  assert.match(aes.fault!.message, /CNG algorithm "AES", which Windows provides and kmdll does not model/);
});

test("apiplat.sys: wild pointers to the new routines end in clean fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildPower", "invalid-write", /invalid write of 1 byte\(s\) at 0xffffa000dead0000 in ntoskrnl!ZwPowerInformation/],
    ["WildAvlTable", "invalid-read", /at 0xffffa000dead002c in ntoskrnl!RtlInsertElementGenericTableAvl/],
    ["WildMultiByte", "invalid-read", /at 0xffffa000dead0000 in ntoskrnl!mbstowcs/],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call(exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message, re);
  }
});

test("every routine of the platform, AVL and WppRecorder families was called by the example (stubs marked)", () => {
  // (The pageable-section locks and x86 Interlocked* in the platform family are examples/qa-quickwins', test/qa-quickwins.test.ts;
  // KdRefreshDebuggerNotPresent is examples/qa-fresh6's, test/qa-fresh6.test.ts.)
  const mine = ["platform", "avltable"].flatMap((f) => apisByComponent[f] ?? []).filter((a) => !mmlockApis.includes(a));
  const called = ["KdDisableDebugger", "KdEnableDebugger", "KdChangeOption", "ZwPowerInformation", "MmPageEntireDriver", "MmResetDriverPaging", "mbstowcs", "wcstombs", "MmIsVerifierEnabled"];
  for (const n of called) assert.ok(exercised.has(n), n);
  const missing = mine.filter((a) => !a.stub && !exercised.has(a.name) && !["MmIsDriverVerifying", "KdRefreshDebuggerNotPresent"].includes(a.name)).map((a) => a.name);
  assert.deepEqual(missing, [], "implemented but never called by an example");
  // Undocumented routines that only record or answer "nothing configured" are stubs.
  for (const a of [...(apisByComponent["wpprecorder"] ?? []), ...mine.filter((x) => /FeatureConfiguration/.test(x.name))]) assert.equal(a.stub, true, a.name);
});
