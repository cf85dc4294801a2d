/**
 * Access checks and subject contexts for token.ts: privilege and Administrators membership
 * tests, GENERIC_* mapping through a GENERIC_MAPPING, the owner and DACL of a security
 * descriptor, DACL evaluation (SeAccessCheck), and SECURITY_SUBJECT_CONTEXT capture / release
 * { ClientToken, ImpersonationLevel, PrimaryToken, ProcessAuditId } (pointer-sized slots).
 */

import type { ApiContext } from "./types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { readPtr, writePtr } from "./util.js";
import { dereference, reference } from "./ob.js";
import { currentThread } from "./ke.js";
import { attachedProcess } from "./process.js";
import { ADMINS, B, G, primaryToken, readSid, requireToken, sameSid, SE_PRIVILEGE_ENABLED, sidBytes, type Token, tokens } from "./token-model.js";

// ---- access checks -------------------------------------------------------------------------

export const hasPrivilege = (t: Token, luid: number) => t.privileges.some((p) => p.luid === luid && (p.attrs & SE_PRIVILEGE_ENABLED) !== 0);
export const isAdmin = (t: Token) => t.groups.some((g) => sameSid(g.sid, sidBytes(ADMINS)) && (g.attrs & G.ENABLED) !== 0 && !(g.attrs & G.DENY_ONLY));
/** Whether an ACE's SID applies to the token: the user or a group (deny-only groups match deny ACEs only). */
function sidMatches(t: Token, sid: Uint8Array, deny: boolean): boolean {
  if (sameSid(sid, t.user)) return true;
  return t.groups.some((g) => sameSid(g.sid, sid) && !(g.attrs & G.INTEGRITY) && ((g.attrs & G.ENABLED) !== 0 || (deny && (g.attrs & G.DENY_ONLY) !== 0)));
}

/** GENERIC_READ/WRITE/EXECUTE/ALL → the object's rights through its GENERIC_MAPPING (16 bytes). */
export function mapGeneric(ctx: ApiContext, mask: number, mapping: bigint): number {
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
export function sdView(ctx: ApiContext, sd: bigint): SdView | null {
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
export function accessCheck(ctx: ApiContext, t: Token, sd: SdView, desired: number, previously: number, genericAll: number): { granted: number; ok: boolean } {
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
export function captureSubject(ctx: ApiContext, at: bigint, api: string): void {
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
export function releaseSubject(ctx: ApiContext, at: bigint, api: string): void {
  const P = B(ptrSize());
  const client = readPtr(ctx.mem, at);
  const primary = readPtr(ctx.mem, at + 2n * P);
  if (client !== 0n) dereference(ctx, requireToken(ctx, client, api).object, api);
  if (primary !== 0n) dereference(ctx, requireToken(ctx, primary, api).object, api);
  writePtr(ctx.mem, at, 0n);
  writePtr(ctx.mem, at + 2n * P, 0n);
}
/** The token a captured subject context stands for: the client token when impersonating at Identification or above, else the primary. */
export function subjectToken(ctx: ApiContext, at: bigint, api: string): Token {
  const P = B(ptrSize());
  const client = readPtr(ctx.mem, at);
  const level = Number(readPtr(ctx.mem, at + P) & 0xffffffffn);
  if (client !== 0n && level >= 1) return requireToken(ctx, client, api);
  return requireToken(ctx, readPtr(ctx.mem, at + 2n * P), api);
}
