/**
 * x64 page tables of the emulated machine (src/emu/machine/paging.ts, docs/machine.md "Page
 * tables"): examples/paging reads CR3, walks PML4 → PDPT → PD → PT through MmGetVirtualForPhysical
 * and through MmMapIoSpace, and checks each walk against MmGetPhysicalAddress in C; this test
 * checks the printed entries against the architecture's bit definitions (Intel SDM vol. 3A §4.5,
 * not values read back from kmdll), the self-map slot against the pre-1607 Windows PTE_BASE, the
 * PTE writes of a rogue-page remap as `pte` hardware events, and that x86 CR3 / ARM64 TTBR reads,
 * which kmdll does not model, are emulator gaps and never "Windows would have crashed".
 */
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import type { TraceEvent } from "../src/events.js";
import { fixture } from "./helpers.js";
import { patchArm64SysRegs } from "../src/emu/verifier/privileged-arm64.js";
import { canonical, PTE_BASE, PXE_BASE, tableOfSelfMap, selfMapAddress } from "../src/emu/machine/paging.js";
import type { PeImage } from "../src/formats/pe/types.js";
import { movStoreLength, pagingStats } from "../src/emu/paging-trap.js";
import { instructionLength, isAtomicStore, operandAddress, storeLength } from "../src/emu/store-length.js";

const run = (arch: "x64" | "x86" | "arm64", exp: string): CallImageResult => callImage(fixture(arch, "paging.sys"), exp, [], { trace: true });
const texts = (r: CallImageResult) => r.events.filter((e) => e.event === "dbgprint").map((e) => (e as { text: string }).text.trimEnd());
const hardware = (r: CallImageResult) => r.events.filter((e): e is Extract<TraceEvent, { event: "hardware" }> => e.event === "hardware");

const BIT = { P: 1n, RW: 2n, US: 4n, PS: 0x80n, XD: 1n << 63n };
const PFN = ((1n << 52n) - 1n) & ~0xfffn;

