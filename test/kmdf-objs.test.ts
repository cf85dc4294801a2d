// KMDF framework objects beside devices and queues: WDFMEMORY (created, preallocated, a request's
// input/output memory, MDLs and user buffers) and WDFTIMER on the emulated clock
// (examples/kmdf-objs, built against examples/include/kmdfmin.h), on x64 and x86.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli, tool } from "./helpers.js";
import { KMDF_ARCHES, kmdfConstants } from "./kmdf-clang.js";
import { simBothArches } from "./arch-compare.js";
import { wdfLayoutFor, type WdfStruct } from "../src/emu/wdf/layouts.js";

const hexLe32 = (...v: number[]) => v.map((x) => Buffer.from(Uint32Array.of(x >>> 0).buffer).toString("hex")).join("");

test("kmdf-objs: WDFMEMORY and WDFTIMER checks pass in C; a request's memory, MDLs and user buffers give the bytes and statuses the framework documents", async () => {
  const input = [0x01, 0x02, 0x03, 0xff];
  const sum = input.reduce((a, b) => a + b, 0);
  const inverted = Buffer.from([0x01, 0x02, 0xff].map((b) => b ^ 0xff)).toString("hex");
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfobjs.sys"), "--", "start:kmdfobjs", "call:kmdfobjs.sys!TestMemory", "call:kmdfobjs.sys!TestTimer",
    `ioctl:\\\\.\\KmdfObjs:0x222000:${Buffer.from(input).toString("hex")},out=4,expect=${hexLe32(sum)}`,
    `ioctl:\\\\.\\KmdfObjs:0x222004:0102ff,out=3,expect=${inverted}`,
    // an output shorter than the input: the copy into the output WDFMEMORY fails
    "ioctl:\\\\.\\KmdfObjs:0x222004:0102ff,out=2,status=STATUS_INVALID_BUFFER_SIZE",
    // METHOD_OUT_DIRECT: the output MDL's and the (framework-built) input MDL's byte counts
    `ioctl:\\\\.\\KmdfObjs:0x22200A:aabbcc,out=16,expect=${hexLe32(16, 3)}4f4b`,
    "ioctl:\\\\.\\KmdfObjs:0x22200F:010203,out=3,expect=030201",
    // BUFFER_TOO_SMALL, INVALID_DEVICE_REQUEST, INVALID_USER_BUFFER, ACCESS_VIOLATION
    `ioctl:\\\\.\\KmdfObjs:0x222010,out=16,expect=${hexLe32(0xc0000023, 0xc0000010, 0xc00000e8, 0xc0000005)}`,
    // WdfRequestSetInformation, then WdfRequestComplete: the Information stays
    "ioctl:\\\\.\\KmdfObjs:0x222014:0102030405,out=0,info=5",
    "call:kmdfobjs.sys!TimerTicks", "stop:kmdfobjs"]);
  assert.equal(r.code, 0, r.stdout);
  const ends = r.events.filter((e) => e.event === "step" && e.phase === "end");
  assert.deepEqual(ends.map((e) => e.ok), Array(ends.length).fill(true));
  const values = r.events.filter((e) => e.event === "return" && typeof e.routine === "string" && /^Test/.test(e.routine as string)).map((e) => String(e.value));
  assert.deepEqual(values, ["0x0", "0x0"]);
  // The periodic timer left running by TestTimer is stopped with its device at unload: no leak, no fault.
  assert.deepEqual(r.events.filter((e) => e.event === "leak" || e.event === "fault"), []);
});

test("kmdf-objs: bad arguments are KMDF verifier bug checks (WDF_VIOLATION 0x10D), on x64 and x86", async () => {
  for (const [routine, pattern] of [
    ["BadMemoryNullOut", /WdfMemoryCreate: Memory is NULL/],
    ["BadAssignBuffer", /WdfMemoryAssignBuffer: 0x[0-9a-f]+ is not a WDFMEMORY made by WdfMemoryCreatePreallocated/],
    ["BadTimerHandle", /WdfTimerStart: Timer 0x[0-9a-f]+ is not a live WDF timer handle/],
  ] as const) {
    const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfobjs.sys"), "--", "start:kmdfobjs", `call:kmdfobjs.sys!${routine}`]);
    assert.equal(r.code, 1, r.stdout);
    const fault = r.events.find((e) => e.event === "fault");
    assert.ok(fault, r.stdout);
    assert.equal(fault.kind, "bugcheck", routine);
    assert.equal(fault.code, "0x0000010D", routine);
    assert.match(String(fault.message), pattern);
  }
});

