/**
 * The same example on every arch with the same expectations (issue 15): a call of an export of
 * an example driver runs on the x64 fixture and on the x86 build of the same C, and the two
 * outcomes must agree once addresses are taken out — the return value, the fault kind, every
 * DbgPrint, warning, leak and fault event. Test files call `callBothArches` where they called
 * `callImage` on the x64 fixture and assert on the x64 result as before.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { TraceEvent } from "../src/events.js";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { parseScenario, runSimulation } from "../src/kernel/index.js";
import { emulatorExecutor, emulatorExecutorWith } from "../src/sim/emulator.js";
import { readDeviceFile } from "../src/sim/devices.js";
import { fixture, repoPath, runCli, type CliResult } from "./helpers.js";
import { compactCommon } from "./trace.js";

/**
 * Every event as one line without addresses (bases, pool pointers, RVAs, pointer-sized read
 * widths and sizeof of pointer structures differ by arch).
 */
export function archNeutralLine(e: TraceEvent): string {
  const common = compactCommon(e);
  if (common !== undefined) return common;
  const { event, ...rest } = e as TraceEvent & Record<string, unknown>;
  delete rest.base;
  delete rest.path;
  delete rest.rip;
  delete rest.registers;
  delete rest.backtrace;
  // The faulting instruction's bytes: each arch's own encoding.
  delete rest.instructionBytes;
  delete rest.address;
  delete rest.caller;
  // x86 drivers call HAL's READ_PORT_*/WRITE_PORT_* where x64 code has `in`/`out` instructions.
  if (event === "hardware") {
    delete rest.via;
    delete rest.site;
  }
  // Where a fault is attributed when the x64 compiler made the call a tail call (x86 code calls).
  if (event === "fault") {
    delete rest.module;
    delete rest.symbol;
  }
  return `${event} ${JSON.stringify(rest)
    .replace(/ \(tail call\)/g, "")
    // x86 serves some routines from hal.dll, and KeAcquireSpinLockRaiseToDpc is wdm.h's macro for KfAcquireSpinLock there.
    .replace(/(hal\.dll|ntoskrnl\.exe)!/g, "KERNEL!")
    .replace(/\bKfAcquireSpinLock\b/g, "KeAcquireSpinLockRaiseToDpc")
    // x86 wdm.h: KeAcquireSpinLockAtDpcLevel / KeReleaseSpinLockFromDpcLevel are the fastcall Kef* routines.
    .replace(/\bKef(AcquireSpinLockAtDpcLevel|ReleaseSpinLockFromDpcLevel)\b/g, "Ke$1")
    .replace(/0x[0-9a-f]{8,16}\b/gi, "ADDR")
    .replace(/\+0x[0-9a-f]+/g, "+OFF")
    .replace(/(read|write) of [48] byte\(s\)/g, "$1 of a pointer")
    .replace(/\((24|48) bytes, \1 returned\)/g, "(sizeof bytes)")}`;
}

/** What must agree across arches: the value (as the C return type's 32 bits), the fault kind and the non-API events. */
export function outcome(r: CallImageResult): string[] {
  return [
    `value ${r.value === null ? "none" : BigInt.asUintN(32, r.value).toString(16)}`,
    `fault ${r.fault?.kind ?? "none"}`,
    ...r.events.filter((e) => e.event !== "api").map(archNeutralLine),
  ];
}

/**
 * Exports whose x86 run does not match x64 yet, with the reason (docs/emulator.md, "x86"): they
 * still run on x64; on x86 they are skipped here. Key: "file!export". Empty: every export the API
 * tests call agrees on both arches (apiprintf's PrintKernel, whose %p text is pointer-sized, is
 * checked per arch in test/api-drivers.test.ts).
 */
export const X86_GAPS = new Map<string, string>([]);

/**
 * Examples built for x64 only (`KMDLL_ARCHES=x64` in their sources), with the reason docs/emulator.md
 * ("x86") gives; test/arch-coverage.test.ts fails for an x64-only example missing here or there.
 */
