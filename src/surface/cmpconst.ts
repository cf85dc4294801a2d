/**
 * Constants a driver compares against, read from the bytes of the basic blocks an input reached
 * (Unicorn's block hook gives exact block boundaries): `cmp r/m, imm` in all its x64 forms
 * (80/81/83 /7 with any ModRM/SIB/displacement, 3C/3D on AL/EAX, with 66/REX prefixes). They feed
 * the fuzzer's dictionary: a magic value or structure size the code checks becomes an input.
 * A byte scan: a misdecode only adds a constant, it cannot lose one that decodes. Pure.
 */

/** Length of the ModRM (+SIB +displacement) bytes at `p`, or -1 when out of bounds. */
function modrmLength(b: Uint8Array, p: number): number {
  if (p >= b.length) return -1;
  const m = b[p]!;
  const mod = m >> 6;
  const rm = m & 7;
  if (mod === 3) return 1;
  let n = 1;
  if (rm === 4) {
    if (p + 1 >= b.length) return -1;
    n++;
    if (mod === 0 && (b[p + 1]! & 7) === 5) n += 4;
  } else if (mod === 0 && rm === 5) n += 4; // RIP-relative
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}

/** Immediates of `cmp` instructions in `code` (values as unsigned 32-bit numbers, sign-extended forms too). */
export function cmpImmediates(code: Uint8Array): number[] {
  const out = new Set<number>();
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  for (let i = 0; i < code.length; i++) {
    let p = i;
    let opsize16 = false;
    if (code[p] === 0x66) {
      opsize16 = true;
      p++;
    }
    if (p < code.length && code[p]! >= 0x40 && code[p]! <= 0x4f) p++;
    if (p >= code.length) break;
    const op = code[p]!;
    if (op === 0x3c && p + 1 < code.length) out.add(code[p + 1]!);
    else if (op === 0x3d) {
      if (opsize16 && p + 3 <= code.length) out.add(dv.getUint16(p + 1, true));
      else if (p + 5 <= code.length) out.add(dv.getUint32(p + 1, true));
    } else if (op === 0x80 || op === 0x81 || op === 0x83) {
      if (p + 1 >= code.length || ((code[p + 1]! >> 3) & 7) !== 7) continue;
      const n = modrmLength(code, p + 1);
      if (n < 0) continue;
      const at = p + 1 + n;
      if (op === 0x81) {
        if (opsize16 && at + 2 <= code.length) out.add(dv.getUint16(at, true));
        else if (at + 4 <= code.length) out.add(dv.getUint32(at, true));
      } else if (at < code.length) {
        const v = code[at]!;
        out.add(op === 0x83 && v & 0x80 ? (0xffffff00 | v) >>> 0 : v);
      }
    }
  }
  return [...out];
}
