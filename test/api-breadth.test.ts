/**
 * Kernel breadth (issue 12): the machine model, MDLs, the scheduler, files, processes, callbacks
 * and the rest, on example drivers built from C (examples/api-hw, ...). Each Test* export checks
 * its results in C and returns the number of failed checks; the Wild* exports pass bad pointers
 * and must end in a clean fault report. The hardware events are checked against what the C code did.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { callBothArches } from "./arch-compare.js";
import { allApis, apisByComponent } from "../src/emu/api/index.js";
import type { TraceEvent } from "../src/events.js";
import { fixture, repoPath } from "./helpers.js";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor } from "../src/sim/emulator.js";
import { RANKED } from "./ranked.js";

/** Families whose examples run in this file. */
const FAMILIES = ["machine", "mdl", "sched", "process", "notify", "iox", "regrtl", "security", "file", "bitmap", "gentable", "lists", "locks", "crtx", "rtlx", "misc"];
const exercised = new Set<string>();

function call(file: string, exp: string, opts: Record<string, unknown> = {}): CallImageResult {
  const r = callBothArches(file, exp, [], () => ({ apis: allApis, trace: true, ...opts }));
  for (const e of r.events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  return r;
}
const texts = (r: CallImageResult) => r.events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text);

function selfCheck(file: string, exp: string, opts: Record<string, unknown> = {}): CallImageResult {
  const r = call(file, exp, opts);
  assert.equal(r.fault, null, `${exp}: ${r.fault?.kind}: ${r.fault?.message}`);
  assert.deepEqual(texts(r).filter((t) => t.startsWith("FAIL")), [], `${exp} failed checks`);
  assert.equal(r.value, 0n, `${exp} returned ${r.value}`);
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
  return r;
}
const hardware = (r: CallImageResult) => r.events.filter((e): e is Extract<TraceEvent, { event: "hardware" }> => e.event === "hardware");

test("apihw.sys: physical memory, MMIO mappings and \\Device\\PhysicalMemory views", () => {
  const r = selfCheck("apihw.sys", "TestPhysicalMemory");
  const hw = hardware(r);
  // The write through the BIOS mapping is reported at unmap with its physical address and value.
  assert.ok(hw.some((e) => e.kind === "mmio" && e.op === "write" && e.address === "0xf0100" && e.value === "0x42" && e.size === 1), JSON.stringify(hw));
  assert.ok(hw.some((e) => e.kind === "mmio" && e.op === "map" && e.address === "0xf0000" && e.size === 0x1000));
  assert.equal(hw.filter((e) => e.op === "map").length, hw.filter((e) => e.op === "unmap").length);
  assert.ok(hw.every((e) => e.module === "apihw.sys"));
  const s = selfCheck("apihw.sys", "TestSection");
  assert.ok(hardware(s).some((e) => e.kind === "physical" && e.op === "map" && e.address === "0xf0000" && e.size === 0x1000));
});

test("apihw.sys: PCI configuration space, CMOS, bus translation, interrupts", () => {
  const r = selfCheck("apihw.sys", "TestPci");
  const hw = hardware(r);
  // 32 slots scanned on bus 0; the BAR sizing write is an event with the value written.
  assert.ok(hw.filter((e) => e.kind === "pci" && e.op === "read").length >= 32);
  assert.ok(hw.some((e) => e.kind === "pci" && e.op === "write" && e["device"] === 3 && e.value === "0xffffffff" && e.size === 4));
  assert.ok(hw.some((e) => e.kind === "port" && e.op === "write" && e.address === "0x70" && e.value === "0x20"));
  const i = selfCheck("apihw.sys", "TestInterrupt");
  assert.deepEqual(hardware(i).filter((e) => e.kind === "interrupt").map((e) => e.op), ["connect", "disconnect"]);
});

// x86 hal.dll's port routines (the "ports" family): x64 code inlines them as in/out instructions,
// the x86 build of the same C calls every one of them; both runs give the same hardware events.
test("apihw.sys: I/O ports through READ_PORT_*/WRITE_PORT_* and their BUFFER forms; on x86 through the twelve HAL routines", async () => {
  const r = selfCheck("apihw.sys", "TestPorts");
  const ports = hardware(r).filter((e) => e.kind === "port");
  assert.ok(ports.some((e) => e.op === "write" && e.address === "0x2a4" && e.value === "0xcafef00d" && e.size === 4), JSON.stringify(ports));
  const x86 = callImage(fixture("x86", "apihw.sys"), "TestPorts", [], { apis: allApis, trace: true });
  assert.equal(x86.value, 0n);
  const called = new Set(x86.events.filter((e) => e.event === "api").map((e) => (e as { api: string }).api));
  const { kernelModuleExportsFor } = await import("../src/nt/kernel-exports.js");
  const x86Hal = new Set((kernelModuleExportsFor("hal.dll", "x86") ?? []).map((e) => e.name));
  for (const a of apisByComponent.ports!) {
    assert.ok(called.has(`hal.dll!${a.name}`), `${a.name} called by the x86 build`);
    assert.ok(x86Hal.has(a.name), `${a.name} is an x86 hal.dll export`);
  }
});

