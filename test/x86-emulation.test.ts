// x86 (32-bit) drivers run in the emulator: the lifecycle scenarios of examples/scenarios give the
// same events on the x86 builds of the example drivers as on the x64 ones (addresses aside),
// `kmdll call` runs stdcall, cdecl and fastcall exports, and images of the wrong arch get
// STATUS_INVALID_IMAGE_FORMAT (0xC000007B) — from the loader, never a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { TraceEvent } from "../src/events.js";
import { callImage } from "../src/sim/call.js";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { compactCommon } from "./trace.js";
import { patchedImage as patched, runScenarioOn, x64OnlyReason } from "./arch-compare.js";

/** Every event as one line without addresses (bases, pool pointers and RVAs differ by arch). */
function line(e: TraceEvent): string {
  const common = compactCommon(e);
  if (common !== undefined) return common;
  const { event, ...rest } = e as TraceEvent & Record<string, unknown>;
  delete rest.base;
  delete rest.path;
  delete rest.rip;
  delete rest.registers;
  delete rest.backtrace;
  delete rest.address;
  delete rest.caller;
  // The faulting instruction's bytes: each arch's own encoding.
  delete rest.instructionBytes;
  // Code offsets (module+0x...) and the width of a pointer read differ by arch too.
  return `${event} ${JSON.stringify(rest)
    .replace(/0x[0-9a-f]{8,16}\b/gi, "ADDR")
    .replace(/\+0x[0-9a-f]+/g, "+OFF")
    .replace(/(read|write) of [48] byte\(s\)/g, "$1 of a pointer")
    // sizeof an interface of pointers: 48 bytes on x64, 24 on x86 (its DbgPrint says so).
    .replace(/\((24|48) bytes, \1 returned\)/g, "(sizeof bytes)")}`;
}

/** Run a scenario file with its install list taken from test/fixtures/<arch>/. */
const runOn = (name: string, arch: "x64" | "x86") => runScenarioOn(name, arch, line);

// Every scenario file of examples/scenarios (lifecycle and dynamic-linking scenarios of
// examples/sc-*, dl-*, mydriver, client: IOCTLs, query-interface IRPs, interface reference
// counting through kernel thunks, the port/miniport pair, PnP), enumerated: a scenario runs on x86
// as soon as every driver it installs has an x86 build; until then it is skipped, naming the
// drivers and the reason their examples are x64 only (test/arch-coverage.test.ts, docs/emulator.md).
const SCENARIO_DIR = repoPath("examples", "scenarios");
for (const file of readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".json")).sort()) {
  const name = file.replace(/\.json$/, "");
  const json = JSON.parse(readFileSync(join(SCENARIO_DIR, file), "utf8")) as { install?: string[] };
  const missing = (json.install ?? []).filter((p) => p.includes("fixtures/x64/") && !existsSync(fixture("x86", basename(p)))).map((p) => basename(p));
  const skip = missing.length ? `x64 only until ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} built for x86 (${missing.map((m) => x64OnlyReason(m)).join("; ")})` : false;
  test(`scenario ${name}: x86 drivers give the x64 events`, { skip }, () => {
    const x64 = runOn(name, "x64");
    const x86 = runOn(name, "x86");
    // The leak scenarios end with leak events: verifier findings that fail the scenario (docs/verifier.md).
    const leaky = name === "leak" || name === "dl-ioctl-leak";
    assert.equal(x64.ok, !leaky, x64.lines.join("\n"));
    assert.equal(x86.ok, !leaky, x86.lines.join("\n"));
    // DbgPrint's %p prints a pointer as 8 or 16 upper-case hex digits (kmdffunc's PDO).
    const ptr = (l: string[]) => l.map((x) => x.replace(/\b(?:[0-9A-F]{8}){1,2}\b/g, "PTR"));
    assert.deepEqual(ptr(x86.lines), ptr(x64.lines));
  });
}

