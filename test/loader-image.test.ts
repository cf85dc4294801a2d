/**
 * Loader fidelity for real images: image-section validation before anything is mapped
 * (STATUS_INVALID_IMAGE_FORMAT), relocation-stripped images (STATUS_CONFLICTING_ADDRESSES), the
 * /GS security cookie the loader initialises from the load-config directory (the wdk-gs example,
 * built in MSVC mode with GsDriverEntry, /GS and __chkstk frames), `check` rule malformed-image
 * and `scan` errors. Mutations start from real fixtures; layouts are cross-checked with
 * llvm-readobj.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parsePe } from "../src/formats/pe/index.js";
import { imageSectionProblems } from "../src/formats/pe/validate.js";
import { cookieValue, DEFAULT_SECURITY_COOKIE_64 } from "../src/emu/image.js";
import { checkFile } from "../src/check/io.js";
import { fixture, runCli, tool } from "./helpers.js";
import { layout, mutate } from "./pe-mutate.js";

const MYDRIVER = fixture("x64", "mydriver.sys");
const WDKGS = fixture("x64", "wdkgs.sys");

function tmp(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-loader-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type Ev = { event: string; [k: string]: unknown };
async function simJson(files: string[], steps: string[]): Promise<{ code: number; events: Ev[] }> {
  const r = await runCli(["sim", "--json", "--install", ...files, "--", ...steps]);
  return { code: r.code, events: r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Ev) };
}

/** Section table facts from llvm-readobj (independent of kmdll's parser). */
function readobjSections(path: string): { name: string; va: number; vsize: number; rawSize: number; rawPtr: number }[] {
  const out = tool("llvm-readobj", ["--sections", path]).stdout;
  const secs: { name: string; va: number; vsize: number; rawSize: number; rawPtr: number }[] = [];
  for (const block of out.split("Section {").slice(1)) {
    const num = (k: string) => Number(new RegExp(`${k}: (0x[0-9A-F]+|\\d+)`).exec(block)![1]);
    secs.push({ name: /Name: (\S+)/.exec(block)![1]!, va: num("VirtualAddress"), vsize: num("VirtualSize"), rawSize: num("RawDataSize"), rawPtr: num("PointerToRawData") });
  }
  return secs;
}

interface Mutation {
  name: string;
  make: () => Uint8Array;
  /** Expected words in the first problem. */
  expect: RegExp;
}

const L = layout(MYDRIVER);
const secField = (i: number, off: number) => L.sectionTable + 40 * i + off;
const MUTATIONS: Mutation[] = [
  {
    name: "truncated inside the last section's raw data",
    make: () => {
      const last = readobjSections(MYDRIVER).at(-1)!;
      return L.bytes.slice(0, last.rawPtr + 8);
    },
    expect: /runs past the end of the file.*truncated/,
  },
  {
    name: "two sections overlap in memory",
    make: () => mutate(L.bytes, (_b, dv) => dv.setUint32(secField(1, 12), dv.getUint32(secField(0, 12), true), true)),
    expect: /overlaps the previous section/,
  },
  {
    name: "a section not aligned to SectionAlignment",
    make: () => mutate(L.bytes, (_b, dv) => dv.setUint32(secField(1, 12), dv.getUint32(secField(1, 12), true) + 0x10, true)),
    expect: /not aligned to SectionAlignment/,
  },
  {
    name: "a gap between sections",
    make: () =>
      mutate(L.bytes, (_b, dv) => {
        const n = L.image.sections.length - 1;
        dv.setUint32(secField(n, 12), dv.getUint32(secField(n, 12), true) + 0x1000, true);
        dv.setUint32(L.opt + 56, L.image.optional.sizeOfImage + 0x1000, true);
      }),
    expect: /leaves a gap/,
  },
  {
    name: "SizeOfImage smaller than the sections",
    make: () => mutate(L.bytes, (_b, dv) => dv.setUint32(L.opt + 56, 0x1000, true)),
    expect: /SizeOfImage 0x1000 does not cover the sections/,
  },
  {
    name: "SizeOfHeaders past the end of the file",
    make: () => mutate(L.bytes, (_b, dv) => dv.setUint32(L.opt + 60, 0x100000, true)),
    expect: /SizeOfHeaders 0x100000 runs past the end of the file/,
  },
  {
    name: "FileAlignment not a power of two",
    make: () => mutate(L.bytes, (_b, dv) => dv.setUint32(L.opt + 36, 0x300, true)),
    expect: /FileAlignment 0x300 is not a power of two/,
  },
];

