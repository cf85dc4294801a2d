/**
 * The x64 system-call path (/work/wt/qa-lstar.md, helper "lstar"), on a driver of our own
 * (examples/qa-lstar) doing what x64 SSDT hookers do: IA32_LSTAR → KiSystemCall64 → the
 * `lea r10 / lea r11` pair of KiSystemServiceRepeat → KeServiceDescriptorTable(Shadow), compact
 * entries decoded as base + (entry >> 4), a hook through a trampoline in ntoskrnl's int3 padding
 * that the next ZwOpenKey runs, its restore, and a hook left at unload. Expected numbers (Windows
 * 10 22H2 x64, j00ru.vexillium.org/syscalls/nt/64/: NtClose 0x0F, NtOpenKey 0x12, NtCreateFile
 * 0x55, 0x1D9 services) are written in the C checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";
import type { TraceEvent } from "../src/events.js";

const run = (tests: string[]) => runSelfChecks("qalstar", tests, "x64");
type Ev = TraceEvent & { service?: string; value?: string; site?: string; message?: string; rule?: string };
const ssdt = (events: TraceEvent[], op: string) => events.filter((e) => e.event === "hardware" && e.kind === "ssdt" && e.op === op) as Ev[];
/** bad() without the rdmsr warning every LSTAR read gives. */
const worse = (events: TraceEvent[]) => bad(events).filter((e) => !(e.event === "warning" && (e as Ev).rule === "privileged-rdmsr"));

test("qalstar.sys: IA32_LSTAR is KiSystemCall64, whose lea r10/r11 pair reaches KeServiceDescriptorTable (0x1D9 services) and the shadow table (x64)", () => {
  const { events, r } = run(["TestFindTables"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(worse(events), []);
  assert.equal(r.ok, true);
  const rd = events.filter((e) => e.event === "warning" && (e as Ev).rule === "privileged-rdmsr") as Ev[];
  assert.ok(rd.length > 0 && rd.every((e) => /0xC0000082 \(IA32_LSTAR\).*machine model value 0x/.test(String(e.message))), JSON.stringify(rd));
});

test("qalstar.sys: entries decode to the Nt routines (NtClose is the export), the low 4 bits count stack arguments, and the decoded NtOpenKey works (x64)", () => {
  const { events, r } = run(["TestResolveRoutines"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(worse(events), []);
  assert.equal(r.ok, true);
  assert.ok(apis(events).includes("ntoskrnl.exe!NtOpenKey"), "the table's NtOpenKey is kmdll's");
});

test("qalstar.sys: a hook through a trampoline in ntoskrnl's padding runs on the next ZwOpenKey and calls the original; restored, it runs no more; each store is an ssdt write event (x64)", () => {
  const { events, r } = run(["TestHookRunsAndRestores"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(worse(events), []);
  assert.equal(r.ok, true);
  const writes = ssdt(events, "write");
  assert.equal(writes.length, 2, JSON.stringify(writes));
  assert.ok(writes.every((w) => w.service === "NtOpenKey"));
  assert.match(String(writes[0]!.message), /KiServiceTable\[0x12\] \(NtOpenKey\) set to ntoskrnl\.exe\+0x[0-9a-f]+ .*CRITICAL_STRUCTURE_CORRUPTION/);
  assert.match(String(writes[1]!.message), /restored/);
  assert.equal(ssdt(events, "call").length, 1);
  assert.ok(apis(events).includes("ntoskrnl.exe!ZwOpenKey"));
});

test("qalstar.sys: a hook that answers STATUS_ACCESS_DENIED itself is what ZwOpenKey returns (x64)", () => {
  const { events, r } = run(["TestHookDenies"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(worse(events), []);
  assert.equal(r.ok, true);
});

test("qalstar.sys: a hook left in the table at unload is reported, naming the service, its trampoline and PatchGuard (x64)", () => {
  const { events } = run(["TestLeaveHookInstalled"]);
  assert.deepEqual(failures(events), []);
  const v = events.filter((e) => e.event === "verifier") as Ev[];
  assert.equal(v.length, 1, JSON.stringify(v));
  assert.match(String(v[0]!.message), /KiServiceTable\[0x12\] \(NtOpenKey\) still points at ntoskrnl\.exe\+0x[0-9a-f]+ .*0x109 CRITICAL_STRUCTURE_CORRUPTION/);
});

test("x64 ntoskrnl: LSTAR/CSTAR read KiSystemCall64/KiSystemCall32 inside ntoskrnl's .text; a Zw routine kmdll does not implement is still the unimplemented-routine report; an unexported Nt entry is named", async () => {
  const { Emulator } = await import("../src/emu/emulator.js");
  const { msrValue } = await import("../src/emu/verifier/trap.js");
  const emu = new Emulator({ arch: "x64" });
  const lstar = msrValue(emu, 0xc0000082)!;
  const cstar = msrValue(emu, 0xc0000083)!;
  assert.match(emu.where(lstar), /^ntoskrnl\.exe\+0x/);
  assert.match(emu.where(cstar), /^ntoskrnl\.exe\+0x/);
  const text = emu.map.modules.get("ntoskrnl.exe")!.image.sections.find((s) => s.name === ".text")!;
  const nt = emu.map.modules.get("ntoskrnl.exe")!.base;
  assert.ok(lstar >= nt + BigInt(text.virtualAddress) && lstar < nt + BigInt(text.virtualAddress + text.virtualSize));
  const code = emu.uc.read(lstar, 0x200);
  const at = code.findIndex((_, i) => code[i] === 0x4c && code[i + 1] === 0x8d && code[i + 2] === 0x15);
  assert.ok(at > 0 && at < 0x500 && code[at + 7] === 0x4c && code[at + 8] === 0x8d && code[at + 9] === 0x1d);
  // ZwAccessCheckAndAuditAlarm (service 0x29 on 19045): kmdll has no handler.
  const zw = emu.kernelExport("ntoskrnl.exe", "ZwAccessCheckAndAuditAlarm", null)!;
  const r = emu.call(zw, Array.from({ length: 11 }, () => 0n), "test");
  assert.equal(r.ok ? "" : r.fault.kind, "unimplemented-api");
  assert.match(r.ok ? "" : r.fault.message, /unimplemented ntoskrnl!ZwAccessCheckAndAuditAlarm/);
  // x86 keeps SYSENTER_EIP unmodelled.
  assert.equal(msrValue(new Emulator({ arch: "x86" }), 0xc0000082), undefined);
});
