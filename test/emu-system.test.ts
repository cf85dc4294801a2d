/**
 * The emulated system as a real driver sees it (examples/emu-system): GS → KPCR → KTHREAD,
 * KUSER_SHARED_DATA's deterministic clock through the DDK macros, ntoskrnl data exports through
 * the IAT, nested guest calls from a handler; and the in-guest export directories of the
 * synthetic ntoskrnl.exe/hal.dll, read back with kmdll's PE reader and llvm-readobj.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { loadFixture } from "./emu-harness.js";
import { tool, fixture } from "./helpers.js";
import { parsePe } from "../src/formats/pe/index.js";
import { loadKernelExports } from "../src/nt/kernel-exports.js";
import { Emulator } from "../src/emu/emulator.js";
import { buildSyntheticModule } from "../src/emu/kernel-image.js";

const ok = (v: bigint) => ({ ok: true, value: v });

test("GS base is the KPCR: gs:[0x188] is the current KTHREAD, which points at the system EPROCESS", () => {
  const d = loadFixture("emusys.sys");
  try {
    const emu = d.ex.emu;
    const r = d.call("CurrentThread");
    assert.deepEqual(r, ok(emu.system.thread));
    assert.deepEqual(d.call("InitialSystemProcess"), ok(emu.system.process));
    assert.equal(emu.kernel.currentThread, emu.system.thread);
    assert.equal(emu.kernel.currentProcess, emu.system.process);
    // KTHREAD.ApcState.Process (Windows 10 x64 layout) points at the EPROCESS.
    assert.equal(emu.mem.u64(emu.system.thread + 0xb8n), emu.system.process);
  } finally {
    d.ex.close();
  }
});

test("KUSER_SHARED_DATA: deterministic clock read by the DDK macros, advancing per API call", () => {
  const run = () => {
    const d = loadFixture("emusys.sys");
    try {
      const a = d.call("InterruptTime");
      const s = d.call("SystemTime");
      const t = d.call("TickCount");
      d.call("Nested", 3); // 4 API calls advance the clock
      const b = d.call("InterruptTime");
      return { a, s, t, b, clock: d.ex.emu.kernel.clock!.interruptTime() };
    } finally {
      d.ex.close();
    }
  };
  const x = run();
  const y = run();
  assert.deepEqual(x, y, "two runs read the same times");
  assert.ok(x.a.ok && x.b.ok && x.s.ok && x.t.ok);
  if (x.a.ok && x.b.ok && x.s.ok && x.t.ok) {
    assert.ok(x.b.value > x.a.value, "interrupt time advanced across API calls");
    assert.equal(x.b.value, x.clock);
    // SystemTime is a FILETIME after 2020-01-01 (132223104000000000).
    assert.ok(x.s.value > 132223104000000000n);
    // TickCount = InterruptTime / 15.625 ms.
    assert.equal(x.t.value, x.a.value / 156250n);
  }
});

test("ntoskrnl data exports are reachable through the IAT", () => {
  const d = loadFixture("emusys.sys");
  try {
    assert.deepEqual(d.call("SystemRangeStart"), ok(0xffff800000000000n));
    assert.deepEqual(d.call("NumberProcessors"), ok(1n));
  } finally {
    d.ex.close();
  }
});

test("a handler runs guest callbacks (nested emulation), several levels deep", () => {
  const d = loadFixture("emusys.sys");
  try {
    // worker(n) = n == 0 ? 1 : 2 * worker(n - 1) + n
    const model = (n: number): bigint => (n === 0 ? 1n : 2n * model(n - 1) + BigInt(n));
    for (const n of [0, 1, 5, 12]) assert.deepEqual(d.call("Nested", n), ok(model(n)));
    // Deeper than the emulator's call-depth limit: a report, not a crash.
    const r = d.call("Nested", 40);
    assert.equal(r.ok, false);
    assert.equal(d.ex.lastFault?.kind, "stack-overflow");
    assert.match(d.ex.lastFault!.message, /nested deeper than 16 levels/);
    assert.deepEqual(d.call("Nested", 2), ok(model(2)));
  } finally {
    d.ex.close();
  }
});

test("synthetic ntoskrnl.exe/hal.dll carry real export directories in guest memory", () => {
  const db = loadKernelExports().modules;
  const emu = new Emulator({ apis: [{ module: "ntoskrnl.exe", name: "KmdllOnlyHandler", handler: () => 0 }] });
  const dir = mkdtempSync(join(tmpdir(), "kmdll-syn-"));
  try {
    for (const name of ["ntoskrnl.exe", "hal.dll"]) {
      const mod = emu.module(name)!;
      const bytes = emu.mem.read(mod.base, mod.size);
      const pe = parsePe(bytes);
      const names = pe.exports!.namePointerOrder;
      const want = new Set((db[name] ?? []).map((e) => e.name));
      // A handler the export database does not list is not an export (the loader, check and scan
      // agree on one list): a driver cannot import it, MmGetSystemRoutineAddress cannot find it.
      assert.deepEqual(new Set(names), want, `${name} exports`);
      assert.equal(emu.kernelExport(name, "KmdllOnlyHandler", null), null);
      assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), "names sorted for binary search");
      for (const f of pe.exports!.functions) {
        assert.equal(emu.kernelExport(name, f.name, null), mod.base + BigInt(f.rva!));
        assert.equal(emu.kernelExport(name, null, f.ordinal), mod.base + BigInt(f.rva!));
      }
      // Data exports live in a writable data section, code exports in the executable one.
      for (const e of db[name] ?? []) {
        const rva = Number(emu.kernelExport(name, e.name, null)! - mod.base);
        const sec = pe.sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + s.virtualSize)!;
        assert.equal(sec.name, e.type === "code" ? ".text" : ".data", `${e.name} in ${sec.name}`);
      }
      // An independent reader agrees on the export table.
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const ro = tool("llvm-readobj", ["--coff-exports", file]).stdout;
      const roNames = [...ro.matchAll(/^\s*Name: (\S+)$/gm)].map((m) => m[1]);
      assert.deepEqual(roNames, names);
    }
    assert.equal(emu.kernelExport("ntoskrnl.exe", "NoSuchRoutine", null), null);
    assert.equal(emu.kernel.resolveKernelExport!("HalPerformEndOfInterrupt") !== null, (db["hal.dll"] ?? []).some((e) => e.name === "HalPerformEndOfInterrupt"));
  } finally {
    emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("buildSyntheticModule: ordinals follow sorted names", () => {
  const syn = buildSyntheticModule("x.sys", [{ name: "b", type: "code" }, { name: "a", type: "data" }, { name: "B", type: "code" }], 0x10000n);
  const pe = parsePe(syn.bytes);
  assert.deepEqual(pe.exports!.functions.map((f) => [f.ordinal, f.name]), [[1, "B"], [2, "a"], [3, "b"]]);
});

test("a JS exception in a handler stops the run with an internal fault report; the emulator stays usable", () => {
  let calls = 0;
  const d = loadFixture("emusys.sys", {
    apis: [
      {
        module: "ntoskrnl.exe",
        name: "KeIpiGenericCall",
        // The first call runs the worker (nested); the worker's own call fails inside the handler.
        handler: (c) => {
          if (calls++ === 0) return c.callGuest(c.arg(0), [c.arg(1)]);
          throw new TypeError("handler bug");
        },
      },
    ],
  });
  try {
    const r = d.call("Nested", 1);
    assert.equal(r.ok, false);
    assert.equal(d.ex.lastFault?.kind, "internal");
    assert.match(d.ex.lastFault!.message, /^ntoskrnl!KeIpiGenericCall handler failed: handler bug \(called from emusys\.sys\+0x[0-9a-f]+( \(tail call\))?\)$/);
    assert.match(d.ex.lastFault!.rip, /^emusys\.sys\+0x/);
    assert.deepEqual(d.call("NumberProcessors"), ok(1n));
  } finally {
    d.ex.close();
  }
});

test("a fault inside a nested guest call: the backtrace continues through the kernel into the caller", () => {
  let calls = 0;
  const d = loadFixture("emusys.sys", {
    apis: [
      {
        module: "ntoskrnl.exe",
        name: "KeIpiGenericCall",
        // Top level runs the worker; the worker's own call runs a wild function pointer.
        handler: (c) => c.callGuest(calls++ === 0 ? c.arg(0) : 0x10n, [c.arg(1)]),
      },
    ],
  });
  try {
    const r = d.call("Nested", 3);
    assert.equal(r.ok, false);
    const f = d.ex.lastFault!;
    assert.equal(f.kind, "invalid-fetch");
    assert.equal(f.backtrace.length, 4, f.backtrace.join("\n"));
    assert.equal(f.backtrace[0], "0x0000000000000010");
    assert.equal(f.backtrace[1], "ntoskrnl!KeIpiGenericCall (kernel, called back into the driver)");
    assert.match(f.backtrace[2]!, /^emusys\.sys\+0x[0-9a-f]+/);
    assert.equal(f.backtrace[3], "ntoskrnl!KeIpiGenericCall (kernel, called back into the driver)");
    // The emulator is consistent afterwards.
    assert.deepEqual(d.call("NumberProcessors"), ok(1n));
  } finally {
    d.ex.close();
  }
});

test("the time budget also stops code running in a nested guest call (no Unicorn timer nesting)", () => {
  let spin = 0n;
  const d = loadFixture("emusys.sys", {
    timeoutMs: 300,
    apis: [{ module: "ntoskrnl.exe", name: "KeIpiGenericCall", handler: (c) => c.callGuest(spin, []) }],
  });
  try {
    const bytes = new Uint8Array(readFileSync(fixture("x64", "emufault.sys")));
    const img = parsePe(bytes);
    d.ex.mapImage("emufault.sys", img, bytes);
    spin = d.ex.emu.module("emufault.sys")!.base + BigInt(img.exports!.functions.find((f) => f.name === "Spin")!.rva!);
    for (let i = 0; i < 2; i++) {
      const r = d.call("Nested", 1);
      assert.equal(r.ok, false);
      assert.equal(d.ex.lastFault?.kind, "timeout");
      assert.match(d.ex.lastFault!.rip, /^emufault\.sys\+0x/);
      assert.equal(d.ex.lastFault!.backtrace.at(-1), "ntoskrnl!KeIpiGenericCall (kernel, called back into the driver)");
    }
    assert.deepEqual(d.call("NumberProcessors"), ok(1n));
  } finally {
    d.ex.close();
  }
});