test("llvm-readobj agrees on the layout the mutations start from (mydriver.sys maps cleanly)", () => {
  const secs = readobjSections(MYDRIVER);
  assert.deepEqual(
    secs.map((s) => [s.name, s.va, s.rawPtr, s.rawSize]),
    L.image.sections.map((s) => [s.name, s.virtualAddress, s.pointerToRawData, s.sizeOfRawData]),
  );
  assert.deepEqual(imageSectionProblems(L.image, L.bytes.length), []);
});

for (const m of MUTATIONS) {
  test(`malformed image (${m.name}): the validator, check, sim and call refuse it; nothing runs`, async () => {
    const t = tmp();
    try {
      const bytes = m.make();
      const file = join(t.dir, "broken.sys");
      writeFileSync(file, bytes);
      let image;
      try {
        image = parsePe(bytes);
      } catch {
        return; // a header so broken the parser already refuses it: nothing to map either
      }
      const problems = imageSectionProblems(image, bytes.length);
      assert.ok(problems.length > 0, "a problem is found");
      assert.match(problems[0]!.message, m.expect);
      assert.equal(problems[0]!.status, 0xc000007b);
      // check: malformed-image, and only that (the other rules would read garbage).
      const findings = checkFile(file).findings;
      assert.ok(findings.length > 0 && findings.every((f) => f.rule === "malformed-image" && f.severity === "error"), JSON.stringify(findings.map((f) => f.rule)));
      assert.match(findings[0]!.message, m.expect);
      assert.match(findings[0]!.message, /STATUS_INVALID_IMAGE_FORMAT, 0xC000007B/);
      // sim: the load fails with cause 0xC000007B before any code of it runs.
      const sim = await simJson([file], ["start:broken"]);
      assert.equal(sim.code, 1);
      const fail = sim.events.find((e) => e.event === "fail");
      assert.ok(fail, "a fail event");
      assert.equal(fail.cause, "0xC000007B");
      assert.match(String(fail.message), m.expect);
      assert.ok(!sim.events.some((e) => e.event === "call" || e.event === "load"), "nothing mapped or called");
      // call: refused with a one-line input error.
      const call = await runCli(["call", file, "DllInitialize"]);
      assert.equal(call.code, 2);
      assert.match(call.stderr, /malformed image/);
      assert.doesNotMatch(call.stdout, /DllInitialize returned/);
    } finally {
      t.cleanup();
    }
  });
}

test("no false alarm: every fixture and every x64 PE image Wine ships (built by mingw-w64, not by us) passes the validator", () => {
  const dirs = [fixture("x64", ""), fixture("x86", ""), "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows"];
  let n = 0;
  for (const d of dirs) {
    assert.ok(existsSync(d), `${d} exists (scripts/setup.sh installs wine64)`);
    for (const f of readdirSync(d)) {
      if (!/\.(sys|dll|exe|drv)$/i.test(f)) continue;
      const bytes = new Uint8Array(readFileSync(join(d, f)));
      let image;
      try {
        image = parsePe(bytes);
      } catch {
        continue;
      }
      n++;
      assert.deepEqual(imageSectionProblems(image, bytes.length).map((p) => p.message), [], `${d}/${f}`);
    }
  }
  assert.ok(n > 100, `${n} images checked`);
});

test("relocations stripped and no relocation directory: STATUS_CONFLICTING_ADDRESSES (0xC0000018), nothing runs", async () => {
  const t = tmp();
  try {
    const file = join(t.dir, "fixed.sys");
    writeFileSync(
      file,
      mutate(L.bytes, (_b, dv) => {
        dv.setUint16(L.coff + 18, dv.getUint16(L.coff + 18, true) | 0x0001, true);
        dv.setUint32(L.dirField(5), 0, true);
        dv.setUint32(L.dirField(5) + 4, 0, true);
      }),
    );
    const sim = await simJson([file], ["start:fixed"]);
    assert.equal(sim.code, 1);
    const fail = sim.events.find((e) => e.event === "fail");
    assert.equal(fail?.cause, "0xC0000018");
    assert.match(String(fail?.message), /relocations are stripped and its preferred base 0x140000000 is not available/);
    assert.ok(!sim.events.some((e) => e.event === "call"));
  } finally {
    t.cleanup();
  }
});

