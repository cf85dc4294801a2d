/**
 * Faults, budgets and detection on a real driver (examples/emu-faults): every fault kind ends in
 * a report (kind, RIP as module+0xRVA with the nearest export, registers, backtrace) and the
 * process keeps running; pool leaks, double/foreign frees and the DllInitialize RegistryPath
 * use-after-free are detected.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadFixture, type Loaded } from "./emu-harness.js";
import { tool, fixture } from "./helpers.js";

const REG = "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\emufault";

/** RVA of a symbol as llvm-objdump disassembles it (an independent view of where code lives). */
function exportRange(name: string): { start: number; end: number } {
  const dis = tool("llvm-objdump", ["-d", fixture("x64", "emufault.sys")]).stdout;
  const lines = dis.split("\n");
  const i = lines.findIndex((l) => l.endsWith(`<${name}>:`));
  assert.ok(i >= 0, `llvm-objdump shows ${name}`);
  const start = parseInt(lines[i]!.split(" ")[0]!, 16) - 0x140000000;
  let j = i + 1;
  while (j < lines.length && lines[j]!.trim() !== "" && !/^[0-9a-f]+ </.test(lines[j]!)) j++;
  const last = lines[j - 1]!.trim().split(":")[0]!;
  return { start, end: parseInt(last, 16) - 0x140000000 + 16 };
}

function withDriver(fn: (d: Loaded) => void, timeoutMs = 10_000): void {
  const d = loadFixture("emufault.sys", { timeoutMs });
  try {
    const init = d.ex.callDllInitialize("emufault.sys", d.rva("DllInitialize"), REG);
    assert.deepEqual(init, { ok: true, value: 0n });
    fn(d);
  } finally {
    d.ex.close();
  }
}

function expectFault(d: Loaded, exp: string, args: (bigint | number)[], kind: string, message: RegExp): NonNullable<Loaded["ex"]["lastFault"]> {
  const r = d.call(exp, ...args);
  assert.equal(r.ok, false, `${exp} should fault`);
  const f = d.ex.lastFault!;
  assert.equal(f.kind, kind, `${exp}: ${f.message}`);
  assert.match(f.message, message);
  assert.equal(Object.keys(f.registers).length, 18);
  const ev = d.events.filter((e) => e.event === "fault").at(-1) as Record<string, unknown>;
  assert.equal(ev.kind, kind);
  assert.equal(ev.message, f.message);
  return f;
}

function ripIn(f: { rip: string }, name: string): void {
  const m = /^emufault\.sys\+0x([0-9a-f]+)$/.exec(f.rip);
  assert.ok(m, `RIP ${f.rip} is module+0xRVA`);
  const rva = parseInt(m[1]!, 16);
  const r = exportRange(name);
  assert.ok(rva >= r.start && rva < r.end, `RIP ${f.rip} lies in ${name} [0x${r.start.toString(16)}, 0x${r.end.toString(16)})`);
}

