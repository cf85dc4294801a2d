/**
 * QA: hostile inputs and hostile drivers. Every case must end in a one-line error (exit 2), a
 * clean fault report (exit 1) or a correct result — never a JS stack trace, a hang or an endless
 * read. Expectations come from the C source of examples/qa-hostile (what the CPU or Windows does)
 * and from the construction of the input, never from kmdll's own output.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli, type CliResult } from "./helpers.js";
import { parseRegFile, RegSyntaxError } from "../src/formats/reg/parse.js";
import { Registry } from "../src/nt/registry.js";

const HOSTILE = fixture("x64", "qahostile.sys");
const MYDRIVER = fixture("x64", "mydriver.sys");
const CLIENT = fixture("x64", "client.sys");
const WINE_NTOSKRNL = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/ntoskrnl.exe";
const REG_HEADER = "Windows Registry Editor Version 5.00\r\n\r\n";

let dir = "";
const p = (f: string): string => join(dir, f);

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-qa-hostile-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A clean failure: one `kmdll: ...` line on stderr, the exit code given, no stack trace. */
function cleanError(r: CliResult, code = 2): void {
  assert.equal(r.code, code, `exit ${r.code}: ${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|^\s+at .*\.js:\d+/m, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^kmdll: /);
}

// ------------------------------------------------------------------ .reg parser and registry

test(".reg: a hex list continued over 100,000 lines parses (linear joining) to every byte", () => {
  const n = 100_000;
  const text = REG_HEADER + "[HKEY_LOCAL_MACHINE\\SOFTWARE\\qa]\r\n" + '"blob"=hex:' + "a5,\\\r\n  ".repeat(n) + "5a\r\n";
  const f = parseRegFile(text);
  const v = f.operations.find((o) => o.op === "value");
  assert.ok(v && v.op === "value");
  assert.equal(v.data.length, n + 1);
  assert.ok(v.data.subarray(0, n).every((b) => b === 0xa5));
  assert.equal(v.data[n], 0x5a);
});

test(".reg: an error deep in a continued hex list names its own line and column", () => {
  const text = REG_HEADER + "[HKLM\\SOFTWARE\\qa]\r\n" + '"b"=hex:00,\\\r\n  01,\\\r\n  zz\r\n';
  assert.throws(
    () => parseRegFile(text),
    (e: unknown) => e instanceof RegSyntaxError && e.line === 6 && e.column === 3,
  );
});

test(".reg: registry limits (512 levels, 255-character key names, 16383-character value names) are positioned errors", () => {
  const deep = REG_HEADER + "[HKEY_LOCAL_MACHINE\\" + Array.from({ length: 100_000 }, (_, i) => `k${i}`).join("\\") + "]\r\n";
  assert.throws(() => parseRegFile(deep), (e: unknown) => e instanceof RegSyntaxError && e.line === 3 && /512/.test(e.message));
  const longName = REG_HEADER + "[HKEY_LOCAL_MACHINE\\SOFTWARE\\" + "n".repeat(256) + "]\r\n";
  assert.throws(() => parseRegFile(longName), (e: unknown) => e instanceof RegSyntaxError && e.line === 3 && e.column === 2 + "HKEY_LOCAL_MACHINE\\SOFTWARE\\".length);
  const longValue = REG_HEADER + "[HKLM\\SOFTWARE\\qa]\r\n" + `"${"v".repeat(16384)}"=dword:1\r\n`;
  assert.throws(() => parseRegFile(longValue), (e: unknown) => e instanceof RegSyntaxError && e.line === 4);
  // At the limits: accepted.
  const ok = REG_HEADER + "[HKEY_LOCAL_MACHINE\\" + Array.from({ length: 511 }, () => "k".repeat(255)).join("\\") + "]\r\n" + `"${"v".repeat(16383)}"=dword:1\r\n`;
  assert.equal(parseRegFile(ok).operations.length, 2);
});

test("registry: a key 500 levels deep created through CurrentControlSet is found through ControlSet001", () => {
  const reg = new Registry();
  const tail = Array.from({ length: 500 }, (_, i) => `L${i}`).join("\\");
  const made = reg.createKey(`\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\${tail}`);
  assert.ok(made?.created);
  const found = reg.openKey(`HKLM\\SYSTEM\\ControlSet001\\Services\\${tail}`);
  assert.equal(found, made.key);
  assert.equal(found.path, `\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\${tail}`);
});

// ------------------------------------------------------------------ hostile files on the CLI

test("sim/call: /dev/zero, FIFOs-like and directories as registry, scenario or driver files are one-line errors", async () => {
  symlinkSync("/dev/zero", p("zero.json"));
  mkdirSync(p("adir"));
  const cases: string[][] = [
    ["sim", "--registry", "/dev/zero", "--install", MYDRIVER, CLIENT, "--", "start:client"],
    ["sim", "--registry", p("adir"), "--install", MYDRIVER, CLIENT, "--", "start:client"],
    ["sim", p("zero.json")],
    ["sim", p("adir") + "/x.json"],
    ["sim", "--install", "/dev/null", "--", "start:null"],
    ["sim", "--install", p("adir"), "--", "start:adir"],
    ["inspect", "/dev/zero"],
    ["inspect", p("adir")],
    ["check", "/dev/zero"],
  ];
  for (const args of cases) {
    const r = await runCli(args, { timeoutMs: 30_000 });
    cleanError(r);
  }
  const dirInstall = await runCli(["sim", "--install", p("adir"), "--", "start:adir"]);
  assert.match(dirInstall.stderr, /is a directory/);
  const devInstall = await runCli(["sim", "--install", "/dev/null", "--", "start:null"]);
  assert.match(devInstall.stderr, /not a regular file/);
});

test("sim: step and scenario arguments beyond 64 bits are refused, not truncated", async () => {
  const r = await runCli(["sim", "--install", MYDRIVER, CLIENT, "--", "start:client", "call:mydriver.sys!LoadPrinterDriver:18446744073709551616"]);
  cleanError(r);
  assert.match(r.stderr, /18446744073709551616/);
  writeFileSync(p("big.json"), JSON.stringify({ install: [MYDRIVER, CLIENT], steps: [{ start: "client" }, { call: "mydriver.sys!LoadPrinterDriver", args: [1e30] }] }));
  cleanError(await runCli(["sim", p("big.json")]));
  // The extremes of a 64-bit register are accepted (the export sees the low 32 bits: int arg1).
  const edge = await runCli(["sim", "--json", "--install", MYDRIVER, CLIENT, "--", "start:client", "call:mydriver.sys!LoadPrinterDriver:0xffffffffffffffff", "call:mydriver.sys!LoadPrinterDriver:-9223372036854775808"]);
  assert.equal(edge.code, 0, edge.stdout + edge.stderr);
});

test("sim: a scenario written with a UTF-8 byte order mark and CRLF runs", async () => {
  const doc = JSON.stringify({ install: [MYDRIVER, CLIENT], steps: [{ start: "client" }, { stop: "client" }] }, null, 2).replace(/\n/g, "\r\n");
  writeFileSync(p("bom.json"), "\uFEFF" + doc);
  const r = await runCli(["sim", p("bom.json")]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /LoadPrinterDriver\(41\) = 42/);
});

test("sim: a garbage file installed as a driver fails its start with the NT path, not a host temporary path", async () => {
  writeFileSync(p("garbage.sys"), Buffer.from("this is not a PE image at all".repeat(10)));
  const r = await runCli(["sim", "--json", "--install", p("garbage.sys"), "--", "start:garbage"]);
  assert.equal(r.code, 1, r.stderr);
  const fail = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === "fail");
  assert.ok(fail, r.stdout);
  assert.equal(fail.status, "0xC000026C");
  assert.match(String(fail.message), /\\SystemRoot\\System32\\drivers\\garbage\.sys/);
  assert.doesNotMatch(String(fail.message), /kmdll-root-|\/tmp\//);
});

test("stdout closed early (kmdll ... | head -c 10): exits quietly, no EPIPE trace", () => {
  for (const args of [["inspect", "--json", WINE_NTOSKRNL], ["def", "from-image", WINE_NTOSKRNL]]) {
    const cmd = `"${process.execPath}" "${repoPath("bin", "kmdll.js")}" ${args.map((a) => `"${a}"`).join(" ")} | head -c 10 >/dev/null; echo "status=\${PIPESTATUS[0]}"`;
    const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.stderr, "", `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /status=0\b/);
  }
});

