// Every lifecycle scenario in examples/scenarios/, run on the emulator with the real example drivers
// (built from examples/sc-*/ and examples/{mydriver,client}): the exact event sequence of SPEC §6/§9.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../src/events.js";
import { compactCommon, runScenarioFile } from "./trace.js";

const REG = "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\";
const SVC = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\";

function compact(e: TraceEvent): string {
  const common = compactCommon(e);
  if (common !== undefined) return common;
  switch (e.event) {
    case "call":
      return `call ${e.module}!${e.routine}${e.arg ? "(" + e.arg + ")" : e.args ? "(" + e.args.join(",") + ")" : ""}`;
    case "return":
      return `ret ${e.module}!${e.routine}${e.status ? " " + e.status : ""}${e.value ? " =" + e.value : ""}`;
    case "fail":
      return `fail ${e.status}${e.cause && e.cause !== e.status ? " cause " + e.cause : ""} ${e.module}${e.missing ? " missing " + e.missing : ""}`;
    case "warning":
      return `warning ${e.module ?? ""}`;
    case "dbgprint":
      return `print ${e.text.replace(/\n$/, "")}`;
    default:
      return `${e.event} ${"message" in e ? String(e.message) : ""}`;
  }
}

function run(name: string): { ok: boolean; lines: string[]; events: TraceEvent[] } {
  return runScenarioFile(name, compact);
}

/** The fresh load of an export driver for an importer, with its DllInitialize and DbgPrint. */
const freshLoad = (dll: string, by: string, stem = dll.replace(/\.sys$/, "")) => [
  `load ${dll} by ${by}`,
  `count ${dll}=1`,
  `call ${dll}!DllInitialize(${REG}${stem})`,
  `print ${stem}: DllInitialize(${REG}${stem})`,
  `ret ${dll}!DllInitialize 0x00000000`,
];
const dllUnload = (dll: string, stem = dll.replace(/\.sys$/, "")) => [
  `count ${dll}=0`,
  `call ${dll}!DllUnload`,
  `print ${stem}: DllUnload`,
  `ret ${dll}!DllUnload 0x00000000`,
  `unload ${dll}`,
];
const driverEntry = (mod: string, svc: string, print: string) => [
  `call ${mod}!DriverEntry(${SVC}${svc})`,
  `print ${svc}: DriverEntry(${SVC}${svc})${print}`,
  `ret ${mod}!DriverEntry 0x00000000`,
];
const driverUnload = (mod: string, svc: string) => [`call ${mod}!DriverUnload`, `print ${svc}: DriverUnload`, `ret ${mod}!DriverUnload`, `count ${mod}=0`, `unload ${mod}`];

test("seeds: start client loads mydriver.sys (DllInitialize), stop client unloads it (DllUnload)", () => {
  const r = run("seeds");
  assert.deepEqual(r.lines, [
    "== start client",
    "load client.sys", "count client.sys=1",
    ...freshLoad("mydriver.sys", "client.sys"),
    ...driverEntry("client.sys", "client", ": LoadPrinterDriver(41) = 42"),
    "=> ok 0x00000000",
    "== call mydriver.sys!LoadPrinterDriver(41)",
    "call mydriver.sys!LoadPrinterDriver(0x29)", "ret mydriver.sys!LoadPrinterDriver =0x2a",
    "=> ok 42 (0x2a) as expected",
    "== stop client",
    ...driverUnload("client.sys", "client"),
    ...dllUnload("mydriver.sys"),
    "=> ok 0x00000000",
    "end",
  ]);
  assert.equal(r.ok, true);
});

test("chain a → b → c", () => {
  const r = run("chain");
  assert.deepEqual(r.lines, [
    "== start chaina",
    "load chaina.sys", "count chaina.sys=1",
    "load chainb.sys by chaina.sys", "count chainb.sys=1",
    ...freshLoad("chainc.sys", "chainb.sys"),
    `call chainb.sys!DllInitialize(${REG}chainb)`, `print chainb: DllInitialize(${REG}chainb)`, "ret chainb.sys!DllInitialize 0x00000000",
    ...driverEntry("chaina.sys", "chaina", ": ChainB(20) = 41"),
    "=> ok 0x00000000",
    "== call chainb.sys!ChainB(20)", "call chainb.sys!ChainB(0x14)", "ret chainb.sys!ChainB =0x29", "=> ok 41 (0x29) as expected",
    "== stop chaina",
    ...driverUnload("chaina.sys", "chaina"),
    ...dllUnload("chainb.sys"),
    ...dllUnload("chainc.sys"),
    "=> ok 0x00000000",
    "end",
  ]);
});

