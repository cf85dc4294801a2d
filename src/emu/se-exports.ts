/**
 * The SE_EXPORTS structure ntoskrnl's data export `SeExports` points to: the well-known SIDs and
 * privilege LUIDs drivers use to build security descriptors (e.g. a DACL granting
 * SeExports->SeLocalSystemSid and SeAliasAdminsSid access to a device).
 *
 * Layout: ntifs.h's SE_EXPORTS (23 LUIDs, then the PSIDs from SeNullSid at 0xB8 ...): 8-byte
 * LUIDs and pointer-sized PSIDs, 520 bytes on x64 (SeLocalSystemSid at 0x108) and 396 on x86
 * (SeLocalSystemSid at 0xE0; checked with clang's sizeof/offsetof on mingw-w64's ntifs.h). SID values and privilege LUIDs: Microsoft Learn "Well-known SIDs" and
 * "Privilege Constants" (SE_CREATE_TOKEN_PRIVILEGE = 2 ... SE_CREATE_SYMBOLIC_LINK_PRIVILEGE = 35).
 */
import type { EngineMemory } from "./memory.js";

/** Field order of SE_EXPORTS: a LUID privilege value or a SID (authority, sub-authorities). */
const FIELDS: ({ luid: number } | { sid: [number, ...number[]] })[] = [
  ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 14, 11, 12, 13, 16, 17, 18, 19, 20, 21, 22, 23, 24].map((luid) => ({ luid })),
  { sid: [0, 0] }, // SeNullSid S-1-0-0
  { sid: [1, 0] }, // SeWorldSid S-1-1-0
  { sid: [2, 0] }, // SeLocalSid S-1-2-0
  { sid: [3, 0] }, // SeCreatorOwnerSid S-1-3-0
  { sid: [3, 1] }, // SeCreatorGroupSid S-1-3-1
  { sid: [5] }, // SeNtAuthoritySid S-1-5
  { sid: [5, 1] }, // SeDialupSid
  { sid: [5, 2] }, // SeNetworkSid
  { sid: [5, 3] }, // SeBatchSid
  { sid: [5, 4] }, // SeInteractiveSid
  { sid: [5, 18] }, // SeLocalSystemSid
  { sid: [5, 32, 544] }, // SeAliasAdminsSid
  { sid: [5, 32, 545] }, // SeAliasUsersSid
  { sid: [5, 32, 546] }, // SeAliasGuestsSid
  { sid: [5, 32, 547] }, // SeAliasPowerUsersSid
  { sid: [5, 32, 548] }, // SeAliasAccountOpsSid
  { sid: [5, 32, 549] }, // SeAliasSystemOpsSid
  { sid: [5, 32, 550] }, // SeAliasPrintOpsSid
  { sid: [5, 32, 551] }, // SeAliasBackupOpsSid
  { sid: [5, 11] }, // SeAuthenticatedUsersSid
  { sid: [5, 12] }, // SeRestrictedSid
  { sid: [5, 7] }, // SeAnonymousLogonSid
  { luid: 25 },
  { luid: 26 },
  { luid: 27 },
  { sid: [5, 19] }, // SeLocalServiceSid
  { sid: [5, 20] }, // SeNetworkServiceSid
  ...[28, 29, 30, 31, 32, 33, 34, 35].map((luid) => ({ luid })),
  { sid: [5, 17] }, // SeIUserSid
  { sid: [16, 0] }, // SeUntrustedMandatorySid
  { sid: [16, 4096] }, // SeLowMandatorySid
  { sid: [16, 8192] }, // SeMediumMandatorySid
  { sid: [16, 12288] }, // SeHighMandatorySid
  { sid: [16, 16384] }, // SeSystemMandatorySid
  { sid: [3, 4] }, // SeOwnerRightsSid
];
export const SE_EXPORTS_SIZE = FIELDS.length * 8;
const fieldSize = (f: (typeof FIELDS)[number], ptr: 4 | 8) => ("luid" in f ? 8 : ptr);

/** A SID's bytes: revision 1, sub-authority count, 48-bit big-endian authority, sub-authorities. */
export function sidBytes(authority: number, subs: number[]): Uint8Array {
  const b = new Uint8Array(8 + 4 * subs.length);
  b[0] = 1;
  b[1] = subs.length;
  b[7] = authority;
  const dv = new DataView(b.buffer);
  subs.forEach((s, i) => dv.setUint32(8 + 4 * i, s, true));
  return b;
}

/** Write SE_EXPORTS and its SIDs at `at` (room for 2 KiB) and point the `SeExports` slot at it. */
export function writeSeExports(mem: EngineMemory, at: bigint, slot: bigint | null, ptr: 4 | 8 = 8): void {
  const setPtr = (a: bigint, v: bigint) => (ptr === 8 ? mem.setU64(a, v) : mem.setU32(a, Number(BigInt.asUintN(32, v))));
  let sidAt = at + BigInt(SE_EXPORTS_SIZE + 8);
  let field = at;
  for (const f of FIELDS) {
    if ("luid" in f) mem.setU64(field, BigInt(f.luid));
    else {
      const [authority, ...subs] = f.sid;
      const b = sidBytes(authority, subs);
      mem.write(sidAt, b);
      setPtr(field, sidAt);
      sidAt += BigInt((b.length + 7) & ~7);
    }
    field += BigInt(fieldSize(f, ptr));
  }
  if (slot !== null) setPtr(slot, at);
}
