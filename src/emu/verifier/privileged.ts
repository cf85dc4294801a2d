/**
 * Privileged instructions Unicorn cannot give their kernel meaning to, trapped at load.
 *
 * Unicorn 2.0.1 has no local APIC: `mov cr8, reg` is dropped and `mov reg, cr8` reads 0, so the
 * DDK's inline KeGetCurrentIrql / KeRaiseIrql / KeLowerIrql (x64 wdm.h: __readcr8/__writecr8)
 * would be invisible. `rdmsr`/`wrmsr` run silently against QEMU's MSR file. When an image is
 * mapped, such instructions in its executable sections are replaced by `ud2` (+ nop padding);
 * the invalid-instruction stop at that address is then served here (the IRQL model, the machine
 * model's MSRs) and emulation resumes after the original instruction.
 *
 * Encodings (Intel SDM vol. 2, MOV—Move to/from Control Registers; RDMSR; WRMSR):
 *   mov cr8, r64   REX(0100 0 1 x B) 0F 22 /r with mod = 11, reg = 000   (REX.R selects CR8)
 *   mov r64, cr8   REX(0100 0 1 x B) 0F 20 /r with mod = 11, reg = 000
 *   mov crN, r64   [REX.B] 0F 22 /r with mod = 11, reg = N (0, 2, 3, 4): reported and dropped
 *   mov r64, cr3   [REX.B] 0F 20 /r with mod = 11, reg = 3: the page-table model's CR3 (x64)
 *   rdmsr          0F 32      wrmsr  0F 30   (only after `mov ecx, imm32`, B9 id: the form
 *                  __readmsr/__writemsr with a constant MSR compile to; a bare 0F 32 may be
 *                  the middle of another instruction, so it is left alone)
 * x86 (32-bit) code has no REX prefixes (0x40-0x4F are inc/dec there) and no CR8 (its IRQL lives
 * in the KPCR, changed through HAL calls): only `0F 22 /r` CR writes and the constant-MSR forms.
 * There is no disassembler here: the patterns are specific enough to be taken as instructions in
 * executable sections. Checked against llvm-objdump on 85 public x64 drivers (docs/qa.md): every
 * CR8 (220), CR0/2/3/4 write (38) and constant-MSR (36) site found, none extra.
 */
import type { PeImage } from "../../formats/pe/types.js";
import { IMAGE_SCN } from "../../formats/pe/types.js";

export type PrivilegedOp =
  | { kind: "cr8-write"; reg: number; length: number }
  | { kind: "cr8-read"; reg: number; length: number }
  | { kind: "rdmsr"; msr: number; length: number }
  | { kind: "wrmsr"; msr: number; length: number }
  | { kind: "cr-write"; cr: number; reg: number; length: number }
  /** mov reg, cr3: x64 reads the page-table model's CR3 (machine/paging.ts); x86 is an emulator gap. */
  | { kind: "cr-read"; cr: number; reg: number; length: number }
  /** ARM64 mrs/msr of a translation table register (TTBR0_EL1, TTBR1_EL1, TCR_EL1): an emulator gap (./privileged-arm64.ts). */
  | { kind: "arm64-sysreg"; name: string; write: boolean; reg: number; length: number };

const CR_WRITES = new Set([0, 2, 3, 4]);

const UD2 = [0x0f, 0x0b];

/** Find and patch the privileged instructions of an image laid out in memory; RVA → operation. */
export function patchPrivileged(image: PeImage, mem: Uint8Array, arch: "x64" | "x86" = "x64"): Map<number, PrivilegedOp> {
  const sites = new Map<number, PrivilegedOp>();
  const rex = arch === "x64";
  for (const s of image.sections) {
    const c = s.characteristics >>> 0;
    if (!(c & IMAGE_SCN.MEM_EXECUTE) && !(c & IMAGE_SCN.CNT_CODE)) continue;
    const start = s.virtualAddress;
    const end = Math.min(mem.length, start + (s.virtualSize || s.sizeOfRawData));
    for (let i = start; i + 4 <= end; i++) {
      const b0 = mem[i]!;
      if (rex && (b0 & 0xf6) === 0x44 && mem[i + 1] === 0x0f && (mem[i + 2] === 0x22 || mem[i + 2] === 0x20)) {
        const m = mem[i + 3]!;
        if ((m & 0xf8) !== 0xc0) continue; // mod = 11, reg = 000 (CR8 with REX.R)
        const reg = (m & 7) | (b0 & 1 ? 8 : 0);
        sites.set(i, { kind: mem[i + 2] === 0x22 ? "cr8-write" : "cr8-read", reg, length: 4 });
        mem.set([...UD2, 0x66, 0x90], i);
        i += 3;
        continue;
      }
      // mov crN, r64 (N = 0, 2, 3, 4): [REX without R] 0F 22 /r, mod = 11. Not after a REX.R byte
      // (that is the tail of a CR8 form, handled above).
      {
        const j = rex && (b0 & 0xf4) === 0x40 ? i + 1 : i;
        const m = mem[j + 2]!;
        if (mem[j] === 0x0f && mem[j + 1] === 0x22 && (m & 0xc0) === 0xc0 && CR_WRITES.has((m >> 3) & 7) && !(rex && i > start && (mem[i - 1]! & 0xf4) === 0x44)) {
          const reg = (m & 7) | (j > i && b0 & 1 ? 8 : 0);
          const length = j - i + 3;
          sites.set(i, { kind: "cr-write", cr: (m >> 3) & 7, reg, length });
          mem.set([...UD2, ...new Array(length - 2).fill(0x90)], i);
          i += length - 1;
          continue;
        }
      }
      // mov r64, cr3: [REX without R] 0F 20 /r, mod = 11, reg = 3.
      {
        const j = rex && (b0 & 0xf4) === 0x40 ? i + 1 : i;
        const m = mem[j + 2]!;
        if (mem[j] === 0x0f && mem[j + 1] === 0x20 && (m & 0xf8) === 0xd8 && !(rex && i > start && (mem[i - 1]! & 0xf4) === 0x44)) {
          const reg = (m & 7) | (j > i && b0 & 1 ? 8 : 0);
          const length = j - i + 3;
          sites.set(i, { kind: "cr-read", cr: 3, reg, length });
          mem.set([...UD2, ...new Array(length - 2).fill(0x90)], i);
          i += length - 1;
          continue;
        }
      }
      if (b0 === 0xb9 && i + 7 <= end && mem[i + 5] === 0x0f && (mem[i + 6] === 0x32 || mem[i + 6] === 0x30)) {
        const msr = (mem[i + 1]! | (mem[i + 2]! << 8) | (mem[i + 3]! << 16) | (mem[i + 4]! << 24)) >>> 0;
        sites.set(i + 5, { kind: mem[i + 6] === 0x32 ? "rdmsr" : "wrmsr", msr, length: 2 });
        mem.set(UD2, i + 5);
        i += 6;
      }
    }
  }
  return sites;
}
