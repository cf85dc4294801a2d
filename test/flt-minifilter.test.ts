/**
 * FltMgr.sys and fwpkclnt.sys, the built-in filter modules, on examples/flt-minifilter built from
 * C: a minifilter with a communication port and a WFP callout, started as a service the way its
 * INF installs it (Instances\DefaultInstance with an Altitude in its service key), exercised by
 * its Test* exports (each checks results in C and returns the number of failed checks) and
 * stopped through its FilterUnloadCallback. Every callback it registers is an event, removed in
 * pairs; misuse ends in clean reports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { apisByComponent } from "../src/emu/api/index.js";
import { FLTMGR_EXPORTS, FWPKCLNT_EXPORTS } from "../src/emu/fltmgr/exports.js";
import type { TraceEvent } from "../src/events.js";
import { fixture, repoPath, tool } from "./helpers.js";
import { archNeutralLine } from "./arch-compare.js";
import { fltLayoutFor, type FltStruct } from "../src/emu/fltmgr/layouts.js";

const TESTS = ["TestFilterArgs", "TestPortArgs", "TestPushLocks", "TestParseFileName", "TestFileNameInformation", "TestParseFileNameInformation", "TestWfp"];
const exercised = new Set<string>();

const INSTANCES = [
  "Windows Registry Editor Version 5.00",
  "",
  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\kmflt\\Instances]",
  '"DefaultInstance"="kmflt Instance"',
  "",
  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\kmflt\\Instances\\kmflt Instance]",
  '"Altitude"="370030"',
  '"Flags"=dword:00000000',
  "",
].join("\r\n");

/** The service key `sc create kmflt type= kernel binPath= ...` writes: no Instances. */
const SERVICE_ONLY = [
  "Windows Registry Editor Version 5.00",
  "",
  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\kmflt]",
  '"Type"=dword:00000001',
  '"Start"=dword:00000003',
  '"ErrorControl"=dword:00000001',
  '"ImagePath"="\\\\SystemRoot\\\\System32\\\\drivers\\\\kmflt.sys"',
  "",
].join("\r\n");