test("apihw.sys: MDLs, locked and mapped pages, pages for MDLs, contiguous and non-cached memory", () => {
  selfCheck("apihw.sys", "TestMdl");
  selfCheck("apihw.sys", "TestContiguous");
});

test("apihw.sys: wild pointers and misuse end in clean fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildMdlFree", "invalid-read", /0xffffa000dead/i],
    ["WildBuildMdl", "invalid-read", /MmBuildMdlForNonPagedPool: page 0xffffa000dead0000/],
    ["UnmapUnknown", "bugcheck", /MmUnmapIoSpace\(0x[0-9a-f]+\): not an address MmMapIoSpace returned/],
    ["WildBusBuffer", "invalid-write", /0xdead0000/i],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call("apihw.sys", exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message + " " + String(r.fault?.address ?? ""), re);
  }
});

test("apisched.sys: DPCs, timers, work items, system threads and events on the emulated clock", () => {
  for (const e of ["TestDpc", "TestTimers", "TestWorkItems", "TestThreads", "TestEvents", "TestApc", "TestExpandStack"]) selfCheck("apisched.sys", e);
  // Deterministic: the same run gives the same events.
  const a = call("apisched.sys", "TestTimers").events.filter((e) => e.event === "api");
  const b = call("apisched.sys", "TestTimers").events.filter((e) => e.event === "api");
  assert.deepEqual(a, b);
});

test("apisched.sys: a work item runs on a system worker thread: a routine that waits blocks only its worker, and work queued by a call that returns runs in the idle pass after it", () => {
  selfCheck("apisched.sys", "TestWorkItemWaits");
  for (const arch of ["x64", "x86"] as const) {
    const events: TraceEvent[] = [];
    const r = runSimulation({
      install: [fixture(arch, "apisched.sys")],
      steps: [
        { kind: "start", name: "apisched" },
        // The routine has not run when QueueWorkAndReturn returns (0), and has once by the next call.
        { kind: "call", module: "apisched.sys", routine: "QueueWorkAndReturn", args: [], expect: 0n },
        { kind: "call", module: "apisched.sys", routine: "IdleWorkRuns", args: [], expect: 1n },
      ],
      sink: (e) => void events.push(e),
      executor: emulatorExecutor,
    });
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), [], arch);
    assert.deepEqual(events.filter((e) => e.event === "fault" || e.event === "verifier" || e.event === "leak"), [], arch);
  }
});

test("apisched.sys: scheduler misuse ends in clean fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["DoubleQueue", "bugcheck", /IoQueueWorkItem\(0x[0-9a-f]+\): the work item is already queued \(WORKER_INVALID\)/],
    ["ThreadWaitsForever", "deadlock", /KeWaitForSingleObject: waiting forever/],
    ["WildDpc", "invalid-read", /0xffffa000dead0000/i],
    ["WildExpandCallout", "invalid-fetch", /jump to 0x(ffffa000|00000000)dead1000/i],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call("apisched.sys", exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message + " " + String(r.fault?.address ?? ""), re);
  }
});

test("tlog.sys: context-switched system threads — ping-pong on events, a semaphore, a mutex held across a delay, timeouts, exit statuses", () => {
  // TlogSelfTest checks every result in C (x64 and x86 give the same trace).
  selfCheck("tlog.sys", "TlogSelfTest");
  // A thread waiting for nothing, joined by the caller: a deadlock naming every parked thread.
  const d = call("tlog.sys", "TlogDeadlock");
  assert.equal(d.fault?.kind, "deadlock");
  assert.match(d.fault!.message, /^KeWaitForSingleObject: waiting forever on object 0x[0-9a-f]+, which nothing can signal \(.*system thread 0x[0-9a-f]+ \(tlog\.sys\+0x[0-9a-f]+\) waits in KeWaitForSingleObject at tlog\.sys\+0x[0-9a-f]+ on object 0x[0-9a-f]+\)$/);
  // The library's own worker is parked in its KeWaitForMultipleObjects at that point, and named too.
  assert.match(d.fault!.message, /waits in KeWaitForMultipleObjects at tlog\.sys\+0x[0-9a-f]+ on any of/);
});