// ------------------------------------------------------------------ a hostile driver in the emulator

interface CallJson {
  return?: string;
  fault?: string;
  events: { event: string; kind?: string; message?: string; module?: string; api?: string; rule?: string }[];
}

/** Exports whose return value differs by arch on purpose: ReadMsr reads IA32_LSTAR, KiSystemCall64 on x64 (src/emu/ssdt-x64.ts), 0 on x86. */
const VALUE_PER_ARCH = new Set(["ReadMsr"]);

/**
 * Call an export of the x64 build and, when the arguments fit an x86 pointer, of the x86 build of
 * the same C: the exit code, the return value (32 bits; not for VALUE_PER_ARCH) and the fault kind must agree. Returns the x64 run.
 */
async function call(exp: string, ...args: string[]): Promise<{ r: CliResult; j: CallJson }> {
  const once = async (image: string) => {
    const r = await runCli(["call", "--json", "--timeout", "1", image, exp, ...args], { timeoutMs: 60_000 });
    assert.doesNotMatch(r.stderr, /internal error|^\s+at .*\.js:\d+/m, r.stderr);
    return { r, j: JSON.parse(r.stdout) as CallJson };
  };
  const a = await once(HOSTILE);
  if (args.every((x) => BigInt(x) < 0x100000000n)) {
    const b = await once(fixture("x86", "qahostile.sys"));
    const kind = (j: CallJson) => j.events.find((e) => e.event === "fault")?.kind ?? null;
    const ret = (j: CallJson) => (j.return === undefined || j.return === null || VALUE_PER_ARCH.has(exp) ? null : BigInt(j.return) & 0xffffffffn);
    assert.deepEqual([b.r.code, kind(b.j), ret(b.j)], [a.r.code, kind(a.j), ret(a.j)], `${exp} on x86: ${b.r.stdout.slice(0, 1500)}`);
  }
  return a;
}

