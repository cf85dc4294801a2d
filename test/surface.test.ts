/**
 * `kmdll surface` on the HwTool drivers built from C (examples/surface-vuln and its safe twin
 * examples/surface-safe). Expected IOCTL codes are computed from examples/include/hwtool.h with
 * the CTL_CODE layout, call sites are checked against llvm-objdump's disassembly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { decodeIoctl, ioctlCandidates } from "../src/surface/ioctl.js";

const VULN = fixture("x64", "surfvuln.sys");
const SAFE = fixture("x64", "surfsafe.sys");

/** The IOCTL codes of hwtool.h, computed here with CTL_CODE (wdm.h: type<<16 | access<<14 | function<<2 | method). */
function headerCodes(): Record<string, number> {
  const h = readFileSync(repoPath("examples", "include", "hwtool.h"), "utf8");
  const consts: Record<string, number> = { FILE_DEVICE_HWTOOL: Number(/#define FILE_DEVICE_HWTOOL (0x[0-9a-f]+)/i.exec(h)![1]), METHOD_BUFFERED: 0, FILE_ANY_ACCESS: 0, FILE_READ_ACCESS: 1 };
  const out: Record<string, number> = {};
  for (const m of h.matchAll(/#define (IOCTL_\w+)\s+CTL_CODE\((\w+), (0x[0-9a-f]+), (\w+), (\w+)\)/gi)) {
    const [, name, type, fn, method, access] = m;
    out[name!] = ((consts[type!]! << 16) | (consts[access!]! << 14) | (Number(fn) << 2) | consts[method!]!) >>> 0;
  }
  return out;
}

/** The call instruction that returns to `site` (module+0xRVA), from llvm-objdump. */
function callBefore(image: string, site: string): string | null {
  const rva = Number(/\+0x([0-9a-f]+)$/.exec(site)![1] ? "0x" + /\+0x([0-9a-f]+)$/.exec(site)![1] : NaN);
  const lines = tool("llvm-objdump", ["-d", "--no-show-raw-insn", image]).stdout.split("\n");
  const insns = lines.map((l) => /^\s*([0-9a-f]+):\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const base = 0x140000000;
  const i = insns.findIndex((m) => parseInt(m[1]!, 16) - base === rva);
  return i > 0 ? insns[i - 1]![2]!.trim() : null;
}

interface Report {
  devices: { name: string; links: string[]; exclusive: boolean; secureOpen: boolean }[];
  dispatch: { major: string; routine: string }[];
  ioctls: { code: string; method: string; access: string; status: string }[];
  findings: { rule: string; code: string; input: string; site: string; inputOffset: number }[];
  sinks: { rule: string; site: string; controlled: boolean }[];
  badInputs: { code: string; kind: string; input: string }[];
}

test("decodeIoctl follows CTL_CODE; candidates come from a switch's sub/lea chains", () => {
  const d = decodeIoctl(0x80006008);
  assert.deepEqual([d.deviceType, d.function, d.method, d.access], [0x8000, 0x802, "METHOD_BUFFERED", "FILE_READ_ACCESS"]);
  assert.equal(decodeIoctl(0x0022200f).method, "METHOD_NEITHER");
  // sub eax, 0x222000 ; je ; sub eax, 4 ; je ; cmp eax, 4
  const code = Uint8Array.from([0x2d, 0x00, 0x20, 0x22, 0x00, 0x74, 0x10, 0x83, 0xe8, 0x04, 0x74, 0x10, 0x83, 0xf8, 0x04]);
  const c = ioctlCandidates(code);
  for (const v of [0x222000, 0x222004, 0x222008]) assert.ok(c.includes(v), `0x${v.toString(16)} in ${c.map((x) => x.toString(16))}`);
});

test("kmdll surface surfvuln.sys: device, link, dispatch routines, every IOCTL and every primitive with a reproducer", async () => {
  const r = await runCli(["surface", VULN, "--json", "--timeout", "1"]);
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.equal(j.devices.length, 1);
  assert.equal(j.devices[0]!.name, "\\Device\\HwTool");
  assert.deepEqual(j.devices[0]!.links, ["\\GLOBAL??\\HWTOOL"]);
  assert.equal(j.devices[0]!.exclusive, false);
  assert.equal(j.devices[0]!.secureOpen, false);
  assert.deepEqual(j.dispatch.map((d) => d.major), ["IRP_MJ_CREATE", "IRP_MJ_CLOSE", "IRP_MJ_DEVICE_CONTROL"]);
  const codes = headerCodes();
  const hx = (n: number) => "0x" + n.toString(16).toUpperCase().padStart(8, "0");
  assert.deepEqual(j.ioctls.map((i) => i.code).sort(), Object.values(codes).map(hx).sort());
  assert.equal(j.ioctls.find((i) => i.code === hx(codes.IOCTL_HWTOOL_READ_PHYS!))!.access, "FILE_READ_ACCESS");
  const got = j.findings.map((f) => `${f.rule}@${f.code}`).sort();
  assert.deepEqual(got, [
    `physical-memory-map@${hx(codes.IOCTL_HWTOOL_MAP_PHYS!)}`,
    `physical-memory-map@${hx(codes.IOCTL_HWTOOL_READ_PHYS!)}`,
    `process-control@${hx(codes.IOCTL_HWTOOL_KILL!)}`,
  ].sort());
  for (const f of j.findings) {
    // The reproducer's value sits where the C structures put it (Address / ProcessId at offset 0).
    assert.equal(f.inputOffset, 0);
    assert.ok(f.input.length >= 16);
    const call = callBefore(VULN, f.site);
    assert.match(call ?? "", /^call/, `${f.site} follows a call instruction (llvm-objdump: ${call})`);
  }
  // The spinning IOCTL is reported by name and exploration went on past it.
  const spin = j.badInputs.filter((b) => b.code === hx(codes.IOCTL_HWTOOL_SPIN!));
  assert.ok(spin.length >= 1 && spin.every((b) => b.kind === "timeout"));
});

test("kmdll surface surfsafe.sys: the same IOCTLs reach the same routines, with no finding", async () => {
  const r = await runCli(["surface", SAFE, "--json", "--timeout", "1"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Report;
  assert.deepEqual(j.findings, []);
  assert.equal(j.devices[0]!.exclusive, true);
  assert.equal(j.devices[0]!.secureOpen, true);
  assert.equal(j.ioctls.length, Object.keys(headerCodes()).length);
  // The mappings were reached (with the fixed register window), so the absence of findings means something.
  assert.equal(j.sinks.filter((s) => s.rule === "physical-memory-map" && !s.controlled).length, 2);
});

test("kmdll surface --format sarif: rules with help, one result per finding", async () => {
  const r = await runCli(["surface", VULN, "--format", "sarif", "--timeout", "1"]);
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string; help: { text: string } }[] } }; results: { ruleId: string; properties: { ioctl: string; input: string } }[] }[] };
  assert.equal(s.version, "2.1.0");
  const rules = s.runs[0]!.tool.driver.rules;
  assert.ok(rules.some((x) => x.id === "physical-memory-map" && x.help.text.length > 40));
  assert.equal(s.runs[0]!.results.length, 3);
  assert.ok(s.runs[0]!.results.every((x) => /^0x[0-9A-F]{8}$/.test(x.properties.ioctl) && x.properties.input.length > 0));
});

test("kmdll surface: usage errors exit 2", async () => {
  assert.equal((await runCli(["surface", VULN, "--format", "html"])).code, 2);
  assert.equal((await runCli(["surface", repoPath("examples", "include", "hwtool.h")])).code, 2);
});