test("diamond: mydriver.sys unloads only after the second client stops", () => {
  const r = run("diamond");
  assert.deepEqual(r.lines, [
    "== start client", "load client.sys", "count client.sys=1", ...freshLoad("mydriver.sys", "client.sys"),
    ...driverEntry("client.sys", "client", ": LoadPrinterDriver(41) = 42"), "=> ok 0x00000000",
    "== start client2", "load client2.sys", "count client2.sys=1", "count mydriver.sys=2",
    ...driverEntry("client2.sys", "client2", ": LoadPrinterDriver(99) = 100"), "=> ok 0x00000000",
    "== stop client", ...driverUnload("client.sys", "client"), "count mydriver.sys=1", "=> ok 0x00000000",
    "== call mydriver.sys!LoadPrinterDriver(1)", "call mydriver.sys!LoadPrinterDriver(0x1)", "ret mydriver.sys!LoadPrinterDriver =0x2", "=> ok 2 (0x2) as expected",
    "== stop client2", ...driverUnload("client2.sys", "client2"), ...dllUnload("mydriver.sys"), "=> ok 0x00000000",
    "== call mydriver.sys!LoadPrinterDriver(1)", "fail 0xC0000034 mydriver.sys", "=> ok 0xC0000034 as expected",
    "end",
  ]);
});

test("no DllUnload: pinned at count 0, raised again without a second DllInitialize", () => {
  const r = run("pinned");
  assert.deepEqual(r.lines, [
    "== start pinuser", "load pinuser.sys", "count pinuser.sys=1", ...freshLoad("pinned.sys", "pinuser.sys"),
    ...driverEntry("pinuser.sys", "pinuser", ": PinnedAdd(40, 2) = 42"), "=> ok 0x00000000",
    "== stop pinuser", ...driverUnload("pinuser.sys", "pinuser"), "count pinned.sys=0", "warning pinned.sys", "=> ok 0x00000000",
    "== call pinned.sys!PinnedAdd(1, 2)", "call pinned.sys!PinnedAdd(0x1,0x2)", "ret pinned.sys!PinnedAdd =0x3", "=> ok 3 (0x3) as expected",
    "== start pinuser", "load pinuser.sys", "count pinuser.sys=1", "count pinned.sys=1",
    ...driverEntry("pinuser.sys", "pinuser", ": PinnedAdd(40, 2) = 42"), "=> ok 0x00000000",
    "== stop pinuser", ...driverUnload("pinuser.sys", "pinuser"), "count pinned.sys=0", "warning pinned.sys", "=> ok 0x00000000",
    "end pinned.sys=0",
  ]);
});

test("DllUnload without DllInitialize: pinned under documented semantics", () => {
  const r = run("noinit-documented");
  assert.deepEqual(r.lines, [
    "== start noinituser", "load noinituser.sys", "count noinituser.sys=1", "load noinit.sys by noinituser.sys", "count noinit.sys=1",
    ...driverEntry("noinituser.sys", "noinituser", ": NoInitTwice(21) = 42"), "=> ok 0x00000000",
    "== stop noinituser", ...driverUnload("noinituser.sys", "noinituser"), "count noinit.sys=0", "warning noinit.sys", "=> ok 0x00000000",
    "== call noinit.sys!NoInitTwice(5)", "call noinit.sys!NoInitTwice(0x5)", "ret noinit.sys!NoInitTwice =0xa", "=> ok 10 (0xa) as expected",
    "end noinit.sys=0",
  ]);
});

test("DllUnload without DllInitialize: unloaded under kernel semantics", () => {
  const r = run("noinit-kernel");
  assert.deepEqual(r.lines, [
    "== start noinituser", "load noinituser.sys", "count noinituser.sys=1", "load noinit.sys by noinituser.sys", "count noinit.sys=1",
    ...driverEntry("noinituser.sys", "noinituser", ": NoInitTwice(21) = 42"), "=> ok 0x00000000",
    "== stop noinituser", ...driverUnload("noinituser.sys", "noinituser"), ...dllUnload("noinit.sys"), "=> ok 0x00000000",
    "== call noinit.sys!NoInitTwice(5)", "fail 0xC0000034 noinit.sys", "=> ok 0xC0000034 as expected",
    "end",
  ]);
  assert.equal(r.events.find((e) => e.event === "end")!["semantics"], "kernel");
});

test("failing DllInitialize: dependency unloaded without DllUnload, importer fails 0xC000026C", () => {
  const r = run("initfail");
  assert.deepEqual(r.lines, [
    "== start initfailuser", "load initfailuser.sys", "count initfailuser.sys=1", "load initfail.sys by initfailuser.sys", "count initfail.sys=1",
    `call initfail.sys!DllInitialize(${REG}initfail)`, `print initfail: DllInitialize(${REG}initfail)`, "ret initfail.sys!DllInitialize 0xC000009A",
    "fail 0xC000026C cause 0xC000009A initfailuser.sys missing initfail.sys",
    "count initfail.sys=0", "unload initfail.sys", "unload initfailuser.sys",
    "=> ok 0xC000026C (cause 0xC000009A) as expected",
    "end",
  ]);
});

