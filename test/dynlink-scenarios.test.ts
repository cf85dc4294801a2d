// Dynamic linking without imports (SPEC §8, issue 8): the dl-* scenarios run on the emulator with
// the real example drivers (examples/dl-*), asserting the exact event sequences: IRPs (irp events),
// interface reference counts (interface events), the interface leak check, and the port/miniport
// pair where an IOCTL to the miniport's device runs unexported code of the export driver.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../src/events.js";
import { fixture, tool } from "./helpers.js";
import { compactCommon, runScenarioFile } from "./trace.js";

type Ev = TraceEvent & Record<string, unknown>;

/** One line per event; irp dispatch routines by module only (RVAs are checked separately). */
function compact(e: Ev): string | null {
  const common = compactCommon(e);
  if (common !== undefined) return common;
  switch (e.event) {
    case "irp":
      return `irp ${e.from} -> ${e.to} ${String(e["name"])}${e.ioctl ? " " + e.ioctl : ""} [${String(e["dispatch"]).replace(/\+0x[0-9a-f]+$/, "")}] ${e.status}`;
    case "interface":
      return `iface ${e.action} ${e.count} by ${String(e["module"])}`;
    case "leak":
      return `leak ${e.kind} ${e.module} ${String(e["provider"] ?? "")} ${String(e["count"] ?? "")}`.trim();
    case "dbgprint":
      return `print ${e.text.replace(/\n$/, "")}`;
    case "call":
      return `call ${e.module}!${e.routine}`;
    case "return":
      return `ret ${e.module}!${e.routine}${e.status ? " " + e.status : ""}`;
    case "warning":
    case "fault":
    case "fail":
      return `${e.event} ${String(e["message"])}`;
    default:
      return null;
  }
}

function run(name: string): { ok: boolean; lines: string[]; events: Ev[] } {
  const r = runScenarioFile(name, (e) => compact(e as Ev));
  return { ...r, events: r.events as Ev[] };
}

/** Lines between `== label` and its `=>` (inclusive of neither). */
function stepLines(lines: string[], label: string): string[] {
  const i = lines.indexOf(`== ${label}`);
  assert.ok(i >= 0, `no step ${label}:\n${lines.join("\n")}`);
  const j = lines.findIndex((l, k) => k > i && l.startsWith("=> "));
  return lines.slice(i + 1, j);
}

const SVC = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\";
const REG = "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\";

test("IOCTL interface: ifclient gets ifprovider's interface, calls through it, dereferences it in DriverUnload", () => {
  const { ok, lines } = run("dl-ioctl-interface");
  assert.ok(ok, lines.join("\n"));
  assert.deepEqual(stepLines(lines, "start ifclient"), [
    "load ifclient.sys",
    "count ifclient.sys=1",
    "call ifclient.sys!DriverEntry",
    // IoGetDeviceObjectPointer opens the device: IRP_MJ_CREATE to the provider's dispatch routine.
    "irp ifclient.sys -> \\Device\\IfProvider IRP_MJ_CREATE [ifprovider.sys] 0x00000000",
    // The internal IOCTL: the provider references the interface before completing the IRP.
    "print ifprovider: InterfaceReference -> 1",
    "iface reference 1 by ifprovider.sys",
    "irp ifclient.sys -> \\Device\\IfProvider IRP_MJ_INTERNAL_DEVICE_CONTROL 0x80002003 [ifprovider.sys] 0x00000000",
    // 48 bytes = sizeof(IFPROVIDER_INTERFACE) on x64, copied back as IoStatus.Information.
    "print ifclient: got interface v1 (48 bytes, 48 returned): Add(2, 3) = 5, NextTicket() = 1",
    "ret ifclient.sys!DriverEntry 0x00000000",
  ]);
  assert.deepEqual(stepLines(lines, "stop ifclient"), [
    "call ifclient.sys!DriverUnload",
    "iface dereference 0 by ifclient.sys",
    "print ifprovider: InterfaceDereference -> 0",
    // ObDereferenceObject(FileObject): the last reference sends IRP_MJ_CLOSE.
    "irp ifclient.sys -> \\Device\\IfProvider IRP_MJ_CLOSE [ifprovider.sys] 0x00000000",
    "print ifclient: DriverUnload",
    "ret ifclient.sys!DriverUnload",
    "count ifclient.sys=0",
    "unload ifclient.sys",
  ]);
  assert.deepEqual(stepLines(lines, "stop ifprovider"), ["call ifprovider.sys!DriverUnload", "print ifprovider: DriverUnload", "ret ifprovider.sys!DriverUnload", "count ifprovider.sys=0", "unload ifprovider.sys"]);
  assert.ok(!lines.some((l) => l.startsWith("leak") || l.startsWith("warning") || l.startsWith("fault")), lines.join("\n"));
});

