/**
 * Lessons from rootkit-era and hooking x86 drivers of the held-out set fresh6/x86
 * (/work/wt/qa-x86hooks.md, helper "x86hooks"), on a driver of our own (examples/qa-x86hooks):
 * CR0.WP cleared around a store into read-only memory works on 32-bit Windows (no PatchGuard
 * there; Intel SDM vol. 3A, 4.6.1: with WP clear supervisor stores ignore read-only pages).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSelfChecks, failures } from "./self-check.js";
import type { TraceEvent } from "../src/events.js";

const run = (tests: string[], o: Parameters<typeof runSelfChecks>[3] = {}) => runSelfChecks("qax86hooks", tests, "x86", o);
type V = TraceEvent & { level?: string; rule?: string; message?: string };
const verifier = (events: TraceEvent[]) => events.filter((e) => e.event === "verifier") as V[];

test("qax86hooks.sys: clearing CR0.WP lets a plain store and an InterlockedExchange into .rdata land; CR0 reads back what was written; both writes are warnings, not errors (x86)", () => {
  const { events, r } = run(["TestWpClearStores"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true, JSON.stringify(events.filter((e) => e.event === "fault" || e.event === "fail")));
  const v = verifier(events);
  assert.equal(v.length, 2, JSON.stringify(v));
  assert.ok(v.every((f) => f.rule === "privileged-cr-write" && f.level === "warning"), JSON.stringify(v));
  assert.match(String(v[0]!.message), /clears CR0\.WP/);
  assert.match(String(v[1]!.message), /sets CR0\.WP again/);
  assert.equal(events.filter((e) => e.event === "fault").length, 0);
});

test("qax86hooks.sys: with CR0.WP set (as Windows runs) a store into .rdata is an invalid write (0xBE on Windows) (x86)", () => {
  const { events, r } = run(["TestStoreWithWpSet"], { stop: false, expect: undefined });
  assert.equal(r.ok, false);
  const f = events.find((e) => e.event === "fault") as (TraceEvent & { kind?: string; message?: string }) | undefined;
  assert.equal(f?.kind, "invalid-write", JSON.stringify(f));
  assert.match(String(f?.message), /\(protection\)/);
});

test("qax86hooks.sys: a CR0 change beyond WP (CD) stays a privileged-cr-write error and is dropped (x86)", () => {
  const { events } = run(["TestCr0OtherBits"]);
  assert.deepEqual(failures(events), []);
  const v = verifier(events);
  assert.equal(v.length, 1, JSON.stringify(v));
  assert.equal(v[0]!.level, "error");
  assert.match(String(v[0]!.message), /mov cr0, 0x0*40010011 .* dropped/);
});

test("qax86hooks.sys: the 8042 keyboard controller answers as hardware does — input buffer never full, self-test 55h, configuration byte read/write, D2h echoes a byte as keyboard data, F2h identify answers FAh ABh 83h (x86)", () => {
  const { events, r } = run(["TestKeyboardController"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true);
  // Every access is still a hardware event of the machine model.
  const ports = events.filter((e) => e.event === "hardware" && (e as { kind?: string }).kind === "port");
  assert.ok(ports.length >= 20, String(ports.length));
});

test("qax86hooks.sys: ObCreateObject's reference is the creator's — its ObDereferenceObject is no object-dereference-unreferenced finding (the IrpCreateFile idiom) (x86)", () => {
  const { events, r } = run(["TestCreatedObjectDereferenced"]);
  assert.deepEqual(failures(events), []);
  assert.deepEqual(verifier(events), []);
  assert.equal(events.filter((e) => e.event === "leak").length, 0);
  assert.equal(r.ok, true);
});

test("qax86hooks.sys: an object made with ObCreateObject and never inserted nor dereferenced is an object leak at unload naming ObCreateObject (x86)", () => {
  const { events } = run(["TestCreatedObjectKept"]);
  assert.deepEqual(failures(events), []);
  const leaks = events.filter((e) => e.event === "leak") as (TraceEvent & { kind?: string; message?: string })[];
  assert.equal(leaks.length, 1, JSON.stringify(leaks));
  assert.equal(leaks[0]!.kind, "object");
  assert.match(String(leaks[0]!.message), /File object .*first taken by ObCreateObject/);
});

test("qax86hooks.sys: x86 lidt is carried out (a reload, a copy of the table, the original again: sidt reads each back) and is a privileged-descriptor-table-load warning, not an error (x86)", () => {
  const { events, r } = run(["TestIdtLoad"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true);
  const loads = verifier(events).filter((f) => f.rule === "privileged-descriptor-table-load");
  assert.equal(loads.length, 3, JSON.stringify(loads));
  assert.ok(loads.every((f) => f.level === "warning"));
  assert.match(String(loads[0]!.message), /lidt at qax86hooks\.sys\+0x[0-9a-f]+: the IDT register loaded with base 0x[0-9a-f]+, limit 0x7ff/);
  assert.equal(verifier(events).filter((f) => f.level === "error").length, 0);
});

test("qax86hooks.sys: fs:[34h] (KPCR.KdVersionBlock) is a DBGKD_GET_VERSION64 — free build 0xF and RtlGetVersion's build, i386, sign-extended KernBase at ntoskrnl's MZ and PsLoadedModuleList = the export, whose first entry is ntoskrnl.exe (x86)", () => {
  const { events, r } = run(["TestKdVersionBlock"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true);
});

test("qax86hooks.sys: code copied into NonPagedPool (and NonPagedPoolMustSucceed) runs, as on Windows without HVCI (He4HookInv.sys runs a copy of its image there) (x86)", () => {
  const { events, r } = run(["TestExecutablePool"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true, JSON.stringify(events.filter((e) => e.event === "fault")));
});

test("qax86hooks.sys: a call into NonPagedPoolNx is still an invalid fetch (protection) (x86)", () => {
  const { events, r } = run(["TestNxPoolNotExecutable"], { stop: false, expect: undefined });
  assert.equal(r.ok, false);
  const f = events.find((e) => e.event === "fault") as (TraceEvent & { kind?: string; message?: string }) | undefined;
  assert.equal(f?.kind, "invalid-fetch");
  assert.match(String(f?.message), /\(protection\)/);
});

test("qax86hooks.sys: KeAddSystemServiceTable fills KeServiceDescriptorTable and the shadow table 0x40 past it (Windows 7 x86) for a free index, refuses 0, 1 (win32k's), 4 and a taken index; the shadow table starts with the kernel's entry and win32k's (x86)", () => {
  const { events, r } = run(["TestAddServiceTable"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true);
});

test("qax86hooks.sys: KeServiceDescriptorTableShadow is found in KeAddSystemServiceTable's code both ways x86 drivers look (the `lea ecx, [eax+disp32]` displacement; a dword whose 16 bytes equal KeServiceDescriptorTable's) (x86)", () => {
  const { events, r } = run(["TestFindShadowTable"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true, JSON.stringify(events.filter((e) => e.event === "fault" || e.event === "fail")));
});

test("qax86hooks.sys: ZwDisplayString from kernel mode succeeds through the service table, with the string in the trace; a wild string pointer is an invalid read in ntoskrnl!ZwDisplayString (x86)", () => {
  const { events, r } = run(["TestDisplayString"]);
  assert.deepEqual(failures(events), []);
  assert.equal(r.ok, true, JSON.stringify(events.filter((e) => e.event === "fault" || e.event === "fail")));
  const calls = events.filter((e) => e.event === "api" && (e as { api?: string }).api?.endsWith("ZwDisplayString")) as (TraceEvent & { args?: string[] })[];
  assert.equal(calls.length, 2, JSON.stringify(calls));
  assert.deepEqual(calls[0]!.args, ['"HelloWorld"']);
  const wild = run(["TestDisplayStringWild"], { stop: false, expect: undefined });
  assert.equal(wild.r.ok, false);
  const f = wild.events.find((e) => e.event === "fault") as (TraceEvent & { kind?: string; message?: string }) | undefined;
  assert.equal(f?.kind, "invalid-read", JSON.stringify(f));
  assert.match(String(f?.message), /at 0x0*10\b/);
});
