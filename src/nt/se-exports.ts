/**
 * SE_EXPORTS (ntifs.h): the structure ntoskrnl's `SeExports` data export points at — the LUIDs
 * of the well-known privileges and pointers to the well-known SIDs. WDK code reads it directly
 * (IoCreateDeviceSecure / wdmsec.lib's SDDL parser takes SeExports->SeLocalSystemSid and
 * friends), so a null `SeExports` crashes such drivers in DriverEntry.
 *
 * Field order, privilege values (SE_*_PRIVILEGE, wdm.h/ntifs.h) and SID contents (well-known
 * SIDs, Microsoft Learn "Well-known SIDs") are public facts. Pure: builds bytes for a base address.
 */

type Sid = [authority: number, ...subs: number[]];
/** The fields in SE_EXPORTS order: a privilege LUID (its SE_*_PRIVILEGE value) or a well-known SID. */
type Field = { luid: number } | { sid: Sid };
const L = (luid: number): Field => ({ luid });
const S = (...sid: Sid): Field => ({ sid });
const FIELDS: Field[] = [
  // SeCreateToken .. SeRemoteShutdown (2..24, in the structure's order)
  ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 14, 11, 12, 13, 16, 17, 18, 19, 20, 21, 22, 23, 24].map(L),
  S(0, 0), // SeNullSid S-1-0-0 (0xB8)
  S(1, 0), // SeWorldSid S-1-1-0
  S(2, 0), // SeLocalSid
  S(3, 0), // SeCreatorOwnerSid
  S(3, 1), // SeCreatorGroupSid
  S(5), // SeNtAuthoritySid S-1-5
  S(5, 1), // SeDialupSid
  S(5, 2), // SeNetworkSid
  S(5, 3), // SeBatchSid
  S(5, 4), // SeInteractiveSid
  S(5, 18), // SeLocalSystemSid S-1-5-18 (0x108)
  S(5, 32, 544), // SeAliasAdminsSid
  S(5, 32, 545), // SeAliasUsersSid
  S(5, 32, 546), // SeAliasGuestsSid
  S(5, 32, 547), // SeAliasPowerUsersSid
  S(5, 32, 548), // SeAliasAccountOpsSid
  S(5, 32, 549), // SeAliasSystemOpsSid
  S(5, 32, 550), // SeAliasPrintOpsSid
  S(5, 32, 551), // SeAliasBackupOpsSid
  S(5, 11), // SeAuthenticatedUsersSid
  S(5, 12), // SeRestrictedSid
  S(5, 7), // SeAnonymousLogonSid
  L(25), // SeUndockPrivilege
  L(26), // SeSyncAgentPrivilege
  L(27), // SeEnableDelegationPrivilege
  S(5, 19), // SeLocalServiceSid
  S(5, 20), // SeNetworkServiceSid
  L(28), // SeManageVolumePrivilege
  L(29), // SeImpersonatePrivilege
  L(30), // SeCreateGlobalPrivilege
  L(31), // SeTrustedCredManAccessPrivilege
  L(32), // SeRelabelPrivilege
  L(33), // SeIncreaseWorkingSetPrivilege
  L(34), // SeTimeZonePrivilege
  L(35), // SeCreateSymbolicLinkPrivilege
  S(5, 17), // SeIUserSid
  S(16, 0), // SeUntrustedMandatorySid
  S(16, 0x1000), // SeLowMandatorySid
  S(16, 0x2000), // SeMediumMandatorySid
  S(16, 0x3000), // SeHighMandatorySid
  S(16, 0x4000), // SeSystemMandatorySid
  S(3, 4), // SeOwnerRightsSid
];

function sidBytes([authority, ...subs]: Sid): Uint8Array {
  const b = new Uint8Array(8 + 4 * subs.length);
  const dv = new DataView(b.buffer);
  b[0] = 1; // Revision
  b[1] = subs.length;
  b[7] = authority; // IdentifierAuthority (6 bytes, big-endian; all well-known ones fit in the last byte)
  subs.forEach((s, i) => dv.setUint32(8 + 4 * i, s >>> 0, true));
  return b;
}

/** Offsets of some SE_EXPORTS fields (x64), for tests. */
export const SE_EXPORTS_OFFSETS = { SeNullSid: 0xb8, SeLocalSystemSid: 0x108, SeAliasAdminsSid: 0x110, SeAnonymousLogonSid: 0x160, SeUndockPrivilege: 0x168, SeIUserSid: 0x1d0, size: 0x208 } as const;

/** The SE_EXPORTS structure at `base`, followed by the SIDs it points at: bytes to write there. */
export function buildSeExports(base: bigint): Uint8Array {
  const head = 8 * FIELDS.length;
  const sids = FIELDS.flatMap((f) => ("sid" in f ? [sidBytes(f.sid)] : []));
  const out = new Uint8Array(head + sids.reduce((n, x) => n + ((x.length + 7) & ~7), 0));
  const dv = new DataView(out.buffer);
  let sidAt = head;
  let next = 0;
  FIELDS.forEach((f, i) => {
    if ("luid" in f) {
      dv.setUint32(8 * i, f.luid, true); // LUID { LowPart, HighPart = 0 }
      return;
    }
    const x = sids[next++]!;
    out.set(x, sidAt);
    dv.setBigUint64(8 * i, base + BigInt(sidAt), true);
    sidAt += (x.length + 7) & ~7;
  });
  return out;
}