test("failing DllUnload: stays loaded with count 0", () => {
  const r = run("unloadfail");
  assert.deepEqual(r.lines, [
    "== start unloadfailuser", "load unloadfailuser.sys", "count unloadfailuser.sys=1", ...freshLoad("unloadfail.sys", "unloadfailuser.sys"),
    ...driverEntry("unloadfailuser.sys", "unloadfailuser", ": UnloadFailRoutine(40) = 42"), "=> ok 0x00000000",
    "== stop unloadfailuser", ...driverUnload("unloadfailuser.sys", "unloadfailuser"),
    "count unloadfail.sys=0", "call unloadfail.sys!DllUnload", "print unloadfail: DllUnload", "ret unloadfail.sys!DllUnload 0xC0000001", "warning unloadfail.sys",
    "=> ok 0x00000000",
    "== call unloadfail.sys!UnloadFailRoutine(1)", "call unloadfail.sys!UnloadFailRoutine(0x1)", "ret unloadfail.sys!UnloadFailRoutine =0x3", "=> ok 3 (0x3) as expected",
    "end unloadfail.sys=0",
  ]);
});

test("missing export 0xC0000263: fresh dependency dereferenced (DllUnload), importer removed, no DriverEntry", () => {
  const r = run("missing-export");
  assert.deepEqual(r.lines, [
    "== start newclient", "load newclient.sys", "count newclient.sys=1", ...freshLoad("mydriver.sys", "newclient.sys"),
    "fail 0xC0000263 newclient.sys missing mydriver.sys!LoadPrinterDriverEx",
    ...dllUnload("mydriver.sys"), "unload newclient.sys",
    "=> ok 0xC0000263 as expected",
    "end",
  ]);
});

test("missing file 0xC0000034", () => {
  const r = run("missing-file");
  assert.deepEqual(r.lines, [
    "== start client", "load client.sys", "count client.sys=1", "fail 0xC0000034 client.sys missing mydriver.sys", "unload client.sys",
    "=> ok 0xC0000034 as expected", "end",
  ]);
});

test("user-mode import 0xC000007A", () => {
  const r = run("usermode");
  assert.deepEqual(r.lines, [
    "== start usermode", "load usermode.sys", "count usermode.sys=1", "fail 0xC000007A usermode.sys missing KERNEL32.dll", "unload usermode.sys",
    "=> ok 0xC000007A as expected", "end",
  ]);
});

test("ordinal out of range 0xC0000262", () => {
  const r = run("ordinal");
  assert.deepEqual(r.lines, [
    "== start ordclient", "load ordclient.sys", "count ordclient.sys=1", ...freshLoad("mydriver.sys", "ordclient.sys"),
    "fail 0xC0000262 ordclient.sys missing mydriver.sys!#9",
    ...dllUnload("mydriver.sys"), "unload ordclient.sys",
    "=> ok 0xC0000262 as expected", "end",
  ]);
});

test("dual-role driver: one count for service and import; DllUnload only on the import path; 0xC000010E", () => {
  const r = run("dual");
  assert.deepEqual(r.lines, [
    "== start dual", "load dual.sys", "count dual.sys=1", ...driverEntry("dual.sys", "dual", ""), "=> ok 0x00000000",
    "== start dualuser", "load dualuser.sys", "count dualuser.sys=1", "count dual.sys=2",
    ...driverEntry("dualuser.sys", "dualuser", ": DualAdd(40, 2) = 42"), "=> ok 0x00000000",
    "== stop dualuser", ...driverUnload("dualuser.sys", "dualuser"), "count dual.sys=1", "=> ok 0x00000000",
    "== stop dual", ...driverUnload("dual.sys", "dual"), "=> ok 0x00000000",
    "== start dualuser", "load dualuser.sys", "count dualuser.sys=1", ...freshLoad("dual.sys", "dualuser.sys"),
    ...driverEntry("dualuser.sys", "dualuser", ": DualAdd(40, 2) = 42"), "=> ok 0x00000000",
    "== start dual", "fail 0xC000010E dual.sys", "=> ok 0xC000010E as expected",
    "== stop dualuser", ...driverUnload("dualuser.sys", "dualuser"), ...dllUnload("dual.sys"), "=> ok 0x00000000",
    "end",
  ]);
});