test("WDF_TIMER_CONFIG (and its KMDF 1.7 / 1.11 prefixes) is laid out as clang lays out kmdfmin.h's structure, on x64 and x86", () => {
  const fields: [WdfStruct, string[]][] = [["WDF_TIMER_CONFIG", ["EvtTimerFunc", "Period", "AutomaticSerialization", "TolerableDelay", "UseHighResolutionTimer"]]];
  const dir = mkdtempSync(join(tmpdir(), "kmdll-wdf-timer-"));
  try {
    const items = [...fields.flatMap(([s, fs]) => [`sizeof(${s})`, ...fs.map((f) => `offsetof(${s}, ${f})`)]), "offsetof(WDF_TIMER_CONFIG, TolerableDelay)", "offsetof(WDF_TIMER_CONFIG, TolerableDelay) + sizeof(ULONG)"];
    for (const [arch, , p] of KMDF_ARCHES) {
      const nums = kmdfConstants(dir, items, arch);
      let i = 0;
      for (const [s, fs] of fields) {
        const l = wdfLayoutFor(s, p) as Record<string, number>;
        assert.equal(l.$size, nums[i++], `${arch} sizeof(${s})`);
        for (const f of fs) assert.equal(l[f], nums[i++], `${arch} ${s}.${f}`);
      }
      // The older structures end after AutomaticSerialization (1.7) and TolerableDelay (1.11), rounded to their pointer alignment.
      const align = p;
      const round = (n: number) => Math.ceil(n / align) * align;
      assert.equal(wdfLayoutFor("WDF_TIMER_CONFIG_V1_7", p).$size, round(nums[i++]!), `${arch} V1_7`);
      assert.equal(wdfLayoutFor("WDF_TIMER_CONFIG_V1_11", p).$size, round(nums[i++]!), `${arch} V1_11`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sleep:MS lets the emulated clock run between steps: the periodic WDFTIMER TestTimer left running fires once per 10 ms; bad sleep steps are usage errors", async () => {
  const r = await simBothArches((arch) => ["--install", fixture(arch, "kmdfobjs.sys"), "--", "start:kmdfobjs", "call:kmdfobjs.sys!TestTimer", "call:kmdfobjs.sys!TimerTicks",
    "sleep:25", "call:kmdfobjs.sys!TimerTicks", "sleep:0", "call:kmdfobjs.sys!TimerTicks", "sleep:100", "call:kmdfobjs.sys!TimerTicks", "stop:kmdfobjs"]);
  assert.equal(r.code, 0, r.stdout);
  const ticks = r.events.filter((e) => e.event === "return" && e.routine === "TimerTicks").map((e) => Number(BigInt(String(e.value))));
  // TestTimer counts 3 ticks and restarts the timer (due 10 ms later): 25 ms → 2 more, 0 ms → none, 100 ms → 10 more.
  assert.deepEqual(ticks, [3, 5, 5, 15]);
  const sleeps = r.events.filter((e) => e.event === "step" && e.phase === "end" && String(e.step).startsWith("sleep"));
  assert.deepEqual(sleeps.map((e) => e.ok), [true, true, true]);
  for (const bad of ["sleep:", "sleep:abc", "sleep:3600001", "sleep:10,status=0"]) {
    const b = await runCli(["sim", "--install", fixture("x64", "kmdfobjs.sys"), "--", "start:kmdfobjs", bad]);
    assert.equal(b.code, 2, `${bad}: ${b.stdout}${b.stderr}`);
    assert.match(b.stderr, /sleep/);
  }
});

test("kmdf-objs on ARM64: WDFMEMORY and WDFTIMER as on x64; __chkstk reads the frame size / 16 from x15 (llvm-objdump shows the mov), not x0", async () => {
  const sys = fixture("arm64", "kmdfobjs.sys");
  const dis = tool("llvm-objdump", ["-d", sys]).stdout;
  const units = [...dis.matchAll(/mov\s+x15, #(\d+)\s*\n[^\n]*\tbl\t/g)].map((m) => Number(m[1]));
  assert.equal(units.length, 1, "one function (LargeFrame) probes its frame");
  // A seed that is also a huge x0 at the probe: read as the size, it would be a stack overflow.
  const seed = 0xffff0000;
  const r = await runCli(["sim", "--json", "--trace", "--install", sys, "--", "start:kmdfobjs", `call:kmdfobjs.sys!LargeFrame:${seed}`, "call:kmdfobjs.sys!TestMemory", "call:kmdfobjs.sys!TestTimer",
    `ioctl:\\\\.\\KmdfObjs:0x222000:010203ff,out=4,expect=${hexLe32(0x105)}`, "ioctl:\\\\.\\KmdfObjs:0x22200F:010203,out=3,expect=030201", "stop:kmdfobjs"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ev = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const probe = ev.find((e) => e.event === "api" && e.api === "ntoskrnl.exe!__chkstk");
  assert.ok(probe, "the frame was probed");
  assert.match(JSON.stringify(probe), new RegExp(`"${units[0]! * 16} bytes"`));
  let sum = seed;
  for (let i = 0; i < 12 * 1024; i += 64) sum = (Math.imul(sum, 31) + ((seed + i * 7) & 0xff)) >>> 0;
  const values = ev.filter((e) => e.event === "return" && ["LargeFrame", "TestMemory", "TestTimer"].includes(String(e.routine))).map((e) => BigInt(String(e.value)) & 0xffffffffn);
  assert.deepEqual(values, [BigInt(sum), 0n, 0n]);
});