test("IOCTL interface: a client that never dereferences is reported as an interface leak at the end", () => {
  const { ok, lines, events } = run("dl-ioctl-leak");
  // Every step ran as expected, but the leak is a verifier finding: the scenario fails (as kmdll call does).
  assert.equal(ok, false, lines.join("\n"));
  assert.deepEqual(stepLines(lines, "stop ifleaky"), [
    "call ifleaky.sys!DriverUnload",
    "irp ifleaky.sys -> \\Device\\IfProvider IRP_MJ_CLOSE [ifprovider.sys] 0x00000000",
    "print ifclient: DriverUnload",
    "ret ifleaky.sys!DriverUnload",
    "count ifleaky.sys=0",
    "unload ifleaky.sys",
  ]);
  // The provider sees the outstanding reference itself; kmdll reports it after the last step.
  assert.ok(lines.includes("print ifprovider: unloading with 1 interface references outstanding"));
  const tail = lines.slice(lines.lastIndexOf("=> ok 0x00000000"));
  assert.deepEqual(tail, ["=> ok 0x00000000", "leak interface ifleaky.sys ifprovider.sys 1", "end"]);
  const leak = events.find((e) => e.event === "leak")!;
  assert.equal(leak["interface"], "IOCTL 0x80002003");
  assert.equal(leak["references"], 1);
  assert.equal(leak["dereferences"], 0);
});

test("IRP_MN_QUERY_INTERFACE: unsupported GUID stays 0xC00000BB; the bus interface is referenced and dereferenced", () => {
  const { ok, lines, events } = run("dl-query-interface");
  assert.ok(ok, lines.join("\n"));
  assert.deepEqual(stepLines(lines, "start funcdrv"), [
    "load funcdrv.sys",
    "count funcdrv.sys=1",
    "call funcdrv.sys!DriverEntry",
    "irp funcdrv.sys -> \\Device\\DemoBus IRP_MJ_CREATE [busdrv.sys] 0x00000000",
    // The preset STATUS_NOT_SUPPORTED comes back untouched for a GUID nobody answers.
    "print busdrv: IRP_MN_QUERY_INTERFACE for an unknown interface: left as 0xC00000BB",
    "irp funcdrv.sys -> \\Device\\DemoBus IRP_MJ_PNP/IRP_MN_QUERY_INTERFACE [busdrv.sys] 0xC00000BB",
    "print funcdrv: query for an unsupported interface: 0xC00000BB",
    "print busdrv: InterfaceReference -> 1",
    "iface reference 1 by busdrv.sys",
    "irp funcdrv.sys -> \\Device\\DemoBus IRP_MJ_PNP/IRP_MN_QUERY_INTERFACE [busdrv.sys] 0x00000000",
    "print funcdrv: query for the bus interface: 0x00000000",
    // Direct calls through the interface: WriteRegister(1, 0xBEEF), then ReadRegister.
    "print funcdrv: bus registers: [0]=0x1234 [1]=0xBEEF",
    "ret funcdrv.sys!DriverEntry 0x00000000",
  ]);
  assert.deepEqual(stepLines(lines, "stop funcdrv"), [
    "call funcdrv.sys!DriverUnload",
    "iface dereference 0 by funcdrv.sys",
    "print busdrv: InterfaceDereference -> 0",
    "irp funcdrv.sys -> \\Device\\DemoBus IRP_MJ_CLOSE [busdrv.sys] 0x00000000",
    "print funcdrv: DriverUnload",
    "ret funcdrv.sys!DriverUnload",
    "count funcdrv.sys=0",
    "unload funcdrv.sys",
  ]);
  const q = events.filter((e) => e.event === "irp" && e.minor === 8);
  assert.equal(q.length, 2);
  assert.ok(q.every((e) => e.major === 0x1b), "IRP_MJ_PNP is 0x1B");
  const ref = events.find((e) => e.event === "interface")!;
  assert.equal(ref["interface"], "GUID {6a1f3c52-0d7e-4c59-9b1e-2f4d8a6c1b07}");
  assert.equal(ref["holder"], "funcdrv.sys");
  assert.ok(!lines.some((l) => l.startsWith("leak") || l.startsWith("warning") || l.startsWith("fault")), lines.join("\n"));
});

