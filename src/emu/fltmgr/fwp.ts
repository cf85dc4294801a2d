/**
 * fwpkclnt.sys, the kernel client of the Windows Filtering Platform: callouts registered with the
 * filter engine (FwpsCalloutRegister0..3 / FwpsCalloutUnregisterById0 / ByKey0; classifyFn,
 * notifyFn and flowDeleteFn are `callback` events) and the management objects a callout driver
 * adds through an engine session (FwpmEngineOpen0/Close0, transactions, sublayers, callouts,
 * filters; redirect handles). No packet ever reaches a classifyFn in the emulation (there is no
 * network stack), so the classify-time routines (FwpsAcquireClassifyHandle0, ...) are listed
 * exports without handlers: a call is an `unimplemented-api` report.
 *
 * Rules (Microsoft Learn, fwpsk.h / fwpmk.h): FwpmEngineOpen0 needs serverName NULL and
 * authnService RPC_C_AUTHN_WINNT (10) or RPC_C_AUTHN_DEFAULT (0xFFFFFFFF); a session with
 * FWPM_SESSION_FLAG_DYNAMIC (1) deletes its objects when the engine handle closes; one
 * transaction per session (STATUS_FWP_TXN_IN_PROGRESS / STATUS_FWP_NO_TXN_IN_PROGRESS), objects
 * added in an aborted transaction are gone; a key added twice: STATUS_FWP_ALREADY_EXISTS; a
 * filter whose action calls an unknown callout: STATUS_FWP_CALLOUT_NOT_FOUND, in an unknown
 * sublayer: STATUS_FWP_SUBLAYER_NOT_FOUND; FwpsCalloutRegister needs a device object and a
 * classifyFn; unregistering an unknown callout: STATUS_FWP_CALLOUT_NOT_FOUND.
 *
 * Layouts per arch (layouts.ts): FWPS_CALLOUT0..3, FWPM_CALLOUT0, FWPM_SUBLAYER0, FWPM_FILTER0,
 * FWPM_SESSION0 (on x64 e.g. FWPM_FILTER0.subLayerKey at 80 and action at 128, on x86 at 56 and 88).
 * Engine and redirect handles are keyed by their low 32 bits sign-extended, as the object manager
 * keys handles (an x86 driver holds 0x80000004 for 0xFFFFFFFF80000004).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { addCallback, removeCallbacks } from "../api/notify.js";
import { insertHandle, lookupHandle, closeHandle } from "../api/ob.js";
import { getPtr, putPtr } from "../../nt/arch-layout.js";
import { fltOff } from "./layouts.js";

export const FWPKCLNT = "fwpkclnt.sys";
const fwp = (name: string, argc: number, h: ApiDefinition["handler"]) => api(FWPKCLNT, name, argc, h);

const B = (n: number) => BigInt(n);
/** STATUS_FWP_* (ntstatus.h). */
const ST = {
  CALLOUT_NOT_FOUND: 0xc0220001,
  SUBLAYER_NOT_FOUND: 0xc0220007,
  ALREADY_EXISTS: 0xc0220009,
  TXN_IN_PROGRESS: 0xc022000e,
  NO_TXN_IN_PROGRESS: 0xc022000d,
};
const FWPM_SESSION_FLAG_DYNAMIC = 1;
const FWP_ACTION_FLAG_CALLOUT = 0x4000;
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

type Kind = "callout" | "sublayer" | "filter";
interface MgmtObject {
  kind: Kind;
  key: string;
  id: bigint;
  session: bigint;
  name: string;
}
interface Session {
  dynamic: boolean;
  /** Objects added in the open transaction (null: none open). */
  txn: MgmtObject[] | null;
}
const wfp = componentState("wfp", () => ({
  sessions: new Map<bigint, Session>(),
  objects: new Map<string, MgmtObject>(),
  callouts: new Map<number, { key: string; module: string }>(),
  nextCalloutId: 1,
  nextId: 1n,
  redirects: new Set<bigint>(),
}));

function guid(ctx: ApiContext, at: bigint): string {
  const b = ctx.mem.read(at, 16);
  const h = (i: number, n: number, le: boolean) => {
    const s = [...b.subarray(i, i + n)];
    return (le ? s.reverse() : s).map((x) => x.toString(16).padStart(2, "0")).join("");
  };
  return `${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}`;
}
function displayName(ctx: ApiContext, p: bigint): string {
  if (p === 0n) return "";
  try {
    return ctx.mem.wstring(p, 256);
  } catch {
    return hex(p);
  }
}

/** A handle as the tables key it (its low 32 bits sign-extended). */
const handleKey = (h: bigint) => BigInt.asUintN(64, BigInt.asIntN(32, h));

