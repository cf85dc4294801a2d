/**
 * The first MiB of a BIOS PC as a booted Windows leaves it: what drivers that scan low memory
 * (boot-loader tables, option ROMs, the INT 13h chain) find there. Pure data (docs/machine.md,
 * "Low memory"). Windows does not overwrite the real-mode interrupt vector table or the BIOS
 * data area after boot (the HAL's x86 BIOS emulator still calls INT 10h through them), so a
 * driver mapping physical 0–1 MiB with MmMapIoSpace reads what the BIOS put there.
 *
 * Facts, with their public sources:
 * - Memory map below 1 MiB: IVT 0x0–0x3FF, BDA 0x400–0x4FF, conventional RAM up to the EBDA just
 *   under 640 KiB (1 KiB at 0x9FC00 is typical), VGA memory 0xA0000–0xBFFFF (colour text buffer at
 *   0xB8000), video BIOS ROM at 0xC0000, option ROMs 0xC8000–0xDFFFF, system BIOS 0xF0000–0xFFFFF
 *   (OSDev wiki "Memory Map (x86)"; Ralf Brown's MEMORY.LST; IBM SurePOS 500 Technical Reference
 *   §3.8 "Memory Map").
 * - BDA fields (segment 40h): COM1–4 bases at 00h, LPT1–3 at 08h, EBDA segment at 0Eh, equipment
 *   word at 10h (INT 11h), base memory size in KiB at 13h (INT 12h), keyboard buffer head/tail at
 *   1Ah/1Ch with the buffer at 1Eh–3Dh, video mode at 49h, columns at 4Ah, regen size at 4Ch, CRTC
 *   port at 63h, timer ticks at 6Ch, hard disk count at 75h, keyboard buffer start/end at 80h/82h,
 *   rows−1 at 84h, character height at 85h (Ralf Brown's MEMORY.LST "MEM 0040h:xxxxh"; Intel
 *   Compatibility Support Module Specification 0.98, table 16 "BIOS Data Area").
 * - EBDA: byte 0 is its length in KiB; BDA 0Eh holds its segment (IBM PS/2 BIOS interface,
 *   INT 15h AH=C1h "Return extended BIOS data area segment"; Ralf Brown's interrupt list).
 * - IBM PC/AT fixed BIOS entry points in segment F000h, which compatible BIOSes keep (SeaBIOS
 *   src/romlayout.S and src/post.c ivt_init): POST E05Bh, INT 13h (disk) E3FEh, INT 19h E6F2h,
 *   INT 14h E739h, INT 16h E82Eh, IRQ1 E987h, INT 40h (diskette, moved from 13h when a hard disk is
 *   present) EC59h, IRQ6 EF57h, diskette parameter table EFC7h (INT 1Eh), INT 17h EFD2h, video
 *   parameter table F0A4h (INT 1Dh), INT 12h F841h, INT 11h F84Dh, INT 15h F859h, INT 1Ah FE6Eh,
 *   IRQ0 FEA5h, default IRET FF53h (every other vector), reset vector FFF0h (far jump to POST),
 *   release date "MM/DD/YY" at FFF5h, model byte at FFFEh (FCh: PC/AT).
 * - Option ROM header: 55h AAh, length in 512-byte blocks at +2, initialisation entry at +3, all
 *   bytes summing to 0 (PCI Firmware Specification 3.0 §5.1; BIOS Boot Specification 1.01 app. A).
 *   The video BIOS hooks INT 10h into its ROM.
 *
 * The model has no boot loader (no MEMDISK/GRUB4DOS INT 13h hook, no mBFT/aBFT/iBFT), no SMBIOS
 * entry point and no ACPI RSDP; a machine file adds such bytes with `physical` entries, which are
 * written over this layout, or drops the layout with `"lowMemory": "none"`.
 */

/** Where the parts are (physical addresses and values a test or a machine file can refer to). */
export const LOW_MEMORY = {
  baseMemoryKiB: 639,
  ebda: 0x9fc00,
  ebdaKiB: 1,
  textBuffer: 0xb8000,
  videoRom: 0xc0000,
  videoRomBlocks: 0x40,
  /** INT 10h handler inside the video ROM (offset in segment C000h). */
  videoInt10: 0x0100,
  biosSegment: 0xf000,
  defaultIret: 0xff53,
  biosDate: "01/15/26",
  modelByte: 0xfc,
} as const;

/** BIOS-segment entry point of each vector that has one (IBM PC/AT compatibility addresses). */
const BIOS_VECTORS: [vector: number, offset: number][] = [
  [0x08, 0xfea5], // IRQ0 system timer
  [0x09, 0xe987], // IRQ1 keyboard
  [0x0e, 0xef57], // IRQ6 diskette
  [0x11, 0xf84d], // equipment list
  [0x12, 0xf841], // memory size
  [0x13, 0xe3fe], // disk services
  [0x14, 0xe739], // serial
  [0x15, 0xf859], // system services
  [0x16, 0xe82e], // keyboard
  [0x17, 0xefd2], // printer
  [0x19, 0xe6f2], // bootstrap
  [0x1a, 0xfe6e], // time of day / PCI BIOS
  [0x40, 0xec59], // diskette (relocated INT 13h)
];
/** Vectors that point at data tables rather than code. */
const BIOS_TABLES: [vector: number, offset: number][] = [
  [0x1d, 0xf0a4], // video parameter table
  [0x1e, 0xefc7], // diskette parameter table
];

