/**
 * The x86 system service table (/work/wt/qa-ssdt.md, helper "ssdt"), on a driver of our own in
 * the rootkit.com idiom (examples/qa-ssdt): the service number read from a Zw stub's
 * `mov eax, N`, KeServiceDescriptorTable's fields, a hook stored into ServiceTableBase[N] through
 * an MDL mapping that the next ZwOpenKey really runs, its restore, and a hook left at unload.
 * The expected numbers are Windows 7 SP1 x86's (j00ru.vexillium.org/syscalls/nt/32/: NtOpenKey
 * 0xB6, NtClose 0x32, NtQueryValueKey 0x10A, 0x191 services), written in the C checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures, bad, apis } from "./self-check.js";
import type { TraceEvent } from "../src/events.js";

const run = (tests: string[]) => runSelfChecks("qassdt", tests, "x86");
const ssdt = (events: TraceEvent[], op: string) => events.filter((e) => e.event === "hardware" && e.kind === "ssdt" && e.op === op) as (TraceEvent & { service?: string; value?: string; site?: string; message?: string })[];

test("qassdt.sys: ZwOpenKey starts with mov eax, 0xB6; KeServiceDescriptorTable has 0x191 services, the argument bytes and the Nt routines (x86)", () => {
  const { events, r } = run(["TestServiceNumberAndTable"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events), []);
  assert.equal(r.ok, true);
  assert.ok(apis(events).includes("ntoskrnl.exe!ZwOpenKey"), "the Zw call still reaches kmdll's ZwOpenKey");
});

test("qassdt.sys: a hook stored in ServiceTableBase[0xB6] runs on the next ZwOpenKey and calls the original; restored, it runs no more; each store is an ssdt write event (x86)", () => {
  const { events, r } = run(["TestHookRunsAndRestores"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events), []);
  assert.equal(r.ok, true);
  const writes = ssdt(events, "write");
  assert.equal(writes.length, 2, JSON.stringify(writes));
  assert.ok(writes.every((w) => w.service === "NtOpenKey"));
  assert.match(String(writes[0]!.message), /set to qassdt\.sys\+0x/);
  assert.match(String(writes[1]!.message), /restored/);
  // Each names the routine that stored it (the test export, seen before its ZwOpenKey call and on return).
  assert.ok(writes.every((w) => /^qassdt\.sys\+0x/.test(String(w.site)) && w.site === writes[0]!.site), JSON.stringify(writes));
  assert.equal(ssdt(events, "call").length, 1);
});

test("qassdt.sys: a hook that answers STATUS_ACCESS_DENIED itself is what ZwOpenKey returns (x86)", () => {
  const { events, r } = run(["TestHookDenies"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(bad(events), []);
  assert.equal(r.ok, true);
});

test("qassdt.sys: a hook left in the table at unload is reported, naming the service and the hook (0xCE on Windows) (x86)", () => {
  const { events } = run(["TestLeaveHookInstalled"]);
  assert.deepEqual(failures(events), []);
  const v = events.filter((e) => e.event === "verifier") as (TraceEvent & { message?: string })[];
  assert.equal(v.length, 1, JSON.stringify(v));
  assert.match(String(v[0]!.message), /KiServiceTable\[0xb6\] \(NtOpenKey\) still points at qassdt\.sys\+0x/);
});

test("x86 Zw stubs are mov eax, N + ret N (Windows 7 SP1 numbers); a Zw routine kmdll does not implement is still the unimplemented-routine report naming it; x64 Zw exports are no mov-eax stubs (x64: ../ssdt-x64.ts)", async () => {
  const { Emulator } = await import("../src/emu/emulator.js");
  const emu = new Emulator({ arch: "x86" });
  // NtAccessCheckAndAuditAlarm is service 2 on Windows 7 SP1 x86 (j00ru's table); ZwAccessCheckAndAuditAlarm@44 (mingw-w64).
  const zw = emu.kernelExport("ntoskrnl.exe", "ZwAccessCheckAndAuditAlarm", null)!;
  assert.deepEqual([...emu.uc.read(zw, 8)], [0xb8, 2, 0, 0, 0, 0xc2, 44, 0]);
  const r = emu.call(zw, Array.from({ length: 11 }, () => 0n), "test");
  assert.equal(r.ok, false);
  assert.equal(r.ok ? "" : r.fault.kind, "unimplemented-api");
  assert.match(r.ok ? "" : r.fault.message, /unimplemented ntoskrnl!ZwAccessCheckAndAuditAlarm/);
  const d = emu.kernelExport("ntoskrnl.exe", "KeServiceDescriptorTable", null)!;
  assert.equal(emu.mem.u32(d + 8n), 0x191);
  const x64 = new Emulator({ arch: "x64" });
  const open = x64.kernelExport("ntoskrnl.exe", "ZwOpenKey", null)!;
  assert.notEqual(x64.uc.read(open, 1)[0], 0xb8);
});