function sessionOf(ctx: ApiContext, h: bigint): Session | null {
  const e = lookupHandle(ctx.kernel, h);
  if (!e || e.type !== "FwpmEngine") return null;
  return wfp(ctx.kernel).sessions.get(handleKey(h)) ?? null;
}

function addObject(ctx: ApiContext, session: bigint, s: Session, kind: Kind, key: string, name: string): MgmtObject {
  const st = wfp(ctx.kernel);
  const o: MgmtObject = { kind, key, id: st.nextId++, session, name };
  st.objects.set(`${kind}:${key}`, o);
  s.txn?.push(o);
  return o;
}
const has = (ctx: ApiContext, kind: Kind, key: string) => wfp(ctx.kernel).objects.has(`${kind}:${key}`);

function engineOpen(ctx: ApiContext): number {
  const [server, authn, , session, pHandle] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  ctx.describe([hex(server), hex(authn), hex(ctx.arg(2)), hex(session), hex(pHandle)]);
  if (server !== 0n || (authn !== 10 && authn !== 0xffffffff) || pHandle === 0n) return STATUS.INVALID_PARAMETER;
  const dynamic = session !== 0n && (ctx.mem.u32(session + B(fltOff("FWPM_SESSION0", "flags"))) & FWPM_SESSION_FLAG_DYNAMIC) !== 0;
  const h = insertHandle(ctx.kernel, { type: "FwpmEngine", access: 0, kernelHandle: true });
  wfp(ctx.kernel).sessions.set(handleKey(h), { dynamic, txn: null });
  putPtr(ctx.mem, pHandle, h);
  return STATUS.SUCCESS;
}

function engineClose(ctx: ApiContext): number {
  const h = handleKey(ctx.arg(0));
  ctx.describe([hex(h)]);
  const s = sessionOf(ctx, h);
  if (!s) return STATUS.INVALID_HANDLE;
  const st = wfp(ctx.kernel);
  if (s.txn) for (const o of s.txn) st.objects.delete(`${o.kind}:${o.key}`);
  if (s.dynamic) for (const [k, o] of st.objects) if (o.session === h) st.objects.delete(k);
  st.sessions.delete(h);
  closeHandle(ctx, h);
  return STATUS.SUCCESS;
}

function transaction(op: "begin" | "commit" | "abort") {
  return (ctx: ApiContext): number => {
    const h = handleKey(ctx.arg(0));
    ctx.describe(op === "begin" ? [hex(h), hex(ctx.u32(1))] : [hex(h)]);
    const s = sessionOf(ctx, h);
    if (!s) return STATUS.INVALID_HANDLE;
    if (op === "begin") {
      if (s.txn) return ST.TXN_IN_PROGRESS;
      s.txn = [];
      return STATUS.SUCCESS;
    }
    if (!s.txn) return ST.NO_TXN_IN_PROGRESS;
    if (op === "abort") for (const o of s.txn) wfp(ctx.kernel).objects.delete(`${o.kind}:${o.key}`);
    s.txn = null;
    return STATUS.SUCCESS;
  };
}

