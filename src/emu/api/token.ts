/**
 * Access tokens and the security reference monitor: one primary token per process (user SID,
 * groups with the integrity label, privileges, elevation, session, logon ID), impersonation
 * tokens per thread, and the routines that read them consistently — ZwOpenProcessToken(Ex),
 * ZwOpenThreadToken(Ex), ZwQueryInformationToken / SeQueryInformationToken, PsReference/
 * DereferencePrimaryToken, PsReference/DereferenceImpersonationToken, PsImpersonateClient,
 * PsRevertToSelf, SeCaptureSubjectContext and friends, SeTokenIsAdmin, SeTokenType,
 * SeQueryAuthenticationIdToken, ZwDuplicateToken, SeFilterToken, ZwAdjustPrivilegesToken,
 * SeSinglePrivilegeCheck, SePrivilegeCheck, SeAccessCheck (DACL evaluation), SeCreateAccessState /
 * SeDeleteAccessState, RtlConvertSidToUnicodeString and RtlFormatCurrentUserKeyPath.
 *
 * Who runs as whom (a Windows 10 session after logon, docs/emulator.md "Tokens"): session-0
 * processes and csrss/winlogon run as SYSTEM (S-1-5-18, Administrators as owner, System integrity,
 * every privilege LocalSystem holds, elevated); dwm.exe as Window Manager\DWM-<session>
 * (S-1-5-90-0-<session>); every other process of a user session as the logged-on user, a member
 * of Administrators filtered by UAC (the Administrators group deny-only, Medium integrity, the
 * five privileges of a standard user, TokenElevationTypeLimited).
 *
 * Layouts and values (winnt.h / ntifs.h, Microsoft Learn "TOKEN_INFORMATION_CLASS", "Well-known
 * SIDs", "Privilege Constants"): SID_AND_ATTRIBUTES { PSID, ULONG } (16 bytes on x64, 8 on x86);
 * TOKEN_GROUPS { ULONG GroupCount; SID_AND_ATTRIBUTES Groups[] } (array at pointer alignment);
 * TOKEN_PRIVILEGES { ULONG PrivilegeCount; LUID_AND_ATTRIBUTES Privileges[] } (12-byte entries
 * at 4); TOKEN_STATISTICS 56 bytes; TOKEN_SOURCE 16; SECURITY_SUBJECT_CONTEXT { ClientToken,
 * ImpersonationLevel, PrimaryToken, ProcessAuditId } (pointer-sized slots); ACCESS_STATE (wdm.h):
 * OperationID 0, SecurityEvaluated 8, Flags 12, RemainingDesiredAccess 16, PreviouslyGrantedAccess
 * 20, OriginalDesiredAccess 24, SubjectSecurityContext 32 / 28 (x64 / x86), SecurityDescriptor
 * 64 / 44, AuxData 72 / 48, Privileges 80 / 52. Status codes: Microsoft Learn per routine
 * (STATUS_NO_TOKEN 0xC000007C, STATUS_NOT_ALL_ASSIGNED 0x106, STATUS_BAD_TOKEN_TYPE 0xC00000A8,
 * STATUS_BAD_IMPERSONATION_LEVEL 0xC00000A5, STATUS_INVALID_SID 0xC0000078).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { api, encodeUtf16, hex, nt, readPtr, writePtr } from "./util.js";
import { componentState } from "./state.js";
import { dereference, insertHandle, lookupHandle, reference, registerObject } from "./ob.js";
import { holderOf, noteHeld } from "../obmgr/index.js";
import { currentThread } from "./ke.js";
import { attachedProcess, processOfHandle, systemProcess, threadOfHandle } from "./process.js";
import { processByObject, type EmuProcess } from "./processes.js";

const B = (n: number) => BigInt(n);
const TAG_TOKEN = 0x656b6f54; // 'Toke'
const ST = {
  NO_TOKEN: 0xc000007c,
  NOT_ALL_ASSIGNED: 0x00000106,
  BAD_TOKEN_TYPE: 0xc00000a8,
  BAD_IMPERSONATION_LEVEL: 0xc00000a5,
  INVALID_SID: 0xc0000078,
  INVALID_ACL: 0xc0000077,
};
/** SE_GROUP_* (winnt.h). */
const G = { MANDATORY: 1, ENABLED_BY_DEFAULT: 2, ENABLED: 4, OWNER: 8, DENY_ONLY: 0x10, INTEGRITY: 0x20, INTEGRITY_ENABLED: 0x40, LOGON_ID: 0xc0000000 };
const G_ON = G.MANDATORY | G.ENABLED_BY_DEFAULT | G.ENABLED;
const P_ON = 3; // SE_PRIVILEGE_ENABLED_BY_DEFAULT | SE_PRIVILEGE_ENABLED
const SE_PRIVILEGE_ENABLED = 2;
const SE_PRIVILEGE_REMOVED = 4;
const SE_PRIVILEGE_USED_FOR_ACCESS = 0x80000000;
const SE_CHANGE_NOTIFY_PRIVILEGE = 23;
export const TokenPrimary = 1;
export const TokenImpersonation = 2;

// ---- SIDs ----------------------------------------------------------------------------------

/** "S-1-5-32-544" → the SID's bytes. */
export function sidBytes(text: string): Uint8Array {
  const [, rev, auth, ...subs] = text.split("-");
  const img = new Uint8Array(8 + 4 * subs.length);
  const dv = new DataView(img.buffer);
  img[0] = Number(rev);
  img[1] = subs.length;
  const a = BigInt(auth!);
  for (let i = 0; i < 6; i++) img[2 + i] = Number((a >> B(8 * (5 - i))) & 0xffn);
  subs.forEach((s, i) => dv.setUint32(8 + 4 * i, Number(s) >>> 0, true));
  return img;
}
/** The SID's string form, as RtlConvertSidToUnicodeString writes it (authority in hex when above 32 bits). */
export function sidText(img: Uint8Array): string {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const high = (img[2]! << 8) | img[3]!;
  const auth = high !== 0 ? "0x" + [...img.subarray(2, 8)].map((b) => b.toString(16).padStart(2, "0")).join("") : String(dv.getUint32(4, false));
  const subs = [];
  for (let i = 0; i < img[1]!; i++) subs.push(String(dv.getUint32(8 + 4 * i, true)));
  return [`S-${img[0]}-${auth}`, ...subs].join("-");
}
/** A SID read from guest memory (faults on a wild pointer), or null when its revision/count is invalid. */
function readSid(ctx: ApiContext, at: bigint): Uint8Array | null {
  if (ctx.mem.u8(at) !== 1 || ctx.mem.u8(at + 1n) > 15) return null;
  return ctx.mem.read(at, 8 + 4 * ctx.mem.u8(at + 1n));
}
const sameSid = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

const SYSTEM = "S-1-5-18";
const ADMINS = "S-1-5-32-544";
/** The logged-on user's account domain (a made-up machine SID of the documented S-1-5-21-x-y-z form). */
export const USER_DOMAIN = "S-1-5-21-3623811015-3361044348-30300820";
export const USER_SID = `${USER_DOMAIN}-1001`;
/** Privileges LocalSystem holds (Learn "LocalSystem Account"), LUID → enabled by default. */
const SYSTEM_PRIVILEGES: [number, boolean][] = [
  [2, false], [3, false], [4, true], [5, false], [7, true], [8, false], [9, false], [10, false], [11, true], [12, false], [13, true], [14, true], [15, true],
  [16, true], [17, false], [18, false], [19, false], [20, true], [21, true], [22, false], [23, true], [25, false], [28, false], [29, true], [30, true],
  [33, true], [34, true], [35, true],
];
/** A standard user's (and a UAC-filtered administrator's) privileges: SeShutdown, SeChangeNotify (enabled), SeUndock, SeIncreaseWorkingSet, SeTimeZone. */
const USER_PRIVILEGES: [number, boolean][] = [[19, false], [23, true], [25, false], [33, false], [34, false]];

