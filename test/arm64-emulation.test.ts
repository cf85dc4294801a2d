// ARM64 drivers run in the emulator: the computation driver gives the natively compiled C's
// results, the lifecycle and IOCTL scenarios of examples/scenarios give the same events on the
// ARM64 builds of their drivers as on the x64 ones (addresses aside), the images are what
// llvm-readobj says an ARM64 driver is, and images of the wrong arch get
// STATUS_INVALID_IMAGE_FORMAT (0xC000007B) — from the loader, never a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TraceEvent } from "../src/events.js";
import { callImage } from "../src/sim/call.js";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { compactCommon } from "./trace.js";
import { patchedImage as patched, runScenarioOn } from "./arch-compare.js";
import { parsePe } from "../src/formats/pe/index.js";

/** Every event as one line without addresses (bases, pool pointers and RVAs differ by arch). */
function line(e: TraceEvent): string {
  const common = compactCommon(e);
  if (common !== undefined) return common;
  const { event, ...rest } = e as TraceEvent & Record<string, unknown>;
  for (const k of ["base", "path", "rip", "registers", "backtrace", "address", "caller", "instructionBytes"]) delete rest[k];
  return `${event} ${JSON.stringify(rest)
    .replace(/0x[0-9a-f]{8,16}\b/gi, "ADDR")
    // Code offsets differ by arch (an ARM64 load may be a function's first instruction: no "+0x0").
    .replace(/\+0x[0-9a-f]+/g, "")}`;
}

/** Run a scenario file with its install list taken from test/fixtures/<arch>/. */
const runOn = (name: string, arch: "x64" | "arm64") => runScenarioOn(name, arch, line);

// Every lifecycle and dynamic-linking scenario the x86 builds run (test/x86-emulation.test.ts):
// load on import, DllInitialize/DllUnload, reference counts, failures, IOCTL interfaces, query-interface
// IRPs, the port/miniport pair. (usermode needs kernel32.lib, which kmdll has no ARM64 build of.)
const SCENARIOS = [
  "seeds", "chain", "diamond", "dual", "dynlookup", "initfail", "keeppath", "leak", "missing-export", "missing-file", "noinit-documented", "noinit-kernel",
  "ordinal", "pinned", "services", "unloadfail", "dl-ioctl-interface", "dl-ioctl-leak", "dl-port-miniport", "dl-query-interface",
];

for (const name of SCENARIOS) {
  test(`scenario ${name}: ARM64 drivers give the x64 events`, () => {
    const x64 = runOn(name, "x64");
    const arm = runOn(name, "arm64");
    // The leak scenarios end with leak events: verifier findings that fail the scenario (docs/verifier.md).
    const leaky = name === "leak" || name === "dl-ioctl-leak";
    assert.equal(x64.ok, !leaky, x64.lines.join("\n"));
    assert.equal(arm.ok, !leaky, arm.lines.join("\n"));
    assert.deepEqual(arm.lines, x64.lines);
  });
}