test("scan: malformed images and non-PE .sys files are listed under errors with the reason", async () => {
  const t = tmp();
  try {
    writeFileSync(join(t.dir, "good.sys"), L.bytes);
    writeFileSync(join(t.dir, "trunc.sys"), MUTATIONS[0]!.make());
    writeFileSync(join(t.dir, "notes.sys"), "this is not a driver\n");
    writeFileSync(join(t.dir, "readme.txt"), "a text file is simply not a PE image\n");
    const r = await runCli(["scan", "--json", t.dir]);
    const out = JSON.parse(r.stdout) as { errors: { path: string; error: string }[] };
    const byPath = new Map(out.errors.map((e) => [e.path, e.error]));
    assert.match(byPath.get("trunc.sys") ?? "", /malformed image: .*runs past the end of the file.*0xC000007B/);
    assert.match(byPath.get("notes.sys") ?? "", /not a PE image/);
    assert.ok(!byPath.has("good.sys") && !byPath.has("readme.txt"), JSON.stringify(out.errors));
  } finally {
    t.cleanup();
  }
});

// ------------------------------------------------------------------ /GS cookie (wdk-gs example)

/** wdkgs.c's WdkGsChecksum, recomputed here. */
function checksum(seed: number, rounds: number): number {
  const buf = new Uint8Array(12 * 1024);
  for (let i = 0; i < buf.length; i++) buf[i] = (seed + i * 7) & 0xff;
  let sum = seed >>> 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < buf.length; i += 64) sum = (Math.imul(sum, 31) + buf[i]!) >>> 0;
  return sum;
}


/** The wdk-gs example per arch: its fixture, the compiler's default cookie, the cookie's bits, the stack probe it imports. */
const GS_ARCHES = [
  { arch: "x64", file: WDKGS, def: DEFAULT_SECURITY_COOKIE_64, bits: 48n, width: 8, probe: "__chkstk" },
  // x86: IMAGE_LOAD_CONFIG_DIRECTORY32 (cookie at 0x3C), the fastcall @__security_check_cookie@4,
  // and ntoskrnl's _alloca_probe (the probe that also lowers ESP).
  { arch: "x86", file: fixture("x86", "wdkgs.sys"), def: 0xbb40e64en, bits: 32n, width: 4, probe: "_alloca_probe" },
] as const;

test("wdk-gs: the image is what a WDK build makes (GsDriverEntry entry, load config with the default cookie, stack-probe import) — per llvm-readobj, x64 and x86", () => {
  for (const g of GS_ARCHES) {
    const out = tool("llvm-readobj", ["--coff-load-config", "--coff-imports", "--file-headers", g.file]).stdout;
    const cookieVa = BigInt(/SecurityCookie: (0x[0-9A-F]+)/i.exec(out)![1]!);
    const image = parsePe(new Uint8Array(readFileSync(g.file)));
    assert.equal(image.loadConfig?.securityCookie, cookieVa, g.arch);
    assert.match(out, new RegExp(`Symbol: ${g.probe} `), g.arch);
    const rva = Number(cookieVa - image.optional.imageBase);
    const sec = image.sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + s.virtualSize)!;
    const bytes = readFileSync(g.file);
    const at = sec.pointerToRawData + rva - sec.virtualAddress;
    assert.equal(g.width === 8 ? bytes.readBigUInt64LE(at) : BigInt(bytes.readUInt32LE(at)), g.def, `${g.arch}: the file holds the compiler's default cookie`);
  }
});