function mgmtAdd(kind: Kind) {
  return (ctx: ApiContext): number => {
    const [h, obj, , pId] = [handleKey(ctx.arg(0)), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe(kind === "sublayer" ? [hex(h), hex(obj), hex(ctx.arg(2))] : [hex(h), hex(obj), hex(ctx.arg(2)), hex(pId)]);
    const s = sessionOf(ctx, h);
    if (!s) return STATUS.INVALID_HANDLE;
    if (obj === 0n) return STATUS.INVALID_PARAMETER;
    let key = guid(ctx, obj);
    if (key === ZERO_GUID) {
      if (kind !== "filter") return STATUS.INVALID_PARAMETER;
      key = `generated-${wfp(ctx.kernel).nextId}`;
    }
    if (has(ctx, kind, key)) return ST.ALREADY_EXISTS;
    if (kind === "filter") {
      const sub = guid(ctx, obj + B(fltOff("FWPM_FILTER0", "subLayerKey")));
      if (sub !== ZERO_GUID && !has(ctx, "sublayer", sub)) return ST.SUBLAYER_NOT_FOUND;
      if (ctx.mem.u32(obj + B(fltOff("FWPM_FILTER0", "action.type"))) & FWP_ACTION_FLAG_CALLOUT && !has(ctx, "callout", guid(ctx, obj + B(fltOff("FWPM_FILTER0", "action.calloutKey")))))
        return ST.CALLOUT_NOT_FOUND;
    }
    // displayData.name is at the same offset in the three structures.
    const o = addObject(ctx, h, s, kind, key, displayName(ctx, getPtr(ctx.mem, obj + B(fltOff("FWPM_FILTER0", "displayData.name")))));
    if (kind === "callout" && pId !== 0n) ctx.mem.setU32(pId, Number(o.id & 0xffffffffn));
    if (kind === "filter" && pId !== 0n) ctx.mem.setU64(pId, o.id);
    return STATUS.SUCCESS;
  };
}

function calloutRegister(ctx: ApiContext): number {
  const [dev, callout, pId] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(dev), hex(callout), hex(pId)]);
  if (dev === 0n || ctx.mem.u16(dev) !== 3 || callout === 0n) return STATUS.INVALID_PARAMETER;
  const key = guid(ctx, callout);
  const classify = getPtr(ctx.mem, callout + B(fltOff("FWPS_CALLOUT", "classifyFn")));
  if (classify === 0n) return STATUS.INVALID_PARAMETER;
  const st = wfp(ctx.kernel);
  for (const c of st.callouts.values()) if (c.key === key) return ST.ALREADY_EXISTS;
  const id = st.nextCalloutId++;
  st.callouts.set(id, { key, module: ctx.caller?.module ?? "?" });
  const handle = B(id) << 4n | 2n;
  addCallback(ctx, `wfp classifyFn ${key}`, classify, 0n, handle);
  const notify = getPtr(ctx.mem, callout + B(fltOff("FWPS_CALLOUT", "notifyFn")));
  if (notify !== 0n) addCallback(ctx, `wfp notifyFn ${key}`, notify, 0n, handle);
  const flowDelete = getPtr(ctx.mem, callout + B(fltOff("FWPS_CALLOUT", "flowDeleteFn")));
  if (flowDelete !== 0n) addCallback(ctx, `wfp flowDeleteFn ${key}`, flowDelete, 0n, handle);
  if (pId !== 0n) ctx.mem.setU32(pId, id);
  return STATUS.SUCCESS;
}

function calloutUnregister(ctx: ApiContext, id: number | null, key: string | null): number {
  const st = wfp(ctx.kernel);
  const found = [...st.callouts.entries()].find(([i, c]) => (id !== null ? i === id : c.key === key));
  if (!found) return ST.CALLOUT_NOT_FOUND;
  st.callouts.delete(found[0]);
  removeCallbacks(ctx, (r) => r.handle === (B(found[0]) << 4n | 2n));
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  fwp("FwpmEngineOpen0", 5, engineOpen),
  fwp("FwpmEngineClose0", 1, engineClose),
  fwp("FwpmTransactionBegin0", 2, transaction("begin")),
  fwp("FwpmTransactionCommit0", 1, transaction("commit")),
  fwp("FwpmTransactionAbort0", 1, transaction("abort")),
  fwp("FwpmCalloutAdd0", 4, mgmtAdd("callout")),
  fwp("FwpmSubLayerAdd0", 3, mgmtAdd("sublayer")),
  fwp("FwpmFilterAdd0", 4, mgmtAdd("filter")),
  ...["FwpsCalloutRegister0", "FwpsCalloutRegister1", "FwpsCalloutRegister2", "FwpsCalloutRegister3"].map((n) => fwp(n, 3, calloutRegister)),
  fwp("FwpsCalloutUnregisterById0", 1, (ctx) => {
    ctx.describe([String(ctx.u32(0))]);
    return calloutUnregister(ctx, ctx.u32(0), null);
  }),
  fwp("FwpsCalloutUnregisterByKey0", 1, (ctx) => {
    const key = guid(ctx, ctx.arg(0));
    ctx.describe([key]);
    return calloutUnregister(ctx, null, key);
  }),
  fwp("FwpsRedirectHandleCreate0", 3, (ctx) => {
    const [provider, flags, pHandle] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
    ctx.describe([provider === 0n ? "NULL" : guid(ctx, provider), hex(flags), hex(pHandle)]);
    if (provider === 0n || flags !== 0 || pHandle === 0n) return STATUS.INVALID_PARAMETER;
    const h = insertHandle(ctx.kernel, { type: "FwpsRedirect", access: 0, kernelHandle: true });
    wfp(ctx.kernel).redirects.add(handleKey(h));
    putPtr(ctx.mem, pHandle, h);
    return STATUS.SUCCESS;
  }),
  fwp("FwpsRedirectHandleDestroy0", 1, (ctx) => {
    const h = handleKey(ctx.arg(0));
    ctx.describe([hex(h)]);
    if (!wfp(ctx.kernel).redirects.delete(h)) ctx.fault("bugcheck", `FwpsRedirectHandleDestroy0(${hex(h)}): not a handle FwpsRedirectHandleCreate0 returned`, { code: "0x0000001E" });
    closeHandle(ctx, h);
  }),
];