function faultOf(j: CallJson): { kind?: string; message?: string; module?: string } {
  const f = j.events.find((e) => e.event === "fault");
  assert.ok(f, JSON.stringify(j.events));
  return f;
}

for (const [exp, kind, detail] of [
  ["WriteOwnText", "invalid-write", /qahostile\.sys\+0x/], // .text is R-X
  ["WriteReadOnlyData", "invalid-write", /qahostile\.sys\+0x/], // .rdata is R--
  ["InvalidOpcode", "cpu-exception", /qahostile\.sys\+0x/], // ud2
] as const) {
  test(`qahostile!${exp}: ${kind} fault report, exit 1`, async () => {
    const { r, j } = await call(exp);
    assert.equal(r.code, 1);
    const f = faultOf(j);
    assert.equal(f.kind, kind);
    assert.match(String(f.message), detail);
  });
}

test("qahostile!ApiWildPointer / PrintWildString: the fault is reported inside the API and attributed to the driver", async () => {
  for (const [exp, api] of [["ApiWildPointer", "RtlInitUnicodeString"], ["PrintWildString", "DbgPrint"]] as const) {
    for (const addr of ["0x10", "0xdead000000000000"]) {
      const { r, j } = await call(exp, addr);
      assert.equal(r.code, 1);
      const f = faultOf(j);
      assert.equal(f.kind, "invalid-read");
      assert.match(String(f.message), new RegExp(`${api}.*called from qahostile\\.sys\\+0x`));
    }
  }
});

test("qahostile!HugeAllocation: ExAllocatePoolWithTag of SIZE_T-16 bytes returns NULL (the C code returns 0)", async () => {
  const { r, j } = await call("HugeAllocation");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(BigInt(j.return!), 0n);
});

test("qahostile!ReadKuserShared: KUSER_SHARED_DATA is mapped and TickCountMultiplier is nonzero", async () => {
  const { r, j } = await call("ReadKuserShared");
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(BigInt(j.return!) & 0xffffffffn, 0n);
});

test("qahostile!SpinInApi / PrintForever: endless loops inside API calls stop at the time budget", async () => {
  for (const exp of ["SpinInApi", "PrintForever"]) {
    const { r, j } = await call(exp);
    assert.equal(r.code, 1);
    assert.equal(faultOf(j).kind, "timeout");
  }
});

