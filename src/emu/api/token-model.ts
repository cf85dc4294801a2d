/**
 * The access-token model (token.ts's routines share it): SIDs and their string form, the token
 * record, one primary token per process made on first use (who runs as whom: see token.ts), the
 * impersonation token per thread, token handles and pseudo-handles, the effective token, copies
 * (ZwDuplicateToken, SeFilterToken) and the hooks procctl.ts calls (ZwSetInformationProcess/
 * Thread, thread end). Values: winnt.h / ntifs.h, Microsoft Learn "Well-known SIDs",
 * "Privilege Constants".
 */

import type { ApiContext } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, readPtr } from "./util.js";
import { componentState } from "./state.js";
import { dereference, lookupHandle, reference, registerObject } from "./ob.js";
import { currentThread } from "./ke.js";
import { attachedProcess, systemProcess } from "./process.js";
import { processByObject, type EmuProcess } from "./processes.js";

export const B = (n: number) => BigInt(n);
const TAG_TOKEN = 0x656b6f54; // 'Toke'
export const ST = {
  NO_TOKEN: 0xc000007c,
  NOT_ALL_ASSIGNED: 0x00000106,
  BAD_TOKEN_TYPE: 0xc00000a8,
  BAD_IMPERSONATION_LEVEL: 0xc00000a5,
  INVALID_SID: 0xc0000078,
  INVALID_ACL: 0xc0000077,
};
/** SE_GROUP_* (winnt.h). */
export const G = { MANDATORY: 1, ENABLED_BY_DEFAULT: 2, ENABLED: 4, OWNER: 8, DENY_ONLY: 0x10, INTEGRITY: 0x20, INTEGRITY_ENABLED: 0x40, LOGON_ID: 0xc0000000 };
export const G_ON = G.MANDATORY | G.ENABLED_BY_DEFAULT | G.ENABLED;
const P_ON = 3; // SE_PRIVILEGE_ENABLED_BY_DEFAULT | SE_PRIVILEGE_ENABLED
export const SE_PRIVILEGE_ENABLED = 2;
export const SE_PRIVILEGE_REMOVED = 4;
export const SE_PRIVILEGE_USED_FOR_ACCESS = 0x80000000;
export const SE_CHANGE_NOTIFY_PRIVILEGE = 23;
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
export function readSid(ctx: ApiContext, at: bigint): Uint8Array | null {
  if (ctx.mem.u8(at) !== 1 || ctx.mem.u8(at + 1n) > 15) return null;
  return ctx.mem.read(at, 8 + 4 * ctx.mem.u8(at + 1n));
}
export const sameSid = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export const SYSTEM = "S-1-5-18";
export const ADMINS = "S-1-5-32-544";
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

export interface Group {
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
export const tokens = componentState("tokens", (): TokenState => ({ byObject: new Map(), byProcess: new Map(), impersonating: new Map(), nextLuid: 0x4a000n }));

export function newLuid(ctx: ApiContext): bigint {
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
export const integrity = (rid: number): Group => ({ sid: sidBytes(`S-1-16-${rid}`), attrs: G.INTEGRITY | G.INTEGRITY_ENABLED });

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
export function stopImpersonating(ctx: ApiContext, thread: bigint, api: string): void {
  const st = tokens(ctx.kernel);
  const i = st.impersonating.get(thread);
  if (!i) return;
  st.impersonating.delete(thread);
  dereference(ctx, i.token, api);
}
export function startImpersonating(ctx: ApiContext, thread: bigint, i: Impersonation, api: string): void {
  stopImpersonating(ctx, thread, api);
  reference(ctx, i.token, api);
  tokens(ctx.kernel).impersonating.set(thread, i);
}

export function requireToken(ctx: ApiContext, object: bigint, api: string): Token {
  const t = tokens(ctx.kernel).byObject.get(object);
  if (!t) return ctx.fault("bugcheck", `${api}(${hex(object)}): not an access token`, { code: "0x00000189" });
  return t;
}
/** NtCurrentProcessToken() -4, NtCurrentThreadToken() -5, NtCurrentThreadEffectiveToken() -6 (ntifs.h, Windows 8). */
export function tokenOfHandle(ctx: ApiContext, h: bigint): Token | number {
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
export function effectiveToken(ctx: ApiContext): Token | null {
  const imp = tokens(ctx.kernel).impersonating.get(currentThread(ctx));
  if (imp) return tokens(ctx.kernel).byObject.get(imp.token) ?? null;
  return primaryToken(ctx, attachedProcess(ctx));
}


/** A copy of `t` (ZwDuplicateToken, SeFilterToken). */
export function copyToken(ctx: ApiContext, t: Token, over: Partial<Token>): Token | null {
  return newTokenObject(ctx, {
    ...t,
    groups: t.groups.map((g) => ({ ...g })),
    privileges: t.privileges.map((p) => ({ ...p })),
    restricted: [...t.restricted],
    ...over,
  });
}

/** TOKEN_GROUPS at `at` → its SIDs (SeFilterToken's SidsToDisable and RestrictedSids). */
export function readGroups(ctx: ApiContext, at: bigint): Uint8Array[] | null {
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
