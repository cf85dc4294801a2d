/**
 * ARM64 system-register accesses kmdll does not model, trapped at load: `mrs`/`msr` of the
 * translation-table registers (TTBR0_EL1, TTBR1_EL1, TCR_EL1). kmdll has no ARM64 page-table
 * model, so Unicorn's values would be guesses a driver then walks; the instruction is replaced by
 * UDF #0 and, when reached, reads 0 (a write is dropped) and is noted as an emulator gap: a fault
 * later in the run is reported as kmdll's gap, not the driver's crash (./trap.ts).
 *
 * Encodings (Arm ARM DDI 0487, C5.2 "System instructions"; C6.2 MRS / MSR (register)):
 *   MRS Xt, <reg>   1101 0101 0011 o0 op1 CRn CRm op2 Rt   (0xD5300000; op0 = 2 + o0)
 *   MSR <reg>, Xt   1101 0101 0001 o0 op1 CRn CRm op2 Rt   (0xD5100000)
 *   TTBR0_EL1 op0 3, op1 0, CRn 2, CRm 0, op2 0; TTBR1_EL1 op2 1; TCR_EL1 op2 2 (D17.2).
 * Instructions are 4-byte aligned words, so a match in a code section is that instruction.
 */
import type { PeImage } from "../../formats/pe/types.js";
import { IMAGE_SCN } from "../../formats/pe/types.js";
import type { PrivilegedOp } from "./privileged.js";

const REGS: Record<number, string> = { 0: "TTBR0_EL1", 1: "TTBR1_EL1", 2: "TCR_EL1" };

/** Find and patch the translation-table register accesses of an ARM64 image laid out in memory; RVA → operation. */
export function patchArm64SysRegs(image: PeImage, mem: Uint8Array): Map<number, PrivilegedOp> {
  const sites = new Map<number, PrivilegedOp>();
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  for (const s of image.sections) {
    const c = s.characteristics >>> 0;
    if (!(c & IMAGE_SCN.MEM_EXECUTE) && !(c & IMAGE_SCN.CNT_CODE)) continue;
    const end = Math.min(mem.length, s.virtualAddress + (s.virtualSize || s.sizeOfRawData));
    for (let i = s.virtualAddress & ~3; i + 4 <= end; i += 4) {
      const w = dv.getUint32(i, true);
      const base = (w & 0xffffff80) >>> 0; // op2 (bits 5-7) and Rt cleared
      const op2 = (w >>> 5) & 7;
      if ((base !== 0xd5382000 && base !== 0xd5182000) || !(op2 in REGS)) continue;
      sites.set(i, { kind: "arm64-sysreg", name: REGS[op2]!, write: base === 0xd5182000, reg: w & 31, length: 4 });
      dv.setUint32(i, 0, true); // UDF #0
    }
  }
  return sites;
}