test("wild read, write and jump are invalid-read/write/fetch reports with RIP and backtrace", () => {
  withDriver((d) => {
    let f = expectFault(d, "WildRead", [0x1234], "invalid-read", /invalid read of 8 byte\(s\) at 0x0000000000001234 at emufault\.sys\+0x/);
    ripIn(f, "WildRead");
    assert.equal(f.symbol?.startsWith("WildRead"), true);
    assert.equal(f.address, 0x1234n);
    assert.match(f.backtrace[0]!, /^emufault\.sys\+0x[0-9a-f]+ \(WildRead/);
    f = expectFault(d, "WildWrite", [0], "invalid-write", /invalid write of 8 byte\(s\) at 0x0000000000000000/);
    ripIn(f, "WildWrite");
    f = expectFault(d, "WildJump", [0x4141414141], "invalid-fetch", /jump to 0x0000004141414141/);
    // The backtrace unwinds from the wild address to the caller inside WildJump.
    assert.equal(f.backtrace[0], "0x0000004141414141");
    assert.match(f.backtrace[1]!, /^emufault\.sys\+0x[0-9a-f]+ \(WildJump\+0x[0-9a-f]+\)$/);
    // The emulator is still usable after faults.
    const ok = d.call("StackOverflow", 3);
    // recurse(3): frames hold 1, 2, 3, 4; the innermost returns 4, each level adds its own value.
    assert.deepEqual(ok, { ok: true, value: 4n + 3n + 2n + 1n });
  });
});

test("unimplemented API, KeBugCheckEx, divide error", () => {
  withDriver((d) => {
    let f = expectFault(d, "CallUnimplemented", [], "unimplemented-api", /^unimplemented ntoskrnl!ZwSetEaFile called from emufault\.sys\+0x[0-9a-f]+$/);
    ripIn(f, "CallUnimplemented");
    f = expectFault(d, "BugCheck", [], "bugcheck", /KeBugCheckEx\(0xe2, 0x1, 0x2, 0x3, 0x4\)/);
    ripIn(f, "BugCheck");
    f = expectFault(d, "Divide", [5, 0], "cpu-exception", /divide error/);
    ripIn(f, "Divide");
    assert.deepEqual(d.call("Divide", -100, 7), { ok: true, value: BigInt.asUintN(64, -14n) });
  });
});

test("unimplemented API with --unimplemented=stub returns STATUS_NOT_IMPLEMENTED and records it", () => {
  const d = loadFixture("emufault.sys", { unimplemented: "stub" });
  try {
    // ZwSetEaFile returns the NTSTATUS 0xC0000002, sign-extended to 64 bits; the export adds 1.
    const r = d.call("CallUnimplemented");
    assert.deepEqual(r, { ok: true, value: BigInt.asUintN(64, -0x3ffffffdn) });
    const w = d.events.find((e) => e.event === "warning");
    assert.match(String(w?.message), /unimplemented ntoskrnl!ZwSetEaFile called from emufault\.sys\+0x[0-9a-f]+: returned STATUS_NOT_IMPLEMENTED/);
    assert.equal(d.ex.emu.unimplementedCalls.length, 1);
  } finally {
    d.ex.close();
  }
});

test("an endless loop ends with a timeout report", () => {
  withDriver((d) => {
    const f = expectFault(d, "Spin", [], "timeout", /time budget of 0\.3 s exceeded in emufault\.sys!Spin; the driver was running at emufault\.sys\+0x[0-9a-f]+/);
    ripIn(f, "Spin");
    // A loop that calls the kernel: the report names the driver's code, or the routine and the driver's call site.
    expectFault(d, "SpinCalling", [], "timeout", /exceeded in emufault\.sys!SpinCalling; the driver was (running at emufault\.sys\+0x[0-9a-f]+ \(SpinCalling|in ntoskrnl\.exe\+0x[0-9a-f]+ \(Ex(Allocate|Free)PoolWithTag\), called from emufault\.sys\+0x[0-9a-f]+ \(SpinCalling)/);
    const r = d.call("Divide", 9, 3);
    assert.deepEqual(r, { ok: true, value: 3n });
  }, 300);
});

test("deep recursion hits the stack guard: stack-overflow", () => {
  withDriver((d) => {
    const f = expectFault(d, "StackOverflow", [1000], "stack-overflow", /stack overflow: write at 0x[0-9a-f]+ in the guard below the 64 KiB kernel stack/);
    assert.match(f.rip, /^emufault\.sys\+0x/);
    // The backtrace unwinds out of the guard into the recursion (same return address each level).
    assert.ok(f.backtrace.length > 10, f.backtrace.join("\n"));
    assert.equal(f.backtrace[2], f.backtrace[1]);
    assert.match(f.backtrace[1]!, /^emufault\.sys\+0x[0-9a-f]+ /);
  });
});

test("double free and foreign free are faults", () => {
  withDriver((d) => {
    let f = expectFault(d, "DoubleFree", [], "double-free", /double free of pool block 0x[0-9a-f]+ \(tag 'Dubl', 32 bytes, allocated at emufault\.sys\+0x[0-9a-f]+\) from emufault\.sys\+0x/);
    ripIn(f, "DoubleFree");
    f = expectFault(d, "ForeignFree", [], "foreign-free", /free of a pointer that is not a pool allocation: 0x[0-9a-f]+ \(not a pool address\) from emufault\.sys\+0x/);
    ripIn(f, "ForeignFree");
  });
});

test("pool leaks are reported when the module unloads (tag, size, allocation site)", () => {
  withDriver((d) => {
    assert.deepEqual(d.call("LeakPool", 100), { ok: true, value: 1n });
    assert.deepEqual(d.call("LeakPool", 7), { ok: true, value: 1n });
    d.ex.unmapImage("emufault.sys");
    const leaks = d.events.filter((e) => e.event === "leak") as Record<string, unknown>[];
    assert.equal(leaks.length, 2);
    assert.deepEqual(leaks.map((l) => [l.module, l.kind, l.tag, l.size]), [
      ["emufault.sys", "pool", "Leak", 100],
      ["emufault.sys", "pool", "Leak", 7],
    ]);
    const r = exportRange("LeakPool");
    for (const l of leaks) {
      const rva = parseInt(/\+0x([0-9a-f]+)$/.exec(String(l.site))![1]!, 16);
      assert.ok(rva >= r.start && rva < r.end, `allocation site ${String(l.site)} lies in LeakPool`);
    }
  });
});

test("the DllInitialize RegistryPath is freed when it returns: later access is use-after-free", () => {
  withDriver((d) => {
    const f = expectFault(d, "ReadSavedRegistryPath", [], "use-after-free", /use after free: read of 8 byte\(s\) at 0x[0-9a-f]+ \(the RegistryPath passed to emufault\.sys!DllInitialize, freed when it returned\)/);
    ripIn(f, "ReadSavedRegistryPath");
  });
});

test("backtraces unwind every frame with the image's .pdata", () => {
  withDriver((d) => {
    const n = 5;
    const f = expectFault(d, "DeepFault", [n], "invalid-read", /invalid read of 8 byte\(s\) at 0x0000000000000010/);
    // deep() × (n + 1), then DeepFault.
    assert.equal(f.backtrace.length, n + 2, f.backtrace.join("\n"));
    const rvas = f.backtrace.map((b) => parseInt(/^emufault\.sys\+0x([0-9a-f]+)/.exec(b)![1]!, 16));
    // llvm-objdump shows the static deep() inside DeepFault's range: its first `call` is DeepFault
    // calling deep(), the second deep() calling itself. Return addresses follow each call.
    const dis = tool("llvm-objdump", ["-d", fixture("x64", "emufault.sys")]).stdout.split("\n");
    const r = exportRange("DeepFault");
    const insns = dis
      .map((l) => /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(\S+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ rva: parseInt(m[1]!, 16) - 0x140000000, len: m[2]!.trim().split(" ").length, op: m[3]! }))
      .filter((x) => x.rva >= r.start && x.rva < r.end);
    const rets = insns.filter((x) => x.op.startsWith("call")).map((x) => x.rva + x.len);
    assert.equal(rets.length, 2);
    for (let i = 1; i <= n; i++) assert.equal(rvas[i], rets[1], `frame ${i}`);
    assert.equal(rvas[n + 1], rets[0], "outermost frame returns into DeepFault");
  });
});

test("hlt, int3 and __fastfail are cpu-exception reports at the instruction", () => {
  withDriver((d) => {
    for (const [exp, msg] of [
      ["Halt", /^hlt instruction at emufault\.sys\+0x[0-9a-f]+$/],
      ["Breakpoint", /^breakpoint \(int3\) at emufault\.sys\+0x[0-9a-f]+$/],
      ["FastFail", /^__fastfail \(int 0x29\) code 7 \(FAST_FAIL_FATAL_APP_EXIT\), KERNEL_SECURITY_CHECK_FAILURE \(0x139\) at emufault\.sys\+0x[0-9a-f]+$/],
    ] as const) {
      const f = expectFault(d, exp, [], "cpu-exception", msg);
      ripIn(f, exp);
      // The reported address is the instruction itself (hlt f4, int3 cc, int 0x29 cd 29).
      const rva = parseInt(/\+0x([0-9a-f]+)$/.exec(f.rip)![1]!, 16);
      const dis = tool("llvm-objdump", ["-d", fixture("x64", "emufault.sys")]).stdout;
      const line = dis.split("\n").find((l) => l.trim().startsWith((0x140000000 + rva).toString(16) + ":"))!;
      assert.match(line, exp === "Halt" ? /\bhlt\b/ : exp === "Breakpoint" ? /\bint3\b/ : /\bint\s+\$41\b/);
    }
  });
});

test("freeing with a different tag is a warning naming both tags", () => {
  withDriver((d) => {
    assert.deepEqual(d.call("TagMismatch"), { ok: true, value: 0n });
    const w = d.events.filter((e) => e.event === "warning").map((e) => String(e.message));
    assert.equal(w.length, 1);
    assert.match(w[0]!, /^ExFreePoolWithTag: tag 'TagB' does not match the allocation's tag 'TagA' at 0x[0-9a-f]+ \(freed from emufault\.sys\+0x[0-9a-f]+\)$/);
    // The block was freed all the same: nothing leaks.
    d.ex.unmapImage("emufault.sys");
    assert.equal(d.events.filter((e) => e.event === "leak").length, 0);
  });
});
