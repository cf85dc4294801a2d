/**
 * The emulated machine's processors (docs/machine.md, "Processors"; issue 12): examples/api-topo
 * (apitopo.sys, C) checks every processor count against the machine file's "processors",
 * KeQueryLogicalProcessorRelationship on valid and invalid arguments with the record layout its
 * compiler gives, the cache records against CPUID and CPUID.01H:EDX's feature bits — on x64, x86
 * and ARM64, with 1 (default) and several processors, under both CPU models. TOPOLOGY_LAYOUT is
 * checked against clang's offsetof/sizeof over mingw-w64's winnt.h for the three arches.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { runSimulation } from "../src/kernel/simulation.js";
import { emulatorExecutor, emulatorExecutorWith } from "../src/sim/emulator.js";
import { parseMachine } from "../src/emu/machine/index.js";
import { TOPOLOGY_LAYOUT, relationshipRecords } from "../src/emu/machine/topology.js";
import type { TraceEvent } from "../src/events.js";
import { fixture, tool } from "./helpers.js";

type Arch = "x64" | "x86" | "arm64";
const CHECKS = ["TestCounts", "TestRelationAll", "TestRelationEach", "TestProcessorNumber", "TestInvalid", "TestSemaphoreFanOut"];
const CPU_CHECKS = ["TestCachesMatchCpuid", "TestCpuFeatures"];

function run(arch: Arch, machine: Record<string, unknown> | undefined, calls: { routine: string; args: bigint[] }[]) {
  const events: TraceEvent[] = [];
  const r = runSimulation({
    install: [fixture(arch, "apitopo.sys")],
    steps: [{ kind: "start", name: "apitopo" }, ...calls.map((c) => ({ kind: "call" as const, module: "apitopo.sys", routine: c.routine, args: c.args })), { kind: "stop", name: "apitopo" }],
    sink: (e) => void events.push(e),
    executor: machine === undefined ? emulatorExecutor : emulatorExecutorWith({}, parseMachine(machine)),
    trace: true,
  });
  const returns = new Map<string, bigint>();
  for (const e of events) if (e.event === "return" && typeof e.routine === "string" && e.value !== undefined) returns.set(e.routine, BigInt(e.value));
  const failures = events.filter((e) => e.event === "dbgprint" && e.text.startsWith("FAIL")).map((e) => (e as { text: string }).text);
  const fault = events.find((e) => e.event === "fault") as { kind: string; message: string } | undefined;
  return { r, events, returns, failures, fault };
}

for (const arch of ["x64", "x86", "arm64"] as const) {
  for (const [label, machine, n] of [["default machine", undefined, 1], ["4 processors", { processors: 4 }, 4], ["32 processors, intel", { processors: 32, cpu: "intel" }, 32]] as const) {
    test(`apitopo.sys on ${arch}, ${label}: counts, KeQueryLogicalProcessorRelationship (valid and invalid arguments), caches and CPUID checks pass in C`, () => {
      const routines = [...CHECKS, ...(arch === "arm64" ? [] : CPU_CHECKS)];
      const { r, returns, failures, fault } = run(arch, machine, routines.map((routine) => ({ routine, args: CHECKS.includes(routine) ? [BigInt(n)] : [] })));
      assert.equal(fault, undefined, fault?.message);
      assert.deepEqual(failures, []);
      for (const t of routines) assert.equal(returns.get(t), 0n, `${t} returned ${returns.get(t)}`);
      assert.deepEqual(r.results.map((x) => x.ok), routines.map(() => true).concat([true, true]), r.results.map((x) => x.detail).join("; "));
    });
  }
}

test("apitopo.sys: the checks can fail — told 2 processors on a 1-processor machine, the count and relationship checks report failures", () => {
  const { failures } = run("x64", undefined, CHECKS.map((routine) => ({ routine, args: [2n] })));
  assert.ok(failures.some((f) => /main\.c:\d+: KeQueryActiveProcessorCount\(&mask\) == n/.test(f)), failures.join("\n"));
  assert.ok(failures.some((f) => /t\.count\[RelationProcessorCore\] == n/.test(f)), failures.join("\n"));
});

test("KeQueryLogicalProcessorRelationship with a wild Length pointer: a clean access-violation report, not a crash", () => {
  const { fault } = run("x64", undefined, [{ routine: "TestWildLength", args: [0x10n] }]);
  assert.ok(fault, "a fault is reported");
  assert.match(fault!.message, /0x0*10\b/);
});

test("the default CPU (amd) reports CPUID.01H:EDX 0x078BFBFF: TSC, MSR, APIC and every bit AMD defines except HTT; intel keeps its own", () => {
  const edx = (machine: Record<string, unknown> | undefined) => {
    const { events } = run("x64", machine, [{ routine: "TestCpuFeatures", args: [] }]);
    const line = events.find((e) => e.event === "dbgprint" && /CPUID\.01H/.test((e as { text: string }).text)) as { text: string } | undefined;
    return Number.parseInt(/EDX ([0-9a-f]{8})/.exec(line?.text ?? "")?.[1] ?? "0", 16);
  };
  const amd = edx(undefined);
  for (const bit of [4, 5, 9]) assert.ok(amd & (1 << bit), `bit ${bit}`);
  assert.equal(amd >>> 0, 0x078bfbff);
  assert.equal(edx({ cpu: "intel" }) >>> 0, (0x078bfbff | (1 << 22) | (1 << 29)) >>> 0);
});

test("relationshipRecords: unknown relationships are null; a processor outside the mask gets only node and group", () => {
  assert.equal(relationshipRecords(2, "amd", 8, 5, null), null);
  assert.equal(relationshipRecords(2, "amd", 8, 0x7fff, null), null);
  const one = relationshipRecords(2, "amd", 8, 0xffff, 1)!;
  const kinds: number[] = [];
  for (let at = 0; at < one.length; ) {
    const v = new DataView(one.buffer, one.byteOffset + at);
    kinds.push(v.getUint32(0, true));
    at += v.getUint32(4, true);
  }
  assert.deepEqual(kinds, [0, 1, 2, 2, 2, 3, 4]);
});

const ITEMS: [keyof (typeof TOPOLOGY_LAYOUT)[8], string][] = [
  ["groupAffinity", "sizeof(GROUP_AFFINITY)"],
  ["processorMask", "offsetof(X, Processor) + offsetof(PROCESSOR_RELATIONSHIP, GroupMask)"],
  ["processorSize", "offsetof(X, Processor) + sizeof(PROCESSOR_RELATIONSHIP)"],
  ["numaMask", "offsetof(X, NumaNode) + offsetof(NUMA_NODE_RELATIONSHIP, GroupMask)"],
  ["numaSize", "offsetof(X, NumaNode) + sizeof(NUMA_NODE_RELATIONSHIP)"],
  ["cacheMask", "offsetof(X, Cache) + offsetof(CACHE_RELATIONSHIP, GroupMask)"],
  ["cacheSize", "offsetof(X, Cache) + sizeof(CACHE_RELATIONSHIP)"],
  ["groupInfo", "offsetof(X, Group) + offsetof(GROUP_RELATIONSHIP, GroupInfo)"],
  ["groupInfoMask", "offsetof(X, Group) + offsetof(GROUP_RELATIONSHIP, GroupInfo) + offsetof(PROCESSOR_GROUP_INFO, ActiveProcessorMask)"],
  ["groupSize", "offsetof(X, Group) + sizeof(GROUP_RELATIONSHIP)"],
  ["union", "offsetof(X, Processor)"],
];

for (const [arch, triple, ptr] of [["x64", "x86_64-w64-mingw32", 8], ["x86", "i686-w64-mingw32", 4], ["arm64", "aarch64-w64-mingw32", 8]] as const) {
  test(`SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX (${arch}): TOPOLOGY_LAYOUT is clang's offsetof/sizeof over mingw-w64's winnt.h`, () => {
    const dir = mkdtempSync(join(tmpdir(), "kmdll-topo-"));
    try {
      writeFileSync(join(dir, "l.c"), `#include <windows.h>\n#include <stddef.h>\ntypedef SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX X;\nconst unsigned long long v[] = {\n${ITEMS.map(([, e]) => `  (unsigned long long)(${e}),`).join("\n")}\n};\n`);
      tool("clang", [`--target=${triple}`, "-w", "-S", "-O0", "-isystem", "/usr/share/mingw-w64/include", "-o", join(dir, "l.s"), join(dir, "l.c")]);
      const asm = readFileSync(join(dir, "l.s"), "utf8");
      const got = [...asm.slice(asm.search(/^_?v:/m)).matchAll(/^\s*\.(?:quad|xword)\s+(\d+)/gm)].map((m) => Number(m[1]));
      assert.equal(got.length, ITEMS.length);
      const layout = TOPOLOGY_LAYOUT[ptr];
      assert.deepEqual(Object.fromEntries(ITEMS.map(([k], i) => [k, got[i]])), Object.fromEntries(ITEMS.map(([k]) => [k, layout[k]])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