test("qahostile!StringToIntegerNull / SystemRoutineNull: Rtl/Mm routines handed a NULL string fault in the API (Windows crashes)", async () => {
  for (const [exp, api] of [["StringToIntegerNull", "RtlUnicodeStringToInteger"], ["SystemRoutineNull", "MmGetSystemRoutineAddress"]] as const) {
    const { r, j } = await call(exp);
    assert.equal(r.code, 1, JSON.stringify(j));
    const f = faultOf(j);
    assert.equal(f.kind, "invalid-read");
    assert.match(String(f.message), new RegExp(`at 0x0 in ntoskrnl!${api}`));
  }
});

test("qahostile!RegistryAtDispatch: an IRQL raised inline (mov cr8) is seen by KeGetCurrentIrql and the API layer", async () => {
  const { j } = await call("RegistryAtDispatch");
  const ret = BigInt(j.return ?? "0x0");
  assert.equal(ret & 0xffn, 2n, "KeGetCurrentIrql after KeRaiseIrql(DISPATCH_LEVEL)");
  // ZwOpenKey is PASSIVE_LEVEL only (Microsoft Learn, ZwOpenKey): a verifier finding.
  assert.ok(j.events.some((e) => e.event === "verifier" && e.rule === "irql-max" && /ZwOpenKey/.test(String(e.message))), JSON.stringify(j.events));
});

test("qahostile!HugeWidths: %999999999d in DbgPrint and _snprintf is cut to the buffer, not an internal error", async () => {
  const { r, j } = await call("HugeWidths");
  assert.equal(r.code, 0, JSON.stringify(j.events.filter((e) => e.event === "fault")));
  // _snprintf(buf, 32, ...) with a longer result fills the 32 bytes and returns -1 (MS CRT).
  assert.equal(BigInt(j.return!) & 0x1ffn, 0x1ffn);
  // DbgPrint formats into a 512-byte buffer (Microsoft Learn, DbgPrint): "[" and 510 spaces.
  const print = j.events.find((e) => e.event === "dbgprint") as { text?: string } | undefined;
  assert.equal(print?.text, "[" + " ".repeat(510));
});

test("qahostile!HugeFrame: one 4 MiB frame below the kernel stack is a stack overflow", async () => {
  const { r, j } = await call("HugeFrame", "5");
  assert.equal(r.code, 1);
  assert.equal(faultOf(j).kind, "stack-overflow");
});

test("qahostile!WriteKuserShared: KUSER_SHARED_DATA's kernel mapping is read only", async () => {
  const { r, j } = await call("WriteKuserShared");
  assert.equal(r.code, 1);
  assert.match(String(faultOf(j).kind), /invalid-write|bugcheck/);
});

test("qahostile!ReadMsr: rdmsr is not silently 0 (x64: IA32_LSTAR is KiSystemCall64, x86: an emulator-gap warning)", async () => {
  const { j } = await call("ReadMsr");
  assert.ok(j.events.some((e) => e.event === "warning" || e.event === "fault"), JSON.stringify(j.events));
  assert.notEqual(BigInt(j.return ?? "0x0"), 0n, "x64 reads KiSystemCall64's address");
});

test("sim: a fault in a call step marks the machine crashed; later steps are skipped, exit 1, no trace", async () => {
  const root = p("root");
  mkdirSync(join(root, "System32", "drivers"), { recursive: true });
  copyFileSync(HOSTILE, join(root, "System32", "drivers", "qahostile.sys"));
  const r = await runCli(["sim", "--json", "--root", root, "start:qahostile", "call:qahostile.sys!WriteOwnText", "stop:qahostile"]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, "");
  const ev = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(ev.filter((e) => e.event === "fault").length, 1);
  const ends = ev.filter((e) => e.event === "step" && e.phase === "end");
  assert.deepEqual(ends.map((e) => e.ok), [true, false, false]);
});

test("demo --out: a file, a device or an uncreatable folder is a one-line error before any output", async () => {
  writeFileSync(p("plain-file"), "x");
  for (const out of ["/dev/null", p("plain-file"), join(p("plain-file"), "sub"), "/proc/kmdll-qa-nope/x"]) {
    const r = await runCli(["demo", "--out", out], { timeoutMs: 30_000 });
    cleanError(r);
    assert.equal(r.stdout, "", out);
  }
});