// ---- the token model ------------------------------------------------------------------------

interface Group {
  sid: Uint8Array;
  attrs: number;
}
export interface Token {
  object: bigint;
  user: Uint8Array;
  groups: Group[];
  privileges: { luid: number; attrs: number }[];
  owner: Uint8Array;
  primaryGroup: Uint8Array;
  type: number;
  /** SECURITY_IMPERSONATION_LEVEL of an impersonation token (0 Anonymous ... 3 Delegation). */
  level: number;
  session: number;
  authId: bigint;
  id: bigint;
  modifiedId: bigint;
  /** TOKEN_ELEVATION_TYPE: 1 Default, 2 Full, 3 Limited. */
  elevationType: number;
  elevated: boolean;
  source: string;
  restricted: Uint8Array[];
  filtered: boolean;
}
interface Impersonation {
  token: bigint;
  copyOnOpen: boolean;
  effectiveOnly: boolean;
  level: number;
}
interface TokenState {
  byObject: Map<bigint, Token>;
  byProcess: Map<bigint, bigint>;
  /** Thread object → its impersonation token. */
  impersonating: Map<bigint, Impersonation>;
  nextLuid: bigint;
}
const tokens = componentState("tokens", (): TokenState => ({ byObject: new Map(), byProcess: new Map(), impersonating: new Map(), nextLuid: 0x4a000n }));

function newLuid(ctx: ApiContext): bigint {
  const st = tokens(ctx.kernel);
  st.nextLuid += 1n;
  return st.nextLuid;
}
function newTokenObject(ctx: ApiContext, t: Omit<Token, "object" | "id" | "modifiedId">): Token | null {
  const object = ctx.kernel.kernelPool?.allocate(0x100, TAG_TOKEN) ?? 0n;
  if (object === 0n) return null;
  const token: Token = { ...t, object, id: newLuid(ctx), modifiedId: newLuid(ctx) };
  const st = tokens(ctx.kernel);
  st.byObject.set(object, token);
  registerObject(ctx.kernel, object, {
    type: "Token",
    onDelete: () => {
      st.byObject.delete(object);
      ctx.kernel.kernelPool?.free(object);
    },
  });
  return token;
}
const integrity = (rid: number): Group => ({ sid: sidBytes(`S-1-16-${rid}`), attrs: G.INTEGRITY | G.INTEGRITY_ENABLED });

/** Who a process runs as (see the file comment). */
function identityOf(p: EmuProcess): "system" | "dwm" | "user" {
  if (p.session === 0 || /^(csrss|winlogon)\.exe$/i.test(p.name)) return "system";
  return /^dwm\.exe$/i.test(p.name) ? "dwm" : "user";
}
function primaryTokenFor(ctx: ApiContext, p: EmuProcess): Token | null {
  const who = identityOf(p);
  const privs = (list: [number, boolean][]) => list.map(([luid, on]) => ({ luid, attrs: on ? P_ON : 0 }));
  const common = { type: TokenPrimary, level: 0, session: p.session, restricted: [], filtered: false };
  if (who === "system")
    return newTokenObject(ctx, {
      ...common,
      user: sidBytes(SYSTEM),
      groups: [{ sid: sidBytes(ADMINS), attrs: G.ENABLED_BY_DEFAULT | G.ENABLED | G.OWNER }, { sid: sidBytes("S-1-1-0"), attrs: G_ON }, { sid: sidBytes("S-1-5-11"), attrs: G_ON }, integrity(16384)],
      privileges: privs(SYSTEM_PRIVILEGES),
      owner: sidBytes(ADMINS),
      primaryGroup: sidBytes(SYSTEM),
      authId: 0x3e7n, // SYSTEM_LUID
      elevationType: 1,
      elevated: true,
      source: "*SYSTEM*",
    });
  if (who === "dwm") {
    const dwm = sidBytes(`S-1-5-90-0-${p.session}`);
    return newTokenObject(ctx, {
      ...common,
      user: dwm,
      groups: [{ sid: sidBytes("S-1-1-0"), attrs: G_ON }, { sid: sidBytes("S-1-5-32-545"), attrs: G_ON }, { sid: sidBytes("S-1-5-11"), attrs: G_ON }, integrity(16384)],
      privileges: privs(USER_PRIVILEGES),
      owner: dwm,
      primaryGroup: dwm,
      authId: 0x9000n + B(p.session),
      elevationType: 1,
      elevated: false,
      source: "Advapi  ",
    });
  }
  const user = sidBytes(USER_SID);
  return newTokenObject(ctx, {
    ...common,
    user,
    groups: [
      { sid: sidBytes(`${USER_DOMAIN}-513`), attrs: G_ON },
      { sid: sidBytes("S-1-1-0"), attrs: G_ON },
      { sid: sidBytes(ADMINS), attrs: G.DENY_ONLY },
      { sid: sidBytes("S-1-5-32-545"), attrs: G_ON },
      { sid: sidBytes("S-1-5-4"), attrs: G_ON },
      { sid: sidBytes("S-1-5-11"), attrs: G_ON },
      { sid: sidBytes("S-1-2-0"), attrs: G_ON },
      { sid: sidBytes(`S-1-5-5-0-${0x1c2a5}`), attrs: G_ON | G.LOGON_ID },
      integrity(8192),
    ],
    privileges: privs(USER_PRIVILEGES),
    owner: user,
    primaryGroup: sidBytes(`${USER_DOMAIN}-513`),
    authId: 0x1c2a5n,
    elevationType: 3,
    elevated: false,
    source: "User32  ",
  });
}

function emuProcess(ctx: ApiContext, p: bigint): EmuProcess | undefined {
  if (p === systemProcess(ctx)) return processByObject(ctx.kernel, ctx.mem, p) ?? { pid: 4, parent: 0, name: "System", session: 0, object: p, imagePath: "", createTime: 0n };
  return processByObject(ctx.kernel, ctx.mem, p);
}
/** The primary token of a process (made on first use; the process holds one reference). */
export function primaryToken(ctx: ApiContext, process: bigint): Token | null {
  const st = tokens(ctx.kernel);
  const have = st.byProcess.get(process);
  if (have !== undefined) return st.byObject.get(have) ?? null;
  const p = emuProcess(ctx, process);
  if (!p) return null;
  const t = primaryTokenFor(ctx, p);
  if (t) st.byProcess.set(process, t.object);
  return t;
}
/** A process exited: it drops its token reference (procctl.ts). */
export function releaseProcessToken(ctx: ApiContext, process: bigint): void {
  const st = tokens(ctx.kernel);
  const t = st.byProcess.get(process);
  if (t === undefined) return;
  st.byProcess.delete(process);
  dereference(ctx, t, "PspDeleteProcess");
}
/** A thread ended (or reverted): its impersonation token reference goes. */
function stopImpersonating(ctx: ApiContext, thread: bigint, api: string): void {
  const st = tokens(ctx.kernel);
  const i = st.impersonating.get(thread);
  if (!i) return;
  st.impersonating.delete(thread);
  dereference(ctx, i.token, api);
}
function startImpersonating(ctx: ApiContext, thread: bigint, i: Impersonation, api: string): void {
  stopImpersonating(ctx, thread, api);
  reference(ctx, i.token, api);
  tokens(ctx.kernel).impersonating.set(thread, i);
}