export const X64_ONLY_EXAMPLES = new Map<string, string>([
  ["qa-system", "its checks read x64 structures (DUMP_HEADER64 and KDDEBUGGER_DATA64 from KeCapturePersistentThreadState, CONTEXT.Rip/Rsp, EPROCESS and KLDR_DATA_TABLE_ENTRY offsets); x86's 32-bit dump header is not emulated"],
  ["surface-vuln", "kmdll surface explores x64 drivers only: its canaries, pointer-leak scan and fuzzing patterns are 64-bit values"],
  ["surface-safe", "kmdll surface explores x64 drivers only (see surface-vuln)"],
  ["api-platform", "it imports routines the export database lists for x64 only (Learn's newer exports)"],
  ["api-loadgaps", "the PoFx performance-state routines it checks are in the export database for x64 (which ARM64 shares) only, as api-boot's PoFx routines; it is built for x64 and ARM64"],
  ["qa-kmdf11", "it imports newer routines the export database lists for x64 only (Learn's newer exports, which ARM64 shares); built for x64 and ARM64 like the WOA-Drivers it reproduces (its WppRecorder.sys call has an x86 twin in examples/qa-kmdf12)"],
  ["qa-modules", "it imports werkernel.sys's API set and cng.sys's Entropy* routines, which kmdll builds for x64 and ARM64 images only (undocumented or convention-less on x86); built for x64 and ARM64 like the Qualcomm drivers it reproduces"],
  ["emu-lse", "ARM64 only: it checks the ARMv8.1 LSE atomics (SWPAL, CASAL, LDADDAL) every Windows on ARM processor has; x64 and x86 have no such instructions"],
  ["api-fresh", "the routines it checks (MmAllocateMdlForIoSpace, IoGetDriverDirectory, IoReportInterruptActive/Inactive, the PoFx crash-dump routines, ExQueryTimerResolution, IoRegisterFsRegistrationChangeEx, sqrt) are in the export database for x64 only; sqrt is an x64 CRT export (XMM0)"],
  ["qa-lstar", "the x64 system-call path: IA32_LSTAR, KiSystemCall64's lea pair, the compact 32-bit KiServiceTable entries and an x64 trampoline (x86's service table: qa-ssdt)"],
  ["dump-port", "the fault report it checks names UTF-16 text in a non-canonical x64 address; on x86 such text-shaped values are ordinary user-space addresses, so kmdll names them on x64 only"],
  ["api-boot", "the routines it calls (PoFx, the ELAM callback routines, RtlCreateUserThread, HalDma*CrashDumpRegistersEx) are in the export database for x64 only (Learn's newer exports), and the PoFx and PCW handlers read the x64 structure layouts"],
]);

/** The example that builds a fixture file name (TARGETNAME), from examples/<dir>/sources. */
export function exampleOfFixture(file: string): string | undefined {
  const target = file.replace(/\.[^.]+$/, "").toLowerCase();
  for (const dir of readdirSync(repoPath("examples"))) {
    const src = repoPath("examples", dir, "sources");
    if (!existsSync(src)) continue;
    const m = /^TARGETNAME\s*=\s*(\S+)/m.exec(readFileSync(src, "utf8"));
    if (m && m[1]!.toLowerCase() === target) return dir;
  }
  return undefined;
}

/** Why a fixture has no x86 build: its example's reason, or "no x86 build". */
export function x64OnlyReason(file: string): string {
  const ex = exampleOfFixture(file);
  return (ex && X64_ONLY_EXAMPLES.get(ex)) ?? "no x86 build";
}

type Options = Parameters<typeof callImage>[3];

/**
 * Run `file`'s export `exp` on x64 and on x86 with the same options (a function gives each run
 * fresh ones, e.g. a registry the first run would change); assert the outcomes agree; return the x64 result.
 */