test("x64: both walks of pool, code, data and stack reach MmGetPhysicalAddress with the page's rights", () => {
  const r = run("x64", "CheckWalks");
  assert.equal(r.fault, null, r.fault?.message);
  assert.equal(r.value, 0n, texts(r).join("\n"));
  const lines = texts(r);
  // CR3 as the driver printed it is what the `mov reg, cr3` event says it read: page aligned, non-zero.
  const cr3 = BigInt("0x" + /^paging: CR3 ([0-9A-F]+)$/.exec(lines[0]!)![1]!);
  const reads = hardware(r).filter((e) => e.kind === "cr" && e.op === "read");
  assert.ok(reads.length >= 1 && reads.every((e) => e.address === "0x3" && BigInt(e.value!) === cr3 && e["via"] === "instruction"));
  assert.ok(cr3 !== 0n && (cr3 & 0xfffn) === 0n);
  const walk = (what: string) => {
    const m = new RegExp(`^paging: ${what} ([0-9A-F]+): PML4E ([0-9A-F]+) PDPTE ([0-9A-F]+) PDE ([0-9A-F]+) PTE ([0-9A-F]+) -> ([0-9A-F]+) \\(MmGetPhysicalAddress ([0-9A-F]+)\\)$`).exec(lines.find((l) => l.startsWith(`paging: ${what} `)) ?? "");
    assert.ok(m, `${what}: ${lines.join("\n")}`);
    const [va, pml4e, pdpte, pde, pte, pa, mm] = m.slice(1).map((x) => BigInt("0x" + x));
    return { va: va!, upper: [pml4e!, pdpte!, pde!], pte: pte!, pa: pa!, mm: mm! };
  };
  for (const what of ["pool", "code", "data", "stack", "mmio", "mdl"]) {
    const w = walk(what);
    assert.equal(w.pa, w.mm, what);
    // The walk's physical address is the PTE's frame plus the page offset.
    assert.equal(w.pa, (w.pte & PFN) | (w.va & 0xfffn), what);
    // Upper levels present, 4 KiB pages (no PS), kernel (no U/S); the leaf is a present supervisor page.
    for (const e of w.upper) assert.ok(e & BIT.P && !(e & BIT.PS) && !(e & BIT.US), `${what}: ${e.toString(16)}`);
    assert.ok(w.pte & BIT.P && !(w.pte & BIT.US), what);
  }
  // Code is read-only and executable; pool, data and stack are writable and no-execute.
  const code = walk("code").pte;
  assert.ok(!(code & BIT.RW) && !(code & BIT.XD));
  for (const what of ["pool", "data", "stack", "mmio", "mdl"]) assert.ok(walk(what).pte & BIT.RW && walk(what).pte & BIT.XD, what);
  // MmMapLockedPagesSpecifyCache's second mapping of an image page (WinPmem's rogue page): its own
  // VA in system space, under another PML4/PDPT entry than the image, over the image page's frame.
  const mdl = walk("mdl"), data = walk("data");
  assert.notEqual(mdl.va >> 30n, data.va >> 30n);
  assert.ok(mdl.va >= 0xffff800000000000n);
  // The MmMapIoSpace mapping of physical 0xF0010 (not page aligned) translates to exactly that address.
  assert.equal(walk("mmio").pa, 0xf0010n);
  assert.equal(walk("mmio").pte & PFN, 0xf0000n);
  // Pages in different regions hang under different PML4 entries (pool 0xFFFF9..., images 0xFFFFF801...).
  assert.notEqual(walk("pool").upper[0], walk("code").upper[0]);
  // The self-map slot: Windows before 1607 used PML4 index 0x1ED, PTE_BASE 0xFFFFF68000000000.
  assert.ok(lines.includes("paging: self-map index 1ED, PTE_BASE FFFFF68000000000"), lines.join("\n"));
  assert.match(lines.find((l) => l.startsWith("paging: guard page"))!, /not present$/);
  // KUSER_SHARED_DATA's PTE, read at PTE_BASE + ((va >> 9) & 0x7FFFFFFFF8) with no view mapped before: present, no-execute.
  const kuser = BigInt("0x" + /^paging: KUSER_SHARED_DATA PTE ([0-9A-F]+)$/.exec(lines.find((l) => l.includes("KUSER_SHARED_DATA")) ?? "")![1]!);
  assert.ok(kuser & BIT.P && kuser & BIT.XD && !(kuser & BIT.US));
  // The current process's KPROCESS.DirectoryTableBase is the CR3 the instruction read.
  assert.ok(lines.includes(`paging: DirectoryTableBase ${cr3.toString(16).toUpperCase()}`), lines.join("\n"));
});

