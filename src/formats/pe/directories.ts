import type { DataDirectory, DebugInfo, Relocation, RuntimeFunction } from "./types.js";
import type { RvaReader } from "./rva.js";
import type { Warnings } from "./warnings.js";
import { MACHINE } from "./types.js";

/** Upper bounds for hostile relocation directories (real images have at most a few hundred thousand). */
export const RELOC_LIMITS = { blocks: 1 << 20, entries: 1 << 22 };

/** Base relocations, without ABSOLUTE (type 0) padding entries. */
export function parseRelocations(r: RvaReader, dir: DataDirectory, w: Warnings): Relocation[] {
  const out: Relocation[] = [];
  if (dir.virtualAddress === 0 || dir.size === 0) return out;
  const S = "base relocation block";
  const end = dir.virtualAddress + dir.size;
  let at = dir.virtualAddress;
  for (let blocks = 0; at + 8 <= end; blocks++) {
    if (blocks >= RELOC_LIMITS.blocks || out.length >= RELOC_LIMITS.entries) {
      w.add(S, `more than ${RELOC_LIMITS.blocks} blocks or ${RELOC_LIMITS.entries} entries; stopped`);
      break;
    }
    let page: number, blockSize: number;
    try {
      page = r.u32(at, S);
      blockSize = r.u32(at + 4, S);
    } catch (e) {
      w.fromError(e);
      break;
    }
    if (blockSize < 8 || at + blockSize > end) {
      // Some linkers pad the directory with a zero block; anything else is malformed.
      if (!(page === 0 && blockSize === 0)) w.add(S, `block at RVA 0x${at.toString(16)} has SizeOfBlock ${blockSize} (directory ends at 0x${end.toString(16)})`);
      break;
    }
    const n = (blockSize - 8) >> 1;
    const off = r.map.offsetOf(at + 8, n * 2);
    if (off === null) {
      w.add(S, `block at RVA 0x${at.toString(16)}: entries are not in the file`);
      break;
    }
    const b = r.view.bytes;
    r.view.load(off, n * 2);
    for (let k = 0; k < n; k++) {
      const e = b[off + 2 * k]! | (b[off + 2 * k + 1]! << 8);
      const type = e >> 12;
      if (type === 0) continue;
      out.push({ rva: page + (e & 0xfff), type });
      // HIGHADJ takes the next entry as its parameter.
      if (type === 4) k++;
    }
    at += blockSize;
  }
  return out;
}

function guidText(b: Uint8Array): string {
  const h = (i: number): string => b[i]!.toString(16).padStart(2, "0");
  const d1 = h(3) + h(2) + h(1) + h(0);
  const d2 = h(5) + h(4);
  const d3 = h(7) + h(6);
  return `${d1}-${d2}-${d3}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`.toUpperCase();
}

/** Debug directory entries; CodeView RSDS records give the PDB path, GUID and age. */
export function parseDebug(r: RvaReader, dir: DataDirectory, w: Warnings): DebugInfo[] {
  const out: DebugInfo[] = [];
  if (dir.virtualAddress === 0 || dir.size === 0) return out;
  const S = "debug directory";
  const n = Math.min(Math.floor(dir.size / 28), 256);
  for (let i = 0; i < n; i++) {
    const at = dir.virtualAddress + i * 28;
    let type: number, sizeOfData: number, addr: number, ptr: number;
    try {
      type = r.u32(at + 12, S);
      sizeOfData = r.u32(at + 16, S);
      addr = r.u32(at + 20, S);
      ptr = r.u32(at + 24, S);
    } catch (e) {
      w.fromError(e);
      break;
    }
    const info: DebugInfo = { type, pdb: null, guid: null, age: null };
    if (type === 2 && sizeOfData >= 24) {
      // Prefer the file pointer; fall back to the RVA.
      const v = r.view;
      let off: number | null = ptr !== 0 && v.has(ptr, 24) ? ptr : null;
      let avail = off !== null ? Math.min(sizeOfData, v.length - off) : 0;
      if (off === null && addr !== 0) {
        off = r.map.offsetOf(addr, 24);
        if (off !== null) avail = Math.min(sizeOfData, r.available(addr));
      }
      if (off === null) {
        w.add("CodeView record", `debug entry #${i}: data at RVA 0x${addr.toString(16)} / offset 0x${ptr.toString(16)} is not in the file`);
      } else if (v.u32(off, "CodeView record") === 0x53445352 /* "RSDS" */) {
        info.guid = guidText(v.slice(off + 4, 16, "CodeView record"));
        info.age = v.u32(off + 20, "CodeView record");
        try {
          info.pdb = v.cstring(off + 24, "CodeView PDB path", Math.max(1, avail - 24));
        } catch (e) {
          w.fromError(e);
        }
      }
    }
    out.push(info);
  }
  return out;
}

