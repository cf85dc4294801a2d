/**
 * The PE image checksum (as imagehlp's CheckSumMappedFile computes it): a 16-bit one's-complement
 * style sum of the file's little-endian 16-bit words, skipping the 4-byte CheckSum field (an odd
 * trailing byte counts as a word padded with 0), folded to 16 bits, plus the file length.
 */
export function computePeChecksum(bytes: Uint8Array, checkSumOffset: number): number {
  const n = bytes.length;
  let sum = 0;
  const even = n & ~1;
  // Accumulate unfolded (safe: 2^53 / 0xffff words is far beyond any file) and fold once at the end;
  // end-around-carry folding gives the same result as folding after every addition.
  for (let i = 0; i < even; i += 2) {
    if (i === checkSumOffset || i === checkSumOffset + 2) continue;
    sum += bytes[i]! | (bytes[i + 1]! << 8);
  }
  if (n & 1) sum += bytes[n - 1]!;
  // When the CheckSum field is not 2-aligned the skipped words above do not match it exactly;
  // compensate by removing its bytes' contribution instead.
  if (checkSumOffset & 1) {
    sum = 0;
    for (let i = 0; i < even; i += 2) sum += bytes[i]! | (bytes[i + 1]! << 8);
    if (n & 1) sum += bytes[n - 1]!;
    for (let k = 0; k < 4; k++) {
      const p = checkSumOffset + k;
      if (p < n) sum -= (p & 1 ? bytes[p]! << 8 : bytes[p]!);
    }
  }
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return (sum + n) >>> 0;
}