function requireToken(ctx: ApiContext, object: bigint, api: string): Token {
  const t = tokens(ctx.kernel).byObject.get(object);
  if (!t) return ctx.fault("bugcheck", `${api}(${hex(object)}): not an access token`, { code: "0x00000189" });
  return t;
}
/** NtCurrentProcessToken() -4, NtCurrentThreadToken() -5, NtCurrentThreadEffectiveToken() -6 (ntifs.h, Windows 8). */
function tokenOfHandle(ctx: ApiContext, h: bigint): Token | number {
  const s = BigInt.asIntN(8 * ptrSize(), h);
  if (s === -4n || s === -6n) {
    const imp = s === -6n ? tokens(ctx.kernel).impersonating.get(currentThread(ctx)) : undefined;
    const t = imp ? tokens(ctx.kernel).byObject.get(imp.token) : primaryToken(ctx, attachedProcess(ctx));
    return t ?? STATUS.INVALID_HANDLE;
  }
  if (s === -5n) {
    const imp = tokens(ctx.kernel).impersonating.get(currentThread(ctx));
    return (imp && tokens(ctx.kernel).byObject.get(imp.token)) || ST.NO_TOKEN;
  }
  const e = lookupHandle(ctx.kernel, h);
  if (!e) return STATUS.INVALID_HANDLE;
  if (e.type !== "Token" || e.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
  return tokens(ctx.kernel).byObject.get(e.object) ?? STATUS.INVALID_HANDLE;
}
/** The token access checks use: the thread's impersonation token, else its process's primary token. */
function effectiveToken(ctx: ApiContext): Token | null {
  const imp = tokens(ctx.kernel).impersonating.get(currentThread(ctx));
  if (imp) return tokens(ctx.kernel).byObject.get(imp.token) ?? null;
  return primaryToken(ctx, attachedProcess(ctx));
}

// ---- token information -------------------------------------------------------------------

/** The image of one TOKEN_INFORMATION_CLASS for a buffer at `base` (pointers inside point into it), or a status. */
function tokenInformation(ctx: ApiContext, t: Token, cls: number, base: bigint): Uint8Array | number {
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

// ---- access checks -------------------------------------------------------------------------

const hasPrivilege = (t: Token, luid: number) => t.privileges.some((p) => p.luid === luid && (p.attrs & SE_PRIVILEGE_ENABLED) !== 0);
const isAdmin = (t: Token) => t.groups.some((g) => sameSid(g.sid, sidBytes(ADMINS)) && (g.attrs & G.ENABLED) !== 0 && !(g.attrs & G.DENY_ONLY));
/** Whether an ACE's SID applies to the token: the user or a group (deny-only groups match deny ACEs only). */
function sidMatches(t: Token, sid: Uint8Array, deny: boolean): boolean {
  if (sameSid(sid, t.user)) return true;
  return t.groups.some((g) => sameSid(g.sid, sid) && !(g.attrs & G.INTEGRITY) && ((g.attrs & G.ENABLED) !== 0 || (deny && (g.attrs & G.DENY_ONLY) !== 0)));
}

/** GENERIC_READ/WRITE/EXECUTE/ALL → the object's rights through its GENERIC_MAPPING (16 bytes). */
function mapGeneric(ctx: ApiContext, mask: number, mapping: bigint): number {
  let m = mask >>> 0;
  if (mapping === 0n) return m;
  const [r, w, x, a] = [0, 4, 8, 12].map((o) => ctx.mem.u32(mapping + B(o)));
  if (m & 0x80000000) m |= r!;
  if (m & 0x40000000) m |= w!;
  if (m & 0x20000000) m |= x!;
  if (m & 0x10000000) m |= a!;
  return (m & 0x0fffffff) >>> 0;
}

interface SdView {
  owner: Uint8Array | null;
  daclPresent: boolean;
  dacl: bigint;
}
/** Owner and DACL of an absolute or self-relative SECURITY_DESCRIPTOR (security.ts's layouts). */
function sdView(ctx: ApiContext, sd: bigint): SdView | null {
  if (ctx.mem.u8(sd) !== 1) return null;
  const control = ctx.mem.u16(sd + 2n);
  let owner: bigint;
  let dacl: bigint;
  if (control & 0x8000) {
    const off = (o: number) => (ctx.mem.u32(sd + B(o)) === 0 ? 0n : sd + B(ctx.mem.u32(sd + B(o))));
    owner = off(4);
    dacl = off(16);
  } else {
    const P = ptrSize();
    const first = P === 8 ? 8 : 4;
    owner = readPtr(ctx.mem, sd + B(first));
    dacl = readPtr(ctx.mem, sd + B(first + 3 * P));
  }
  return { owner: owner === 0n ? null : readSid(ctx, owner), daclPresent: (control & 4) !== 0, dacl };
}

/**
 * The DACL walk of SeAccessCheck (Learn "How DACLs Control Access to an Object"): no DACL grants
 * everything; ACEs in order, ACCESS_DENIED_ACE (1) denying requested rights not yet granted,
 * ACCESS_ALLOWED_ACE (0) granting; INHERIT_ONLY_ACE entries skipped; the owner is granted
 * READ_CONTROL | WRITE_DAC. MAXIMUM_ALLOWED (0x02000000) asks for every right the DACL grants.
 */
function accessCheck(ctx: ApiContext, t: Token, sd: SdView, desired: number, previously: number, genericAll: number): { granted: number; ok: boolean } {
  const maximum = (desired & 0x02000000) !== 0;
  const want = (desired & ~0x02000000) >>> 0;
  if (!sd.daclPresent || sd.dacl === 0n) {
    const granted = (maximum ? genericAll | want : want) | previously;
    return { granted: granted >>> 0, ok: true };
  }
  let granted = previously >>> 0;
  let denied = 0;
  if (sd.owner && sidMatches(t, sd.owner, false)) granted |= 0x00020000 | 0x00040000; // READ_CONTROL | WRITE_DAC
  const count = ctx.mem.u16(sd.dacl + 4n);
  const size = ctx.mem.u16(sd.dacl + 2n);
  let off = 8;
  for (let i = 0; i < count && off + 8 <= size; i++) {
    const ace = sd.dacl + B(off);
    const type = ctx.mem.u8(ace);
    const flags = ctx.mem.u8(ace + 1n);
    const aceSize = ctx.mem.u16(ace + 2n);
    if (aceSize < 8) break;
    off += aceSize;
    if (flags & 0x08 || (type !== 0 && type !== 1)) continue; // INHERIT_ONLY_ACE; only allowed/denied ACEs
    const sid = readSid(ctx, ace + 8n);
    if (!sid || !sidMatches(t, sid, type === 1)) continue;
    const mask = ctx.mem.u32(ace + 4n);
    if (type === 1) denied |= mask & ~granted;
    else granted |= mask & ~denied;
  }
  granted >>>= 0;
  if (maximum) {
    const ok = want === 0 ? granted !== 0 : (granted & want) === want;
    return { granted: ok ? granted : 0, ok };
  }
  const ok = want !== 0 ? (granted & want) === want : previously !== 0;
  return { granted: ok ? ((want | previously) >>> 0) : 0, ok };
}

// ---- subject contexts ---------------------------------------------------------------------

/** SECURITY_SUBJECT_CONTEXT at `at`: ClientToken, ImpersonationLevel, PrimaryToken, ProcessAuditId, each pointer-sized. */
function captureSubject(ctx: ApiContext, at: bigint, api: string): void {
  const P = B(ptrSize());
  const imp = tokens(ctx.kernel).impersonating.get(currentThread(ctx));
  const process = attachedProcess(ctx);
  const primary = primaryToken(ctx, process);
  writePtr(ctx.mem, at, imp ? imp.token : 0n);
  writePtr(ctx.mem, at + P, BigInt(imp ? imp.level : 0));
  writePtr(ctx.mem, at + 2n * P, primary?.object ?? 0n);
  writePtr(ctx.mem, at + 3n * P, process);
  if (imp) reference(ctx, imp.token, api);
  if (primary) reference(ctx, primary.object, api);
}
function releaseSubject(ctx: ApiContext, at: bigint, api: string): void {
  const P = B(ptrSize());
  const client = readPtr(ctx.mem, at);
  const primary = readPtr(ctx.mem, at + 2n * P);
  if (client !== 0n) dereference(ctx, requireToken(ctx, client, api).object, api);
  if (primary !== 0n) dereference(ctx, requireToken(ctx, primary, api).object, api);
  writePtr(ctx.mem, at, 0n);
  writePtr(ctx.mem, at + 2n * P, 0n);
}
/** The token a captured subject context stands for: the client token when impersonating at Identification or above, else the primary. */
function subjectToken(ctx: ApiContext, at: bigint, api: string): Token {
  const P = B(ptrSize());
  const client = readPtr(ctx.mem, at);
  const level = Number(readPtr(ctx.mem, at + P) & 0xffffffffn);
  if (client !== 0n && level >= 1) return requireToken(ctx, client, api);
  return requireToken(ctx, readPtr(ctx.mem, at + 2n * P), api);
}

// ---- handlers ------------------------------------------------------------------------------

function openToken(ctx: ApiContext, t: Token, access: number, attributes: number, out: bigint): number {
  writePtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Token", object: t.object, access, kernelHandle: (attributes & 0x200) !== 0 }));
  return STATUS.SUCCESS;
}
function openProcessToken(ctx: ApiContext, h: bigint, access: number, attributes: number, out: bigint): number {
  ctx.describe([hex(h), hex(access), hex(attributes), hex(out)]);
  const p = processOfHandle(ctx, h);
  if (typeof p === "number") return p;
  const t = primaryToken(ctx, p);
  if (!t) return STATUS.INVALID_HANDLE;
  return openToken(ctx, t, access, attributes, out);
}
function openThreadToken(ctx: ApiContext, h: bigint, access: number, attributes: number, out: bigint): number {
  ctx.describe([hex(h), hex(access), hex(attributes), hex(out)]);
  const th = threadOfHandle(ctx, h);
  if (typeof th === "number") return th;
  const imp = tokens(ctx.kernel).impersonating.get(th);
  if (!imp) return ST.NO_TOKEN;
  return openToken(ctx, requireToken(ctx, imp.token, "ZwOpenThreadToken"), access, attributes, out);
}

/** A copy of `t` (ZwDuplicateToken, SeFilterToken). */
function copyToken(ctx: ApiContext, t: Token, over: Partial<Token>): Token | null {
  return newTokenObject(ctx, {
    ...t,
    groups: t.groups.map((g) => ({ ...g })),
    privileges: t.privileges.map((p) => ({ ...p })),
    restricted: [...t.restricted],
    ...over,
  });
}

/** TOKEN_GROUPS at `at` → its SIDs (SeFilterToken's SidsToDisable and RestrictedSids). */
function readGroups(ctx: ApiContext, at: bigint): Uint8Array[] | null {
  if (at === 0n) return [];
  const P = B(ptrSize());
  const n = ctx.mem.u32(at);
  if (n > 1024) return null;
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const sid = readSid(ctx, readPtr(ctx.mem, at + P + B(i) * 2n * P));
    if (!sid) return null;
    out.push(sid);
  }
  return out;
}

function unicodeOut(ctx: ApiContext, us: bigint, text: string, allocate: boolean, api: string): number {
  const chars = encodeUtf16(text);
  let buf: bigint;
  if (allocate) {
    buf = ctx.pool.allocate(chars.length + 2, 0x74536553 /* 'SeSt' */, 1, false);
    if (buf === 0n) return STATUS.NO_MEMORY;
    ctx.mem.setU16(us + 2n, chars.length + 2);
    writePtr(ctx.mem, us + B(ptrSize()), buf);
  } else {
    buf = readPtr(ctx.mem, us + B(ptrSize()));
    if (chars.length > ctx.mem.u16(us + 2n)) return STATUS.BUFFER_OVERFLOW;
  }
  ctx.mem.write(buf, chars);
  if (chars.length + 2 <= ctx.mem.u16(us + 2n)) ctx.mem.setU16(buf + B(chars.length), 0);
  ctx.mem.setU16(us, chars.length);
  void api;
  return STATUS.SUCCESS;
}

/**
 * The logon session of a logon ID, as GetSecurityUserInfo reports it: kmdll's choice of names for
 * the emulated machine (SYSTEM: "SYSTEM" in "NT AUTHORITY"; DWM: "DWM-n" in "Window Manager";
 * the logged-on user: "User" on the machine KMDLL-PC), the SID the tokens carry.
 */
function logonSession(ctx: ApiContext, logonId: bigint): { user: string; domain: string; server: string; sid: Uint8Array } | null {
  if (logonId === 0x3e7n) return { user: "SYSTEM", domain: "NT AUTHORITY", server: "", sid: sidBytes(SYSTEM) };
  for (const t of tokens(ctx.kernel).byObject.values()) {
    if (t.authId !== logonId) continue;
    const text = sidText(t.user);
    if (text.startsWith("S-1-5-90-0-")) return { user: `DWM-${text.slice(11)}`, domain: "Window Manager", server: "", sid: t.user };
    return { user: "User", domain: "KMDLL-PC", server: "KMDLL-PC", sid: t.user };
  }
  return null;
}

export const apis: ApiDefinition[] = [
  // GetSecurityUserInfo(PLUID LogonId, ULONG Flags, PSecurityUserData *UserInformation) (ksecdd.sys,
  // Learn): SECURITY_USER_DATA { UNICODE_STRING UserName, LogonDomainName, LogonServer; PSID pSid }
  // (56 bytes on x64) in one pool block the caller frees with LsaFreeReturnBuffer; a NULL LogonId
  // means the caller's (effective token's) session; an unknown one STATUS_NO_SUCH_LOGON_SESSION.
  api("ksecdd.sys", "GetSecurityUserInfo", 3, (ctx) => {
    const [luid, flags, out] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    ctx.describe([hex(luid), hex(flags), hex(out)]);
    let id: bigint;
    if (luid === 0n) id = effectiveToken(ctx)?.authId ?? 0x3e7n;
    else id = B(ctx.mem.u32(luid)) | (B(ctx.mem.u32(luid + 4n)) << 32n);
    const session = logonSession(ctx, id);
    if (!session) return 0xc000005f; // STATUS_NO_SUCH_LOGON_SESSION
    const P = ptrSize();
    const us = P === 8 ? 16 : 8;
    const strings = [session.user, session.domain, session.server].map(encodeUtf16);
    const head = 3 * us + P;
    const size = head + strings.reduce((n, c) => n + c.length + 2, 0) + session.sid.length;
    const a = ctx.pool.allocate(size, 0x72557345 /* 'EsUr' */, 1, true);
    if (a === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    let at = a + B(head);
    strings.forEach((c, i) => {
      const f = a + B(i * us);
      ctx.mem.setU16(f, c.length);
      ctx.mem.setU16(f + 2n, c.length + 2);
      writePtr(ctx.mem, f + B(P), at);
      ctx.mem.write(at, c);
      at += B(c.length + 2);
    });
    writePtr(ctx.mem, a + B(3 * us), at);
    ctx.mem.write(at, session.sid);
    writePtr(ctx.mem, out, a);
    return STATUS.SUCCESS;
  }),
  // LsaFreeReturnBuffer(PVOID): frees a buffer an Lsa*/GetSecurityUserInfo call returned (pool here).
  nt("LsaFreeReturnBuffer", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    if (ctx.arg(0) === 0n) return STATUS.INVALID_PARAMETER;
    ctx.pool.free(ctx.arg(0), null, 0);
    return STATUS.SUCCESS;
  }),
  nt("ZwOpenProcessTokenEx", 4, (ctx) => openProcessToken(ctx, ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.arg(3))),
  nt("ZwOpenProcessToken", 3, (ctx) => openProcessToken(ctx, ctx.arg(0), ctx.u32(1), 0, ctx.arg(2))),
  nt("ZwOpenThreadTokenEx", 5, (ctx) => openThreadToken(ctx, ctx.arg(0), ctx.u32(1), ctx.u32(3), ctx.arg(4))),
  nt("ZwOpenThreadToken", 4, (ctx) => openThreadToken(ctx, ctx.arg(0), ctx.u32(1), 0, ctx.arg(3))),
  nt("ZwQueryInformationToken", 5, (ctx) => {
    const [h, cls, buf, len, ret] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3), ctx.arg(4)];
    ctx.describe([hex(h), String(cls), hex(buf), String(len), hex(ret)]);
    const t = tokenOfHandle(ctx, h);
    if (typeof t === "number") return t;
    const img = tokenInformation(ctx, t, cls, buf);
    if (typeof img === "number") return img;
    ctx.mem.setU32(ret, img.length);
    if (len < img.length) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(buf, img);
    return STATUS.SUCCESS;
  }),
  nt("SeQueryInformationToken", 3, (ctx) => {
    const [token, cls, out] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    ctx.describe([hex(token), String(cls), hex(out)]);
    const t = requireToken(ctx, token, "SeQueryInformationToken");
    // The classes Learn lists for SeQueryInformationToken; TokenSessionId is stored as a ULONG
    // through the output pointer (as ReactOS's SeQueryInformationToken does), the rest allocated
    // from paged pool for the caller to ExFreePool.
    if (cls === 12) {
      ctx.mem.setU32(out, t.session);
      return STATUS.SUCCESS;
    }
    if (![1, 2, 3, 4, 5, 6, 7, 8, 9, 10].includes(cls)) return STATUS.INVALID_INFO_CLASS;
    const probe = tokenInformation(ctx, t, cls, 0n);
    if (typeof probe === "number") return probe;
    const a = ctx.pool.allocate(probe.length, 0x69536553 /* 'SeSi' */, 1, false);
    if (a === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.write(a, tokenInformation(ctx, t, cls, a) as Uint8Array);
    writePtr(ctx.mem, out, a);
    return STATUS.SUCCESS;
  }),
  nt("PsReferencePrimaryToken", 1, (ctx) => {
    const p = ctx.arg(0);
    ctx.describe([hex(p)]);
    const t = primaryToken(ctx, p);
    if (!t) return ctx.fault("bugcheck", `PsReferencePrimaryToken(${hex(p)}): not a process object`, { code: "0x00000005" });
    reference(ctx, t.object, "PsReferencePrimaryToken", holderOf(ctx));
    return t.object;
  }),
  nt("PsDereferencePrimaryToken", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    dereference(ctx, requireToken(ctx, ctx.arg(0), "PsDereferencePrimaryToken").object, "PsDereferencePrimaryToken", holderOf(ctx));
  }),
  nt("PsReferenceImpersonationToken", 4, (ctx) => {
    const [thread, copy, effective, level] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(thread), hex(copy), hex(effective), hex(level)]);
    const th = threadOfHandle(ctx, thread, true);
    if (typeof th === "number") return ctx.fault("bugcheck", `PsReferenceImpersonationToken(${hex(thread)}): not a thread object`, { code: "0x00000005" });
    const imp = tokens(ctx.kernel).impersonating.get(th);
    if (!imp) return 0n;
    ctx.mem.setU8(copy, imp.copyOnOpen ? 1 : 0);
    ctx.mem.setU8(effective, imp.effectiveOnly ? 1 : 0);
    ctx.mem.setU32(level, imp.level);
    reference(ctx, imp.token, "PsReferenceImpersonationToken", holderOf(ctx));
    return imp.token;
  }),
  nt("PsDereferenceImpersonationToken", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    if (ctx.arg(0) !== 0n) dereference(ctx, requireToken(ctx, ctx.arg(0), "PsDereferenceImpersonationToken").object, "PsDereferenceImpersonationToken", holderOf(ctx));
  }),
  nt("PsImpersonateClient", 5, (ctx) => {
    const [thread, token] = [ctx.arg(0), ctx.arg(1)];
    const [copy, effective, level] = [(ctx.u32(2) & 0xff) !== 0, (ctx.u32(3) & 0xff) !== 0, ctx.u32(4)];
    ctx.describe([hex(thread), hex(token), String(copy), String(effective), String(level)]);
    const th = threadOfHandle(ctx, thread, true);
    if (typeof th === "number") return ctx.fault("bugcheck", `PsImpersonateClient(${hex(thread)}): not a thread object`, { code: "0x00000005" });
    // A NULL token ends impersonation (Learn).
    if (token === 0n) {
      stopImpersonating(ctx, th, "PsImpersonateClient");
      return STATUS.SUCCESS;
    }
    const t = requireToken(ctx, token, "PsImpersonateClient");
    if (level > 3) return ST.BAD_IMPERSONATION_LEVEL;
    startImpersonating(ctx, th, { token: t.object, copyOnOpen: copy, effectiveOnly: effective, level: t.type === TokenImpersonation ? Math.min(level, t.level) : level }, "PsImpersonateClient");
    return STATUS.SUCCESS;
  }),
  nt("PsRevertToSelf", 0, (ctx) => void stopImpersonating(ctx, currentThread(ctx), "PsRevertToSelf")),
  nt("SeCaptureSubjectContext", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    captureSubject(ctx, ctx.arg(0), "SeCaptureSubjectContext");
  }),
  nt("SeReleaseSubjectContext", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    releaseSubject(ctx, ctx.arg(0), "SeReleaseSubjectContext");
  }),
  // The tokens of a captured context are read-only here, so the lock is a check of the context.
  nt("SeLockSubjectContext", 1, (ctx) => void subjectToken(ctx, ctx.arg(0), "SeLockSubjectContext")),
  nt("SeUnlockSubjectContext", 1, (ctx) => void subjectToken(ctx, ctx.arg(0), "SeUnlockSubjectContext")),
  nt("SeTokenIsAdmin", 1, (ctx) => (isAdmin(requireToken(ctx, ctx.arg(0), "SeTokenIsAdmin")) ? 1 : 0)),
  nt("SeTokenType", 1, (ctx) => requireToken(ctx, ctx.arg(0), "SeTokenType").type),
  nt("SeQueryAuthenticationIdToken", 2, (ctx) => {
    const t = requireToken(ctx, ctx.arg(0), "SeQueryAuthenticationIdToken");
    ctx.mem.setU32(ctx.arg(1), Number(t.authId & 0xffffffffn));
    ctx.mem.setU32(ctx.arg(1) + 4n, Number(t.authId >> 32n));
    return STATUS.SUCCESS;
  }),
  nt("ZwDuplicateToken", 6, (ctx) => {
    const [h, access, oa, effectiveOnly, type, out] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), (ctx.u32(3) & 0xff) !== 0, ctx.u32(4), ctx.arg(5)];
    ctx.describe([hex(h), hex(access), hex(oa), String(effectiveOnly), type === 1 ? "TokenPrimary" : type === 2 ? "TokenImpersonation" : String(type), hex(out)]);
    const t = tokenOfHandle(ctx, h);
    if (typeof t === "number") return t;
    if (type !== TokenPrimary && type !== TokenImpersonation) return STATUS.INVALID_PARAMETER;
    // OBJECT_ATTRIBUTES.SecurityQualityOfService (after SecurityDescriptor): { Length, ImpersonationLevel, ... }.
    let level = 0;
    let attributes = 0;
    if (oa !== 0n) {
      const P = B(ptrSize());
      attributes = ctx.mem.u32(oa + 3n * P);
      const qos = readPtr(ctx.mem, oa + (P === 8n ? 0x28n : 0x14n));
      if (qos !== 0n) level = ctx.mem.u32(qos + 4n);
    }
    if (level > 3) return ST.BAD_IMPERSONATION_LEVEL;
    // An impersonation token below SecurityImpersonation cannot become a primary one.
    if (type === TokenPrimary && t.type === TokenImpersonation && t.level < 2) return ST.BAD_IMPERSONATION_LEVEL;
    const groups = effectiveOnly ? t.groups.filter((g) => g.attrs & (G.ENABLED | G.INTEGRITY)) : undefined;
    const privileges = effectiveOnly ? t.privileges.filter((p) => p.attrs & SE_PRIVILEGE_ENABLED) : undefined;
    const copy = copyToken(ctx, t, { type, level: type === TokenImpersonation ? level : 0, ...(groups ? { groups } : {}), ...(privileges ? { privileges } : {}) });
    if (!copy) return STATUS.INSUFFICIENT_RESOURCES;
    const r = openToken(ctx, copy, access, attributes, out);
    dereference(ctx, copy.object, "ZwDuplicateToken"); // the handle holds it
    return r;
  }),
  nt("SeFilterToken", 6, (ctx) => {
    const [token, flags, disable, remove, restricted, out] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
    ctx.describe([hex(token), hex(flags), hex(disable), hex(remove), hex(restricted), hex(out)]);
    const t = requireToken(ctx, token, "SeFilterToken");
    const toDisable = readGroups(ctx, disable);
    const toRestrict = readGroups(ctx, restricted);
    if (!toDisable || !toRestrict) return ST.INVALID_SID;
    const removeLuids = new Set<number>();
    if (remove !== 0n) for (let i = 0, n = ctx.mem.u32(remove); i < n && i < 64; i++) removeLuids.add(ctx.mem.u32(remove + 4n + B(12 * i)));
    // DISABLE_MAX_PRIVILEGE (1): every privilege but SeChangeNotifyPrivilege goes (ntifs.h).
    const privileges = t.privileges.filter((p) => !removeLuids.has(p.luid) && (!(flags & 1) || p.luid === SE_CHANGE_NOTIFY_PRIVILEGE)).map((p) => ({ ...p }));
    const groups = t.groups.map((g) => (toDisable.some((s) => sameSid(s, g.sid)) && !(g.attrs & G.INTEGRITY) ? { sid: g.sid, attrs: (g.attrs & ~(G.ENABLED | G.ENABLED_BY_DEFAULT | G.OWNER)) | G.DENY_ONLY } : { ...g }));
    const user = toDisable.some((s) => sameSid(s, t.user));
    const copy = copyToken(ctx, t, { groups, privileges, restricted: [...t.restricted, ...toRestrict], filtered: true });
    if (!copy) return STATUS.INSUFFICIENT_RESOURCES;
    if (user) copy.groups.unshift({ sid: t.user, attrs: G.DENY_ONLY });
    const holder = holderOf(ctx);
    if (holder) noteHeld(ctx, copy.object, holder, "SeFilterToken");
    writePtr(ctx.mem, out, copy.object);
    return STATUS.SUCCESS;
  }),
  nt("ZwAdjustPrivilegesToken", 6, (ctx) => {
    const [h, disableAll, state, len, prev, ret] = [ctx.arg(0), (ctx.u32(1) & 0xff) !== 0, ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5)];
    ctx.describe([hex(h), String(disableAll), hex(state), String(len), hex(prev), hex(ret)]);
    const t = tokenOfHandle(ctx, h);
    if (typeof t === "number") return t;
    if (!disableAll && state === 0n) return STATUS.INVALID_PARAMETER;
    const changes: { luid: number; attrs: number }[] = [];
    let missing = false;
    const wanted = disableAll ? t.privileges.map((p) => ({ luid: p.luid, attrs: 0 })) : [];
    if (!disableAll) for (let i = 0, n = ctx.mem.u32(state); i < n && i < 64; i++) wanted.push({ luid: ctx.mem.u32(state + 4n + B(12 * i)), attrs: ctx.mem.u32(state + 12n + B(12 * i)) });
    for (const w of wanted) {
      const p = t.privileges.find((x) => x.luid === w.luid);
      if (!p) {
        missing = true;
        continue;
      }
      const on = (w.attrs & SE_PRIVILEGE_ENABLED) !== 0;
      if (w.attrs & SE_PRIVILEGE_REMOVED) {
        changes.push({ ...p });
        t.privileges.splice(t.privileges.indexOf(p), 1);
      } else if (on !== ((p.attrs & SE_PRIVILEGE_ENABLED) !== 0)) {
        changes.push({ ...p });
        p.attrs = on ? p.attrs | SE_PRIVILEGE_ENABLED : p.attrs & ~SE_PRIVILEGE_ENABLED;
      }
    }
    if (prev !== 0n) {
      const need = 4 + 12 * changes.length;
      if (ret !== 0n) ctx.mem.setU32(ret, need);
      if (len < need) return STATUS.BUFFER_TOO_SMALL;
      ctx.mem.setU32(prev, changes.length);
      changes.forEach((c, i) => {
        ctx.mem.setU32(prev + 4n + B(12 * i), c.luid);
        ctx.mem.setU32(prev + 8n + B(12 * i), 0);
        ctx.mem.setU32(prev + 12n + B(12 * i), c.attrs >>> 0);
      });
    }
    if (changes.length) t.modifiedId = newLuid(ctx);
    return missing ? ST.NOT_ALL_ASSIGNED : STATUS.SUCCESS;
  }),
  // SeSinglePrivilegeCheck(LUID, KPROCESSOR_MODE): kernel-mode callers hold every privilege (Learn).
  nt("SeSinglePrivilegeCheck", 2, (ctx) => {
    const luid = Number(ctx.arg(0) & 0xffffffffn);
    const mode = ctx.u32(1) & 0xff;
    ctx.describe([String(luid), mode ? "UserMode" : "KernelMode"]);
    if (mode === 0) return 1;
    const t = effectiveToken(ctx);
    return t && hasPrivilege(t, luid) ? 1 : 0;
  }),
  nt("SePrivilegeCheck", 3, (ctx) => {
    const [set, subject, mode] = [ctx.arg(0), ctx.arg(1), ctx.u32(2) & 0xff];
    ctx.describe([hex(set), hex(subject), mode ? "UserMode" : "KernelMode"]);
    const n = ctx.mem.u32(set);
    const all = (ctx.mem.u32(set + 4n) & 1) !== 0; // PRIVILEGE_SET_ALL_NECESSARY
    const t = subjectToken(ctx, subject, "SePrivilegeCheck");
    let held = 0;
    for (let i = 0; i < n && i < 64; i++) {
      const at = set + 8n + B(12 * i);
      const ok = mode === 0 || hasPrivilege(t, ctx.mem.u32(at));
      if (ok) {
        held++;
        ctx.mem.setU32(at + 8n, (ctx.mem.u32(at + 8n) | SE_PRIVILEGE_USED_FOR_ACCESS) >>> 0);
      }
    }
    return (all ? held === n : held > 0 || n === 0) ? 1 : 0;
  }),
  nt("SeAccessCheck", 10, (ctx) => {
    const [sd, subject, locked, desired, previously, privileges, mapping, mode, grantedOut, statusOut] = [ctx.arg(0), ctx.arg(1), ctx.u32(2) & 0xff, ctx.u32(3), ctx.u32(4), ctx.arg(5), ctx.arg(6), ctx.u32(7) & 0xff, ctx.arg(8), ctx.arg(9)];
    ctx.describe([hex(sd), hex(subject), String(locked), hex(desired), hex(previously), hex(privileges), hex(mapping), mode ? "UserMode" : "KernelMode", hex(grantedOut), hex(statusOut)]);
    if (privileges !== 0n) writePtr(ctx.mem, privileges, 0n);
    const genericAll = mapGeneric(ctx, 0x10000000, mapping);
    const want = mapGeneric(ctx, desired, mapping) | (desired & 0x02000000);
    const t = subjectToken(ctx, subject, "SeAccessCheck");
    let r: { granted: number; ok: boolean };
    if (mode === 0) r = { granted: ((want & 0x02000000 ? genericAll | (want & ~0x02000000) : want) | previously) >>> 0, ok: true };
    else {
      const view = sd === 0n ? null : sdView(ctx, sd);
      if (sd !== 0n && !view) {
        ctx.mem.setU32(grantedOut, 0);
        ctx.mem.setU32(statusOut, 0xc0000079); // STATUS_INVALID_SECURITY_DESCR
        return 0;
      }
      r = accessCheck(ctx, t, view ?? { owner: null, daclPresent: false, dacl: 0n }, want, previously, genericAll);
    }
    ctx.mem.setU32(grantedOut, r.granted);
    ctx.mem.setU32(statusOut, r.ok ? STATUS.SUCCESS : STATUS.ACCESS_DENIED);
    return r.ok ? 1 : 0;
  }),
  nt("SeCreateAccessState", 4, (ctx) => {
    const [state, aux, desired, mapping] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3)];
    ctx.describe([hex(state), hex(aux), hex(desired), hex(mapping)]);
    const x64 = ptrSize() === 8;
    const L = x64 ? { subject: 32n, sd: 64n, aux: 72n, privileges: 80n, size: 160 } : { subject: 28n, sd: 44n, aux: 48n, privileges: 52n, size: 116 };
    ctx.mem.write(state, new Uint8Array(L.size));
    const mapped = (mapGeneric(ctx, desired, mapping) | (desired & 0x02000000)) >>> 0;
    const op = newLuid(ctx);
    ctx.mem.setU32(state, Number(op & 0xffffffffn));
    ctx.mem.setU32(state + 4n, Number(op >> 32n));
    ctx.mem.setU32(state + 16n, mapped); // RemainingDesiredAccess
    ctx.mem.setU32(state + 24n, mapped); // OriginalDesiredAccess
    captureSubject(ctx, state + L.subject, "SeCreateAccessState");
    writePtr(ctx.mem, state + L.aux, aux);
    // AUX_ACCESS_DATA (opaque): PrivilegesUsed → the state's privilege set, then the GENERIC_MAPPING.
    if (aux !== 0n) {
      writePtr(ctx.mem, aux, state + L.privileges);
      ctx.mem.write(aux + B(ptrSize()), mapping !== 0n ? ctx.mem.read(mapping, 16) : new Uint8Array(16));
    }
    ctx.mem.setU32(state + L.privileges + 4n, 1); // PrivilegeSet.Control: PRIVILEGE_SET_ALL_NECESSARY
    return STATUS.SUCCESS;
  }),
  nt("SeDeleteAccessState", 1, (ctx) => {
    const state = ctx.arg(0);
    ctx.describe([hex(state)]);
    releaseSubject(ctx, state + (ptrSize() === 8 ? 32n : 28n), "SeDeleteAccessState");
  }),
  nt("RtlConvertSidToUnicodeString", 3, (ctx) => {
    const [us, sid, allocate] = [ctx.arg(0), ctx.arg(1), (ctx.u32(2) & 0xff) !== 0];
    ctx.describe([hex(us), hex(sid), String(allocate)]);
    const img = readSid(ctx, sid);
    if (!img) return ST.INVALID_SID;
    return unicodeOut(ctx, us, sidText(img), allocate, "RtlConvertSidToUnicodeString");
  }),
  nt("RtlFormatCurrentUserKeyPath", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    const t = effectiveToken(ctx);
    if (!t) return ST.NO_TOKEN;
    return unicodeOut(ctx, ctx.arg(0), `\\REGISTRY\\USER\\${sidText(t.user)}`, true, "RtlFormatCurrentUserKeyPath");
  }),
];