test("x64: a rogue-page remap (WinPmem's technique) moves the page and back; each PTE write is a `pte` event", () => {
  const r = run("x64", "RemapPage");
  assert.equal(r.fault, null, r.fault?.message);
  assert.equal(r.value, 0n, texts(r).join("\n"));
  assert.equal(texts(r)[1], "paging: restored: 'AA', the other page 'Bx'");
  // Pointed at the PML4's frame, the page reads the PML4: entry 0x1ED names CR3 (P|RW|A|D, XD).
  const cr3 = BigInt(hardware(r).find((e) => e.kind === "cr" && e.op === "read")!.value!);
  assert.equal(texts(r)[2], `paging: page pointed at the PML4 reads entry 1ED = ${(cr3 | BIT.P | BIT.RW | 0x60n | BIT.XD).toString(16).toUpperCase()}`);
  assert.equal(texts(r)[3], "paging: through the page table's frame: remapped and restored");
  const writes = hardware(r).filter((e) => e.kind === "pte" && e.op === "write");
  // Self-map: frame → B, back, R/W cleared, set, frame → PML4, back; physical: frame → B (copy-out at
  // MmUnmapIoSpace); self-map: back; lock or: PCD; xchg: frame → B; back; memmove: frame → B; self-map: back.
  assert.deepEqual(writes.map((e) => e["via"]), ["self-map", "self-map", "self-map", "self-map", "self-map", "self-map", "physical", "self-map", "self-map", "self-map", "self-map", "self-map", "self-map"]);
  assert.ok(writes.every((e) => e.address === writes[0]!.address && e["level"] === "PTE" && e["va"] === writes[0]!["va"]));
  const v = writes.map((e) => BigInt(e.value!));
  const old = writes.map((e) => BigInt(e["old"] as string));
  // Each write's old value is the previous write's value; the first moves the frame only.
  for (let i = 1; i < v.length; i++) assert.equal(old[i], v[i - 1]);
  // The lock or sets PCD (bit 4) and nothing else.
  assert.equal(v[8], old[8]! | 0x10n);
  assert.equal(v[0]! & ~PFN, old[0]! & ~PFN);
  assert.notEqual(v[0]! & PFN, old[0]! & PFN);
  assert.equal(v[1], old[0]);
  assert.equal(v[2], old[0]! & ~BIT.RW);
  // The remapped address is the page the driver printed.
  const va = /^paging: page ([0-9A-F]+) remapped to ([0-9A-F]+) reads 'B'$/.exec(texts(r)[0]!);
  assert.ok(va);
  assert.equal(BigInt(writes[0]!["va"] as string), BigInt("0x" + va[1]));
  assert.equal(v[0]! & PFN, BigInt("0x" + va[2]));
});

test("x64: reading the PTE of an unmapped region through PTE_BASE is a page fault, as on Windows (its table is not there)", () => {
  const r = run("x64", "ReadMissingPte");
  assert.equal(r.fault?.kind, "invalid-read");
  // PTE_BASE + ((0xFFFF800000000000 >> 9) & 0x7FFFFFFFF8) = 0xFFFFF6C000000000.
  assert.equal(r.fault?.address, 0xfffff6c000000000n);
});

for (const [arch, what] of [["x86", /^kmdll does not model x86 page tables: mov eax, cr3 at paging\.sys\+0x[0-9a-f]+ reads 0 .*: invalid read of 4 byte\(s\) at 0x0+ /], ["arm64", /^kmdll does not model ARM64 translation tables: mrs TTBR1_EL1 at paging\.sys\+0x[0-9a-f]+ reads 0: invalid read of 4 byte\(s\) at 0x0+ /]] as const) {
  test(`${arch}: kmdll does not model its page tables — the base register reads 0 with a warning, and the fault that follows is an emulator gap`, () => {
    const r = run(arch, "CheckWalks");
    assert.equal(r.fault?.kind, "emulator-gap");
    assert.match(r.fault!.message, what);
    assert.ok(!JSON.stringify(r.events).includes("Windows would have crashed"));
    assert.ok(r.events.some((e) => e.event === "warning" && e["rule"] === "emulator-gap"));
    // A driver that checks the value for 0 goes on.
    const s = run(arch, "RemapPage");
    assert.equal(s.fault, null);
    assert.equal(s.value, 100n);
  });
}

