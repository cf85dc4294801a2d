/**
 * Logon sessions and SID strings: GetSecurityUserInfo (ksecdd.sys) / LsaFreeReturnBuffer,
 * RtlConvertSidToUnicodeString and RtlFormatCurrentUserKeyPath, on token-model.ts's tokens.
 */

import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { api, encodeUtf16, hex, nt, readPtr, writePtr } from "./util.js";
import { B, effectiveToken, readSid, sidBytes, sidText, ST, SYSTEM, tokens } from "./token-model.js";

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

export const logonApis: ApiDefinition[] = [
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