test("wdk-gs: the loader initialises the /GS cookie (fresh per load, 48 bits on x64 / 32 on x86, never 0 or the default); GsDriverEntry, /GS frames and the stack probe run clean", async () => {
  for (const g of GS_ARCHES) {
    const steps = ["start:wdkgs", "call:wdkgs.sys!WdkGsCookie", "call:wdkgs.sys!WdkGsComplement", "call:wdkgs.sys!WdkGsSum:7,3", "stop:wdkgs", "start:wdkgs", "call:wdkgs.sys!WdkGsCookie", "stop:wdkgs"];
    const sim = await simJson([g.file], steps);
    assert.equal(sim.code, 0, JSON.stringify(sim.events.filter((e) => e.event === "fault" || e.event === "fail")));
    const ends = sim.events.filter((e) => e.event === "return" && e.routine && String(e.routine).startsWith("WdkGs"));
    const val = (i: number) => BigInt(String(ends[i]!.value ?? ends[i]!.status));
    const [c1, comp, sum, c2] = [val(0), val(1), val(2), val(3)];
    for (const c of [c1, c2]) {
      assert.notEqual(c, 0n, g.arch);
      assert.notEqual(c, g.def, g.arch);
      assert.equal(c >> g.bits, 0n, `${g.arch}: an x64 cookie keeps its top 16 bits clear; an x86 one is 32 bits`);
    }
    assert.notEqual(c1, c2, "each load gets a fresh cookie");
    assert.equal(comp, BigInt.asUintN(g.width * 8, ~c1), `${g.arch}: GsDriverEntry ran and derived the complement`);
    assert.equal(Number(sum & 0xffffffffn), checksum(7, 3), `${g.arch}: the 12 KiB /GS frame computed the right value`);
    assert.ok(sim.events.some((e) => e.event === "dbgprint" && /DriverEntry, checksum/.test(String(e.text))));
  }
});

test("wdk-gs: a stack buffer overrun fails fast in __security_check_cookie, reported as FAST_FAIL_STACK_COOKIE_CHECK_FAILURE (x64 and x86)", async () => {
  for (const g of GS_ARCHES) {
    const sim = await simJson([g.file], ["start:wdkgs", "call:wdkgs.sys!WdkGsSmash:40"]);
    assert.equal(sim.code, 1, g.arch);
    const fault = sim.events.find((e) => e.event === "fault")!;
    assert.equal(fault.kind, "cpu-exception", g.arch);
    assert.match(String(fault.message), /__fastfail \(int 0x29\) code 2 \(FAST_FAIL_STACK_COOKIE_CHECK_FAILURE\), KERNEL_SECURITY_CHECK_FAILURE \(0x139\)/);
    // Within bounds the same routine returns normally.
    const ok = await simJson([g.file], ["start:wdkgs", "call:wdkgs.sys!WdkGsSmash:0", "stop:wdkgs"]);
    assert.equal(ok.code, 0, g.arch);
  }
});

test("wdk-gs: without a load-config directory the cookie stays at its default and GsDriverEntry fails fast (FAST_FAIL_GS_COOKIE_INIT), as on Windows (x64 and x86)", async () => {
  for (const g of GS_ARCHES) {
    const t = tmp();
    try {
      const W = layout(g.file);
      const file = join(t.dir, "wdkgs.sys");
      writeFileSync(
        file,
        mutate(W.bytes, (_b, dv) => {
          dv.setUint32(W.dirField(10), 0, true);
          dv.setUint32(W.dirField(10) + 4, 0, true);
        }),
      );
      const sim = await simJson([file], ["start:wdkgs"]);
      assert.equal(sim.code, 1, g.arch);
      const fault = sim.events.find((e) => e.event === "fault")!;
      assert.match(String(fault.message), /code 6 \(FAST_FAIL_GS_COOKIE_INIT\)/);
    } finally {
      t.cleanup();
    }
  }
});

