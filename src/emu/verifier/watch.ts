/**
 * Privileged instructions Unicorn runs silently and cannot hook by kind (Unicorn 2.0.1 has no
 * UC_HOOK_INSN for rdmsr/wrmsr, and lgdt/lidt just load the register): the places where one
 * *may* start are found at load and watched with a one-address code hook (Engine.watchCode).
 * A code hook fires only when an instruction starts at its address, so a byte pattern that is
 * really the middle of another instruction never fires: the scan may over-collect, the hook never
 * misreports. Sites already patched to ud2 (./privileged.ts: constant-MSR forms) are not watched.
 *
 * Encodings (Intel SDM vol. 2): RDMSR 0F 32, WRMSR 0F 30; SGDT 0F 01 /0, SIDT 0F 01 /1,
 * LGDT 0F 01 /2, LIDT 0F 01 /3, each with a memory operand (mod ≠ 11: with mod = 11 the same
 * bytes are VMCALL, MONITOR, XGETBV ...). An optional REX prefix (40-4F, 64-bit code) may precede.
 */
import type { PeImage } from "../../formats/pe/types.js";
import { IMAGE_SCN } from "../../formats/pe/types.js";

export type WatchOp =
  | { kind: "rdmsr" | "wrmsr"; length: number }
  | { kind: "sgdt" | "sidt" | "lgdt" | "lidt"; length: number };

/** At most this many watched addresses per image (each is a Unicorn hook; translation checks them all). */
export const MAX_WATCH_PER_IMAGE = 1024;

const TABLE_OPS = ["sgdt", "sidt", "lgdt", "lidt"] as const;

/** Length of a ModRM memory operand (ModRM byte, SIB, displacement) starting at `m`. */
function modrmLength(mem: Uint8Array, m: number): number {
  const modrm = mem[m]!;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  let n = 1;
  if (rm === 4) {
    n++;
    if (mod === 0 && (mem[m + 1]! & 7) === 5) n += 4;
  }
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  else if (mod === 0 && rm === 5) n += 4;
  return n;
}

export interface WatchScan {
  sites: Map<number, WatchOp>;
  /** Candidates left unwatched past MAX_WATCH_PER_IMAGE. */
  dropped: number;
}

/** Candidate sites in the executable sections of an image laid out in memory (RVA → operation). */
export function scanWatchSites(image: PeImage, mem: Uint8Array, is64: boolean): WatchScan {
  const sites = new Map<number, WatchOp>();
  let dropped = 0;
  const add = (rva: number, op: WatchOp) => {
    if (sites.size >= MAX_WATCH_PER_IMAGE) dropped++;
    else sites.set(rva, op);
  };
  for (const s of image.sections) {
    const c = s.characteristics >>> 0;
    if (!(c & IMAGE_SCN.MEM_EXECUTE) && !(c & IMAGE_SCN.CNT_CODE)) continue;
    const start = s.virtualAddress;
    const end = Math.min(mem.length, start + (s.virtualSize || s.sizeOfRawData));
    for (let i = start; i + 2 <= end; i++) {
      if (mem[i] !== 0x0f) continue;
      const b1 = mem[i + 1]!;
      let op: WatchOp | null = null;
      if (b1 === 0x32 || b1 === 0x30) op = { kind: b1 === 0x32 ? "rdmsr" : "wrmsr", length: 2 };
      else if (b1 === 0x01 && i + 3 <= end) {
        const modrm = mem[i + 2]!;
        const reg = (modrm >> 3) & 7;
        if (modrm >> 6 !== 3 && reg < 4) op = { kind: TABLE_OPS[reg]!, length: 2 + modrmLength(mem, i + 2) };
      }
      if (!op) continue;
      add(i, op);
      const p = i > start ? mem[i - 1]! : -1;
      if (is64 && p >= 0x40 && p <= 0x4f) add(i - 1, { ...op, length: op.length + 1 });
    }
  }
  return { sites, dropped };
}