/** portlib.sys's exports and .text range from llvm-readobj (independent of kmdll's PE reader). */
function portlibFacts(): { exportRvas: number[]; text: { start: number; end: number } } {
  const exp = tool("llvm-readobj", ["--coff-exports", fixture("x64", "portlib.sys")]).stdout;
  // (llvm-readobj also lists an unnamed ordinal-0 row with RVA 0: named exports only.)
  const exportRvas = [...exp.matchAll(/Name: (\S+)\s+RVA: (0x[0-9A-Fa-f]+)/g)].map((m) => Number(m[2]));
  const sec = tool("llvm-readobj", ["--sections", fixture("x64", "portlib.sys")]).stdout;
  const m = /Name: \.text[\s\S]*?VirtualSize: (0x[0-9A-F]+)\s+VirtualAddress: (0x[0-9A-F]+)/i.exec(sec)!;
  return { exportRvas, text: { start: Number(m[2]), end: Number(m[2]) + Number(m[1]) } };
}

test("port/miniport: portlib loads for the miniport, the IOCTL runs portlib's unexported dispatch routine, DllUnload on stop", () => {
  const { ok, lines, events } = run("dl-port-miniport");
  assert.ok(ok, lines.join("\n"));
  assert.deepEqual(stepLines(lines, "start miniport"), [
    "load miniport.sys",
    "count miniport.sys=1",
    "load portlib.sys by miniport.sys",
    "count portlib.sys=1",
    "call portlib.sys!DllInitialize",
    `print portlib: DllInitialize(${REG}portlib)`,
    "ret portlib.sys!DllInitialize 0x00000000",
    "call miniport.sys!DriverEntry",
    "print portlib: PortInitialize created \\Device\\Miniport for the miniport",
    "ret miniport.sys!DriverEntry 0x00000000",
  ]);
  const label = "ioctl \\Device\\Miniport 0x80002004 [010203]";
  assert.deepEqual(stepLines(lines, label), [
    "irp user -> \\Device\\Miniport IRP_MJ_CREATE [portlib.sys] 0x00000000",
    "print portlib: PortDeviceControl(0x80002004) #1 -> miniport",
    "print miniport: reversed 3 bytes",
    "irp user -> \\Device\\Miniport IRP_MJ_DEVICE_CONTROL 0x80002004 [portlib.sys] 0x00000000",
    "irp user -> \\Device\\Miniport IRP_MJ_CLOSE [portlib.sys] 0x00000000",
  ]);
  const end = events.find((e) => e.event === "step" && e.step === label && e["phase"] === "end")!;
  assert.equal(end["output"], "030201");
  assert.equal(end["result"], "0x00000000 STATUS_SUCCESS, Information 3, 3 byte(s) out: 030201 as expected");
  // The device belongs to miniport.sys; its dispatch routine is code of portlib.sys that portlib does not export.
  const ioctl = events.find((e) => e.event === "irp" && e.major === 0x0e)!;
  assert.equal(ioctl["driver"], "miniport.sys");
  const rva = Number(/^portlib\.sys\+(0x[0-9a-f]+)$/.exec(String(ioctl["dispatch"]))![1]);
  const facts = portlibFacts();
  assert.ok(rva >= facts.text.start && rva < facts.text.end, `dispatch RVA 0x${rva.toString(16)} inside portlib's .text`);
  assert.equal(facts.exportRvas.length, 3, "DllInitialize, DllUnload, PortInitialize");
  assert.ok(!facts.exportRvas.includes(rva), "the dispatch routine is not an export of portlib.sys");
  // Too small an output buffer: the miniport's callback refuses, nothing is copied back.
  assert.deepEqual(stepLines(lines, "ioctl \\Device\\Miniport 0x80002004 [48656c6c6f]").filter((l) => l.startsWith("irp")).map((l) => l.split(" ").pop()), ["0x00000000", "0xC0000023", "0x00000000"]);
  assert.ok(lines.includes("=> ok 0xC0000023 STATUS_BUFFER_TOO_SMALL, Information 0, 0 byte(s) out: (none) as expected"));
  assert.deepEqual(stepLines(lines, "ioctl \\Device\\Nothing 0x80002004"), ["fail \\Device\\Nothing: no such device object"]);
  assert.deepEqual(stepLines(lines, "stop miniport"), [
    "call miniport.sys!DriverUnload",
    "print portlib: PortUnload for the miniport",
    "ret miniport.sys!DriverUnload",
    "count miniport.sys=0",
    "unload miniport.sys",
    "count portlib.sys=0",
    "call portlib.sys!DllUnload",
    "print portlib: DllUnload",
    "ret portlib.sys!DllUnload 0x00000000",
    "unload portlib.sys",
  ]);
  assert.ok(!lines.some((l) => l.startsWith("leak") || l.startsWith("warning") || l.startsWith("fault")), lines.join("\n"));
  void SVC;
});
