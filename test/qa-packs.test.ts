/**
 * What the held-out set fresh4 (DriverPack Solution driver packs, issue 12, session 10;
 * /work/wt/qa-packs.md) stopped at, each lesson on a driver of our own (examples/qa-packs):
 * RtlQueryModuleInformation (aux_klib.lib, Atheros bthathfax.sys), pageable sections named "PAGE"
 * in upper case only (SigmaTel sthda.sys x86), x86 RtlExtendedLargeIntegerDivide (3ware 3wDrv100.sys),
 * IoSet/GetActivityIdIrp (Bluetooth BTHUSB.SYS / BthMini.SYS).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";

const ARCHES = ["x64", "x86"] as const;
const run = (tests: string[], arch: "x64" | "x86") => runSelfChecks("qapacks", tests, arch);

test("qapacks.sys: RtlQueryModuleInformation — size query, AUX_MODULE_EXTENDED_INFO / BASIC_INFO arrays listing the kernel first and this driver by its image range, STATUS_BUFFER_TOO_SMALL (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestAuxModules"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
    assert.equal(apis(events).filter((a) => a === "ntoskrnl.exe!RtlQueryModuleInformation").length, 5, arch);
  }
});

test("qapacks.sys: RtlQueryModuleInformation refuses an element size of neither structure with a warning, buffer untouched", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestAuxModulesBadSize"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.equal(r.ok, true, arch);
    const w = events.filter((e) => e.event === "warning").map((e) => JSON.stringify(e));
    assert.equal(w.length, 1, w.join("\n"));
    assert.match(w[0]!, /SizePerModule 12 is neither sizeof\(AUX_MODULE_BASIC_INFO\) \((8|4)\) nor sizeof\(AUX_MODULE_EXTENDED_INFO\) \((272|268)\)/, arch);
  }
});

test("qapacks.sys: a lower-case \"page\" section stays resident (read at DISPATCH_LEVEL is fine); an upper-case PAGE* one is pageable: bug check 0xD1 (x64, x86)", () => {
  for (const arch of ARCHES) {
    const { events, r } = run(["TestLowerCasePageSection"], arch);
    assert.deepEqual(failures(events), [], arch);
    assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), [], arch);
    assert.equal(r.ok, true, arch);
    const up = runSelfChecks("qapacks", ["TestUpperCasePageSection"], arch, { expect: undefined });
    const f = up.events.filter((e) => e.event === "fault").map((e) => JSON.stringify(e));
    assert.equal(f.length, 1, `${arch}: ${f.join("\n")}`);
    assert.match(f[0]!, /pageable memory.*PAGEQP.*DRIVER_IRQL_NOT_LESS_OR_EQUAL/, arch);
  }
});

test("qapacks.sys: x86 RtlExtendedLargeIntegerDivide — quotient in EDX:EAX, remainder stored unless NULL (values checked in C)", () => {
  const { events, r } = run(["TestExtendedDivideX86"], "x86");
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), []);
  assert.equal(r.ok, true);
  assert.equal(apis(events).filter((a) => a === "ntoskrnl.exe!RtlExtendedLargeIntegerDivide").length, 3);
});

test("qapacks.sys: IoSetActivityIdIrp / IoGetActivityIdIrp (Windows 8 exports) resolve and answer as on a machine without I/O tracing (x64)", () => {
  const { events, r } = run(["TestActivityId"], "x64");
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events).map((e) => JSON.stringify(e)), []);
  assert.equal(r.ok, true);
  for (const n of ["IoSetActivityIdIrp", "IoGetActivityIdIrp"]) assert.ok(apis(events).includes(`ntoskrnl.exe!${n}`), n);
});