test("wdk-gs: a cookie the image set itself (not the default) is left alone (x64 and x86)", async () => {
  for (const g of GS_ARCHES) {
    const t = tmp();
    try {
      const W = layout(g.file);
      const custom = g.width === 8 ? 0x123456789abcn : 0x12345678n;
      const rva = Number(W.image.loadConfig!.securityCookie! - W.image.optional.imageBase);
      const file = join(t.dir, "wdkgs.sys");
      writeFileSync(file, mutate(W.bytes, (_b, dv) => (g.width === 8 ? dv.setBigUint64(W.off(rva), custom, true) : dv.setUint32(W.off(rva), Number(custom), true))));
      const sim = await simJson([file], ["start:wdkgs", "call:wdkgs.sys!WdkGsCookie", "stop:wdkgs"]);
      assert.equal(sim.code, 0, g.arch);
      const ret = sim.events.find((e) => e.event === "return" && e.routine === "WdkGsCookie")!;
      assert.equal(BigInt(String(ret.value ?? ret.status)), custom, g.arch);
    } finally {
      t.cleanup();
    }
  }
});

test("cookie values: never 0 or a default, 48 bits, spread over seeds", () => {
  const seen = new Set<bigint>();
  for (let i = 0n; i < 2000n; i++) {
    const v = cookieValue(i, 8);
    assert.ok(v !== 0n && v !== DEFAULT_SECURITY_COOKIE_64 && v >> 48n === 0n);
    seen.add(v);
    const w = cookieValue(i, 4);
    assert.ok(w !== 0n && w !== 0xbb40e64en && w >> 32n === 0n);
    const h = cookieValue(i, 4, true);
    assert.ok(h !== 0n && h !== 0xbb40n && h >> 16n === 0n, `16-bit cookie ${h}`);
  }
  assert.equal(seen.size, 2000);
});

test("wdk-gs: an x86 image whose cookie is the 16-bit default 0xBB40 (older WDKs; their check fails when the top 16 bits are set) gets a fresh 16-bit cookie", async () => {
  const g = GS_ARCHES.find((a) => a.width === 4)!;
  const t = tmp();
  try {
    const W = layout(g.file);
    const rva = Number(W.image.loadConfig!.securityCookie! - W.image.optional.imageBase);
    const file = join(t.dir, "wdkgs.sys");
    writeFileSync(file, mutate(W.bytes, (_b, dv) => dv.setUint32(W.off(rva), 0xbb40, true)));
    const sim = await simJson([file], ["start:wdkgs", "call:wdkgs.sys!WdkGsCookie", "stop:wdkgs"]);
    assert.equal(sim.code, 0);
    const ret = sim.events.find((e) => e.event === "return" && e.routine === "WdkGsCookie")!;
    const v = BigInt(String(ret.value ?? ret.status));
    assert.ok(v !== 0n && v !== 0xbb40n && v >> 16n === 0n, `cookie ${v.toString(16)}`);
  } finally {
    t.cleanup();
  }
});


test("a large image (a last section of 120 MiB, most of it zero-initialised, as Intel's iaVROC.sys has 104 MiB of .data) maps and runs; past kmdll's 256 MiB cap the load fails as an emulator limit (STATUS_INSUFFICIENT_RESOURCES), not as a bad image", async () => {
  const big = (vsize: number) =>
    mutate(L.bytes, (_b, dv) => {
      const n = L.image.sections.length - 1;
      const va = dv.getUint32(secField(n, 12), true);
      dv.setUint32(secField(n, 8), vsize, true);
      dv.setUint32(L.opt + 56, Math.ceil((va + vsize) / 0x1000) * 0x1000, true);
    });
  assert.deepEqual(imageSectionProblems(parsePe(big(120 << 20)), L.bytes.length), []);
  const t = tmp();
  try {
    const ok = join(t.dir, "mydriver.sys");
    writeFileSync(ok, big(120 << 20));
    const r = await simJson([ok], ["start:mydriver"]);
    assert.equal(r.code, 0, JSON.stringify(r.events.filter((e) => e.event === "fail")));
    const load = r.events.find((e) => e.event === "load" && e.module === "mydriver.sys");
    assert.ok(load, "loaded");
    writeFileSync(ok, big(300 << 20));
    const r2 = await simJson([ok], ["start:mydriver"]);
    assert.equal(r2.code, 1);
    const fail = r2.events.find((e) => e.event === "fail") as Ev | undefined;
    assert.match(String(fail?.message), /larger than the 256 MiB kmdll maps per image/);
    assert.match(JSON.stringify(r2.events), /0xC000009A/);
  } finally {
    t.cleanup();
  }
});
