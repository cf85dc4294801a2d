/**
 * Driver images live in one soft-protected Unicorn region (native/src/unicorn.cc, SoftRegion):
 * page rights are kept by the addon, not by a Unicorn region per section. These tests check that
 * the guest sees exactly what separate regions gave — write to read-only or code pages, fetch
 * from data pages, access past an image's end or to an unloaded image fault with the same kinds —
 * first on raw x86-64 code, then on a real driver (emucomp.sys) in the emulator.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadAddon } from "../src/emu/native.js";
import { EmulatorExecutor } from "../src/emu/executor.js";
import { GuestFault } from "../src/emu/memory.js";
import { parsePe } from "../src/formats/pe/index.js";
import { fixture } from "./helpers.js";

const B = 0xfffff80100000000n;

test("soft region (addon): rights per page with Unicorn's fault kinds, exact addresses, unmapped pages", () => {
  const { Engine, constants: C } = loadAddon();
  const uc = new Engine("x64");
  try {
    uc.softMap(B, 0x100000);
    uc.softProtect(B, 0x1000, C.prot.READ | C.prot.EXEC);
    uc.softProtect(B + 0x1000n, 0x1000, C.prot.READ | C.prot.WRITE);
    uc.softProtect(B + 0x2000n, 0x1000, C.prot.READ);
    uc.mapMemory(0x10000n, 0x10000, 3);
    uc.regWrite(C.regs.RSP, 0x18000n);
    // movabs rbx, target; mov rax, [rbx]; inc rax; mov [rbx], rax
    const run = (target: bigint) => {
      const code = new Uint8Array(19);
      const dv = new DataView(code.buffer);
      code.set([0x48, 0xbb]);
      dv.setBigUint64(2, target, true);
      code.set([0x48, 0x8b, 0x03, 0x48, 0xff, 0xc0, 0x48, 0x89, 0x03], 10);
      uc.write(B, code);
      const err = uc.start(B, B + 19n, 0, 0);
      return { err, f: uc.lastFault() };
    };
    uc.write(B + 0x1000n, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0));
    let r = run(B + 0x1000n);
    assert.equal(r.err, 0);
    assert.deepEqual([...uc.read(B + 0x1000n, 2)], [2, 0]);
    // A read-only page: the read works, the write faults at that address (the mov at B+0x10), nothing is stored.
    uc.write(B + 0x2000n, Uint8Array.of(7));
    r = run(B + 0x2000n);
    assert.equal(r.err, C.err.WRITE_PROT);
    assert.equal(r.f.memType, C.mem.WRITE_PROT);
    assert.equal(r.f.address, B + 0x2000n);
    assert.equal(r.f.pc, B + 0x10n);
    assert.equal(uc.read(B + 0x2000n, 1)[0], 7);
    // A page never given rights is unmapped memory (not a protection fault).
    r = run(B + 0x3000n);
    assert.equal(r.err, C.err.READ_UNMAPPED);
    assert.equal(r.f.memType, C.mem.READ_UNMAPPED);
    assert.equal(r.f.address, B + 0x3000n);
    // Data is not code.
    uc.write(B + 0x1800n, Uint8Array.of(0x90, 0x90));
    assert.equal(uc.start(B + 0x1800n, B + 0x1802n, 0, 0), C.err.FETCH_PROT);
    assert.equal(uc.lastFault().memType, C.mem.FETCH_PROT);
    // The host's reads and writes refuse unmapped pages (and write nothing when a later page is unmapped).
    assert.throws(() => uc.read(B + 0x3000n, 4), /UNMAPPED/);
    assert.throws(() => uc.write(B + 0x2ff0n, new Uint8Array(0x20).fill(9)), /UNMAPPED/);
    assert.equal(uc.read(B + 0x2ff0n, 1)[0], 0);
    assert.deepEqual([...uc.read(B + 0xffen, 4)], [...uc.read(B + 0xffen, 2), 2, 0]);
    // Code changed by the host runs changed; code of a page unmapped since does not run at all.
    uc.softProtect(B + 0x4000n, 0x1000, C.prot.ALL);
    uc.write(B + 0x4000n, Uint8Array.of(0x48, 0xc7, 0xc0, 1, 0, 0, 0)); // mov rax, 1
    uc.start(B + 0x4000n, B + 0x4007n, 0, 0);
    assert.equal(uc.regRead(C.regs.RAX), 1n);
    uc.write(B + 0x4003n, Uint8Array.of(2));
    uc.start(B + 0x4000n, B + 0x4007n, 0, 0);
    assert.equal(uc.regRead(C.regs.RAX), 2n);
    // Guest code that patches itself in a writable and executable page runs the patched code.
    const smc = Uint8Array.of(0xc6, 0x05, 0x01, 0, 0, 0, 0x02, 0xb8, 0x01, 0, 0, 0); // mov byte [rip+1], 2; mov eax, 1
    for (let k = 0; k < 2; k++) {
      uc.write(B + 0x4000n, smc);
      assert.equal(uc.start(B + 0x4000n, B + 0x400cn, 0, 0), 0);
      assert.equal(uc.regRead(C.regs.RAX), 2n);
    }
    uc.softProtect(B + 0x4000n, 0x1000, -1);
    assert.equal(uc.start(B + 0x4000n, B + 0x4007n, 0, 0), C.err.FETCH_UNMAPPED);
    assert.equal(uc.lastFault().memType, C.mem.FETCH_UNMAPPED);
    assert.throws(() => uc.softProtect(B + 0x100000n, 0x1000, 1), /softProtect/);
  } finally {
    uc.close();
  }
});

test("a driver in the image area: fetch from .rdata, access past the image, a call into an unloaded image", () => {
  const file = fixture("x64", "emucomp.sys");
  const bytes = new Uint8Array(readFileSync(file));
  const image = parsePe(bytes);
  const ex = new EmulatorExecutor({ timeoutMs: 5000 });
  try {
    const base = ex.mapImage("emucomp.sys", image, bytes);
    const mod = ex.emu.module("emucomp.sys")!;
    const data = image.sections.find((s) => (s.characteristics & 0x20000000) === 0)!;
    assert.ok(data, "a non-executable section");
    let r = ex.emu.call(base + BigInt(data.virtualAddress), [], "data");
    assert.equal(r.ok, false);
    assert.equal(r.ok ? "" : r.fault.kind, "invalid-fetch");
    assert.match(r.ok ? "" : r.fault.message, /\(protection\)/);
    // Headers are readable; the first byte past the image is not.
    assert.equal(ex.emu.mem.u16(base), 0x5a4d);
    assert.throws(() => ex.emu.mem.read(base + BigInt(mod.size), 1), GuestFault);
    assert.throws(() => ex.emu.mem.read(base + BigInt(mod.size) - 4n, 8), GuestFault);
    const burn = image.exports!.functions.find((f) => f.names.includes("Burn"))!;
    r = ex.emu.call(base + BigInt(burn.rva!), [10n, 3n], "Burn");
    assert.equal(r.ok, true);
    ex.unmapImage("emucomp.sys");
    r = ex.emu.call(base + BigInt(burn.rva!), [10n, 3n], "Burn");
    assert.equal(r.ok, false);
    assert.equal(r.ok ? "" : r.fault.kind, "invalid-fetch");
    assert.doesNotMatch(r.ok ? "" : r.fault.message, /protection/);
    assert.throws(() => ex.emu.mem.read(base, 2), GuestFault);
  } finally {
    ex.close();
  }
});
