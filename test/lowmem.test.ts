/**
 * The first MiB of the default machine (src/emu/machine/lowmem.ts, docs/machine.md "Low memory"):
 * a driver that scans it for boot-loader tables, as WinVBlock's memdisk/GRUB4DOS/safe-hook probes
 * do (examples/lowmem), finds what it finds on a BIOS PC without such a loader. The expected values
 * are the documented ones (IBM PC/AT compatibility entry points as SeaBIOS keeps them; Ralf Brown's
 * MEMORY.LST for the BIOS data area; the PCI Firmware Specification for option ROMs), not values
 * read back from kmdll. A machine file adds a loader's safe hook with `physical` entries, or drops
 * the layout with "lowMemory": "none".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fixture, runCli } from "./helpers.js";

const lines = (out: string) => out.split("\n").filter((l) => l.startsWith("lowmem: "));

for (const arch of ["x64", "x86"] as const) {
  test(`default machine: IVT, BIOS data area, EBDA, option ROM and BIOS as on a BIOS PC (${arch})`, async () => {
    const r = await runCli(["call", fixture(arch, "lowmem.sys"), "ProbeLowMemory"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ProbeLowMemory returned 0 /);
    const l = lines(r.stdout);
    // INT 13h at the PC/AT fixed disk entry point F000:E3FE; no boot loader hooked it.
    assert.equal(l[0], "lowmem: INT 13h -> F000:E3FE");
    assert.match(l[1]!, /^lowmem: handler at 0xFE3FE is not a safe hook .*; 0 hook\(s\)$/);
    // COM1 0x3F8, LPT1 0x378; equipment bits 4-5 = 10b (80x25 colour), text mode 3, 80 columns.
    assert.match(l[2]!, /^lowmem: COM1 3F8, LPT1 378, equipment ([0-9A-F]{4}), video mode 3, 80 columns$/);
    assert.equal((parseInt(/equipment ([0-9A-F]{4})/.exec(l[2]!)![1]!, 16) >> 4) & 3, 2);
    // 639 KiB of base memory, then a 1 KiB EBDA at 9FC00h up to 640 KiB (the driver checks they meet).
    assert.equal(l[3], "lowmem: base memory 639 KiB, EBDA segment 9FC0");
    assert.equal(l[4], "lowmem: EBDA 1 KiB at 0x9FC00");
    // One option ROM, the video BIOS at C0000h, whose bytes sum to zero; no other ROM up to DFFFFh.
    assert.deepEqual(l.filter((x) => x.includes("option ROM")), ["lowmem: option ROM at 0xC0000, 32 KiB, checksum ok"]);
    // Reset vector: a far jump (EAh); model byte FCh (PC/AT).
    assert.match(l.at(-1)!, /^lowmem: reset vector EA, BIOS date \d\d\/\d\d\/\d\d, model FC$/);
  });
}

test("machine file: a loader's safe INT 13h hook written with `physical` is found and followed; \"lowMemory\": \"none\" leaves all ones", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-lowmem-"));
  try {
    // A MEMDISK-style hook at 9E00:0000: IVT entry 13h (at 4Ch) points at it; its header is a
    // 3-byte jump, "$INT13SF", the vendor "MEMDISK ", the previous handler F000:E3FE, flags 0.
    const hook = Buffer.concat([Buffer.from([0xeb, 0x17, 0x90]), Buffer.from("$INT13SFMEMDISK ", "latin1"), Buffer.from([0xfe, 0xe3, 0x00, 0xf0, 0, 0, 0, 0])]);
    const withHook = join(dir, "memdisk.json");
    writeFileSync(withHook, JSON.stringify({
      ram: [{ base: "0x1000", size: "0x9e000" }, { base: "0x100000", size: "0x7ff00000" }],
      physical: [{ address: "0x4c", hex: "0000009e" }, { address: "0x9e000", hex: hook.toString("hex") }],
    }));
    const r = await runCli(["call", "--machine", withHook, fixture("x64", "lowmem.sys"), "ProbeLowMemory"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const l = lines(r.stdout);
    assert.deepEqual(l.slice(0, 3), [
      "lowmem: INT 13h -> 9E00:0000",
      "lowmem: safe hook MEMDISK  at 0x9E000, previous F000:E3FE",
      "lowmem: handler at 0xFE3FE is not a safe hook (first byte CF); 1 hook(s)",
    ]);
    // The rest of the layout is still there under the file's bytes.
    assert.ok(l.includes("lowmem: base memory 639 KiB, EBDA segment 9FC0"));

    // No layout: page 0 is not in `ram`, so it reads as an empty bus; the driver finds no IVT.
    const none = join(dir, "none.json");
    writeFileSync(none, JSON.stringify({ lowMemory: "none", ram: [{ base: "0x1000", size: "0x9e000" }] }));
    const n = await runCli(["call", "--machine", none, fixture("x64", "lowmem.sys"), "ProbeLowMemory"]);
    assert.match(n.stdout, /ProbeLowMemory returned 2 /);
    assert.deepEqual(lines(n.stdout).slice(0, 2), ["lowmem: INT 13h -> FFFF:FFFF", "lowmem: handler at 0x10FFEF is outside the first MiB"]);

    // A bad value is a usage error naming the file and the field.
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ lowMemory: "bios" }));
    const b = await runCli(["call", "--machine", bad, fixture("x64", "lowmem.sys"), "ProbeLowMemory"]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /bad\.json: machine: lowMemory: expected "pc" or "none", got "bios"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