test("kmdll call on x86: DllInitialize, the routine, DllUnload as on x64; stdcall, cdecl and fastcall exports", () => {
  const strip = (es: TraceEvent[]) => es.map(line);
  const a = callImage(fixture("x64", "mydriver.sys"), "LoadPrinterDriver", [41n], { trace: true });
  const b = callImage(fixture("x86", "mydriver.sys"), "LoadPrinterDriver", [41n], { trace: true });
  assert.equal(a.value, 42n);
  assert.equal(b.value, 42n);
  assert.deepEqual(strip(b.events), strip(a.events));
  // The x86 image really ran as x86: its pool lives in the 32-bit system space.
  const alloc = b.events.find((e) => e.event === "api" && e.api.endsWith("ExAllocatePoolWithTag")) as { ret?: string } | undefined;
  assert.ok(alloc && BigInt(alloc.ret!) >= 0x80000000n && BigInt(alloc.ret!) < 0x100000000n, JSON.stringify(alloc));
  const lib = fixture("x86", "mathlib.sys");
  assert.equal(callImage(lib, "MathMul", [6n, 7n]).value, 42n, "stdcall");
  assert.equal(callImage(lib, "MathSub", [50n, 8n]).value, 42n, "cdecl");
  assert.equal(callImage(lib, "MathAdd", [40n, 2n]).value, 42n, "fastcall: ECX and EDX");
  assert.equal(callImage(lib, "MathProduct", [3n, 14n]).value, 42n, ".def alias of a stdcall routine");
});

