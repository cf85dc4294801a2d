/**
 * `kmdll sim` parity with `kmdll call` (--unimplemented stub|fault, --timeout; an emulator gap is
 * not a driver crash) and the registry of a booted system (default hive, service keys the
 * Service Control Manager writes, --registry files on top).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimulation, loadRegistry } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { REG_DWORD } from "../src/formats/reg/parse.js";
import { fixture, runCli } from "./helpers.js";

const EMUFAULT = fixture("x64", "emufault.sys");
type Ev = { event: string; [k: string]: unknown };
const parse = (out: string) => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev);

test("sim: a kernel routine kmdll does not implement is an emulator gap (kind unimplemented-api, exit 1), not a crash", async () => {
  const r = await runCli(["sim", "--json", "--install", EMUFAULT, "--", "start:emufault", "call:emufault.sys!CallUnimplemented"]);
  assert.equal(r.code, 1);
  const ev = parse(r.stdout);
  const fault = ev.find((e) => e.event === "fault")!;
  assert.equal(fault.kind, "unimplemented-api");
  const fail = ev.find((e) => e.event === "fail")!;
  assert.match(String(fail.message), /^kmdll does not implement ntoskrnl!ZwSetEaFile \(called from emufault\.sys\+0x[0-9a-f]+\): .*a gap of the emulator, not a crash of the driver/);
  assert.doesNotMatch(r.stdout, /Windows would have crashed/);
  const text = await runCli(["sim", "--install", EMUFAULT, "--", "start:emufault", "call:emufault.sys!CallUnimplemented"]);
  assert.match(text.stdout, /scenario FAILED: call emufault\.sys!CallUnimplemented\(\): kmdll does not implement ntoskrnl!ZwSetEaFile/);
});

test("sim --unimplemented stub: the routine returns STATUS_NOT_IMPLEMENTED with a warning and the scenario goes on", async () => {
  const r = await runCli(["sim", "--json", "--unimplemented", "stub", "--install", EMUFAULT, "--", "start:emufault", "call:emufault.sys!CallUnimplemented"]);
  assert.equal(r.code, 0, r.stdout.slice(-1500));
  const ev = parse(r.stdout);
  assert.ok(ev.some((e) => e.event === "warning" && /unimplemented ntoskrnl!ZwSetEaFile .*returned STATUS_NOT_IMPLEMENTED/.test(String(e.message))));
  assert.ok(!ev.some((e) => e.event === "fault"));
  const bad = await runCli(["sim", "--unimplemented", "maybe", "--install", EMUFAULT, "--", "start:emufault"]);
  assert.equal(bad.code, 2);
});

test("sim --timeout: a driver that never returns stops after the budget (a hang, not a crash)", async () => {
  const t0 = Date.now();
  const r = await runCli(["sim", "--json", "--timeout", "0.5", "--install", EMUFAULT, "--", "start:emufault", "call:emufault.sys!Spin"]);
  assert.equal(r.code, 1);
  assert.ok(Date.now() - t0 < 9000, "stopped well before the 10 s default");
  const ev = parse(r.stdout);
  assert.equal(ev.find((e) => e.event === "fault")?.kind, "timeout");
  assert.match(String(ev.find((e) => e.event === "fail")?.message), /time budget of 0\.5 s exceeded in emufault\.sys!Spin; the driver was running at emufault\.sys\+0x[0-9a-f]+ \(Spin\) \(the call does not return/);
  const bad = await runCli(["sim", "--timeout", "0", "--install", EMUFAULT, "--", "start:emufault"]);
  assert.equal(bad.code, 2);
});

test("sim: a driver's own crash keeps the bugcheck wording", async () => {
  const r = await runCli(["sim", "--json", "--install", EMUFAULT, "--", "start:emufault", "call:emufault.sys!WildRead"]);
  assert.equal(r.code, 1);
  assert.match(String(parse(r.stdout).find((e) => e.event === "fail")?.message), /emulation stopped in emufault\.sys: invalid read .*\(Windows would have crashed\)/);
});

test("registry: a booted system's default hive, extended and overridden by a --registry file", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-reg-"));
  try {
    const plain = loadRegistry();
    assert.equal(plain.getString("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control", "SystemStartOptions"), " NOEXECUTE=OPTIN");
    assert.equal(plain.getString("HKLM\\SYSTEM\\ControlSet001\\Control\\ProductOptions", "ProductType"), "WinNT");
    assert.equal(plain.getDword("\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "CurrentMajorVersionNumber"), 10);
    assert.equal(plain.getString("\\REGISTRY\\MACHINE\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0", "VendorIdentifier"), "AuthenticAMD");
    assert.ok(plain.openKey("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management"));
    const reg = join(dir, "extra.reg");
    writeFileSync(
      reg,
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control]\r\n"SystemStartOptions"=" DEBUG NOEXECUTE=ALWAYSON"\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Tool]\r\n"Level"=dword:00000003\r\n\r\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\CrashControl]\r\n',
    );
    const r = loadRegistry(reg);
    assert.equal(r.getString("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control", "SystemStartOptions"), " DEBUG NOEXECUTE=ALWAYSON");
    assert.equal(r.getDword("\\REGISTRY\\MACHINE\\SOFTWARE\\Vendor\\Tool", "Level"), 3);
    assert.equal(r.openKey("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control\\CrashControl"), null);
    assert.equal(r.getString("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment", "PROCESSOR_ARCHITECTURE"), "AMD64");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("registry: start:NAME creates Services\\NAME as the Service Control Manager does; an existing key is left alone", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-reg-"));
  try {
    const reg = join(dir, "svc.reg");
    writeFileSync(reg, 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\emufault]\r\n"Start"=dword:00000001\r\n"ImagePath"="System32\\\\drivers\\\\emufault.sys"\r\n');
    const events: Ev[] = [];
    const sim = createSimulation({ install: [fixture("x64", "mydriver.sys"), fixture("x64", "client.sys"), EMUFAULT], registry: reg, sink: (e) => events.push(e as Ev), executor: emulatorExecutor });
    try {
      const key = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\client";
      assert.equal(sim.registry.openKey(key), null, "no key before the start");
      assert.equal(sim.kernel.start("client").ok, true);
      const v = sim.registry.openKey(key)!;
      assert.ok(v, "the start created it");
      assert.equal(sim.registry.getDword(key, "Type"), 1);
      assert.equal(sim.registry.getDword(key, "Start"), 3);
      assert.equal(sim.registry.getDword(key, "ErrorControl"), 1);
      assert.equal(sim.registry.getString(key, "ImagePath"), "\\SystemRoot\\System32\\drivers\\client.sys");
      assert.equal(sim.registry.getValue(key, "Type")?.type, REG_DWORD);
      // mydriver.sys was loaded as a DLL (imported by client.sys): no service key for it.
      assert.equal(sim.registry.openKey("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\mydriver"), null);
      // A service the .reg file configured keeps its values.
      assert.equal(sim.kernel.start("emufault").ok, true);
      const ek = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\emufault";
      assert.equal(sim.registry.getDword(ek, "Start"), 1);
      assert.equal(sim.registry.getValue(ek, "Type"), undefined);
    } finally {
      sim.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sim: a deadlock is reported as a call that never returns, not as a crash", async () => {
  const r = await runCli(["sim", "--install", fixture("x64", "apisync.sys"), "--", "start:apisync", "call:apisync.sys!SpinLockTwice"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /scenario FAILED: call apisync\.sys!SpinLockTwice\(\): emulation stopped in apisync\.sys: .*spin lock 0x[0-9a-f]+ is already held .*\(the call would never return\)/);
  assert.doesNotMatch(r.stdout, /Windows would have crashed/);
});

test("sim: a gap a handler reports itself (a CNG algorithm kmdll does not model) does not suggest --unimplemented stub, which would not change it", async () => {
  const r = await runCli(["sim", "--json", "--install", fixture("x64", "apiplat.sys"), "--", "start:apiplat", "call:apiplat.sys!CngAes"]);
  assert.equal(r.code, 1);
  const ev = parse(r.stdout);
  assert.equal(ev.find((e) => e.event === "fault")?.kind, "unimplemented-api");
  const fail = ev.find((e) => e.event === "fail")!;
  assert.match(String(fail.message), /^kmdll does not implement cng!BCryptOpenAlgorithmProvider \(for the CNG algorithm "AES".*a gap of the emulator, not a crash of the driver$/);
  assert.doesNotMatch(String(fail.message), /--unimplemented/);
});
