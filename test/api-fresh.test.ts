/**
 * The routines real drivers of kmdll's held-out sets stopped on (docs/qa.md, helper "x64fresh"),
 * on examples/api-fresh built from C (x64): MmAllocateMdlForIoSpace and its mapping,
 * IoGetDriverDirectory, IoConnectInterruptEx (fully specified, line-based and message-based on a
 * root device's PDO, devices.json) with the activity reports and IoDisconnectInterruptEx, the file
 * system registration change routines, PoFx crash-dump devices without a PEP,
 * ExQueryTimerResolution, SystemFirmwareTableInformation (SMBIOS checked against the registry's
 * BIOS values, ACPI checksums, the FIRM option ROM signature) and sqrt (exact doubles from IEEE
 * 754). The driver checks every result in C and prints its totals; the test reads them and runs
 * the misuses the service key's "Mode" selects. Without these routines the driver does not load
 * (STATUS_DRIVER_ENTRYPOINT_NOT_FOUND). Then the loader's kernel API sets on synthetic images.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli } from "./helpers.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { kernelModuleExportsFor } from "../src/nt/kernel-exports.js";
import { Kernel, ScriptedExecutor, syntheticImage, syntheticSource, type SyntheticImageSpec } from "../src/kernel/index.js";
import type { TraceEvent } from "../src/events.js";

type Ev = Record<string, unknown>;
const DEVICES = repoPath("examples", "api-fresh", "devices.json");
const NEW = ["MmAllocateMdlForIoSpace", "IoGetDriverDirectory", "IoConnectInterruptEx", "IoDisconnectInterruptEx", "IoReportInterruptActive", "IoReportInterruptInactive", "IoRegisterFsRegistrationChange", "IoRegisterFsRegistrationChangeEx", "IoRegisterFsRegistrationChangeMountAware", "IoUnregisterFsRegistrationChange", "PoFxRegisterCrashdumpDevice", "PoFxPowerOnCrashdumpDevice", "ExQueryTimerResolution", "sqrt"];

async function run(mode?: number): Promise<{ code: number; ev: Ev[]; prints: string[]; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), "apifresh-"));
  try {
    const args = ["sim", "--json", "--trace", "--devices", DEVICES, "--install", fixture("x64", "apifresh.sys")];
    if (mode !== undefined) {
      const reg = join(dir, "mode.reg");
      writeFileSync(reg, `Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\apifresh]\n"Mode"=dword:${mode.toString(16).padStart(8, "0")}\n`);
      args.push("--registry", reg);
    }
    const r = await runCli([...args, "--", "start:apifresh", "stop:apifresh"], { timeoutMs: 120000 });
    const ev = r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);
    const prints = ev.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());
    return { code: r.code, ev, prints, out: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("apifresh.sys (x64): every check in C passes — DriverEntry, the PnP device's start and removal, DriverUnload", async () => {
  const { code, ev, prints, out } = await run();
  assert.equal(ev.find((e) => e.event === "fault"), undefined, out);
  assert.equal(code, 0, prints.join("\n"));
  assert.deepEqual(prints.filter((p) => p.includes("FAILED")), []);
  const m = /apifresh: (\d+) checks, (\d+) failures/.exec(prints.find((p) => /apifresh: \d+ checks/.test(p)) ?? "");
  assert.ok(m && Number(m[1]) >= 75, prints.join("\n"));
  assert.equal(m![2], "0");
  // The root device started with both connections (line-based, and message-based through the fallback) and was removed.
  assert.ok(prints.includes("apifresh: device started, interrupts 1 1"), prints.join("\n"));
  assert.ok(prints.includes("apifresh: device removed"));
  // Each new routine ran (the trace's api events), and each is importable from the kernel export database.
  const called = new Set(ev.filter((e) => e.event === "api").map((e) => String(e.api).replace(/^.*!/, "")));
  for (const n of NEW) assert.ok(called.has(n), `${n} was not called`);
  const db = new Set((kernelModuleExportsFor("ntoskrnl.exe", "x64") ?? []).map((e) => e.name));
  for (const n of NEW) assert.ok(db.has(n), `${n} is not in the x64 export database`);
  // Connections and activity reports are hardware events on the vector 0x30 + IRQ 5.
  const irq = ev.filter((e) => e.event === "hardware" && e.kind === "interrupt").map((e) => `${String(e.op)} ${String(e.address)}`);
  assert.ok(irq.includes("connect 0x35") && irq.includes("inactive 0x35") && irq.includes("active 0x35") && irq.includes("disconnect 0x35"), irq.join(", "));
});

test("apifresh.sys: IoReportInterruptActive on an object that is no interrupt is a bug check report", async () => {
  const { code, ev } = await run(1);
  assert.equal(code, 1);
  const f = ev.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
  assert.equal(f?.kind, "bugcheck");
  assert.match(f!.message, /IoReportInterruptActive\(0x[0-9a-f]+\): 0x[0-9a-f]+ is not an interrupt IoConnectInterruptEx connected/);
});

test("apifresh.sys: IoDisconnectInterruptEx with another Version than the connect returned is a bug check report", async () => {
  const { code, ev } = await run(2);
  assert.equal(code, 1);
  const f = ev.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
  assert.equal(f?.kind, "bugcheck");
  assert.match(f!.message, /Version CONNECT_MESSAGE_BASED is not the CONNECT_LINE_BASED IoConnectInterruptEx returned/);
});

test("apifresh.sys: unloading with a file system registration change routine registered is a verifier finding", async () => {
  const { code, ev } = await run(3);
  assert.equal(code, 1);
  const v = ev.filter((e) => e.event === "verifier").map((e) => String(e.message));
  assert.ok(v.some((m) => /fs-registration notify routine apifresh\.sys\+0x[0-9a-f]+ still registered/.test(m)), v.join("\n"));
});

test("apifresh.sys: a scan of the system-call entry finds KiSystemServiceRepeat's lea r10 in KiSystemCall64 (IA32_LSTAR; before helper lstar it read 0, an emulator gap)", async () => {
  const { ev, prints } = await run(4);
  assert.equal(ev.find((e) => e.event === "fault"), undefined, JSON.stringify(ev.find((e) => e.event === "fault")));
  assert.ok(prints.includes("apifresh: lea r10 at +162"), prints.join("\n"));
});

test("apifresh.sys: a size probe the routine then answered is not quoted as DriverEntry's last failed kernel call", async () => {
  const { code, ev } = await run(5);
  assert.equal(code, 1);
  const f = ev.find((e) => e.event === "fail") as { message: string; failedCall?: unknown } | undefined;
  assert.match(f!.message, /apifresh\.sys: DriverEntry returned 0xC0000001 \(STATUS_UNSUCCESSFUL\); the image is unloaded/);
  assert.doesNotMatch(f!.message, /last failed kernel call/);
  // The probe itself happened and returned STATUS_INFO_LENGTH_MISMATCH.
  assert.ok(ev.some((e) => e.event === "api" && /ZwQuerySystemInformation/.test(String(e.api)) && e.ret === "0xc0000004"));
});

test("the new routines are listed by `kmdll apis`; the PEP-less PoFx crash-dump routines are stubs", () => {
  const all = Object.values(apisByComponent).flat();
  for (const n of NEW) assert.ok(all.some((a) => a.name === n), n);
  for (const n of ["PoFxRegisterCrashdumpDevice", "PoFxPowerOnCrashdumpDevice"]) assert.equal(all.find((a) => a.name === n)!.stub, true, n);
  for (const n of ["MmAllocateMdlForIoSpace", "IoConnectInterruptEx", "sqrt"]) assert.notEqual(all.find((a) => a.name === n)!.stub, true, n);
});

// ---- kernel API sets (nt/api-sets.ts): the loader resolves the contract to its host module.

function loadWorld(images: Record<string, SyntheticImageSpec>) {
  const events: TraceEvent[] = [];
  const exec = new ScriptedExecutor({}, { sink: (e) => events.push(e), kernelExports: { "ntoskrnl.exe": ["DbgPrint"] } });
  const D = "\\SystemRoot\\System32\\drivers\\";
  const kernel = new Kernel({ executor: exec, images: syntheticSource(Object.fromEntries(Object.entries(images).map(([k, v]) => [D + k, syntheticImage(v)]))), semantics: "documented", sink: (e) => events.push(e) });
  return { kernel, events, exec };
}
const WER = { dll: "ext-ms-win-ntos-werkernel-l1-1-1.dll", functions: ["WerLiveKernelCreateReport"] };

test("kernel API set: ext-ms-win-ntos-werkernel-l1-1-1.dll binds to werkernel.sys (its host, built into kmdll), never to a file of that name", () => {
  // werkernel.sys is loaded at boot (a built-in module, api/werkernel.ts): a copy in the root is not loaded.
  const w = loadWorld({
    "drv.sys": { imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }, WER] },
    "werkernel.sys": { dllName: "werkernel.sys", exports: [{ name: "WerLiveKernelCreateReport" }], imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }] },
    "ext-ms-win-ntos-werkernel-l1-1-1.dll": { dllName: "ext-ms-win-ntos-werkernel-l1-1-1.dll", exports: [{ name: "WerLiveKernelCreateReport" }], imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }] },
  });
  assert.equal(w.kernel.start("drv").ok, true);
  const loads = w.events.filter((e) => e.event === "load").map((e) => (e as { module: string }).module);
  assert.deepEqual(loads, ["drv.sys"]);
  assert.equal(w.kernel.findModule("werkernel.sys")?.builtin, true);
});

test("kernel API set: a contract kmdll's schema lacks is said so", () => {
  const unknown = loadWorld({ "drv.sys": { imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }, { dll: "ext-ms-win-ntos-madeup-l1-1-0.dll", functions: ["F"] }] } });
  assert.equal(unknown.kernel.start("drv").ok, false);
  const f2 = unknown.events.find((e) => e.event === "fail") as { missing?: string; message: string; cause: string };
  assert.equal(f2.missing, "ext-ms-win-ntos-madeup-l1-1-0.dll");
  assert.equal(f2.cause, "0xC0000034");
  assert.match(f2.message, /imports the kernel API set ext-ms-win-ntos-madeup-l1-1-0\.dll, which kmdll's API set schema does not map to a module/);
});