/** x64 (12-byte) or ARM64 (8-byte) RUNTIME_FUNCTION entries of the exception directory. */
export function parseExceptions(r: RvaReader, dir: DataDirectory, machine: number, w: Warnings): RuntimeFunction[] {
  const out: RuntimeFunction[] = [];
  if (dir.virtualAddress === 0 || dir.size === 0) return out;
  const S = "exception directory";
  if (machine === MACHINE.x64) {
    let n = Math.floor(dir.size / 12);
    const fit = Math.floor(r.available(dir.virtualAddress) / 12);
    if (fit < n) {
      w.add(S, `${n} entries declared, ${fit} in the file`);
      n = fit;
    }
    const off = r.map.offsetOf(dir.virtualAddress, n * 12) ?? 0;
    for (let i = 0; i < n; i++) {
      const at = off + i * 12;
      out.push({ beginAddress: r.view.u32(at, S), endAddress: r.view.u32(at + 4, S), unwindInfoAddress: r.view.u32(at + 8, S) });
    }
  } else if (machine === MACHINE.arm64) {
    let n = Math.floor(dir.size / 8);
    const fit = Math.floor(r.available(dir.virtualAddress) / 8);
    if (fit < n) {
      w.add(S, `${n} entries declared, ${fit} in the file`);
      n = fit;
    }
    const off = r.map.offsetOf(dir.virtualAddress, n * 8) ?? 0;
    for (let i = 0; i < n; i++) {
      const begin = r.view.u32(off + i * 8, S);
      const unwind = r.view.u32(off + i * 8 + 4, S);
      let length = 0;
      if ((unwind & 3) !== 0) {
        length = ((unwind >>> 2) & 0x7ff) * 4; // packed unwind data
      } else {
        try {
          length = (r.u32(unwind, "ARM64 .xdata header") & 0x3ffff) * 4;
        } catch (e) {
          w.fromError(e);
        }
      }
      out.push({ beginAddress: begin, endAddress: begin + length, unwindInfoAddress: (unwind & 3) !== 0 ? 0 : unwind });
    }
  } else {
    return out;
  }
  out.sort((a, b) => a.beginAddress - b.beginAddress);
  return out;
}

/** VA → RVA, or null when the VA is not inside the 4 GiB above ImageBase. */
function vaToRva(va: bigint, imageBase: bigint): number | null {
  const d = va - imageBase;
  return d >= 0n && d < 0x100000000n ? Number(d) : null;
}

/** TLS directory: the callback VAs (up to the 0 terminator). */
export function parseTls(r: RvaReader, dir: DataDirectory, pe32plus: boolean, imageBase: bigint, w: Warnings): { callbacks: bigint[] } | null {
  if (dir.virtualAddress === 0) return null;
  const S = "TLS directory";
  const size = pe32plus ? 8 : 4;
  const read = (rva: number, st: string): bigint => (pe32plus ? r.u64(rva, st) : BigInt(r.u32(rva, st)));
  const cbVa = read(dir.virtualAddress + 3 * size, S);
  const callbacks: bigint[] = [];
  if (cbVa === 0n) return { callbacks };
  const cbRva = vaToRva(cbVa, imageBase);
  if (cbRva === null) {
    w.add(S, `AddressOfCallBacks 0x${cbVa.toString(16)} is not inside the image`);
    return { callbacks };
  }
  for (let i = 0; ; i++) {
    if (i >= 1024) {
      w.add("TLS callbacks", "more than 1024 callbacks: array not terminated; stopped");
      break;
    }
    let cb: bigint;
    try {
      cb = read(cbRva + i * size, "TLS callbacks");
    } catch (e) {
      w.fromError(e, "callback array not terminated in the file");
      break;
    }
    if (cb === 0n) break;
    callbacks.push(cb);
  }
  return { callbacks };
}

/** Load config: its declared size and the security cookie VA (when the structure is large enough). */
export function parseLoadConfig(r: RvaReader, dir: DataDirectory, pe32plus: boolean): { size: number; securityCookie: bigint | null } | null {
  if (dir.virtualAddress === 0) return null;
  const S = "load config directory";
  const size = r.u32(dir.virtualAddress, S);
  const cookieAt = pe32plus ? 0x58 : 0x3c;
  const width = pe32plus ? 8 : 4;
  let securityCookie: bigint | null = null;
  if (size >= cookieAt + width) {
    securityCookie = pe32plus ? r.u64(dir.virtualAddress + cookieAt, S) : BigInt(r.u32(dir.virtualAddress + cookieAt, S));
  }
  return { size, securityCookie };
}
