/**
 * Client security (servers acting for a client thread): SeCreateClientSecurity,
 * SeImpersonateClientEx, ZwSetInformationToken and PsWrapApcWow64Thread, on token-model.ts's
 * tokens. SECURITY_CLIENT_CONTEXT and TOKEN_CONTROL layouts: ntifs.h.
 */

import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { reference } from "./ob.js";
import { holderOf, noteHeld } from "../obmgr/index.js";
import { currentThread } from "./ke.js";
import { attachedProcess, threadOfHandle } from "./process.js";
import { copyToken, G, integrity, newLuid, primaryToken, readSid, requireToken, sameSid, ST, startImpersonating, type Token, TokenImpersonation, tokenOfHandle, tokens } from "./token-model.js";

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