test("ARM64: mrs/msr of TTBR0_EL1, TTBR1_EL1 and TCR_EL1 are patched to UDF; other system registers and data are left alone", () => {
  const words = [
    0xd5382020, // mrs x0, ttbr1_el1
    0xd5382001, // mrs x1, ttbr0_el1
    0xd5182043, // msr tcr_el1, x3
    0xd538d080, // mrs x0, tpidr_el1 (CRn 13): not a translation register
    0xd5382060, // op2 3 (TCR2_EL1 on newer cores): not patched
    0xd503201f, // nop
  ];
  const mem = new Uint8Array(0x2000);
  const dv = new DataView(mem.buffer);
  words.forEach((w, i) => dv.setUint32(0x1000 + 4 * i, w, true));
  dv.setUint32(0x10, 0xd5382020, true); // in a data section
  const image = {
    sections: [
      { name: ".data", virtualAddress: 0, virtualSize: 0x100, sizeOfRawData: 0x100, characteristics: 0xc0000040 },
      { name: ".text", virtualAddress: 0x1000, virtualSize: 4 * words.length, sizeOfRawData: 0x200, characteristics: 0x60000020 },
    ],
  } as unknown as PeImage;
  const sites = patchArm64SysRegs(image, mem);
  assert.deepEqual([...sites.entries()], [
    [0x1000, { kind: "arm64-sysreg", name: "TTBR1_EL1", write: false, reg: 0, length: 4 }],
    [0x1004, { kind: "arm64-sysreg", name: "TTBR0_EL1", write: false, reg: 1, length: 4 }],
    [0x1008, { kind: "arm64-sysreg", name: "TCR_EL1", write: true, reg: 3, length: 4 }],
  ]);
  assert.deepEqual([0, 1, 2].map((i) => dv.getUint32(0x1000 + 4 * i, true)), [0, 0, 0]);
  assert.deepEqual([3, 4, 5].map((i) => dv.getUint32(0x1000 + 4 * i, true)), words.slice(3));
  assert.equal(dv.getUint32(0x10, true), 0xd5382020);
});

test("self-map addresses: PXE_BASE is the PML4 seen through its own entry four times; a table's view address names the table", () => {
  // MiGetPteAddress(va) = PTE_BASE + ((va >> 9) & 0x7FFFFFFFF8): applied to PTE_BASE itself it gives PDE_BASE, and so on up.
  const pteOf = (va: bigint) => PTE_BASE + ((va >> 9n) & 0x7ffffffff8n);
  assert.equal(PXE_BASE, pteOf(pteOf(pteOf(PTE_BASE))));
  assert.equal(PXE_BASE, 0xfffff6fb7dbed000n);
  const va = 0xffff900000009000n;
  const pt = { level: 1, prefix: (va & ((1n << 48n) - 1n)) >> 21n };
  assert.equal(selfMapAddress(pt), pteOf(va) & ~0xfffn);
  assert.deepEqual(tableOfSelfMap(pteOf(va)), pt);
  assert.deepEqual(tableOfSelfMap(pteOf(pteOf(va))), { level: 2, prefix: pt.prefix >> 9n });
  assert.deepEqual(tableOfSelfMap(pteOf(pteOf(pteOf(va)))), { level: 3, prefix: pt.prefix >> 18n });
  assert.deepEqual(tableOfSelfMap(PXE_BASE), { level: 4, prefix: 0n });
  assert.equal(tableOfSelfMap(canonical(0x1een << 39n)), undefined);
});