test("ARM64 fixtures are what llvm-readobj says an ARM64 export driver is: machine, PE32+, .pdata, imports", () => {
  for (const f of ["mydriver.sys", "client.sys", "emucomp.sys", "ifprovider.sys", "miniport.sys"]) {
    const path = fixture("arm64", f);
    const image = parsePe(new Uint8Array(readFileSync(path)));
    const ro = tool("llvm-readobj", ["--file-headers", "--coff-imports", "--unwind", path]).stdout;
    assert.match(ro, /Machine: IMAGE_FILE_MACHINE_ARM64 \(0xAA64\)/, f);
    assert.match(ro, /Magic: 0x20B/, f);
    assert.equal(image.machine, "arm64", f);
    // One .pdata entry per RuntimeFunction llvm-readobj decodes (packed and .xdata alike).
    assert.equal(image.exceptionFunctions.length, (ro.match(/RuntimeFunction \{/g) ?? []).length, f);
    const theirs = [...ro.matchAll(/Symbol: (\S+) \(/g)].map((m) => m[1]).sort();
    const ours = image.imports.flatMap((i) => i.functions.map((fn) => fn.name ?? "")).sort();
    assert.deepEqual(ours, theirs, f);
  }
  // The port driver's table of code pointers is relocated with DIR64 entries, ARM64's only base relocation.
  const relocs = tool("llvm-readobj", ["--coff-basereloc", fixture("arm64", "miniport.sys")]).stdout;
  assert.deepEqual([...new Set([...relocs.matchAll(/Type: (\w+)/g)].map((m) => m[1]))].sort(), ["ABSOLUTE", "DIR64"]);
});

// A driver of our own for what the examples do not exercise on ARM64: a code-pointer table
// (DIR64 relocations), more than eight arguments (the rest on the stack, also for DbgPrint's
// varargs), spin locks and IRQL routines (declared by kmdll's ARM64 header shims), BRK traps, and a
// fault two calls deep (the backtrace unwinds packed and .xdata .pdata entries).
const A64_C = `#include <ntddk.h>
typedef LONG64 (NTAPI *OP)(LONG64, LONG64);
static LONG64 NTAPI Add(LONG64 a, LONG64 b) { return a + b; }
static LONG64 NTAPI Mul(LONG64 a, LONG64 b) { return a * b; }
static OP Ops[2] = { Add, Mul };
static KSPIN_LOCK Lock;
__declspec(noinline) static LONG64 Inner(volatile LONG64 *p, LONG64 n)
{
    DbgPrint("a64: inner %lld\\n", n);
    return *p + n;
}
__declspec(noinline) static LONG64 Outer(LONG64 address)
{
    LONG64 r = Inner((volatile LONG64 *)address, 1);
    DbgPrint("a64: outer %lld\\n", r);
    return r;
}
LONG64 NTAPI WildRead(LONG64 address) { return Outer(address) + 1; }
void NTAPI Break(void) { __debugbreak(); }
void NTAPI FastFail(void) { __fastfail(7); }
LONG64 NTAPI Apply(LONG64 which, LONG64 a, LONG64 b) { return Ops[which & 1](a, b); }
__declspec(noinline) static LONG64 Ten(LONG64 a, LONG64 b, LONG64 c, LONG64 d, LONG64 e, LONG64 f, LONG64 g, LONG64 h, LONG64 i, LONG64 j)
{
    KIRQL old;
    LONG64 s = a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
    KeInitializeSpinLock(&Lock);
    KeAcquireSpinLock(&Lock, &old);
    DbgPrint("a64: irql %u -> %u, %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld = %lld\\n", old, KeGetCurrentIrql(), a, b, c, d, e, f, g, h, i, j, s);
    KeReleaseSpinLock(&Lock, old);
    return s;
}
LONG64 NTAPI Many(LONG64 x) { return Ten(x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8, x + 9); }
NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
NTSTATUS NTAPI DllUnload(void) { return STATUS_SUCCESS; }
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { UNREFERENCED_PARAMETER(DriverObject); UNREFERENCED_PARAMETER(RegistryPath); return STATUS_SUCCESS; }
`;
const A64_DEF = "LIBRARY a64.sys\nEXPORTS\n  DllInitialize PRIVATE\n  DllUnload PRIVATE\n  WildRead\n  Break\n  FastFail\n  Apply\n  Many\n";

test("kmdll build --arch arm64 builds a project that names no arch; it runs: DIR64 relocations, stack arguments, spin locks, BRK traps, .pdata backtraces", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-a64-"));
  try {
    writeFileSync(join(dir, "a64.c"), A64_C);
    writeFileSync(join(dir, "a64.def"), A64_DEF);
    writeFileSync(join(dir, "sources"), "TARGETNAME=a64\nTARGETTYPE=EXPORT_DRIVER\nDLLDEF=a64.def\nSOURCES=a64.c\n");
    const b = await runCli(["build", ".", "--arch", "arm64"], { cwd: dir });
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const sys = join(dir, "out", "arm64", "a64.sys");
    assert.match(tool("llvm-readobj", ["--coff-basereloc", sys]).stdout, /Type: DIR64/);
    // KeGetCurrentIrql comes from HAL.dll, as MSVC-built ARM64 drivers import it (docs/qa.md).
    assert.match(tool("llvm-readobj", ["--coff-imports", sys]).stdout, /Name: hal\.dll[\s\S]*Symbol: KeGetCurrentIrql/i);
    const dis = tool("llvm-objdump", ["-d", sys]).stdout;
    assert.match(dis, /brk\s+#0xf000/);
    assert.match(dis, /brk\s+#0xf003/);

    assert.equal(callImage(sys, "Apply", [0n, 40n, 2n]).value, 42n);
    assert.equal(callImage(sys, "Apply", [1n, 6n, 7n]).value, 42n);
    const x = 100n;
    const sum = Array.from({ length: 10 }, (_, k) => BigInt(k + 1) * (x + BigInt(k))).reduce((a, v) => a + v, 0n);
    const many = callImage(sys, "Many", [x], { trace: true });
    assert.equal(many.value, sum);
    const text = many.events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text).join("");
    assert.equal(text, `a64: irql 0 -> 2, ${Array.from({ length: 10 }, (_, k) => x + BigInt(k)).join(" ")} = ${sum}\n`);

    const wild = callImage(sys, "WildRead", [0x1234n]);
    assert.equal(wild.fault?.kind, "invalid-read", wild.fault?.message);
    assert.match(wild.fault!.message, /invalid read of 8 byte\(s\) at 0x0000000000001234/);
    // Inner (where it faulted), Outer (an .xdata entry: str x19/x30), WildRead (packed: str lr) — in that order.
    const bt = wild.fault!.backtrace;
    assert.equal(bt.length, 3, bt.join("\n"));
    assert.match(bt[2]!, /^a64\.sys\+0x[0-9a-f]+ \(WildRead\+0x[0-9a-f]+\)$/);
    assert.equal(wild.fault!.registers.X19, "0x0000000000001234");

    const brk = callImage(sys, "Break", []);
    assert.equal(brk.fault?.kind, "cpu-exception");
    assert.match(brk.fault!.message, /^breakpoint \(brk #0xf000, __debugbreak\) at a64\.sys\+0x[0-9a-f]+$/);
    assert.match(brk.fault!.backtrace[0]!, /\(Break\)$/);
    const ff = callImage(sys, "FastFail", []);
    assert.match(ff.fault!.message, /^__fastfail \(brk #0xf003\) code 7, KERNEL_SECURITY_CHECK_FAILURE \(0x139\) at a64\.sys\+0x/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: an ARM64 machine on a PE32 image, an ARM64 export driver under an x64 importer, an x64 one under an ARM64 importer → 0xC000007B, never a crash", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-arm64bad-"));
  try {
    const arm32 = patched(fixture("x86", "mydriver.sys"), dir, "arm32.sys", (b, pe) => b.writeUInt16LE(0xaa64, pe + 4));
    const c = await runCli(["call", arm32, "LoadPrinterDriver", "1"]);
    assert.equal(c.code, 2, c.stdout + c.stderr);
    assert.match(c.stderr, /the COFF machine is arm64 but the optional header is PE32 \(arm64 needs PE32\+\).*0xC000007B/);

    const sim = async (client: "x64" | "arm64", lib: "x64" | "arm64") => {
      const root = join(dir, `root-${client}-${lib}`);
      mkdirSync(join(root, "System32", "drivers"), { recursive: true });
      copyFileSync(fixture(client, "client.sys"), join(root, "System32", "drivers", "client.sys"));
      copyFileSync(fixture(lib, "mydriver.sys"), join(root, "System32", "drivers", "mydriver.sys"));
      const s = await runCli(["sim", "--root", root, "--json", "start:client"]);
      return { ...s, events: s.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>) };
    };
    // Tied 1:1 the system is x64: the ARM64 export driver the x64 client imports is refused.
    const a = await sim("x64", "arm64");
    assert.equal(a.code, 1, a.stdout + a.stderr);
    assert.match(String(a.events.find((e) => e.event === "warning")?.message), /the root mixes architectures: 1 x64 driver\(s\) and 1 arm64 driver\(s\) \(mydriver\.sys\)/);
    const fa = a.events.find((e) => e.event === "fail") as { status?: string; cause?: string; message?: string };
    assert.match(String(fa?.message), /mydriver\.sys is an arm64 image; this system runs x64 drivers/);
    assert.ok([fa.status, fa.cause].includes("0xC000007B"), JSON.stringify(fa));
    // The other way round: the ARM64 client itself is refused.
    const b = await sim("arm64", "x64");
    assert.equal(b.code, 1, b.stdout + b.stderr);
    const fb = b.events.find((e) => e.event === "fail") as { status?: string; cause?: string; message?: string };
    assert.match(String(fb?.message), /client\.sys is an arm64 image; this system runs x64 drivers/);
    assert.ok([fb.status, fb.cause].includes("0xC000007B"), JSON.stringify(fb));
    // Both ARM64: the system is ARM64 and the story runs.
    const ok = await sim("arm64", "arm64");
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.ok(ok.events.some((e) => e.event === "call" && e.routine === "DllInitialize" && e.module === "mydriver.sys"), ok.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("KMDF on ARM64: kmdf-ctl's ARM64 build binds through WDFLDR.SYS, serves IOCTLs through its queue and unloads, with the x64 build's events", async () => {
  const run = async (arch: "x64" | "arm64") => {
    const r = await runCli(["sim", "--json", "--install", fixture(arch, "kmdfctl.sys"), "--", "start:kmdfctl", "ioctl:\\Device\\KmdfCtl:0x222000:0102030405", "ioctl:\\DosDevices\\KmdfCtl:0x222004", "ioctl:\\Device\\KmdfCtl:0x222008", "ioctl:\\Device\\KmdfCtl:0x22200C", "stop:kmdfctl", "start:kmdfctl", "stop:kmdfctl"]);
    return { code: r.code, lines: r.stdout.trim().split("\n").map((l) => line(JSON.parse(l) as TraceEvent)) };
  };
  const x64 = await run("x64");
  const arm = await run("arm64");
  assert.ok(arm.lines.some((l) => l.includes("kmdfctl: EvtDriverUnload")), arm.lines.join("\n"));
  assert.equal(arm.code, x64.code);
  assert.deepEqual(arm.lines, x64.lines);
});