function run(steps: Parameters<typeof runSimulation>[0]["steps"], withInstances: boolean | "service-only" = true, arch: "x64" | "x86" = "x64"): { events: TraceEvent[]; results: ReturnType<typeof runSimulation>["results"] } {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-flt-"));
  try {
    const reg = join(dir, "kmflt.reg");
    writeFileSync(reg, withInstances === "service-only" ? SERVICE_ONLY : INSTANCES);
    const events: TraceEvent[] = [];
    const r = runSimulation({
      install: [fixture(arch, "kmflt.sys")],
      steps,
      sink: (e) => void events.push(e),
      executor: emulatorExecutor,
      trace: true,
      ...(withInstances !== false ? { registry: reg } : {}),
    });
    for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
    return { events, results: r.results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The events besides API calls, without addresses: what must agree between the x64 and x86 builds. */
const neutral = (events: TraceEvent[]) => events.filter((e) => e.event !== "api").map(archNeutralLine);

test("kmflt.sys: a minifilter with a port and a WFP callout starts, passes its checks and stops through FilterUnloadCallback (x64 and x86 alike)", () => {
  const steps: Parameters<typeof runSimulation>[0]["steps"] = [
    { kind: "start", name: "kmflt" },
    ...TESTS.map((t) => ({ kind: "call" as const, module: "kmflt.sys", routine: t, args: [], expect: 0n })),
    { kind: "stop", name: "kmflt" },
  ];
  const { events, results } = run(steps);
  // The x86 build (32-bit FLT_REGISTRATION, FWPM_* and FWPS_CALLOUT layouts, stdcall FLTAPI/NTAPI routines) gives the same events.
  const x86 = run(steps, true, "x86");
  assert.deepEqual(neutral(x86.events), neutral(events));
  assert.deepEqual(x86.results.map((r) => r.ok), results.map((r) => r.ok));
  const fails = events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
  assert.deepEqual(fails, []);
  assert.deepEqual(results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier"), []);
  // TestPortArgs closes \KmFltPort2 twice: ZwClose of a closed kernel handle on Windows (ReactOS
  // Messaging.c), STATUS_INVALID_HANDLE dropped, no bug check in the System process: a warning.
  const twice = events.filter((e) => e.event === "warning" && /^FltCloseCommunicationPort\(/.test(e.message)).map((e) => (e as { message: string }).message);
  assert.equal(twice.length, 1, twice.join("\n"));
  assert.match(twice[0]!, /^FltCloseCommunicationPort\(0x[0-9a-f]+\): the server port \\KmFltPort2 was already closed — on Windows this is ZwClose of a closed kernel handle: STATUS_INVALID_HANDLE, dropped/);
  // The unload went through the Filter Manager: FilterUnloadCallback ran once, as a mandatory
  // unload (a service stop), then the DriverUnload the driver had set before FltRegisterFilter,
  // which FltUnregisterFilter put back.
  const prints = events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);
  const cbAt = prints.findIndex((t) => t.includes("kmflt: unloading (call 1, flags 1)"));
  const duAt = prints.findIndex((t) => t.includes("kmflt: DriverUnload after 1 FilterUnloadCallback call(s), filter unregistered"));
  assert.ok(cbAt >= 0 && duAt > cbAt, prints.join(""));
  const cb = events.filter((e): e is Extract<TraceEvent, { event: "callback" }> => e.event === "callback");
  const kinds = new Set(cb.map((e) => e.kind));
  for (const k of ["minifilter pre IRP_MJ_CREATE", "minifilter post IRP_MJ_CREATE", "minifilter pre IRP_MJ_CLEANUP", "minifilter FilterUnloadCallback", "minifilter InstanceSetupCallback", "minifilter port ConnectNotifyCallback"])
    assert.ok(kinds.has(k), `${k} in ${[...kinds].join(", ")}`);
  assert.ok(cb.some((e) => e.kind.startsWith("wfp classifyFn 6c4e2e64-1f2b-4a53-9a3c-7d1e5b0f2a11")), "the callout's classifyFn with its key");
  // Everything registered is removed again, and the altitude comes from the service key.
  assert.equal(cb.filter((e) => e.action === "register").length, cb.filter((e) => e.action === "unregister").length);
  assert.ok(cb.filter((e) => e.kind.startsWith("minifilter pre")).every((e) => e["altitude"] === "370030"));
});

test("kmflt.sys: a service key without its instance configuration makes FltRegisterFilter fail as on Windows, and the failure says why", () => {
  // The user's registry has the service key (as `sc create` leaves it) but no Instances key.
  const { events, results } = run([{ kind: "start", name: "kmflt" }], "service-only");
  assert.deepEqual(neutral(run([{ kind: "start", name: "kmflt" }], "service-only", "x86").events), neutral(events));
  assert.equal(results[0]?.ok, false);
  const fail = events.find((e) => e.event === "fail") as { status?: string; message: string } | undefined;
  assert.equal(fail?.status, "0xC0000034");
  assert.match(fail!.message, /DriverEntry returned 0xC0000034 \(STATUS_OBJECT_NAME_NOT_FOUND\); the image is unloaded \(last warning: FltRegisterFilter: the filter's instance configuration is missing \(.*Services\\kmflt\\Instances does not exist\)/);
  // ...and names the kernel call that failed last before DriverEntry gave up, with its caller.
  assert.match(fail!.message, /\(last failed kernel call: fltmgr!FltRegisterFilter\(.*\) → 0xC0000034 STATUS_OBJECT_NAME_NOT_FOUND \(called from kmflt\.sys\+0x[0-9a-f]+/i);
});

test("kmflt.sys: started with no service key at all, it gets the instance keys a minifilter INF writes (and a warning saying so)", () => {
  const { events, results } = run([{ kind: "start", name: "kmflt" }, { kind: "stop", name: "kmflt" }], false);
  assert.deepEqual(neutral(run([{ kind: "start", name: "kmflt" }, { kind: "stop", name: "kmflt" }], false, "x86").events), neutral(events));
  assert.deepEqual(results.map((r) => r.ok), [true, true]);
  const warn = events.find((e) => e.event === "warning" && /is a minifilter/.test(e.message)) as { message: string } | undefined;
  assert.match(warn?.message ?? "", /wrote Services\\kmflt\\Instances \(DefaultInstance "kmflt Instance", Altitude 385000\)/);
  const cb = events.filter((e) => e.event === "callback" && e.action === "register" && e.kind.startsWith("minifilter pre")) as Record<string, unknown>[];
  assert.ok(cb.length > 0 && cb.every((e) => e["altitude"] === "385000"));
});

test("kmflt.sys: a wild FLT_REGISTRATION, FltUnregisterFilter with its port open and a foreign FltReleaseFileNameInformation end in clean reports", () => {
  const cases: [string, string, RegExp][] = [
    // The pointer 0xFFFFA000DEAD0000 is 0xDEAD0000 on x86.
    ["WildRegistration", "invalid-read", /0x(ffffa000)?dead000\d in fltmgr!FltRegisterFilter/],
    ["UnregisterWithPortOpen", "deadlock", /FltUnregisterFilter\(0x[0-9a-f]+\): communication server port \\KmFltPort is still open/],
    ["ReleaseForeignName", "bugcheck", /FltReleaseFileNameInformation\(0x[0-9a-f]+\): not a name the filter manager returned/],
  ];
  for (const arch of ["x64", "x86"] as const) {
    for (const [exp, kind, re] of cases) {
      const { events } = run([{ kind: "start", name: "kmflt" }, { kind: "call", module: "kmflt.sys", routine: exp, args: [] }], true, arch);
      const f = events.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
      assert.equal(f?.kind, kind, `${arch} ${exp}: ${JSON.stringify(f)}`);
      assert.match(f!.message, re);
    }
  }
});

test("every fltmgr/wfp routine kmdll implements was called by kmflt.sys and is in its module's export list", () => {
  const mine = [...(apisByComponent["fltmgr"] ?? []), ...(apisByComponent["wfp"] ?? [])].filter((a) => !a.stub);
  assert.ok(mine.length >= 30);
  // FwpsCalloutRegister0/2/3 share FwpsCalloutRegister1's handler.
  // examples/net-ndis calls the WFP routines of a network driver's DriverEntry and unload (providers, injection handles; test/net-ndis.test.ts).
  // examples/api-boot calls the BFE state routines (FwpmBfeState*; test/api-boot.test.ts).
  // examples/qa-fresh6 calls the sublayer enumeration routines (test/qa-fresh6.test.ts).
  const netNdis = new Set(["examples/net-ndis/fwpkclnt.def", "examples/api-boot/fwpkclnt.def", "examples/qa-fresh6/fwpkclnt.def"].flatMap((f) => readFileSync(repoPath(f), "utf8").split("\n").map((l) => l.trim())));
  const missing = mine.map((a) => a.name).filter((n) => !exercised.has(n) && !netNdis.has(n) && !/^FwpsCalloutRegister[023]$/.test(n)).sort();
  assert.deepEqual(missing, [], "implemented but never called by the example");
  const lists: Record<string, readonly string[]> = { "fltmgr.sys": FLTMGR_EXPORTS, "fwpkclnt.sys": FWPKCLNT_EXPORTS };
  assert.deepEqual(mine.filter((a) => !lists[a.module]!.includes(a.name)).map((a) => a.name), []);
});

test("the FltMgr and WFP structure layouts the handlers read are the ones clang gives fltKernel.h and kmflt.h, on x64 and on x86", () => {
  const fields: [FltStruct, string, string[]][] = [
    ["FLT_REGISTRATION", "FLT_REGISTRATION", ["Version", "Flags", "OperationRegistration", "FilterUnloadCallback", "InstanceSetupCallback", "NormalizeContextCleanupCallback", "TransactionNotificationCallback", "SectionNotificationCallback"]],
    ["FLT_OPERATION_REGISTRATION", "FLT_OPERATION_REGISTRATION", ["MajorFunction", "PreOperation", "PostOperation"]],
    ["FWPM_SESSION0", "FWPM_SESSION0", ["flags"]],
    ["FWPM_FILTER0", "FWPM_FILTER0", ["displayData.name", "subLayerKey", "action.type", "action.calloutKey", "filterId"]],
    ["FWPM_CALLOUT0", "FWPM_CALLOUT0", ["displayData.name", "displayData.description", "flags", "providerKey", "providerData.size", "providerData.data", "applicableLayer", "calloutId"]],
    ["FWPM_SUBLAYER0", "FWPM_SUBLAYER0", ["displayData.name", "displayData.description", "flags", "providerKey", "providerData.size", "providerData.data", "weight"]],
    ["FWPS_CALLOUT", "FWPS_CALLOUT1", ["classifyFn", "notifyFn", "flowDeleteFn"]],
    ["SECURITY_DESCRIPTOR", "SECURITY_DESCRIPTOR", ["Control", "Dacl"]],
  ];
  const dir = mkdtempSync(join(tmpdir(), "kmdll-flt-layout-"));
  try {
    const items = fields.flatMap(([, c, fs]) => [`sizeof(${c})`, ...fs.map((f) => `offsetof(${c}, ${f})`)]);
    // kmflt.h includes <fltKernel.h>; kmdll's header is data/include/fltkernel.h (kmdll build resolves includes case-insensitively).
    writeFileSync(join(dir, "fltKernel.h"), `#include "${repoPath("data", "include", "fltkernel.h")}"\n`);
    writeFileSync(join(dir, "l.c"), `#include "kmflt.h"\n#include <stddef.h>\nconst unsigned long long kmdll_flt[] = {\n${items.map((i) => `  (unsigned long long)${i},`).join("\n")}\n};\n`);
    for (const [arch, triple, p] of [["x64", "x86_64-pc-windows-msvc", 8], ["x86", "i686-pc-windows-msvc", 4]] as const) {
      const sys = arch === "x64" ? "/usr/x86_64-w64-mingw32" : "/usr/i686-w64-mingw32";
      tool("clang", [`--target=${triple}`, "-fgnuc-version=4.2.1", "-ffreestanding", "-fms-extensions", "-fms-compatibility", "-w", "-S", "-O0", ...(arch === "x86" ? ["-D_X86_=1"] : []),
        "-I", dir, "-I", repoPath("examples", "flt-minifilter"), "-I", repoPath("examples", "include"), "-isystem", repoPath("data", "include"), "-isystem", `${sys}/include/ddk`, "-isystem", `${sys}/include`, "-o", join(dir, `${arch}.s`), join(dir, "l.c")]);
      const asm = readFileSync(join(dir, `${arch}.s`), "utf8");
      const nums = [...asm.slice(asm.search(/^_?kmdll_flt:/m)).matchAll(/^\s*\.quad\s+(\d+)/gm)].map((m) => Number(m[1]));
      let i = 0;
      for (const [s, c, fs] of fields) {
        const l = fltLayoutFor(s, p);
        assert.equal(l.$size, nums[i++], `${arch} sizeof(${c})`);
        for (const f of fs) assert.equal(l[f], nums[i++], `${arch} ${c}.${f}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
