// Requests from user mode reach a real driver's devices with the caller's buffers at user
// addresses (src/emu/user): every transfer method of examples/io-devices, a METHOD_NEITHER driver
// that probes in __try (STATUS_ACCESS_VIOLATION comes back) and one that does not
// (examples/io-unsafe: writing past the caller's output buffer is a clean fault report).
// Expected bytes are computed here from examples/include/kmdllio.h's description.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture } from "./helpers.js";
import { cliBothArches } from "./arch-compare.js";
import { UserSpace, USER_BUFFERS_BASE } from "../src/emu/user/space.js";

const KIO = fixture("x64", "kmdllio.sys");
const UNSAFE = fixture("x64", "kmdllio_unsafe.sys");
/** CTL_CODE(DeviceType, Function, Method, Access), as winioctl.h defines it. */
const ctl = (fn: number, method: number, access: number) => ((0x8a00 << 16) | (access << 14) | (fn << 2) | method) >>> 0;
const hex = (b: number[]) => b.map((x) => (x & 0xff).toString(16).padStart(2, "0")).join("");
const code = (n: number) => "0x" + n.toString(16);

/** Run the steps on the x64 drivers and on their x86 builds: the events must agree (arch-compare.ts); the x64 run is returned. */
async function scenario(steps: unknown[]): Promise<{ code: number; events: Record<string, unknown>[]; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-userio-"));
  try {
    const r = await cliBothArches((arch) => {
      const file = join(dir, `s-${arch}.json`);
      writeFileSync(file, JSON.stringify({ install: arch === "x64" ? [KIO, UNSAFE] : [fixture(arch, "kmdllio.sys"), fixture(arch, "kmdllio_unsafe.sys")], steps }));
      return ["sim", "--json", file];
    });
    return { ...r, events: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("user buffers: page-heap placement (16-byte aligned end at a page end, a guard page after), unmapped when freed", () => {
  const mapped = new Map<bigint, number>();
  const space = new UserSpace({ mapMemory: (a, n) => void mapped.set(a, n), unmapMemory: (a) => void mapped.delete(a) });
  const a = space.allocate(13);
  assert.equal(a.address % 16n, 0n);
  assert.equal(a.address + 16n, a.base + BigInt(a.bytes));
  assert.ok(a.address >= USER_BUFFERS_BASE && a.address < 0x7fffffff0000n);
  const b = space.allocate(0x1000);
  assert.equal(b.address, b.base);
  assert.ok(b.base >= a.base + BigInt(a.bytes) + 0x1000n, "an unmapped page between buffers");
  assert.equal(space.allocate(0).address, 0n);
  space.free(a);
  space.free(b);
  assert.equal(mapped.size, 0);
  assert.throws(() => space.allocate(64 << 20), RangeError);
});

test("every transfer method of a real device, through \\\\.\\, \\??\\, \\GLOBAL??\\ and \\DosDevices\\Global\\ names", async () => {
  const input = [1, 2, 3, 4, 5, 0x5a, 0xff];
  const reversed = [...input].reverse().map((x) => x ^ 0x5a);
  const seed = 0x10;
  const fill = Array.from({ length: 20 }, (_, i) => seed + 7 * i);
  const r = await scenario([
    { start: "kmdllio" },
    { ioctl: "\\\\.\\KmdllIoBuf", code: code(ctl(0x800, 0, 0)), input: hex(input), outputLength: 16, expect: hex(reversed) },
    { ioctl: "\\??\\KmdllIoDirect", code: code(ctl(0x802, 2, 2)), input: hex([seed]), outputLength: 20, expect: hex(fill) },
    { ioctl: "\\GLOBAL??\\KmdllIoNeither", code: code(ctl(0x803, 3, 0)), input: hex(input), outputLength: 8, expect: hex(input.map((x) => x + 1)) },
    { ioctl: "\\DosDevices\\Global\\KmdllIoNeither", code: code(ctl(0x805, 0, 0)), outputLength: 16 },
    // STATUS_BUFFER_OVERFLOW is a warning: the partial output still reaches the caller.
    { ioctl: "\\Device\\KmdllIoBuf", code: code(ctl(0x804, 0, 0)), outputLength: 3, expectStatus: "STATUS_BUFFER_OVERFLOW" },
    { stop: "kmdllio" },
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ends = r.events.filter((e) => e.event === "step" && e.phase === "end" && String(e.step).startsWith("ioctl"));
  assert.equal(ends.length, 5);
  // KIO_MODE: RequestorMode, PreviousMode (UserMode = 1), no file name, FILE_GENERIC_READ | FILE_GENERIC_WRITE, opens 1... (the device's own counters).
  const mode = Buffer.from(String(ends[3]!.output), "hex");
  assert.equal(mode[0], 1, "Irp->RequestorMode is UserMode");
  assert.equal(mode[1], 1, "ExGetPreviousMode() is UserMode");
  assert.equal(mode.readUInt16LE(2), 0);
  assert.equal(mode.readUInt32LE(4), 0x0012019f);
  assert.equal(ends[4]!.output, hex([0xa0, 0xa1, 0xa2]));
});

test("METHOD_NEITHER: the probing driver's handler returns STATUS_ACCESS_VIOLATION; the unprobed copy past the output buffer is a clean fault", async () => {
  const input = Array.from({ length: 32 }, (_, i) => i);
  const r = await scenario([
    { start: "kmdllio" },
    { start: "kmdllio_unsafe" },
    { ioctl: "\\\\.\\KmdllIoNeither", code: code(ctl(0x803, 3, 0)), input: hex(input), outputLength: 16, expectStatus: "STATUS_ACCESS_VIOLATION" },
    { ioctl: "\\\\.\\KmdllIoUnsafe", code: code(ctl(0x810, 3, 0)), input: hex(input), outputLength: 16, expectFault: true },
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const fault = r.events.find((e) => e.event === "fault")!;
  assert.equal(fault.kind, "invalid-write");
  assert.equal(fault.module, "kmdllio_unsafe.sys");
  // The first byte past a 16-byte buffer that ends at a page end: the guard page.
  const at = BigInt(String(fault.address));
  assert.equal(at % 0x1000n, 0n);
  assert.ok(at > USER_BUFFERS_BASE && at < 0x7fffffff0000n);
});

test("user buffers go around pages already mapped in the user range (a driver's ZwAllocateVirtualMemory)", () => {
  const mapped = new Map<bigint, number>();
  const taken = (a: bigint, n: number) => [...mapped].some(([b, m]) => a < b + BigInt(m) && b < a + BigInt(n));
  const space = new UserSpace({
    mapMemory: (a, n) => {
      assert.ok(!taken(a, n), `mapping over ${a.toString(16)}`);
      mapped.set(a, n);
    },
    unmapMemory: (a) => void mapped.delete(a),
    isMapped: taken,
  });
  mapped.set(USER_BUFFERS_BASE + 0x1000n, 0x10000); // someone else's 64 KiB
  const b = space.allocate(0x2000);
  assert.ok(b.base >= USER_BUFFERS_BASE + 0x11000n, b.base.toString(16));
});
