/**
 * The PE image checksum (as imagehlp's CheckSumMappedFile computes it): the file's little-endian
 * 16-bit words summed with end-around carry (one's-complement style, folded to 16 bits), skipping
 * the 4-byte CheckSum field (an odd trailing byte counts as a word padded with 0), plus the file
 * length.
 *
 * Implementation: since 2^16 ≡ 1 (mod 0xffff), the folded word sum is the byte sum with odd
 * positions weighted by 256, taken mod 0xffff (0xffff rather than 0 when any word is non-zero).
 * That lets us sum 32-bit dwords (each ≡ its two halves) through a Uint32Array, several times
 * faster than a per-word loop.
 */
export function computePeChecksum(bytes: Uint8Array, checkSumOffset: number): number {
  const n = bytes.length;
  const M = 0xffff;
  let sum = 0;
  let nonZero = false;
  let i = 0;
  if (bytes.byteOffset % 4 === 0 && n >= 4) {
    const dwords = new Uint32Array(bytes.buffer, bytes.byteOffset, n >>> 2);
    const len = dwords.length;
    const CHUNK = 1 << 20; // 2^20 * 2^32 < 2^53: reduce before the float accumulator loses precision
    for (let start = 0; start < len; start += CHUNK) {
      const end = Math.min(len, start + CHUNK);
      let s = 0;
      for (let k = start; k < end; k++) s += dwords[k]!;
      if (s !== 0) nonZero = true;
      sum = (sum + (s % M)) % M;
    }
    i = len * 4;
  }
  // Remaining bytes (unaligned buffer or the tail), by weight.
  let s = 0;
  for (; i < n; i++) {
    const b = bytes[i]!;
    if (b !== 0) nonZero = true;
    s += i & 1 ? b * 256 : b;
  }
  sum = (sum + (s % M)) % M;
  // Remove the CheckSum field's own contribution, and decide whether anything else was non-zero.
  let field = 0;
  for (let k = 0; k < 4; k++) {
    const p = checkSumOffset + k;
    if (p >= 0 && p < n) field += p & 1 ? bytes[p]! * 256 : bytes[p]!;
  }
  sum = (((sum - (field % M)) % M) + M) % M;
  if (sum === 0 && nonZero && restNonZero(bytes, checkSumOffset)) sum = M;
  return (sum + n) >>> 0;
}

/** Whether any byte outside the CheckSum field is non-zero (only consulted in the rare sum ≡ 0 case). */
function restNonZero(bytes: Uint8Array, checkSumOffset: number): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0 && (i < checkSumOffset || i >= checkSumOffset + 4)) return true;
  }
  return false;
}
