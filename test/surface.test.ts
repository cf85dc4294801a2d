/**
 * `kmdll surface` on the HwTool drivers built from C (examples/surface-vuln and its safe twin
 * examples/surface-safe). Expected IOCTL codes are computed from examples/include/hwtool.h with
 * the CTL_CODE layout, call sites are checked against llvm-objdump's disassembly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { decodeIoctl, ioctlCandidates } from "../src/surface/ioctl.js";
import { cmpImmediates } from "../src/surface/cmpconst.js";
import { fuzzIoctl } from "../src/surface/fuzz.js";
import { canaryFor, canaryOffset, leakedPointers } from "../src/surface/canary.js";
import { loadAddon } from "../src/emu/native.js";
import { offsetsOf, sinksOf } from "../src/surface/detect.js";
import type { TraceEvent } from "../src/events.js";

const VULN = fixture("x64", "surfvuln.sys");
const SAFE = fixture("x64", "surfsafe.sys");

/** The IOCTL codes of hwtool.h, computed here with CTL_CODE (wdm.h: type<<16 | access<<14 | function<<2 | method). */
function headerCodes(): Record<string, number> {
  const h = readFileSync(repoPath("examples", "include", "hwtool.h"), "utf8");
  const consts: Record<string, number> = { FILE_DEVICE_HWTOOL: Number(/#define FILE_DEVICE_HWTOOL (0x[0-9a-f]+)/i.exec(h)![1]), METHOD_BUFFERED: 0, METHOD_NEITHER: 3, FILE_ANY_ACCESS: 0, FILE_READ_ACCESS: 1 };
  const out: Record<string, number> = {};
  for (const m of h.matchAll(/#define (IOCTL_\w+)\s+CTL_CODE\((\w+), (0x[0-9a-f]+), (\w+), (\w+)\)/gi)) {
    const [, name, type, fn, method, access] = m;
    out[name!] = ((consts[type!]! << 16) | (consts[access!]! << 14) | (Number(fn) << 2) | consts[method!]!) >>> 0;
  }
  return out;
}

/** llvm-objdump's instructions of an image: RVA → text. */
function disassembly(image: string): { rva: number; text: string }[] {
  const lines = tool("llvm-objdump", ["-d", "--no-show-raw-insn", image]).stdout.split("\n");
  const base = 0x140000000;
  return lines
    .map((l) => /^\s*([0-9a-f]+):\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ rva: parseInt(m[1]!, 16) - base, text: m[2]!.trim() }));
}
const rvaOf = (site: string) => parseInt(/\+0x([0-9a-f]+)$/.exec(site)![1]!, 16);

/** The instruction at `site` (module+0xRVA) and the one before it, from llvm-objdump. */
function insnAt(image: string, site: string): { at: string | null; before: string | null } {
  const insns = disassembly(image);
  const i = insns.findIndex((m) => m.rva === rvaOf(site));
  return { at: i >= 0 ? insns[i]!.text : null, before: i > 0 ? insns[i - 1]!.text : null };
}

interface Report {
  devices: { name: string; links: string[]; exclusive: boolean; secureOpen: boolean }[];
  dispatch: { major: string; routine: string }[];
  ioctls: { code: string; method: string; access: string; status: string }[];
  findings: { rule: string; code: string; input: string; site: string; what: string; inputOffset: number; confirmed: boolean; device: string; outputLength: number }[];
  sinks: { rule: string; site: string; controlled: boolean }[];
  badInputs: { code: string; kind: string; input: string }[];
  fuzz: { code: string; runs: number; blocks: number }[];
  blocks: number | null;
}

test("sinksOf: a page-table entry write (the page-table model's pte event, attributed to the next call's site) is a pte-write sink on its new frame and on the address it maps", () => {
  const pte = { event: "hardware", module: "x.sys", kind: "pte", op: "write", address: "0x1007068", size: 8, value: "0x8000000000123063", va: "0xffff90000000d000", level: "PTE", old: "0x0", via: "self-map" } as TraceEvent;
  const api = { event: "api", module: "x.sys", api: "ntoskrnl.exe!IofCompleteRequest", args: [], caller: "x.sys+0x40" } as unknown as TraceEvent;
  const s = sinksOf([pte, api]);
  assert.deepEqual(s.map((u) => [u.rule, u.value.toString(16), u.pageGranular, u.site]), [["pte-write", "123000", true, "x.sys+0x40"], ["pte-write", "ffff90000000d000", true, "x.sys+0x40"]]);
  // The caller's physical address in the input, page-rounded, is where the frame came from.
  const input = new Uint8Array(16);
  new DataView(input.buffer).setBigUint64(0, 0x123456n, true);
  assert.deepEqual(offsetsOf(input, s[0]!.value, true), [0]);
});

test("ioctlCandidates reads a jump table: a METHOD_NEITHER case (+3) that is not the table's last entry is a candidate, in-range codes going to the default are not", () => {
  // lea eax, [rcx - 0x80002000]; cmp eax, 0x34; ja +0x10; lea rcx, [rip + 14] (the table at 32); int3 padding; the table.
  const code = new Uint8Array(32 + 4 * 0x35).fill(0xcc);
  code.set([0x8d, 0x81, 0x00, 0xe0, 0xff, 0x7f, 0x83, 0xf8, 0x34, 0x77, 0x10, 0x48, 0x8d, 0x0d, 14, 0, 0, 0], 0);
  const dv = new DataView(code.buffer);
  // Entries relative to the table: the default (-8) for every code but the cases 0, 4 and 0x33.
  for (let k = 0; k <= 0x34; k++) dv.setInt32(32 + 4 * k, k === 0 ? -16 : k === 4 ? -20 : k === 0x33 ? -24 : -8, true);
  const c = ioctlCandidates(code);
  for (const v of [0x80002000, 0x80002004, 0x80002033]) assert.ok(c.includes(v), `0x${v.toString(16)} in ${c.map((x) => x.toString(16))}`);
  assert.ok(!c.includes(0x80002001) && !c.includes(0x80002032));
});

test("decodeIoctl follows CTL_CODE; candidates come from a switch's sub/lea chains", () => {
  const d = decodeIoctl(0x80006008);
  assert.deepEqual([d.deviceType, d.function, d.method, d.access], [0x8000, 0x802, "METHOD_BUFFERED", "FILE_READ_ACCESS"]);
  assert.equal(decodeIoctl(0x0022200f).method, "METHOD_NEITHER");
  // sub eax, 0x222000 ; je ; sub eax, 4 ; je ; cmp eax, 4
  const code = Uint8Array.from([0x2d, 0x00, 0x20, 0x22, 0x00, 0x74, 0x10, 0x83, 0xe8, 0x04, 0x74, 0x10, 0x83, 0xf8, 0x04]);
  const c = ioctlCandidates(code);
  for (const v of [0x222000, 0x222004, 0x222008]) assert.ok(c.includes(v), `0x${v.toString(16)} in ${c.map((x) => x.toString(16))}`);
});

/**
 * What each IOCTL of hwtool.h does in examples/surface-vuln (read from its C, stated here
 * independently of kmdll): the primitive every request must be reported with.
 */
const VULN_EXPECTED: Record<string, string[]> = {
  IOCTL_HWTOOL_MAP_PHYS: ["physical-memory-map"], // MmMapIoSpace(req->Address)
  IOCTL_HWTOOL_READ_PHYS: ["physical-memory-map"], // \Device\PhysicalMemory view at req->Address
  IOCTL_HWTOOL_MAP_MDL: ["physical-memory-map"], // MDL page frame = req->Address >> 12
  IOCTL_HWTOOL_KILL: ["process-control"], // ZwOpenProcess(req->ProcessId)
  IOCTL_HWTOOL_PEEK: ["arbitrary-kernel-read"], // *(ULONG64 *)req->Address, behind a magic value
  IOCTL_HWTOOL_POKE: ["arbitrary-kernel-write"], // *(ULONG64 *)req->Address = req->Value, same magic
  IOCTL_HWTOOL_INFO: ["kernel-pointer-leak"], // info->Context = DeviceObject
  IOCTL_HWTOOL_SET_MSR: ["msr-write"], // __writemsr(IA32_LSTAR, req->Value)
  IOCTL_HWTOOL_SET_CR0: ["cr-write"], // __writecr0(req->Value)
  IOCTL_HWTOOL_QUERY: ["unchecked-user-pointer"], // METHOD_NEITHER buffers, no probe
  IOCTL_HWTOOL_PTE_READ: ["pte-write"], // *HwPteOf(window) = req->Address & PFN | P | RW | XD
};
/** Where the caller's value sits (hwtool.h: Address/ProcessId first, HWTOOL_REG_REQUEST.Value at 8). */
const VULN_OFFSET: Record<string, number> = {
  "physical-memory-map": 0, "process-control": 0, "arbitrary-kernel-read": 0, "arbitrary-kernel-write": 0, "msr-write": 8, "cr-write": 8, "pte-write": 0,
};
// x64 compilers inline WRITE_PORT_UCHAR as `out`; it is a port-io finding once the emulator observes
// `in`/`out` instructions (the addon's instruction hook).
const observesPortInstructions = (() => {
  try {
    return (loadAddon().constants as { features?: string[] }).features?.includes("insnHook") === true;
  } catch {
    return false;
  }
})();
if (observesPortInstructions) VULN_EXPECTED.IOCTL_HWTOOL_PORT_OUT = ["port-io"];

const hx = (n: number) => "0x" + n.toString(16).toUpperCase().padStart(8, "0");
let vulnRun: Promise<{ code: number; stderr: string; j: Report; html: string }> | null = null;
/** One exploration of surfvuln.sys (default seed and runs), shared by the tests below. */
function vulnReport(): Promise<{ code: number; stderr: string; j: Report; html: string }> {
  vulnRun ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "kmdll-surface-"));
    try {
      const html = join(dir, "r.html");
      const r = await runCli(["surface", VULN, "--json", "--timeout", "1", "--html", html], { timeoutMs: 300_000 });
      return { code: r.code, stderr: r.stderr, j: JSON.parse(r.stdout) as Report, html: readFileSync(html, "utf8") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return vulnRun;
}

test("kmdll surface surfvuln.sys: device, link, dispatch routines, every IOCTL and every primitive with a confirmed reproducer", async () => {
  const { code, stderr, j } = await vulnReport();
  assert.equal(code, 1, stderr);
  assert.equal(j.devices.length, 1);
  assert.equal(j.devices[0]!.name, "\\Device\\HwTool");
  assert.deepEqual(j.devices[0]!.links, ["\\GLOBAL??\\HWTOOL"]);
  assert.equal(j.devices[0]!.exclusive, false);
  assert.equal(j.devices[0]!.secureOpen, false);
  assert.deepEqual(j.dispatch.map((d) => d.major), ["IRP_MJ_CREATE", "IRP_MJ_CLOSE", "IRP_MJ_DEVICE_CONTROL"]);
  const codes = headerCodes();
  assert.deepEqual(j.ioctls.map((i) => i.code).sort(), Object.values(codes).map(hx).sort());
  assert.equal(j.ioctls.find((i) => i.code === hx(codes.IOCTL_HWTOOL_READ_PHYS!))!.access, "FILE_READ_ACCESS");
  assert.equal(j.ioctls.find((i) => i.code === hx(codes.IOCTL_HWTOOL_QUERY!))!.method, "METHOD_NEITHER");
  const got = [...new Set(j.findings.map((f) => `${f.rule}@${f.code}`))].sort();
  const want = Object.entries(VULN_EXPECTED).flatMap(([name, rules]) => rules.map((r) => `${r}@${hx(codes[name]!)}`)).sort();
  assert.deepEqual(got, want);
  for (const f of j.findings) {
    assert.equal(f.confirmed, true, `${f.rule} ${f.code}: replayed on a fresh machine`);
    if (f.rule in VULN_OFFSET) assert.equal(f.inputOffset, VULN_OFFSET[f.rule], `${f.rule} ${f.code} input offset`);
    const { at, before } = insnAt(VULN, f.site);
    // The call site, checked against llvm-objdump: kernel routines are called, instructions are the site.
    if (f.rule === "physical-memory-map" || f.rule === "process-control") assert.match(before ?? "", /^call/, `${f.site} follows a call (llvm-objdump: ${before})`);
    if (f.rule === "msr-write") assert.equal(at, "wrmsr");
    if (f.rule === "cr-write") assert.match(at ?? "", /^movq?\s+%\w+, %cr0$/);
    // The entry's new frame is the caller's page (the event of machine/paging-views.ts).
    if (f.rule === "pte-write") assert.match(f.what, /^PTE at physical 0x[0-9a-f]+ mapping 0x[0-9a-f]+ set to 0x8[0-9a-f]*003 \(frame 0x[0-9a-f]+\) via self-map$/, f.what);
    if (f.rule === "arbitrary-kernel-read") assert.match(at ?? "", /^movq?\s+\(%\w+\), %\w+$/, `a load at ${f.site}: ${at}`);
    if (f.rule === "arbitrary-kernel-write") assert.match(at ?? "", /^movq?\s+%\w+, \(%\w+\)$/, `a store at ${f.site}: ${at}`);
  }
  // PEEK/POKE need HWTOOL_MAGIC in the request: reached only by the coverage-guided fuzzer
  // (the constant comes from the cmp in the code).
  const peek = j.findings.find((f) => f.rule === "arbitrary-kernel-read")!;
  assert.equal(Buffer.from(peek.input, "hex").readUInt32LE(16), Number(/#define HWTOOL_MAGIC (0x[0-9A-F]+)/.exec(readFileSync(repoPath("examples", "include", "hwtool.h"), "utf8"))![1]));
  assert.ok(j.blocks !== null && j.blocks > 50, `basic-block coverage reported (${j.blocks})`);
  // The spinning IOCTL is reported by name and exploration went on past it; so are faulting inputs.
  const spin = j.badInputs.filter((b) => b.code === hx(codes.IOCTL_HWTOOL_SPIN!));
  assert.ok(spin.length >= 1 && spin.every((b) => b.kind === "timeout"));
  assert.ok(j.badInputs.some((b) => b.code === hx(codes.IOCTL_HWTOOL_PEEK!) && b.kind === "invalid-read"));
  assert.ok(j.fuzz.some((x) => x.code === hx(codes.IOCTL_HWTOOL_VERSION!) && x.runs > 0));
});

test("kmdll surface --replay: the report's reproducers, replayed on a fresh machine with the full trace, confirm every finding", async () => {
  const { j } = await vulnReport();
  const dir = mkdtempSync(join(tmpdir(), "kmdll-surface-"));
  try {
    const file = join(dir, "report.json");
    writeFileSync(file, JSON.stringify(j));
    const r = await runCli(["surface", VULN, "--replay", file, "--json", "--timeout", "1"]);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { results: { confirmed: boolean; events: { event: string }[]; reproducer: { rule: string } }[] };
    assert.equal(out.results.length, j.findings.length);
    for (const x of out.results) {
      assert.equal(x.confirmed, true, x.reproducer.rule);
      assert.ok(x.events.some((e) => e.event === "irp"), "the trace has the request");
    }
    // A hand-written reproducer: POKE with a canary-free address is no write primitive by itself.
    const one = join(dir, "one.json");
    const codes = headerCodes();
    writeFileSync(one, JSON.stringify({ rule: "arbitrary-kernel-write", device: "\\Device\\HwTool", code: hx(codes.IOCTL_HWTOOL_VERSION!), input: "00" }));
    const t = await runCli(["surface", VULN, "--replay", one, "--timeout", "1"]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /not confirmed/);
    writeFileSync(one, "{\"device\": 1}");
    assert.equal((await runCli(["surface", VULN, "--replay", one])).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kmdll surface --html: device → IOCTL → primitive with the reproducers", async () => {
  const { html, j } = await vulnReport();
  assert.match(html, /^<!DOCTYPE html>/);
  for (const f of j.findings) {
    assert.ok(html.includes(f.code) && html.includes(`<b>${f.rule}</b>`), `${f.rule} ${f.code} in the HTML`);
  }
  assert.ok(html.includes("\\Device\\HwTool") && html.includes("replay confirmed"));
});

test("kmdll surface surfsafe.sys: the same IOCTLs reach the same routines, with no finding", async () => {
  const r = await runCli(["surface", SAFE, "--json", "--timeout", "1"], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.deepEqual(j.findings, []);
  assert.equal(j.devices[0]!.exclusive, true);
  assert.equal(j.devices[0]!.secureOpen, true);
  assert.equal(j.ioctls.length, Object.keys(headerCodes()).length);
  // The sinks were reached (with fixed values), so the absence of findings means something:
  // MmMapIoSpace, the section view and the MDL mapping, the PERF_CTL wrmsr, the CR0 write and the
  // POST-code port, the PTE pointed at the BAR page and restored.
  const fixed = j.sinks.filter((s) => !s.controlled).map((s) => s.rule).sort();
  assert.deepEqual(fixed, ["cr-write", "msr-write", "physical-memory-map", "physical-memory-map", "physical-memory-map", ...(observesPortInstructions ? ["port-io"] : []), "pte-write", "pte-write"]);
});

test("kmdll surface --format sarif: rules with help, one result per finding", async () => {
  const r = await runCli(["surface", VULN, "--format", "sarif", "--timeout", "1", "--runs", "0"]);
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string; help: { text: string } }[] } }; results: { ruleId: string; properties: { ioctl: string; input: string } }[] }[] };
  assert.equal(s.version, "2.1.0");
  const rules = s.runs[0]!.tool.driver.rules;
  for (const id of ["physical-memory-map", "arbitrary-kernel-read", "arbitrary-kernel-write", "msr-read", "msr-write", "port-io", "cr-write", "pte-write", "process-control", "unchecked-user-pointer", "kernel-pointer-leak"])
    assert.ok(rules.some((x) => x.id === id && x.help.text.length > 40), id);
  assert.ok(s.runs[0]!.results.length >= 5);
  assert.ok(s.runs[0]!.results.every((x) => /^0x[0-9A-F]{8}$/.test(x.properties.ioctl)));
});

test("kmdll surface: usage errors exit 2", async () => {
  assert.equal((await runCli(["surface", VULN, "--format", "html"])).code, 2);
  assert.equal((await runCli(["surface", VULN, "--seed", "-1"])).code, 2);
  assert.equal((await runCli(["surface", repoPath("examples", "include", "hwtool.h")])).code, 2);
});

test("cmpImmediates finds every cmp immediate llvm-objdump shows in surfvuln.sys", () => {
  const pe = readFileSync(VULN);
  const insns = disassembly(VULN);
  const want = new Set<number>();
  for (const i of insns) {
    const m = /^cmp[bwlq]?\s+\$(-?\d+|0x[0-9a-f]+),/.exec(i.text);
    if (m) want.add(Number(m[1]) >>> 0);
  }
  assert.ok(want.size >= 5, `objdump shows cmp immediates (${[...want]})`);
  // .text is the first section: its raw bytes are the code llvm-objdump read.
  const peOff = pe.readUInt32LE(0x3c);
  const sect = peOff + 24 + pe.readUInt16LE(peOff + 20);
  const raw = pe.subarray(pe.readUInt32LE(sect + 20), pe.readUInt32LE(sect + 20) + pe.readUInt32LE(sect + 16));
  const got = new Set(cmpImmediates(raw));
  for (const v of want) assert.ok(got.has(v) || got.has(v & 0xff) || got.has(v & 0xffff), `0x${v.toString(16)}`);
});

test("fuzzIoctl: a magic value from the code's comparison is found; same seed, same inputs", () => {
  const MAGIC = 0x5a17c0de;
  // A fake driver: block 1 checks the u32 at offset 12 against MAGIC (cmp dword [rdx+0xc], imm32), block 2 is behind it.
  const cmp = Uint8Array.from([0x81, 0x7a, 0x0c, 0xde, 0xc0, 0x17, 0x5a]);
  const runOnce = (seed: number) => {
    const inputs: string[] = [];
    let reached = false;
    fuzzIoctl(
      (input) => {
        inputs.push(Buffer.from(input).toString("hex"));
        const blocks: [bigint, number][] = input.length >= 16 ? [[1n, 7]] : [[0n, 1]];
        if (input.length >= 16 && Buffer.from(input).readUInt32LE(12) === MAGIC) {
          blocks.push([2n, 1]);
          reached = true;
        }
        return { blocks };
      },
      (a) => (a === 1n ? cmp : new Uint8Array([0x90])),
      { seed, maxRuns: 200, deadline: Date.now() + 60_000, seeds: [new Uint8Array(16)], maxSize: 64 },
    );
    return { inputs, reached };
  };
  const a = runOnce(7);
  const b = runOnce(7);
  const c = runOnce(8);
  assert.equal(a.reached, true);
  assert.deepEqual(a.inputs, b.inputs);
  assert.notDeepEqual(a.inputs, c.inputs);
});

test("canaries name their input offset; leaks skip values the caller passed in", () => {
  for (const o of [0, 8, 24, 1000]) {
    assert.equal(canaryOffset(canaryFor(o)), o);
    assert.equal(canaryOffset(canaryFor(o) + 0x18n), o);
  }
  assert.equal(canaryOffset(0xfffff80000000000n), null);
  const out = Buffer.alloc(24);
  out.writeBigUInt64LE(0xffff900000001000n, 0);
  out.writeBigUInt64LE(0xffff900000002000n, 8);
  out.writeBigUInt64LE(canaryFor(8), 16);
  const input = Buffer.alloc(8);
  input.writeBigUInt64LE(0xffff900000002000n, 0);
  assert.deepEqual(leakedPointers(out, input, () => true), [{ offset: 0, value: 0xffff900000001000n }]);
});