test("x86 importer of NTAPI/FASTCALL/cdecl exports: sim start/stop, stack balanced across every convention", async () => {
  const r = await runCli(["sim", "--install", fixture("x86", "mathlib.sys"), fixture("x86", "mathuser.sys"), "--", "start:mathuser", "stop:mathuser"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /mathuser: MathMul\(6, 7\) = 42, MathAdd\(40, 2\) = 42, MathSub\(50, 8\) = 42, MathSum = 10, MathProduct\(3, 14\) = 42/);
  assert.match(r.stdout, /mathlib\.sys!DllUnload\(\)/);
});

test("bad input: machine/magic mismatch, an x64 export driver under an x86 importer, a mixed root → 0xC000007B, never a crash", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-x86bad-"));
  try {
    // COFF machine x64 on a PE32 optional header.
    const lying = patched(fixture("x86", "mydriver.sys"), dir, "mydriver.sys", (b, pe) => b.writeUInt16LE(0x8664, pe + 4));
    const c = await runCli(["call", lying, "LoadPrinterDriver", "1"]);
    assert.equal(c.code, 2, c.stdout + c.stderr);
    assert.match(c.stderr, /the COFF machine is x64 but the optional header is PE32 \(x64 needs PE32\+\).*0xC000007B/);
    // The reverse: COFF machine i386 on a PE32+ optional header, called and as a dependency in sim.
    const lying64 = patched(fixture("x64", "mydriver.sys"), dir, "lying64.sys", (b, pe) => b.writeUInt16LE(0x14c, pe + 4));
    const c64 = await runCli(["call", lying64, "LoadPrinterDriver", "1"]);
    assert.equal(c64.code, 2, c64.stdout + c64.stderr);
    assert.match(c64.stderr, /the COFF machine is x86 but the optional header is PE32\+ \(x86 needs PE32\).*0xC000007B/);
    const dep = join(dir, "deproot");
    mkdirSync(join(dep, "System32", "drivers"), { recursive: true });
    copyFileSync(fixture("x64", "client.sys"), join(dep, "System32", "drivers", "client.sys"));
    copyFileSync(lying64, join(dep, "System32", "drivers", "mydriver.sys"));
    const sd = await runCli(["sim", "--root", dep, "start:client"]);
    assert.equal(sd.code, 1, sd.stdout + sd.stderr);
    assert.match(sd.stdout, /client\.sys cannot load mydriver\.sys: .*the COFF machine is x86 but the optional header is PE32\+ .*\(0xC000007B\)/);
    // An unknown machine.
    const arm = patched(fixture("x86", "mydriver.sys"), dir, "arm.sys", (b, pe) => b.writeUInt16LE(0x1c4, pe + 4));
    const c2 = await runCli(["call", arm, "LoadPrinterDriver", "1"]);
    assert.equal(c2.code, 2);
    assert.match(c2.stderr, /images cannot be emulated \(x64, x86 and arm64 can\)/);

    // An x86 client whose export driver in the root is x64: the import fails with 0xC000007B.
    const root = join(dir, "root");
    mkdirSync(join(root, "System32", "drivers"), { recursive: true });
    copyFileSync(fixture("x86", "client.sys"), join(root, "System32", "drivers", "client.sys"));
    copyFileSync(fixture("x64", "mydriver.sys"), join(root, "System32", "drivers", "mydriver.sys"));
    const s = await runCli(["sim", "--root", root, "--json", "start:client"]);
    assert.equal(s.code, 1, s.stdout + s.stderr);
    const events = s.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    // Tied 1:1, the system is x64: the x86 client itself is refused, named, with the status.
    const warn = events.find((e) => e.event === "warning");
    assert.match(String(warn?.message), /the root mixes architectures: 1 x64 driver\(s\) and 1 x86 driver\(s\) \(client\.sys\)/);
    const fail = events.find((e) => e.event === "fail") as { status?: string; cause?: string; message?: string };
    assert.ok(fail, s.stdout);
    assert.match(String(fail.message), /client\.sys is an x86 image; this system runs x64 drivers/);
    assert.ok([fail.status, fail.cause].includes("0xC000007B"), JSON.stringify(fail));

    // Two x86 drivers and one x64 export driver: the system is x86; the x64 dependency is refused.
    copyFileSync(fixture("x86", "mathuser.sys"), join(root, "System32", "drivers", "mathuser.sys"));
    const s2 = await runCli(["sim", "--root", root, "--json", "start:client"]);
    assert.equal(s2.code, 1, s2.stdout + s2.stderr);
    const ev2 = s2.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const f2 = ev2.find((e) => e.event === "fail") as { cause?: string; status?: string; message?: string };
    assert.match(String(f2.message), /mydriver\.sys is an x64 image; this system runs x86 drivers/);
    assert.ok([f2.status, f2.cause].includes("0xC000007B"), JSON.stringify(f2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A lesson from real x86 drivers (Pascal- and MASM-built ones import IoCompleteRequest, the x86
// stdcall export, instead of the fastcall IofCompleteRequest the WDK macro calls; KeGetCurrentIrql
// comes from HAL on x86): each x86-only name is served by the one handler of its routine.
const ALIAS_C = `#include <ntddk.h>
#undef IoCompleteRequest
__declspec(dllimport) VOID NTAPI IoCompleteRequest(PIRP Irp, CCHAR PriorityBoost);
static NTSTATUS NTAPI Dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    DbgPrint("alias: IRP major %u at IRQL %u\\n", IoGetCurrentIrpStackLocation(Irp)->MajorFunction, KeGetCurrentIrql());
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}
static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING link;
    RtlInitUnicodeString(&link, L"\\\\DosDevices\\\\Alias");
    IoDeleteSymbolicLink(&link);
    IoDeleteDevice(DriverObject->DeviceObject);
    DbgPrint("alias: unloaded\\n");
}
NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name, link;
    PDEVICE_OBJECT dev;
    NTSTATUS st;
    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&name, L"\\\\Device\\\\Alias");
    st = IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &dev);
    if (!NT_SUCCESS(st)) return st;
    RtlInitUnicodeString(&link, L"\\\\DosDevices\\\\Alias");
    IoCreateSymbolicLink(&link, &name);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Dispatch;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Dispatch;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Dispatch;
    DriverObject->DriverUnload = Unload;
    DbgPrint("alias: DriverEntry at IRQL %u\\n", KeGetCurrentIrql());
    return STATUS_SUCCESS;
}
`;

test("x86-only export names: IoCompleteRequest (stdcall) and HAL's KeGetCurrentIrql reach the one handler of the routine", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-x86alias-"));
  try {
    writeFileSync(join(dir, "alias.c"), ALIAS_C);
    writeFileSync(join(dir, "sources"), "TARGETNAME=alias\nTARGETTYPE=DRIVER\nSOURCES=alias.c\n");
    const b = await runCli(["build", ".", "--arch", "x86"], { cwd: dir });
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const sys = join(dir, "out", "x86", "alias.sys");
    const imports = tool("llvm-readobj", ["--coff-imports", sys]).stdout;
    assert.match(imports, /Name: HAL\.dll[\s\S]*Symbol: KeGetCurrentIrql/);
    assert.match(imports, /Symbol: IoCompleteRequest \(/);
    const r = await runCli(["sim", "--install", sys, "--", "start:alias", "ioctl:\\Device\\Alias:0x222000", "stop:alias"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /alias: DriverEntry at IRQL 0/);
    assert.match(r.stdout, /alias: IRP major 14 at IRQL 0/);
    assert.match(r.stdout, /ok {2}ioctl \\Device\\Alias 0x00222000 → 0x00000000/);
    assert.match(r.stdout, /alias: unloaded/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