/** SECURITY_CLIENT_CONTEXT (ntifs.h): SecurityQos (12 bytes), ClientToken, three BOOLEANs, TOKEN_CONTROL (40 bytes, 4-aligned). */
const clientContext = () => (ptrSize() === 8 ? { token: 16n, direct: 24n, directEffective: 25n, remote: 26n, control: 28n } : { token: 12n, direct: 16n, directEffective: 17n, remote: 18n, control: 20n });
const SECURITY_DYNAMIC_TRACKING = 1;
const STATUS_INVALID_OWNER = 0xc000005a;

function writeTokenControl(ctx: ApiContext, at: bigint, t: Token): void {
  const luid = (o: bigint, v: bigint) => {
    ctx.mem.setU32(at + o, Number(v & 0xffffffffn));
    ctx.mem.setU32(at + o + 4n, Number(v >> 32n));
  };
  luid(0n, t.id);
  luid(8n, t.authId);
  luid(16n, t.modifiedId);
  const src = new Uint8Array(16);
  for (let i = 0; i < 8; i++) src[i] = t.source.charCodeAt(i) & 0xff;
  ctx.mem.write(at + 24n, src);
}

export const clientApis: ApiDefinition[] = [
  // SeCreateClientSecurity(ClientThread, ClientSecurityQos, RemoteSession, ClientContext) (Learn):
  // the client's effective token (impersonation, else its process's primary); dynamic tracking
  // refers to it directly, static tracking gets a copy (an impersonation token at the QOS level);
  // a client impersonating below the QOS level → STATUS_BAD_IMPERSONATION_LEVEL.
  nt("SeCreateClientSecurity", 4, (ctx) => {
    const [thread, qos, remote, out] = [ctx.arg(0), ctx.arg(1), (ctx.u32(2) & 0xff) !== 0, ctx.arg(3)];
    ctx.describe([hex(thread), hex(qos), String(remote), hex(out)]);
    const th = threadOfHandle(ctx, thread, true);
    if (typeof th === "number") return ctx.fault("bugcheck", `SeCreateClientSecurity(${hex(thread)}): not a thread object`, { code: "0x00000005" });
    const q = ctx.mem.read(qos, 12);
    const level = new DataView(q.buffer).getUint32(4, true);
    const dynamic = q[8] === SECURITY_DYNAMIC_TRACKING;
    const effectiveOnly = q[9] !== 0;
    if (level > 3) return ST.BAD_IMPERSONATION_LEVEL;
    const imp = tokens(ctx.kernel).impersonating.get(th);
    if (imp && imp.level < level && level >= 2) return ST.BAD_IMPERSONATION_LEVEL;
    const source = imp ? requireToken(ctx, imp.token, "SeCreateClientSecurity") : primaryToken(ctx, attachedProcess(ctx));
    if (!source) return STATUS.NO_MEMORY;
    let client: Token | null = source;
    if (dynamic) reference(ctx, source.object, "SeCreateClientSecurity", holderOf(ctx));
    else {
      client = copyToken(ctx, source, { type: TokenImpersonation, level });
      if (!client) return STATUS.INSUFFICIENT_RESOURCES;
      const holder = holderOf(ctx);
      if (holder) noteHeld(ctx, client.object, holder, "SeCreateClientSecurity");
    }
    const L = clientContext();
    ctx.mem.write(out, q);
    writePtr(ctx.mem, out + L.token, client.object);
    ctx.mem.setU8(out + L.direct, dynamic ? 1 : 0);
    ctx.mem.setU8(out + L.directEffective, dynamic && effectiveOnly ? 1 : 0);
    ctx.mem.setU8(out + L.remote, remote ? 1 : 0);
    writeTokenControl(ctx, out + L.control, client);
    return STATUS.SUCCESS;
  }),
  // SeImpersonateClientEx(ClientContext, ServerThread OPTIONAL): the server thread (the current
  // one when NULL) impersonates the context's token at its QOS level.
  nt("SeImpersonateClientEx", 2, (ctx) => {
    const [cc, thread] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(cc), hex(thread)]);
    const L = clientContext();
    const t = requireToken(ctx, readPtr(ctx.mem, cc + L.token), "SeImpersonateClientEx");
    const th = thread === 0n ? currentThread(ctx) : threadOfHandle(ctx, thread, true);
    if (typeof th === "number") return ctx.fault("bugcheck", `SeImpersonateClientEx(${hex(thread)}): not a thread object`, { code: "0x00000005" });
    const level = ctx.mem.u32(cc + 4n);
    const direct = ctx.mem.u8(cc + L.direct) !== 0;
    const effectiveOnly = direct ? ctx.mem.u8(cc + L.directEffective) !== 0 : ctx.mem.u8(cc + 9n) !== 0;
    startImpersonating(ctx, th, { token: t.object, copyOnOpen: !direct, effectiveOnly, level: Math.min(level, 3) }, "SeImpersonateClientEx");
    return STATUS.SUCCESS;
  }),
  // ZwSetInformationToken (Learn): TokenOwner (the user or a group with SE_GROUP_OWNER, else
  // STATUS_INVALID_OWNER), TokenPrimaryGroup (any SID), TokenSessionId (ULONG) and
  // TokenIntegrityLevel (the label replaced); other classes are named as not implemented.
  nt("ZwSetInformationToken", 4, (ctx) => {
    const [h, cls, buf, len] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3)];
    ctx.describe([hex(h), String(cls), hex(buf), String(len)]);
    const t = tokenOfHandle(ctx, h);
    if (typeof t === "number") return t;
    const P = ptrSize();
    if (cls === 12) {
      if (len < 4) return STATUS.INFO_LENGTH_MISMATCH;
      t.session = ctx.mem.u32(buf);
    } else if (cls === 4 || cls === 5 || cls === 25) {
      if (len < (cls === 25 ? 2 * P : P)) return STATUS.INFO_LENGTH_MISMATCH;
      const sidAt = readPtr(ctx.mem, buf);
      const sid = sidAt === 0n ? null : readSid(ctx, sidAt);
      if (!sid) return cls === 4 ? STATUS_INVALID_OWNER : ST.INVALID_SID;
      if (cls === 4) {
        if (!sameSid(sid, t.user) && !t.groups.some((g) => g.attrs & G.OWNER && sameSid(g.sid, sid))) return STATUS_INVALID_OWNER;
        t.owner = sid;
      } else if (cls === 5) t.primaryGroup = sid;
      else {
        if (sid[1] !== 1 || sid[7] !== 16) return ST.INVALID_SID; // S-1-16-<level>
        const label = t.groups.find((g) => g.attrs & G.INTEGRITY);
        if (label) label.sid = sid;
        else t.groups.push(integrity(new DataView(sid.buffer, sid.byteOffset).getUint32(8, true)));
      }
    } else {
      ctx.warn(`kmdll does not implement ZwSetInformationToken class ${cls}`, { kind: "unimplemented-api" });
      return STATUS.INVALID_INFO_CLASS;
    }
    t.modifiedId = newLuid(ctx);
    return STATUS.SUCCESS;
  }),
  // No audit policy is set (Windows's default): no audit record is generated for the object.
  { ...nt("SeDeleteObjectAuditAlarm", 2, (ctx) => void ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))])), stub: true, notes: "auditing is off: nothing is recorded" },
  // PsWrapApcWow64Thread(PVOID *ApcContext, PVOID *ApcRoutine): encodes a user APC for a WOW64
  // process; no emulated process is WOW64 (PsGetProcessWow64Process is NULL), so both stay as they are.
  nt("PsWrapApcWow64Thread", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    readPtr(ctx.mem, ctx.arg(0));
    readPtr(ctx.mem, ctx.arg(1));
    return STATUS.SUCCESS;
  }),
];