export function callBothArches(file: string, exp: string, args: bigint[], opts: Options | (() => Options)): CallImageResult {
  const make = typeof opts === "function" ? opts : () => opts;
  const r = callImage(fixture("x64", file), exp, args, make());
  const x86 = fixture("x86", file);
  if (!X86_GAPS.has(`${file}!${exp}`) && existsSync(x86)) {
    const s = callImage(x86, exp, args, make());
    assert.deepEqual(outcome(s), outcome(r), `${file}!${exp}: the x86 build differs from x64`);
  }
  return r;
}

/**
 * Run an examples/scenarios file on one arch: its install list's x64 fixtures are replaced by the
 * same files of test/fixtures/<arch>/; every event is turned into a line by `line`.
 */
export function runScenarioOn(name: string, arch: "x64" | "x86" | "arm64", line: (e: TraceEvent) => string): { ok: boolean; lines: string[] } {
  const file = repoPath("examples", "scenarios", name + ".json");
  const json = JSON.parse(readFileSync(file, "utf8")) as { install?: string[] };
  if (json.install) json.install = json.install.map((p) => (p.includes("fixtures/x64/") ? fixture(arch, basename(p)) : p));
  const s = parseScenario(json, (p) => resolve(dirname(file), p));
  const events: TraceEvent[] = [];
  // A scenario's device file (the PnP manager's tree) is read as `kmdll sim` reads it.
  const executor = s.devices ? emulatorExecutorWith({ verifier: "standard" }, undefined, readDeviceFile(s.devices)) : emulatorExecutor;
  const r = runSimulation({ ...s, sink: (e) => events.push(e), executor });
  return { ok: r.ok, lines: events.map(line) };
}

/**
 * Run `kmdll sim --json` (or any CLI command printing JSON events) on the x64 fixtures and on the
 * x86 builds of the same C: `make(arch)` gives the arguments for an arch (e.g. with
 * `fixture(arch, ...)` installs). The exit codes and every event, addresses aside, must agree;
 * returns the x64 run, on which the test asserts as before.
 */
export async function cliBothArches(make: (arch: "x64" | "x86") => string[] | Promise<string[]>, opts: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
  const parse = (out: string) =>
    out.split("\n").filter((l) => l.startsWith("{")).map((l) => archNeutralLine(JSON.parse(l) as TraceEvent));
  const a = await runCli(await make("x64"), opts);
  const b = await runCli(await make("x86"), opts);
  assert.equal(b.code, a.code, `exit code on x86 ${b.code}, x64 ${a.code}: ${b.stdout.slice(-2000)}${b.stderr}`);
  assert.deepEqual(parse(b.stdout), parse(a.stdout), "the x86 build's events differ from x64's");
  return a;
}

/**
 * Run `kmdll sim --json` with the arguments `args(arch)` gives (fixtures of that arch) on x64 and
 * on x86; assert the exit codes and the arch-neutral event lines agree; return the x64 run's exit
 * code, output and events.
 */
export async function simBothArches(args: (arch: "x64" | "x86") => string[]): Promise<{ code: number; stdout: string; events: Record<string, unknown>[] }> {
  const run = async (arch: "x64" | "x86") => {
    const r = await runCli(["sim", "--json", ...args(arch)]);
    const events = r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code: r.code, stdout: r.stdout, events };
  };
  const x64 = await run("x64");
  const x86 = await run("x86");
  // DbgPrint's %p prints a pointer as 8 or 16 upper-case hex digits.
  const lines = (ev: Record<string, unknown>[]) => ev.map((e) => archNeutralLine(e as unknown as TraceEvent).replace(/\b(?:[0-9A-F]{8}){1,2}\b/g, "PTR"));
  assert.deepEqual(lines(x86.events), lines(x64.events), "the x86 build's events differ from the x64 build's");
  assert.equal(x86.code, x64.code);
  return x64;
}

/** A copy of `src` named `name` in `dir`, after `patch` changed its bytes (`pe`: the PE header's file offset). */
export function patchedImage(src: string, dir: string, name: string, patch: (b: Buffer, pe: number) => void): string {
  const b = readFileSync(src);
  patch(b, b.readUInt32LE(0x3c));
  const out = join(dir, name);
  writeFileSync(out, b);
  return out;
}