test("service ImagePath from a .reg file", () => {
  const r = run("services");
  assert.deepEqual(r.lines, [
    "== start printer", "load client.sys", "count client.sys=1", ...freshLoad("mydriver.sys", "client.sys"),
    `call client.sys!DriverEntry(${SVC}printer)`, `print client: DriverEntry(${SVC}printer): LoadPrinterDriver(41) = 42`, "ret client.sys!DriverEntry 0x00000000",
    "=> ok 0x00000000",
    "== stop printer", "call client.sys!DriverUnload", "print client: DriverUnload", "ret client.sys!DriverUnload", "count client.sys=0", "unload client.sys",
    ...dllUnload("mydriver.sys"), "=> ok 0x00000000",
    "end",
  ]);
});

test("DllInitialize's RegistryPath buffer is freed when it returns: keeping the pointer is a use after free", () => {
  const r = run("keeppath");
  const faultLine = r.lines.findIndex((l) => l.startsWith("fault "));
  assert.match(r.lines[faultLine]!, /^fault use after free: read of 8 byte\(s\) at 0x[0-9a-f]+ \(the RegistryPath passed to keeppath\.sys!DllInitialize, freed when it returned\) at keeppath\.sys\+0x[0-9a-f]+$/);
  r.lines[faultLine] = "fault (use after free)";
  assert.deepEqual(r.lines, [
    "== start keepuser", "load keepuser.sys", "count keepuser.sys=1", "load keeppath.sys by keepuser.sys", "count keeppath.sys=1",
    `call keeppath.sys!DllInitialize(${REG}keeppath)`, `print keeppath: DllInitialize(${REG}keeppath): keeping the pointer`, "ret keeppath.sys!DllInitialize 0x00000000",
    `call keepuser.sys!DriverEntry(${SVC}keepuser)`, "print keepuser: DriverEntry", "ret keepuser.sys!DriverEntry 0x00000000", "=> ok 0x00000000",
    "== call keeppath.sys!KeepPathFirstChar()", "call keeppath.sys!KeepPathFirstChar()",
    "fault (use after free)", "fail 0xC0000001 keeppath.sys", "=> ok use-after-free fault as expected",
    "end keepuser.sys=1 keeppath.sys=1",
  ]);
  const fault = r.events.find((e) => e.event === "fault")!;
  assert.equal(fault.event === "fault" && fault.kind, "use-after-free");
  assert.match(String(fault.message), /RegistryPath passed to keeppath\.sys!DllInitialize/);
  assert.equal(r.ok, true);
});

test("pool DllInitialize allocated and DllUnload did not free is reported as a leak when the DLL unloads", () => {
  const r = run("leak");
  assert.deepEqual(r.lines, [
    "== start leakyuser", "load leakyuser.sys", "count leakyuser.sys=1", "load leaky.sys by leakyuser.sys", "count leaky.sys=1",
    `call leaky.sys!DllInitialize(${REG}leaky)`, "ret leaky.sys!DllInitialize 0x00000000",
    `call leakyuser.sys!DriverEntry(${SVC}leakyuser)`, "print leakyuser: LeakyLookup(3) = 0", "ret leakyuser.sys!DriverEntry 0x00000000", "=> ok 0x00000000",
    "== stop leakyuser", "call leakyuser.sys!DriverUnload", "ret leakyuser.sys!DriverUnload", "count leakyuser.sys=0", "unload leakyuser.sys",
    "count leaky.sys=0", "call leaky.sys!DllUnload", "print leaky: DllUnload", "ret leaky.sys!DllUnload 0x00000000", "unload leaky.sys", "leak ",
    "=> ok 0x00000000", "end",
  ]);
  const leak = r.events.find((e) => e.event === "leak")!;
  assert.equal(leak.module, "leaky.sys");
  assert.equal(leak["size"], 32);
  assert.equal(leak["tag"], "Leak");
});

test("MmGetSystemRoutineAddress resolves only ntoskrnl/hal routines and warns about LoadPrinterDriver in mydriver.sys", () => {
  const r = run("dynlookup");
  const i = r.lines.indexOf("== start dynlookup");
  assert.deepEqual(r.lines.slice(i, i + 8), [
    "== start dynlookup", "load dynlookup.sys", "count dynlookup.sys=1",
    `call dynlookup.sys!DriverEntry(${SVC}dynlookup)`,
    "warning dynlookup.sys",
    "print dynlookup: DbgPrint found, LoadPrinterDriver not found",
    "ret dynlookup.sys!DriverEntry 0x00000000",
    "=> ok 0x00000000",
  ]);
  const w = r.events.find((e) => e.event === "warning")!;
  assert.match(String(w.message), /LoadPrinterDriver/);
  assert.match(String(w.message), /mydriver\.sys/);
  assert.equal(r.ok, true);
});