test("tlog.sys + tlogcli.sys: a logger library's long-lived worker serves a client and is joined at unload (x64 and x86)", () => {
  const lines = ["client started", "second line", "writer thread line", "writer thread line", "writer thread line"];
  // The checksum the library reports: the sum of the bytes of every line it drained, computed here from the C source's strings.
  const checksum = lines.reduce((n, l) => n + [...Buffer.from(l, "latin1")].reduce((a, b) => a + b, 0), 0);
  for (const arch of ["x64", "x86"] as const) {
    const events: TraceEvent[] = [];
    const r = runSimulation({
      install: [fixture(arch, "tlog.sys"), fixture(arch, "tlogcli.sys")],
      steps: [{ kind: "start", name: "tlogcli" }, { kind: "stop", name: "tlogcli" }],
      sink: (e) => void events.push(e),
      executor: emulatorExecutor,
      trace: true,
    });
    for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
    const printed = texts({ events } as CallImageResult);
    assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), [], arch);
    assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault" || e.event === "verifier"), [], arch);
    assert.deepEqual(printed.filter((t) => t.startsWith("FAIL")), [], arch);
    // Every line went through the worker, in order, before the client looked at the statistics.
    assert.deepEqual(printed.filter((t) => t.startsWith("tlog[")).map((t) => t.replace(/^tlog\[\d\]: /, "").trim()), lines, arch);
    const stats = printed.findIndex((t) => t.startsWith("tlogcli: 5 written"));
    assert.ok(stats > Math.max(...printed.map((t, i) => (t.startsWith("tlog[") ? i : -1))), arch);
    assert.ok(printed.includes(`tlog: worker joined (wait 0x0, exit 0x0), 5 written, 5 drained, checksum ${checksum}\n`), `${arch}: ${printed.join("")}`);
    // The worker ran in its own thread: PsGetCurrentThreadId there is not the system worker's.
    const ids = events.filter((e) => e.event === "api" && e.api.endsWith("!PsGetCurrentThreadId")).map((e) => (e as { ret?: string }).ret);
    assert.ok(new Set(ids).size >= 2, `${arch}: ${ids.join(",")}`);
  }
});

test("torphan.sys: a worker thread left running when its image unloads is a 0xCE verifier finding", () => {
  for (const arch of ["x64", "x86"] as const) {
    const r = callImage(fixture(arch, "torphan.sys"), "TorphanPing", [], { apis: allApis });
    const v = r.events.filter((e): e is Extract<TraceEvent, { event: "verifier" }> => e.event === "verifier");
    assert.equal(v.length, 1, arch);
    assert.equal(v[0]!.rule, "unload-pending-operations");
    assert.match(v[0]!.message, /^torphan\.sys unloaded with a system thread 0x[0-9a-f]+ \(start routine torphan\.sys\+0x[0-9a-f]+\) still running: waiting in KeWaitForSingleObject at torphan\.sys\+0x[0-9a-f]+/);
    assert.equal((v[0] as { bugcheck?: string }).bugcheck, "0x000000CE");
    // The thread never runs in the unloaded image.
    assert.ok(!r.events.some((e) => e.event === "dbgprint" && /worker stopping/.test((e as { text: string }).text)), arch);
  }
});

test("apisys.sys: processes, objects, system information, callbacks, StartIo, error log, power, Rtl registry, security descriptors", () => {
  for (const e of ["TestProcesses", "TestSystemInformation", "TestNotify", "TestCallbackObjects", "TestStartIo", "TestPower", "TestQueryRegistry", "TestSecurity"]) selfCheck("apisys.sys", e);
  // Callbacks are reported: registered and removed in pairs, naming the driver's routine.
  const n = selfCheck("apisys.sys", "TestNotify").events.filter((e): e is Extract<TraceEvent, { event: "callback" }> => e.event === "callback");
  assert.ok(n.length >= 10);
  assert.equal(n.filter((e) => e.action === "register").length, n.filter((e) => e.action === "unregister").length);
  assert.ok(n.every((e) => /^apisys\.sys\+0x[0-9a-f]+$/.test(e.routine)), JSON.stringify(n[0]));
  assert.ok(n.some((e) => e.kind === "object" && e["altitude"] === "321000"));
  // The error log entry is an event with its code, dump data and strings.
  const log = selfCheck("apisys.sys", "TestErrorLog").events.filter((e) => e.event === "errorlog");
  assert.deepEqual(log.map((e) => [e.errorCode, e["uniqueErrorValue"], e["finalStatus"], e["dumpData"], e["strings"]]), [["0xc0040001", "0x7", "0xc00000a3", ["0xabcd"], ["hi"]]]);
});

