/**
 * Access tokens and the security reference monitor, the routines: ZwOpenProcessToken(Ex),
 * ZwOpenThreadToken(Ex), ZwQueryInformationToken / SeQueryInformationToken, PsReference/
 * DereferencePrimaryToken, PsReference/DereferenceImpersonationToken, PsImpersonateClient,
 * PsRevertToSelf, SeCaptureSubjectContext and friends, SeTokenIsAdmin, SeTokenType,
 * SeQueryAuthenticationIdToken, ZwDuplicateToken, SeFilterToken, ZwAdjustPrivilegesToken,
 * SeSinglePrivilegeCheck, SePrivilegeCheck, SeAccessCheck (DACL evaluation), SeCreateAccessState /
 * SeDeleteAccessState. The token model (one primary token per process, impersonation tokens per
 * thread) is token-model.ts; information classes token-info.ts; access checks and subject
 * contexts token-access.ts; logon sessions and SID strings token-logon.ts; client security
 * token-client.ts.
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
import { hex, nt, readPtr, writePtr } from "./util.js";
import { dereference, insertHandle, reference } from "./ob.js";
import { holderOf, noteHeld } from "../obmgr/index.js";
import { currentThread } from "./ke.js";
import { processOfHandle, threadOfHandle } from "./process.js";
import { B, copyToken, effectiveToken, G, newLuid, primaryToken, readGroups, requireToken, sameSid, SE_CHANGE_NOTIFY_PRIVILEGE, SE_PRIVILEGE_ENABLED, SE_PRIVILEGE_REMOVED, SE_PRIVILEGE_USED_FOR_ACCESS, ST, startImpersonating, stopImpersonating, type Token, TokenImpersonation, tokenOfHandle, TokenPrimary, tokens } from "./token-model.js";
import { tokenInformation } from "./token-info.js";
import { accessCheck, captureSubject, hasPrivilege, isAdmin, mapGeneric, releaseSubject, sdView, subjectToken } from "./token-access.js";

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

export const apis: ApiDefinition[] = [
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
];