/** For procctl.ts: ZwSetInformationThread(ThreadImpersonationToken). */
export function setThreadImpersonation(ctx: ApiContext, thread: bigint, tokenHandle: bigint): number {
  if (tokenHandle === 0n) {
    stopImpersonating(ctx, thread, "ZwSetInformationThread");
    return STATUS.SUCCESS;
  }
  const t = tokenOfHandle(ctx, tokenHandle);
  if (typeof t === "number") return t;
  if (t.type !== TokenImpersonation) return ST.BAD_TOKEN_TYPE;
  startImpersonating(ctx, thread, { token: t.object, copyOnOpen: false, effectiveOnly: false, level: t.level }, "ZwSetInformationThread");
  return STATUS.SUCCESS;
}
/** For procctl.ts: ZwSetInformationProcess(ProcessAccessToken) — a primary token replaces the process's. */
export function setPrimaryToken(ctx: ApiContext, process: bigint, tokenHandle: bigint): number {
  const t = tokenOfHandle(ctx, tokenHandle);
  if (typeof t === "number") return t;
  if (t.type !== TokenPrimary) return ST.BAD_TOKEN_TYPE;
  primaryToken(ctx, process);
  releaseProcessToken(ctx, process);
  reference(ctx, t.object, "ZwSetInformationProcess");
  tokens(ctx.kernel).byProcess.set(process, t.object);
  return STATUS.SUCCESS;
}
/** For procctl.ts: a thread ended. */
export function threadEnded(ctx: ApiContext, thread: bigint): void {
  stopImpersonating(ctx, thread, "PspExitThread");
}
