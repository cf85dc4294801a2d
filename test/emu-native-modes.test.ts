// The Unicorn addon's x86 (32-bit) and ARM64 engines: the code hook passes each arch's argument
// registers, stack pointer and return address and writes its return register; on x86 a segment
// loaded from a descriptor table reaches the KPCR-style block through fs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadAddon } from "../src/emu/native.js";

/** An x86 segment descriptor (Intel SDM vol. 3, 3.4.5). */
function descriptor(base: number, limit: number, access: number, flags: number): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = limit & 0xff;
  b[1] = (limit >> 8) & 0xff;
  b[2] = base & 0xff;
  b[3] = (base >> 8) & 0xff;
  b[4] = (base >> 16) & 0xff;
  b[5] = access;
  b[6] = ((limit >> 16) & 0xf) | (flags << 4);
  b[7] = (base >>> 24) & 0xff;
  return b;
}
const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);

test("x86 engine: fs from a GDT descriptor, stdcall call into a hooked stub, EDX:EAX return", () => {
  const a = loadAddon();
  const e = new a.Engine("x86");
  const R = a.constants.regsX86;
  const base = 0x80000000n;
  e.mapMemory(base, 0x10000, a.constants.prot.ALL);
  // mov eax, fs:[0x1c]; push 7; push 5; call [base+0x800]; nop
  e.write(base, Uint8Array.from([0x64, 0xa1, 0x1c, 0, 0, 0, 0x6a, 7, 0x6a, 5, 0xff, 0x15, 0x00, 0x08, 0x00, 0x80, 0x90]));
  e.write(base + 0x800n, u32(0x80000f00));
  e.write(base + 0xf00n, Uint8Array.from([0xc2, 8, 0])); // ret 8 (stdcall: the callee pops)
  e.write(base + 0x201cn, u32(0x80002000)); // "KPCR->SelfPcr" at fs:[0x1c]
  e.write(base + 0x3008n, descriptor(0, 0xfffff, 0x9b, 0xc));
  e.write(base + 0x3010n, descriptor(0, 0xfffff, 0x93, 0xc));
  e.write(base + 0x3030n, descriptor(0x80002000, 0xfff, 0x93, 0x4));
  e.setGdtr(base + 0x3000n, 0x7fn);
  for (const [r, v] of [[R.SS, 0x10n], [R.DS, 0x10n], [R.ES, 0x10n], [R.CS, 0x08n], [R.FS, 0x30n]] as const) e.regWrite(r, v);
  e.regWrite(R.ESP, base + 0xf000n);
  const seen: bigint[][] = [];
  let fsValue = 0n;
  e.setApiHook(base + 0xf00n, base + 0xf01n, (_addr, ecx, edx, r8, r9, sp, ret) => {
    fsValue = e.regRead(R.EAX);
    const args = new DataView(e.read(sp + 4n, 8).buffer);
    seen.push([ecx & 0n, r8, r9, sp, ret, BigInt(args.getUint32(0, true)), BigInt(args.getUint32(4, true))]);
    void edx;
    return 0x1234567800000042n;
  });
  const rc = e.start(base, base + 0x10n, 1_000_000, 0);
  assert.equal(rc, 0, JSON.stringify(e.lastFault(), (_k, v) => (typeof v === "bigint" ? v.toString(16) : v)));
  assert.equal(fsValue, 0x80002000n, "fs:[0x1c] read through the descriptor's base");
  assert.deepEqual(seen, [[0n, 0n, 0n, base + 0xf000n - 12n, base + 0x10n, 5n, 7n]]);
  assert.equal(e.regRead(R.EAX), 0x42n);
  assert.equal(e.regRead(R.EDX), 0x12345678n);
  assert.equal(e.regRead(R.ESP), base + 0xf000n, "ret 8 popped both arguments");
  e.close();
});

test("arm64 engine: the hook sees X0-X3, SP and LR, and its value lands in X0", () => {
  const a = loadAddon();
  const e = new a.Engine("arm64");
  const R = a.constants.regsArm64;
  const base = 0xfffff80000000000n;
  e.mapMemory(base, 0x10000, a.constants.prot.ALL);
  const ins = (...w: number[]) => new Uint8Array(new Uint32Array(w).buffer);
  // movz x0,#5; movz x1,#7; movz x2,#9; movz x3,#11; bl +0x100 (stub); add x0,x0,#1; (end)
  e.write(base, ins(0xd28000a0, 0xd28000e1, 0xd2800122, 0xd2800163, 0x94000040 - 4, 0x91000400));
  e.write(base + 0x100n, ins(0xd65f03c0)); // ret
  e.regWrite(R.SP!, base + 0xf000n);
  const seen: bigint[][] = [];
  e.setApiHook(base + 0x100n, base + 0x104n, (_addr, x0, x1, x2, x3, sp, lr) => {
    seen.push([x0, x1, x2, x3, sp, lr]);
    return 41n;
  });
  const rc = e.start(base, base + 0x18n, 1_000_000, 0);
  assert.equal(rc, 0, JSON.stringify(e.lastFault(), (_k, v) => (typeof v === "bigint" ? v.toString(16) : v)));
  assert.deepEqual(seen, [[5n, 7n, 9n, 11n, base + 0xf000n, base + 0x14n]]);
  assert.equal(e.regRead(R.X0!), 42n);
  e.close();
});

test("an unknown engine mode is refused", () => {
  const a = loadAddon();
  assert.throws(() => new a.Engine("mips" as never), /mode must be "x64", "x86" or "arm64"/);
});
