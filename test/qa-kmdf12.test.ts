/**
 * What the WOA-Drivers ARM64 KMDF set taught the emulator in session 12 (/work/wt/qa-kmdf12.md,
 * helper "kmdf12"), on a driver of our own (examples/qa-kmdf12, x64, x86 and ARM64); cng.sys's entropy-source
 * routines are examples/qa-modules'. The KMDF unload order
 * and WdfVersionUnbind's deletion of the WDFDRIVER: test/kmdf-unload.test.ts. Also WppRecorder.sys's
 * argument lists and x86 conventions, as Intel's TEEDriverW10 (fresh7b) calls it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";

const ARCHES = ["x64", "x86", "arm64"] as const;
const run = (tests: string[], arch: (typeof ARCHES)[number]) => runSelfChecks("qakmdf12", tests, arch);

test("qakmdf12.sys: a WPP/IFR driver's WppRecorder.sys calls — each imp_ routine with the WPP control block first, x86 stdcall (WppAutoLogTrace cdecl) — load and return with a balanced stack on x64, x86 and ARM64", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestWppRecorderCalls"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    for (const n of ["WppAutoLogStart", "imp_WppRecorderIsDefaultLogAvailable", "imp_WppRecorderConfigure", "imp_WppRecorderLogGetDefault", "WppAutoLogTrace", "WppAutoLogStop"]) assert.ok(apis(events).includes(`wpprecorder.sys!${n}`), `${arch}: ${n}`);
  }
});

test("qakmdf12.sys: EtwSetInformation — provider traits whose size field is the length, BinaryTrackInfo, UseDescriptorType succeed; a bad blob or NULL with a length STATUS_INVALID_PARAMETER, a handle that is no registration STATUS_INVALID_HANDLE; Reserved1 and unknown classes STATUS_NOT_SUPPORTED (x64, x86 with its 64-bit REGHANDLE, ARM64)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestEtwSetInformation"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events), [], arch);
    assert.equal(r.ok, true, arch);
    assert.ok(apis(events).includes("ntoskrnl.exe!EtwSetInformation"), arch);
  }
});
