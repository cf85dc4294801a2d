/**
 * The one hexadecimal formatter kmdll uses for numbers and addresses in text and JSON:
 * "0x" + lower-case digits. Negative numbers and bigints keep their sign unless `bits` asks for
 * the two's-complement view (`hex(-1n, { bits: 64 })` = "0xffffffffffffffff"). Pure.
 */
export interface HexOptions {
  /** Show the value as an unsigned integer of this many bits (two's complement for negatives). */
  bits?: 32 | 64;
  /** Pad to at least this many digits. */
  width?: number;
  /** Upper-case digits (e.g. NTSTATUS values, debugger-style addresses). */
  upper?: boolean;
  /** Leave out the "0x" prefix. */
  bare?: boolean;
}

export function hex(n: number | bigint, o: HexOptions = {}): string {
  let v = typeof n === "bigint" ? n : BigInt(Math.trunc(n));
  if (o.bits !== undefined) v = BigInt.asUintN(o.bits, v);
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString(16);
  if (o.upper) digits = digits.toUpperCase();
  if (o.width !== undefined) digits = digits.padStart(o.width, "0");
  return (neg ? "-" : "") + (o.bare ? "" : "0x") + digits;
}