export interface LowMemoryRegion {
  address: bigint;
  bytes: Uint8Array;
}

const PAGE = 0x1000;

/** Page 0: the interrupt vector table, the BIOS data area, and zeroed RAM after it. */
function page0(): Uint8Array {
  const p = new Uint8Array(PAGE);
  const dv = new DataView(p.buffer);
  const L = LOW_MEMORY;
  const vec = (n: number, seg: number, off: number) => {
    dv.setUint16(n * 4, off, true);
    dv.setUint16(n * 4 + 2, seg, true);
  };
  for (let n = 0; n < 256; n++) vec(n, L.biosSegment, L.defaultIret);
  for (const [n, off] of [...BIOS_VECTORS, ...BIOS_TABLES]) vec(n, L.biosSegment, off);
  vec(0x10, L.videoRom >> 4, L.videoInt10);
  vec(0x1f, 0, 0); // no table for characters 80h–FFh in graphics modes
  const bda = 0x400;
  dv.setUint16(bda + 0x00, 0x3f8, true); // COM1
  dv.setUint16(bda + 0x02, 0x2f8, true); // COM2
  dv.setUint16(bda + 0x08, 0x378, true); // LPT1
  dv.setUint16(bda + 0x0e, L.ebda >> 4, true);
  // Equipment word: coprocessor (bit 1), 80x25 colour (bits 4–5 = 10b), 2 serial ports (bits 9–11), 1 printer (bits 14–15).
  dv.setUint16(bda + 0x10, 0x0002 | (2 << 4) | (2 << 9) | (1 << 14), true);
  dv.setUint16(bda + 0x13, L.baseMemoryKiB, true);
  dv.setUint16(bda + 0x1a, 0x1e, true); // keyboard buffer head
  dv.setUint16(bda + 0x1c, 0x1e, true); // tail (empty)
  p[bda + 0x49] = 0x03; // video mode 3: 80x25 16-colour text
  dv.setUint16(bda + 0x4a, 80, true);
  dv.setUint16(bda + 0x4c, 0x1000, true); // regen buffer size
  dv.setUint16(bda + 0x63, 0x3d4, true); // CRT controller (colour)
  p[bda + 0x75] = 1; // one hard disk
  dv.setUint16(bda + 0x80, 0x1e, true);
  dv.setUint16(bda + 0x82, 0x3e, true);
  p[bda + 0x84] = 24; // rows − 1
  dv.setUint16(bda + 0x85, 16, true); // character height
  return p;
}

/** The page holding the EBDA: RAM (zeros) below it, the EBDA with its length byte. */
function ebdaPage(): LowMemoryRegion {
  const base = LOW_MEMORY.ebda & ~(PAGE - 1);
  const p = new Uint8Array(PAGE);
  p[LOW_MEMORY.ebda - base] = LOW_MEMORY.ebdaKiB;
  return { address: BigInt(base), bytes: p };
}

/** 80x25 colour text buffer, cleared: blanks in light grey on black. */
function textBuffer(): LowMemoryRegion {
  const b = new Uint8Array(80 * 25 * 2);
  for (let i = 0; i < b.length; i += 2) {
    b[i] = 0x20;
    b[i + 1] = 0x07;
  }
  return { address: BigInt(LOW_MEMORY.textBuffer), bytes: b };
}

/** The video BIOS option ROM: header, RETF init entry, INT 10h IRET, checksum byte last. */
function videoRom(): LowMemoryRegion {
  const r = new Uint8Array(LOW_MEMORY.videoRomBlocks * 512);
  r[0] = 0x55;
  r[1] = 0xaa;
  r[2] = LOW_MEMORY.videoRomBlocks;
  r[3] = 0xcb; // retf: initialisation done
  r[LOW_MEMORY.videoInt10] = 0xcf; // iret
  let sum = 0;
  for (const b of r) sum = (sum + b) & 0xff;
  r[r.length - 1] = (0x100 - sum) & 0xff;
  return { address: BigInt(LOW_MEMORY.videoRom), bytes: r };
}

/** System BIOS bytes: an IRET at every entry point, the reset vector, date and model byte. */
function biosRom(): LowMemoryRegion[] {
  const base = LOW_MEMORY.biosSegment << 4;
  const out: LowMemoryRegion[] = [];
  for (const [, off] of BIOS_VECTORS) out.push({ address: BigInt(base + off), bytes: Uint8Array.of(0xcf) });
  out.push({ address: BigInt(base + LOW_MEMORY.defaultIret), bytes: Uint8Array.of(0xcf) });
  const tail = new Uint8Array(16);
  tail.set([0xea, 0x5b, 0xe0, 0x00, 0xf0], 0); // jmp far F000:E05B
  tail.set(Uint8Array.from(LOW_MEMORY.biosDate, (c) => c.charCodeAt(0)), 5);
  tail[13] = 0;
  tail[14] = LOW_MEMORY.modelByte;
  tail[15] = 0;
  out.push({ address: BigInt(base + 0xfff0), bytes: tail });
  out.push({ address: BigInt(base + 0xe05b), bytes: Uint8Array.of(0xf4) }); // POST: hlt (never run)
  return out;
}

/** The whole layout, lowest address first (written before a machine file's `physical` entries). */
export function pcLowMemory(): LowMemoryRegion[] {
  return [{ address: 0n, bytes: page0() }, ebdaPage(), textBuffer(), videoRom(), ...biosRom()];
}
