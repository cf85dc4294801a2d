/**
 * TOKEN_INFORMATION_CLASS images for ZwQueryInformationToken / SeQueryInformationToken (token.ts):
 * TokenUser, TokenGroups, TokenPrivileges, TokenOwner, TokenPrimaryGroup, TokenSource, TokenType,
 * TokenImpersonationLevel, TokenStatistics, TokenSessionId, TokenElevation(Type), TokenIntegrityLevel
 * and the rest the switch below lists. Layouts (winnt.h, Microsoft Learn "TOKEN_INFORMATION_CLASS"):
 * SID_AND_ATTRIBUTES { PSID, ULONG } (16 bytes on x64, 8 on x86); TOKEN_GROUPS { ULONG GroupCount;
 * SID_AND_ATTRIBUTES Groups[] } (array at pointer alignment); TOKEN_PRIVILEGES { ULONG
 * PrivilegeCount; LUID_AND_ATTRIBUTES Privileges[] } (12-byte entries at 4); TOKEN_STATISTICS 56
 * bytes; TOKEN_SOURCE 16.
 */

import type { ApiContext } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { B, G, G_ON, type Group, sidBytes, SYSTEM, type Token, TokenImpersonation } from "./token-model.js";

// ---- token information -------------------------------------------------------------------

/** The image of one TOKEN_INFORMATION_CLASS for a buffer at `base` (pointers inside point into it), or a status. */
export function tokenInformation(ctx: ApiContext, t: Token, cls: number, base: bigint): Uint8Array | number {
  const P = ptrSize();
  const u32 = (...v: number[]) => {
    const img = new Uint8Array(4 * v.length);
    v.forEach((x, i) => new DataView(img.buffer).setUint32(4 * i, x >>> 0, true));
    return img;
  };
  const ptr = (img: Uint8Array, at: number, v: bigint) => (P === 8 ? new DataView(img.buffer).setBigUint64(at, v, true) : new DataView(img.buffer).setUint32(at, Number(v), true));
  /** SID_AND_ATTRIBUTES array of `groups` after `head` bytes (count first), SIDs after the array. */
  const groupsImage = (groups: Group[]) => {
    const arr = P + groups.length * 2 * P;
    const img = new Uint8Array(arr + groups.reduce((n, g) => n + g.sid.length, 0));
    new DataView(img.buffer).setUint32(0, groups.length, true);
    let sidAt = arr;
    groups.forEach((g, i) => {
      const at = P + i * 2 * P;
      ptr(img, at, base + B(sidAt));
      new DataView(img.buffer).setUint32(at + P, g.attrs >>> 0, true);
      img.set(g.sid, sidAt);
      sidAt += g.sid.length;
    });
    return img;
  };
  const withSid = (sid: Uint8Array, attrs: number | null) => {
    const head = attrs === null ? P : 2 * P;
    const img = new Uint8Array(head + sid.length);
    ptr(img, 0, base + B(head));
    if (attrs !== null) new DataView(img.buffer).setUint32(P, attrs, true);
    img.set(sid, head);
    return img;
  };
  switch (cls) {
    case 1: // TokenUser
      return withSid(t.user, 0);
    case 2: // TokenGroups
      return groupsImage(t.groups);
    case 3: {
      // TokenPrivileges
      const img = new Uint8Array(4 + 12 * t.privileges.length);
      const dv = new DataView(img.buffer);
      dv.setUint32(0, t.privileges.length, true);
      t.privileges.forEach((p, i) => {
        dv.setUint32(4 + 12 * i, p.luid, true);
        dv.setUint32(12 + 12 * i, p.attrs >>> 0, true);
      });
      return img;
    }
    case 4: // TokenOwner
      return withSid(t.owner, null);
    case 5: // TokenPrimaryGroup
      return withSid(t.primaryGroup, null);
    case 6: {
      // TokenDefaultDacl: { PACL } + an ACL granting GENERIC_ALL to the user and to SYSTEM.
      const sids = [t.user, sidBytes(SYSTEM)];
      const aclSize = 8 + sids.reduce((n, s) => n + 8 + s.length, 0);
      const img = new Uint8Array(P + aclSize);
      const dv = new DataView(img.buffer);
      ptr(img, 0, base + B(P));
      img[P] = 2;
      dv.setUint16(P + 2, aclSize, true);
      dv.setUint16(P + 4, sids.length, true);
      let at = P + 8;
      for (const s of sids) {
        dv.setUint16(at + 2, 8 + s.length, true);
        dv.setUint32(at + 4, 0x10000000, true); // GENERIC_ALL
        img.set(s, at + 8);
        at += 8 + s.length;
      }
      return img;
    }
    case 7: {
      // TokenSource: SourceName[8], SourceIdentifier LUID.
      const img = new Uint8Array(16);
      for (let i = 0; i < 8; i++) img[i] = t.source.charCodeAt(i) & 0xff;
      return img;
    }
    case 8:
      return u32(t.type);
    case 9:
      return t.type === TokenImpersonation ? u32(t.level) : STATUS.INVALID_INFO_CLASS;
    case 10: {
      // TokenStatistics
      const img = new Uint8Array(56);
      const dv = new DataView(img.buffer);
      dv.setBigUint64(0, t.id, true);
      dv.setBigUint64(8, t.authId, true);
      dv.setBigUint64(16, 0x7fffffffffffffffn, true);
      dv.setUint32(24, t.type, true);
      dv.setUint32(28, t.level, true);
      dv.setUint32(32, 4096, true);
      dv.setUint32(36, 3584, true);
      dv.setUint32(40, t.groups.length, true);
      dv.setUint32(44, t.privileges.length, true);
      dv.setBigUint64(48, t.modifiedId, true);
      return img;
    }
    case 11: // TokenRestrictedSids
      return groupsImage(t.restricted.map((sid) => ({ sid, attrs: G_ON })));
    case 12:
      return u32(t.session);
    case 18:
      return u32(t.elevationType);
    case 20:
      return u32(t.elevated ? 1 : 0);
    case 21:
      return u32(t.restricted.length || t.filtered ? 1 : 0);
    case 23: // TokenVirtualizationAllowed
    case 24: // TokenVirtualizationEnabled
    case 26: // TokenUIAccess
    case 29: // TokenIsAppContainer
      return u32(0);
    case 25: {
      // TokenIntegrityLevel: TOKEN_MANDATORY_LABEL
      const label = t.groups.find((g) => g.attrs & G.INTEGRITY);
      return label ? withSid(label.sid, label.attrs) : STATUS.INVALID_INFO_CLASS;
    }
    default:
      ctx.warn(`kmdll does not implement TOKEN_INFORMATION_CLASS ${cls}`, { kind: "unimplemented-api" });
      return STATUS.INVALID_INFO_CLASS;
  }
}