test("the `mov` stores kmdll carries out itself have the length llvm-mc encodes; other stores run up to the next instruction", () => {
  // [instruction, bytes stored or 0 when not a plain mov store]
  const cases: [string, number][] = [
    ["movq %rax, (%rcx)", 8], ["movq %r12, (%r15)", 8], ["movl $5, 8(%rsp)", 4], ["movq $-1, 0x100(%rax,%rbx,8)", 8],
    ["movw $0x1234, (%rdx)", 2], ["movb %al, (%rip)", 1], ["movq %rax, %gs:0x10", 8], ["movq %rdx, 0x7fff0000(%r13)", 8],
    ["movl %eax, (%rbp)", 4], ["movb $7, -1(%r12,%rax)", 1], ["movw %cx, 6(%rax)", 2], ["movq %rax, (%ecx)", 8],
    ["orq $16, (%rax)", 0], ["xchgq %rax, (%rcx)", 0], ["lock cmpxchgq %rdx, (%rcx)", 0], ["btsq $63, (%rax)", 0], ["movq (%rax), %rcx", 0],
  ];
  const mc = spawnSync("llvm-mc", ["--show-encoding", "-triple=x86_64"], { input: cases.map(([i]) => i).join("\n") + "\n", encoding: "utf8" });
  // llvm-mc comes with Debian's llvm package, which scripts/setup.sh installs: a missing tool or an
  // assembler error is a failure here, never a skip.
  assert.ok(!mc.error, `llvm-mc did not run (${mc.error?.message}); run scripts/setup.sh`);
  assert.equal(mc.status, 0, `llvm-mc failed: ${mc.stderr}`);
  const encodings = [...mc.stdout.matchAll(/encoding: \[([^\]]*)\]/g)].map((m) => m[1]!.split(",").map((b) => parseInt(b, 16)));
  assert.equal(encodings.length, cases.length);
  cases.forEach(([insn, size], i) => {
    const bytes = new Uint8Array(15).fill(0xcc);
    bytes.set(encodings[i]!);
    if (size) {
      assert.equal(movStoreLength(bytes, size), encodings[i]!.length, insn);
      assert.equal(movStoreLength(bytes, size === 8 ? 4 : 8), null, `${insn}: another width`);
    } else for (const w of [1, 2, 4, 8]) assert.equal(movStoreLength(bytes, w), null, insn);
  });
});

test("x64: read-modify-write stores on a PTE (lock bts, btr, lock cmpxchg, lock xor/and/or, xadd) are carried out without a single step", () => {
  const before = pagingStats.countedSteps;
  const r = run("x64", "InterlockedPte");
  assert.equal(r.fault, null, r.fault?.message);
  assert.equal(r.value, 0n, texts(r).join("\n"));
  assert.deepEqual(texts(r), ["paging: bts/btr ok", "paging: cmpxchg ok", "paging: xor/and/or/xadd ok"]);
  // No count-mode run (after which Unicorn 2.0.1 flushes every translated block), here or in RemapPage's lock or / xchg.
  assert.equal(pagingStats.countedSteps, before);
  assert.equal(run("x64", "RemapPage").value, 0n);
  assert.equal(pagingStats.countedSteps, before);
  // Each write as the SDM defines the instruction, from the entry before it: bts/btr bit 4; cmpxchg to
  // page B's frame, a failed one (old value written back: no change), back; xor of the frame bits twice;
  // and ~R/W; or R/W; 32-bit or of bit 9; xadd -0x200.
  const writes = hardware(r).filter((e) => e.kind === "pte" && e.op === "write").map((e) => [BigInt(e["old"] as string), BigInt(e.value!)]);
  const orig = writes[0]![0]!;
  const toB = writes[2]![1]!;
  assert.equal(toB & ~PFN, orig & ~PFN);
  assert.notEqual(toB & PFN, orig & PFN);
  const expected = [orig | 0x10n, orig, toB, orig, toB, orig, orig & ~BIT.RW, orig, orig | 0x200n, orig];
  assert.deepEqual(writes.map(([, v]) => v), expected);
  writes.forEach(([old], i) => i && assert.equal(old, expected[i - 1]));
});