test("apisys.sys: wild pointers and misuse end in clean fault reports", () => {
  const cases: [string, string, RegExp][] = [
    ["WildAttach", "bugcheck", /KeUnstackDetachProcess\(0x[0-9a-f]+\): not the APC state .*INVALID_PROCESS_DETACH_ATTEMPT/],
    ["WildSid", "invalid-read", /0xffffa000dead/i],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call("apisys.sys", exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message + " " + String(r.fault?.address ?? ""), re);
  }
});


/** A root folder with \SystemRoot\kmdll-test\input.txt and a symbolic link leading out of it. */
function filesRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "kmdll-files-"));
  mkdirSync(join(root, "kmdll-test"));
  writeFileSync(join(root, "kmdll-test", "input.txt"), "hello from the host\n");
  symlinkSync("/etc", join(root, "escape"));
  return root;
}

test("apifiles.sys: Zw*File on the sandboxed volume — \\SystemRoot is --root, writes stay in memory", () => {
  const root = filesRoot();
  try {
    for (const e of ["TestReadRoot", "TestWriteOverlay", "TestDirectories", "TestErrors", "TestFileObjectName"]) {
      const r = selfCheck("apifiles.sys", e, { root });
      const files = r.events.filter((x) => x.event === "file");
      assert.ok(files.length > 0 && files.every((x) => x.module === "apifiles.sys"));
    }
    // The driver overwrote and deleted input.txt: on the host it is untouched, and nothing was added.
    assert.equal(readFileSync(join(root, "kmdll-test", "input.txt"), "utf8"), "hello from the host\n");
    assert.deepEqual(readdirSync(root).sort(), ["escape", "kmdll-test"]);
    assert.deepEqual(readdirSync(join(root, "kmdll-test")), ["input.txt"]);
    // Names that try to leave the root open nothing.
    assert.equal(call("apifiles.sys", "TryEscape", { root }).value, 0n);
    const wild = call("apifiles.sys", "WildFileName", { root });
    assert.equal(wild.fault?.kind, "invalid-read", wild.fault?.message);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("apifiles.sys under strace: no file outside --root is opened or examined because of a driver's names", { skip: spawnSync("strace", ["-V"]).status === 0 ? false : "strace missing" }, () => {
  const root = filesRoot();
  try {
    const log = join(root, "..", `${root.split("/").pop()}.strace`);
    const r = spawnSync("strace", ["-f", "-qq", "-o", log, "-e", "trace=%file", process.execPath, repoPath("bin", "kmdll.js"), "call", fixture("x64", "apifiles.sys"), "TryEscape", "--root", root], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /returned 0 /);
    const trace = readFileSync(log, "utf8");
    rmSync(log, { force: true });
    // The driver asked for /etc/hostname six ways (symlink, .., other drive forms): the host never saw it.
    assert.doesNotMatch(trace, /hostname/);
    // Inside the root only the folder itself and the link's own entry were looked at, never through the link.
    assert.doesNotMatch(trace, /escape\//);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("apirtlx.sys: bitmaps, lists and lookaside lists, locks, rundown and remove locks, time, versions, strings, secure CRT, images, threads", () => {
  for (const e of ["TestBitmaps", "TestLists", "TestLookaside", "TestLocks", "TestRundownAndRemove", "TestTime", "TestVersion", "TestStrings", "TestSecureCrt", "TestImages", "TestThreads"]) selfCheck("apirtlx.sys", e);
  const cases: [string, string, RegExp][] = [
    ["GuardedTwice", "deadlock", /KeAcquireGuardedMutex\(0x[0-9a-f]+\): the guarded mutex is already held by the current thread/],
    ["RundownLeak", "deadlock", /ExWaitForRundownProtectionRelease\(0x[0-9a-f]+\): 1 acquisition\(s\) never released/],
    ["WildBitmap", "invalid-read", /0xffffa000dead/i],
  ];
  for (const [exp, kind, re] of cases) {
    const r = call("apirtlx.sys", exp);
    assert.equal(r.value, null, exp);
    assert.equal(r.fault?.kind, kind, `${exp}: ${r.fault?.kind} ${r.fault?.message}`);
    assert.match(r.fault!.message + " " + String(r.fault?.address ?? ""), re);
    if (kind === "deadlock") assert.equal(r.fault!.extra?.["selfDeadlock"], exp === "GuardedTwice" ? true : undefined, exp);
  }
});

test("apigtab.sys: Rtl generic tables with the driver's own compare, allocate and free routines (IRPMon's kbase keeps its records in them); a wild table is a clean fault", () => {
  selfCheck("apigtab.sys", "TestGenericTable");
  const r = call("apigtab.sys", "WildGenericTable");
  assert.equal(r.value, null);
  assert.equal(r.fault?.kind, "invalid-read", `${r.fault?.kind} ${r.fault?.message}`);
  // NumberGenericTableElements of the header at 0xFFFFA000DEAD0000 (x86: the pointer's low half).
  assert.match(r.fault!.message, /invalid read of 4 byte\(s\) at 0x(ffffa000)?dead00(24|14) in ntoskrnl!RtlNumberGenericTableElements/i);
});

test("apitopo.sys: processor counts and KeQueryLogicalProcessorRelationship (test/api-topo.test.ts has the machine-file variants)", () => {
  const events: TraceEvent[] = [];
  const tests = ["TestCounts", "TestRelationAll", "TestRelationEach", "TestProcessorNumber", "TestInvalid"];
  const r = runSimulation({
    install: [fixture("x64", "apitopo.sys")],
    // The default machine: 1 processor (each export takes the expected count).
    steps: [{ kind: "start", name: "apitopo" }, ...tests.map((t) => ({ kind: "call" as const, module: "apitopo.sys", routine: t, args: [1n], expect: 0n })), { kind: "stop", name: "apitopo" }],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  assert.deepEqual(events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
});

test("apiobj.sys: object namespace (ObReferenceObjectByName, links, directories), kernel queues, small services — started as a service", () => {
  const events: TraceEvent[] = [];
  const tests = ["TestNamespace", "TestQueues", "TestServices"];
  const r = runSimulation({
    install: [fixture("x64", "apiobj.sys")],
    steps: [{ kind: "start", name: "apiobj" }, ...tests.map((t) => ({ kind: "call" as const, module: "apiobj.sys", routine: t, args: [], expect: 0n })), { kind: "stop", name: "apiobj" }],
    sink: (e) => void events.push(e),
    executor: emulatorExecutor,
    trace: true,
  });
  for (const e of events) if (e.event === "api") exercised.add(e.api.replace(/^.*!/, ""));
  assert.deepEqual(events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text), []);
  assert.deepEqual(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), []);
  assert.deepEqual(events.filter((e) => e.event === "leak" || e.event === "fault"), []);
});

test("every routine of the new families was called by an example driver above", () => {
  const mine = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !a.stub);
  // KeFlushIoBuffers is called by examples/qa-fresh and checked in test/qa-fresh.test.ts.
  // PsReferenceProcessFilePointer is called by examples/qa-gh and checked in test/qa-gh.test.ts.
  // The ranked routines (test/ranked.ts) are called by examples/api-rank and checked in test/api-rank.test.ts.
  // RtlNtStatusToDosError(NoTeb) are called by examples/api-doserr and checked in test/api-doserr.test.ts.
  // RtlQueryModuleInformation is called by examples/qa-packs and checked in test/qa-packs.test.ts.
  // MmAllocateMdlForIoSpace and ExQueryTimerResolution are called by examples/api-fresh and checked in test/api-fresh.test.ts.
  // IoSetStartIoAttributes is called by examples/qa-fresh7 and checked in test/qa-fresh7.test.ts.
  const elsewhere = new Set(["KeFlushIoBuffers", "PsReferenceProcessFilePointer", ...RANKED, "RtlNtStatusToDosError", "RtlNtStatusToDosErrorNoTeb", "RtlQueryModuleInformation", "MmAllocateMdlForIoSpace", "ExQueryTimerResolution", "IoSetStartIoAttributes"]);
  const missing = [...new Set(mine.map((a) => a.name))].filter((n) => !exercised.has(n) && !elsewhere.has(n)).sort();
  assert.deepEqual(missing, [], "implemented but never called by an example");
});

test("every routine of the new families is a known x64 export of its module (check and sim agree)", async () => {
  const { kernelModuleExports } = await import("../src/nt/kernel-exports.js");
  const unknown = FAMILIES.flatMap((f) => apisByComponent[f] ?? []).filter((a) => !(kernelModuleExports(a.module) ?? []).some((e) => e.name === a.name)).map((a) => `${a.module}!${a.name}`);
  assert.deepEqual(unknown, [], "add them to data/kernel-exports-documented.json (with their Microsoft Learn page) and run npm run kernel-db");
});
