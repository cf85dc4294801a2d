/**
 * RtlIsNameLegalDOS8Dot3 (the "fsrtl" family; examples/api-rank checks it from C on x64 and x86).
 *
 * RtlIsNameLegalDOS8Dot3(Name, OemName, NameContainsSpaces) (ntifs.h; Learn
 *   nf-ntifs-rtlisnamelegaldos8dot3): the name upcased into OemName (when given; a name longer
 *   than its MaximumLength, or than 12 without one, is not legal) and checked as ReactOS's
 *   lib/rtl/dos8dot3.c checks it: "." and ".." are legal, any other leading dot is not; at most
 *   one dot, at most 8 characters before it and 3 after, not last; no space first, last or
 *   before the dot; none of * ? < > | " + = , ; [ ] : / \. *NameContainsSpaces: an embedded
 *   space. An empty name is not legal (kmdll's answer). Characters outside ASCII need the OEM
 *   code page's table, which kmdll lacks: FALSE with a warning (an emulator gap).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt, readCounted } from "./util.js";

const ILLEGAL_83 = new Set([..."*?<>|\"+=,;[]:/\\"].map((c) => c.charCodeAt(0)));

function isNameLegal83(ctx: ApiContext): number {
  const [name, oem, spaces] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  const us = readCounted(ctx.mem, name);
  const units: number[] = [];
  for (let i = 0; i < us.length >> 1; i++) units.push(ctx.mem.u16(us.buffer + BigInt(2 * i)));
  ctx.describe([JSON.stringify(String.fromCharCode(...units)), hex(oem), hex(spaces)]);
  if (units.some((c) => c >= 0x80)) {
    ctx.warn(`RtlIsNameLegalDOS8Dot3: the name has characters outside ASCII; kmdll has no OEM code page table — answered FALSE (an emulator gap)`);
    return 0;
  }
  // RtlUpcaseUnicodeStringToCountedOemString into OemName (or a 12-byte buffer of its own): a
  // name that does not fit is not legal.
  const bytes = units.map((c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c));
  const room = oem === 0n ? 12 : readCounted(ctx.mem, oem).maximumLength;
  if (bytes.length > room) return 0;
  if (oem !== 0n) {
    const o = readCounted(ctx.mem, oem);
    ctx.mem.write(o.buffer, Uint8Array.from(bytes));
    ctx.mem.setU16(oem, bytes.length);
  }
  const n = bytes.length;
  if (n === 0 || n > 12) return 0;
  const setSpaces = (v: boolean) => (spaces !== 0n ? ctx.mem.setU8(spaces, v ? 1 : 0) : undefined);
  if (bytes[0] === 0x2e) {
    if (n !== 1 && (n !== 2 || bytes[1] !== 0x2e)) return 0;
    setSpaces(false);
    return 1;
  }
  let dot = -1;
  let space = false;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0x20) {
      if (i === 0 || i === n - 1 || bytes[i + 1] === 0x2e) return 0;
      space = true;
    } else if (c === 0x2e) {
      if (dot !== -1) return 0;
      dot = i;
    } else if (ILLEGAL_83.has(c)) return 0;
  }
  if (dot === -1 ? n > 8 : dot > 8 || n - dot > 4 || dot === n - 1) return 0;
  setSpaces(space);
  return 1;
}

export const apis: ApiDefinition[] = [nt("RtlIsNameLegalDOS8Dot3", 3, isNameLegal83)];
