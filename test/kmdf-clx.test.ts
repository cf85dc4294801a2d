// KMDF class extensions (examples/kmdf-clx, built against examples/include/kmdfclx.h): the client
// binds GpioClx, SpbCx and an unknown class through WDFLDR.SYS's WdfVersionBindClass the way the
// class extensions' stub libraries do, and calls GPIO_CLX_RegisterClient / UnregisterClient and
// SpbDeviceInitConfig, and binds UcmCx / UcmTcpciCx; on x64, x86 and ARM64. Layouts are compared with clang's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, runCli } from "./helpers.js";
import { kmdfConstants } from "./kmdf-clang.js";
import { wdfLayoutFor } from "../src/emu/wdf/layouts.js";
import { gpioPacketSize } from "../src/emu/wdf/classext.js";

const ARCHES = ["x64", "x86", "arm64"] as const;

async function sim(arch: (typeof ARCHES)[number], steps: string[]) {
  const r = await runCli(["sim", "--json", "--install", fixture(arch, "kmdfclx.sys"), "--", "start:kmdfclx", ...steps]);
  return { ...r, events: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test("kmdf-clx: GpioClx and SpbCx bind through WdfVersionBindClass, GPIO_CLX_RegisterClient checks its packet, an unknown class is STATUS_OBJECT_NAME_NOT_FOUND", async () => {
  for (const arch of ARCHES) {
    const r = await sim(arch, ["call:kmdfclx.sys!TestGpioClx", "call:kmdfclx.sys!TestSpbCx", "call:kmdfclx.sys!TestUnknownClass", "stop:kmdfclx"]);
    assert.equal(r.code, 0, `${arch}: ${r.stdout}`);
    const values = r.events.filter((e) => e.event === "return" && /^Test/.test(String(e.routine))).map((e) => String(e.value));
    assert.deepEqual(values, ["0x0", "0x0", "0x0"], `${arch}: ${r.stdout}`);
    assert.deepEqual(r.events.filter((e) => e.event === "fault" || e.event === "leak"), [], arch);
    // The unknown class is named in the warning.
    assert.ok(r.events.some((e) => e.event === "warning" && /NoSuchCx.*STATUS_OBJECT_NAME_NOT_FOUND/.test(String(e.message))), arch);
    // Unbinding the refused record (as the stub's cleanup does) is no error: the bind warning stays the last word.
    assert.deepEqual(r.events.filter((e) => e.event === "warning" && /is not a bound class/.test(String(e.message))), [], arch);
  }
});

test("kmdf-clx: UcmCx (11 DDIs) and UcmTcpciCx (7 DDIs) bind with their WDK table sizes, refuse one more, and hand back class globals that unbinding clears", async () => {
  for (const arch of ARCHES) {
    const r = await sim(arch, ["call:kmdfclx.sys!TestUcmClasses", "stop:kmdfclx"]);
    assert.equal(r.code, 0, `${arch}: ${r.stdout}`);
    const values = r.events.filter((e) => e.event === "return" && e.routine === "TestUcmClasses").map((e) => String(e.value));
    assert.deepEqual(values, ["0x0"], `${arch}: ${r.stdout}`);
    assert.deepEqual(r.events.filter((e) => e.event === "fault" || e.event === "leak"), [], arch);
  }
});

test("kmdf-clx: a class DDI kmdll does not implement is an unimplemented-api report naming the class module and DDI", async () => {
  for (const arch of ARCHES) {
    const r = await sim(arch, ["call:kmdfclx.sys!BadInterruptLock"]);
    assert.equal(r.code, 1, `${arch}: ${r.stdout}`);
    const fault = r.events.find((e) => e.event === "fault");
    assert.equal(fault?.kind, "unimplemented-api", arch);
    assert.equal(fault?.api, "msgpioclx.sys!GPIO_CLX_AcquireInterruptLock", arch);
  }
});

test("kmdf-clx: UcmInitializeDevice (a UcmCx stub) with a handle that is no WDFDEVICE is a WDF_VIOLATION bug check report", async () => {
  for (const arch of ARCHES) {
    const r = await sim(arch, ["call:kmdfclx.sys!BadUcmDevice"]);
    assert.equal(r.code, 1, `${arch}: ${r.stdout}`);
    const fault = r.events.find((e) => e.event === "fault");
    assert.equal(fault?.kind, "bugcheck", arch);
    assert.equal(fault?.api, "ucmcx.sys!UcmInitializeDevice", arch);
    assert.match(String(fault?.message), /WdfDevice 0x1234 is not a live WDF device handle \(WDF_VIOLATION\)/, arch);
  }
});

test("WDF_CLASS_BIND_INFO and GPIO_CLIENT_REGISTRATION_PACKET's per-version sizes are laid out as clang lays out kmdfclx.h's structures", () => {
  const fields = ["ClassName", "FunctionTable", "FunctionTableCount", "ClassBindInfo", "ClientBindClass", "ClientUnbindClass", "ClassModule"] as const;
  const dir = mkdtempSync(join(tmpdir(), "kmdll-clx-"));
  try {
    for (const arch of ARCHES) {
      const items = ["sizeof(WDF_CLASS_BIND_INFO)", "offsetof(WDF_CLASS_BIND_INFO, Version.Major)", "offsetof(WDF_CLASS_BIND_INFO, Version.Build)", ...fields.map((f) => `offsetof(WDF_CLASS_BIND_INFO, ${f})`),
        "offsetof(GPIO_CLIENT_REGISTRATION_PACKET, QueryEnabledInterrupts)", "offsetof(GPIO_CLIENT_REGISTRATION_PACKET, ConnectFunctionConfigPins)", "sizeof(GPIO_CLIENT_REGISTRATION_PACKET)"];
      const c = kmdfConstants(dir, items, arch, "kmdfclx.h");
      const p = arch === "x86" ? 4 : 8;
      const l = wdfLayoutFor("WDF_CLASS_BIND_INFO", p);
      assert.deepEqual([l.$size, l.Major, l.Build, ...fields.map((f) => l[f])], c.slice(0, 3 + fields.length), arch);
      assert.deepEqual([1, 2, 3].map((v) => gpioPacketSize(v, p)), c.slice(3 + fields.length), arch);
    }
    // The size the real ARM64 stubs check (FxStubBindClasses compares Size with 80).
    assert.equal(wdfLayoutFor("WDF_CLASS_BIND_INFO", 8).$size, 80);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