test("store and instruction lengths agree with llvm-mc's encodings; lock/xchg stores are atomic; operand addresses", () => {
  // [instruction, a store form storeLength knows, atomic]
  const cases: [string, boolean, boolean][] = [
    ["orq $16, (%rax)", true, false], ["lock orq $16, (%rax)", true, true], ["lock orl $512, (%r12)", true, true],
    ["xchgq %rax, (%rcx)", true, true], ["lock cmpxchgq %rdx, (%rcx)", true, true], ["cmpxchgl %edx, 4(%rcx,%rbx,4)", true, false],
    ["lock btsq %rax, (%r12)", true, true], ["btrq $4, (%rax)", true, false], ["btcw $3, 0x10(%rip)", true, false],
    ["lock xaddq %rax, (%r12)", true, true], ["lock andq $-3, (%r12)", true, true], ["xorq %rax, (%rcx)", true, false],
    ["addw $0x1234, (%rdx)", true, false], ["subb %ah, -8(%rbp)", true, false], ["incl (%rax)", true, false], ["negq 8(%rsp)", true, false],
    ["shlq $3, (%rax)", true, false], ["sete (%rcx)", true, false], ["movntiq %rax, (%rdi)", true, false], ["movups %xmm0, (%rax)", true, false],
    ["movdqu %xmm1, 0x40(%rsp)", true, false], ["rep stosq", true, false], ["movsb", true, false], ["lock cmpxchg16b (%rdi)", true, true],
    ["movq %rax, (%rcx)", true, false], ["movabsq %rax, 0x1122334455667788", true, false],
    ["movq (%rax), %rcx", false, false], ["cmpq %rbx, (%rax)", false, false], ["orq %rbp, %rbx", false, false], ["movabsq $-4096, %rbx", false, false],
    ["leaq 4426(%rip), %rcx", false, false], ["callq *0x1d38(%rip)", false, false], ["jne .+0x100", false, false], ["vmovdqu %ymm0, (%rax)", false, false],
    ["pshufd $0x1b, %xmm1, %xmm2", false, false], ["pextrd $1, %xmm0, (%rax)", false, false], ["movw $7, %ax", false, false], ["pushq $0x12345", false, false],
    ["testb $1, 0x18(%rax,%rcx,2)", false, false], ["imulq $1000, %rcx, %rax", false, false], ["vpxor %xmm2, %xmm1, %xmm0", false, false],
  ];
  const mc = spawnSync("llvm-mc", ["--show-encoding", "-triple=x86_64"], { input: cases.map(([i]) => i).join("\n") + "\n", encoding: "utf8" });
  assert.ok(!mc.error, `llvm-mc did not run (${mc.error?.message}); run scripts/setup.sh`);
  assert.equal(mc.status, 0, `llvm-mc failed: ${mc.stderr}`);
  const encodings = [...mc.stdout.matchAll(/encoding: \[([^\]]*)\]/g)].map((m) => m[1]!.split(",").map((b) => parseInt(b, 16)));
  assert.equal(encodings.length, cases.length);
  cases.forEach(([insn, store, atomic], i) => {
    const bytes = new Uint8Array(15).fill(0xcc);
    bytes.set(encodings[i]!);
    assert.equal(instructionLength(bytes), encodings[i]!.length, insn);
    assert.equal(storeLength(bytes), store ? encodings[i]!.length : null, insn);
    assert.equal(isAtomicStore(bytes), atomic, insn);
  });
  // Addresses: registers n → 0x1000 × (n + 1).
  const reg = (n: number) => BigInt(0x1000 * (n + 1));
  const at = (insn: string) => {
    const out = spawnSync("llvm-mc", ["--show-encoding", "-triple=x86_64"], { input: insn + "\n", encoding: "utf8" }).stdout;
    const bytes = new Uint8Array(15).fill(0xcc);
    bytes.set(/encoding: \[([^\]]*)\]/.exec(out)![1]!.split(",").map((b) => parseInt(b, 16)));
    return operandAddress(bytes, 0x10000n, reg);
  };
  assert.equal(at("lock orq $16, (%r12)"), 0xd000n);
  assert.equal(at("movq %r14, 32(%rsp)"), 0x5000n + 32n);
  assert.equal(at("xorq %rax, -8(%rcx,%rbx,8)"), 0x2000n + 8n * 0x4000n - 8n);
  assert.equal(at("btsq $1, 0x10(%rip)"), 0x10000n + 9n + 0x10n);
  assert.equal(at("movq %rax, 0x100(,%rsi,2)"), 2n * 0x7000n + 0x100n);
  assert.equal(at("movq %rax, %rcx"), null);
});
