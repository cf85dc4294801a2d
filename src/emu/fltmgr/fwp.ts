/**
 * fwpkclnt.sys, the kernel client of the Windows Filtering Platform: callouts registered with the
 * filter engine (FwpsCalloutRegister0..3 / FwpsCalloutUnregisterById0 / ByKey0; classifyFn,
 * notifyFn and flowDeleteFn are `callback` events) and the management objects a callout driver
 * adds through an engine session (FwpmEngineOpen0/Close0, transactions, sublayers, callouts,
 * filters; redirect handles). No packet ever reaches a classifyFn in the emulation (there is no
 * network stack), so the classify-time routines (FwpsAcquireClassifyHandle0, ...) are listed
 * exports without handlers: a call is an `unimplemented-api` report. Injection handles
 * (FwpsInjectionHandleCreate0/Destroy0) are made and destroyed, but nothing is ever injected.
 *
 * Rules (Microsoft Learn, fwpsk.h / fwpmk.h): FwpmEngineOpen0 needs serverName NULL and
 * authnService RPC_C_AUTHN_WINNT (10) or RPC_C_AUTHN_DEFAULT (0xFFFFFFFF); a session with
 * FWPM_SESSION_FLAG_DYNAMIC (1) deletes its objects when the engine handle closes; one
 * transaction per session (STATUS_FWP_TXN_IN_PROGRESS / STATUS_FWP_NO_TXN_IN_PROGRESS), objects
 * added in an aborted transaction are gone; a key added twice: STATUS_FWP_ALREADY_EXISTS; a
 * filter whose action calls an unknown callout: STATUS_FWP_CALLOUT_NOT_FOUND, in an unknown
 * sublayer: STATUS_FWP_SUBLAYER_NOT_FOUND; FwpsCalloutRegister needs a device object and a
 * classifyFn; unregistering an unknown callout: STATUS_FWP_CALLOUT_NOT_FOUND. Providers
 * (FwpmProviderAdd0) are keyed objects like sublayers. Fwpm{Provider,SubLayer,Callout,Filter}DeleteByKey0:
 * an unknown key is STATUS_FWP_{PROVIDER,SUBLAYER,CALLOUT,FILTER}_NOT_FOUND; a sublayer or callout
 * a filter still names is STATUS_FWP_IN_USE; a delete in a transaction is undone by its abort.
 * FwpmCalloutGetByKey0 / GetById0 return a copy of an added callout (calloutId set) in one pool
 * block that FwpmFreeMemory0(&p) frees and NULLs (p NULL: nothing; a block it did not return: bug
 * check report); an unknown key or id: STATUS_FWP_CALLOUT_NOT_FOUND.
 * FwpsInjectionHandleCreate0(AddressFamily, Flags, InjectionHandle): AddressFamily AF_UNSPEC,
 * AF_INET or AF_INET6, Flags 0 or FWPS_INJECTION_TYPE_* bits and nothing else, else
 * STATUS_INVALID_PARAMETER (Learn: fwpsk.h — Flags 0 makes a handle for transport, stream and
 * forward injection, as the first WFP drivers, e.g. WinDivert 1.0, create theirs); destroying a handle it did not return is a bug check
 * report, like a redirect handle.
 *
 * Layouts per arch (layouts.ts): FWPS_CALLOUT0..3, FWPM_CALLOUT0, FWPM_SUBLAYER0, FWPM_FILTER0,
 * FWPM_SESSION0 (on x64 e.g. FWPM_FILTER0.subLayerKey at 80 and action at 128, on x86 at 56 and 88).
 * Engine and redirect handles are keyed by their low 32 bits sign-extended, as the object manager
 * keys handles (an x86 driver holds 0x80000004 for 0xFFFFFFFF80000004).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { addCallback, removeCallbacks } from "../api/notify.js";
import { insertHandle, closeHandle } from "../api/ob.js";
import { getPtr, putPtr } from "../../nt/arch-layout.js";
import { fltOff } from "./layouts.js";
import { B, ST, FWPM_SESSION_FLAG_DYNAMIC, FWP_ACTION_FLAG_CALLOUT, ZERO_GUID, wfp, guid, guidText, displayName, handleKey, sessionOf, addObject, has, type Kind } from "./fwp-state.js";
import { getApis, readCallout } from "./fwp-get.js";
import { enumApis, readSubLayer, closeSessionEnums, generatedKey } from "./fwp-enum.js";

export const FWPKCLNT = "fwpkclnt.sys";
const fwp = (name: string, argc: number, h: ApiDefinition["handler"]) => api(FWPKCLNT, name, argc, h);

function engineOpen(ctx: ApiContext): number {
  const [server, authn, , session, pHandle] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  ctx.describe([hex(server), hex(authn), hex(ctx.arg(2)), hex(session), hex(pHandle)]);
  if (server !== 0n || (authn !== 10 && authn !== 0xffffffff) || pHandle === 0n) return STATUS.INVALID_PARAMETER;
  const dynamic = session !== 0n && (ctx.mem.u32(session + B(fltOff("FWPM_SESSION0", "flags"))) & FWPM_SESSION_FLAG_DYNAMIC) !== 0;
  const h = insertHandle(ctx.kernel, { type: "FwpmEngine", access: 0, kernelHandle: true });
  wfp(ctx.kernel).sessions.set(handleKey(h), { dynamic, txn: null, txnDeleted: [] });
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
  for (const o of s.txnDeleted) st.objects.set(`${o.kind}:${o.key}`, o);
  if (s.dynamic) for (const [k, o] of st.objects) if (o.session === h) st.objects.delete(k);
  closeSessionEnums(ctx, h);
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
      s.txnDeleted = [];
      return STATUS.SUCCESS;
    }
    if (!s.txn) return ST.NO_TXN_IN_PROGRESS;
    if (op === "abort") {
      const objects = wfp(ctx.kernel).objects;
      for (const o of s.txn) objects.delete(`${o.kind}:${o.key}`);
      for (const o of s.txnDeleted) objects.set(`${o.kind}:${o.key}`, o);
    }
    s.txn = null;
    s.txnDeleted = [];
    return STATUS.SUCCESS;
  };
}

function mgmtAdd(kind: Kind) {
  return (ctx: ApiContext): number => {
    const [h, obj, , pId] = [handleKey(ctx.arg(0)), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe(kind === "sublayer" || kind === "provider" ? [hex(h), hex(obj), hex(ctx.arg(2))] : [hex(h), hex(obj), hex(ctx.arg(2)), hex(pId)]);
    const s = sessionOf(ctx, h);
    if (!s) return STATUS.INVALID_HANDLE;
    if (obj === 0n) return STATUS.INVALID_PARAMETER;
    let key = guid(ctx, obj);
    // A zero key: BFE generates one for a filter and a sublayer (Learn: FWPM_FILTER0.filterKey,
    // FWPM_SUBLAYER0.subLayerKey "If the GUID is zero-initialized ... BFE will generate one").
    let generated: Uint8Array | null = null;
    if (key === ZERO_GUID) {
      if (kind === "sublayer") key = guidText((generated = generatedKey(wfp(ctx.kernel).nextId)));
      else if (kind === "filter") key = `generated-${wfp(ctx.kernel).nextId}`;
      else return STATUS.INVALID_PARAMETER;
    }
    if (has(ctx, kind, key)) return ST.ALREADY_EXISTS;
    const uses: string[] = [];
    if (kind === "filter") {
      const sub = guid(ctx, obj + B(fltOff("FWPM_FILTER0", "subLayerKey")));
      if (sub !== ZERO_GUID && !has(ctx, "sublayer", sub)) return ST.SUBLAYER_NOT_FOUND;
      if (sub !== ZERO_GUID) uses.push(`sublayer:${sub}`);
      if (ctx.mem.u32(obj + B(fltOff("FWPM_FILTER0", "action.type"))) & FWP_ACTION_FLAG_CALLOUT) {
        const callout = guid(ctx, obj + B(fltOff("FWPM_FILTER0", "action.calloutKey")));
        if (!has(ctx, "callout", callout)) return ST.CALLOUT_NOT_FOUND;
        uses.push(`callout:${callout}`);
      }
    }
    // displayData.name is at the same offset in the four structures (FWPM_PROVIDER0 too).
    const o = addObject(ctx, h, s, kind, key, displayName(ctx, getPtr(ctx.mem, obj + B(fltOff("FWPM_FILTER0", "displayData.name")))), uses);
    if (kind === "callout") o.callout = readCallout(ctx, obj);
    if (kind === "sublayer") o.sublayer = { ...readSubLayer(ctx, obj), ...(generated ? { key: generated } : {}) };
    if (kind === "callout" && pId !== 0n) ctx.mem.setU32(pId, Number(o.id & 0xffffffffn));
    if (kind === "filter" && pId !== 0n) ctx.mem.setU64(pId, o.id);
    return STATUS.SUCCESS;
  };
}

/**
 * FwpmFilterDeleteById0(engineHandle, UINT64 id) / FwpmCalloutDeleteById0(engineHandle, UINT32 id)
 * (fwpmk.h): as Fwpm*DeleteByKey0, by the id FwpmFilterAdd0 / FwpmCalloutAdd0 returned; an unknown
 * id is STATUS_FWP_FILTER_NOT_FOUND / STATUS_FWP_CALLOUT_NOT_FOUND.
 */
function mgmtDeleteById(kind: "filter" | "callout") {
  return (ctx: ApiContext): number => {
    const h = handleKey(ctx.arg(0));
    const id = kind === "filter" ? BigInt.asUintN(64, ctx.arg(1)) : BigInt(ctx.u32(1));
    ctx.describe([hex(h), String(id)]);
    const s = sessionOf(ctx, h);
    if (!s) return STATUS.INVALID_HANDLE;
    const st = wfp(ctx.kernel);
    const o = [...st.objects.values()].find((x) => x.kind === kind && (kind === "filter" ? x.id : x.id & 0xffffffffn) === id);
    if (!o) return NOT_FOUND[kind];
    const name = `${kind}:${o.key}`;
    for (const other of st.objects.values()) if (other.uses.includes(name)) return ST.IN_USE;
    st.objects.delete(name);
    if (s.txn) s.txnDeleted.push(o);
    return STATUS.SUCCESS;
  };
}

const NOT_FOUND: Record<Kind, number> = { provider: ST.PROVIDER_NOT_FOUND, sublayer: ST.SUBLAYER_NOT_FOUND, callout: ST.CALLOUT_NOT_FOUND, filter: ST.FILTER_NOT_FOUND };

/** Fwpm*DeleteByKey0(engineHandle, key). */
function mgmtDelete(kind: Kind) {
  return (ctx: ApiContext): number => {
    const [h, pKey] = [handleKey(ctx.arg(0)), ctx.arg(1)];
    const key = pKey === 0n ? null : guid(ctx, pKey);
    ctx.describe([hex(h), key ?? "NULL"]);
    const s = sessionOf(ctx, h);
    if (!s) return STATUS.INVALID_HANDLE;
    if (key === null) return STATUS.INVALID_PARAMETER;
    const st = wfp(ctx.kernel);
    const id = `${kind}:${key}`;
    const o = st.objects.get(id);
    if (!o) return NOT_FOUND[kind];
    for (const other of st.objects.values()) if (other.uses.includes(id)) return ST.IN_USE;
    st.objects.delete(id);
    if (s.txn) s.txnDeleted.push(o);
    return STATUS.SUCCESS;
  };
}

const AF = new Set([0, 2, 23]); // AF_UNSPEC, AF_INET, AF_INET6
/** FWPS_INJECTION_TYPE_STREAM | _TRANSPORT | _NETWORK | _FORWARD | _L2 | _VSWITCH_L2 (fwpsk.h). */
const INJECTION_TYPES = 0x3f;

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

/**
 * The Base Filtering Engine's state (fwpmk.h): FwpmBfeStateGet0() returns FWPM_SERVICE_STATE —
 * FWPM_SERVICE_RUNNING (3) here, as on a booted system whose BFE service runs (the engine sessions
 * above work). FwpmBfeStateSubscribeChanges0(DeviceObject, Callback, Context, ChangeHandle)
 * registers Callback(Context, NewState) for state changes — a `callback` event; BFE never stops
 * in the emulation, so it is never called. DeviceObject (the caller's device, which keeps it
 * loaded while subscribed), Callback and ChangeHandle are required (STATUS_INVALID_PARAMETER).
 * FwpmBfeStateUnsubscribeChanges0(ChangeHandle) removes it; a handle it did not return:
 * STATUS_INVALID_PARAMETER. A subscription left at unload is reported like any callback.
 */
const FWPM_SERVICE_RUNNING = 3;
const BFE_KIND = "wfp BFE state change";

function bfeSubscribe(ctx: ApiContext): number {
  const [dev, callback, context, pHandle] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(dev), ctx.kernel.where?.(callback) ?? hex(callback), hex(context), hex(pHandle)]);
  if (dev === 0n || ctx.mem.u16(dev) !== 3 || callback === 0n || pHandle === 0n) return STATUS.INVALID_PARAMETER;
  const st = wfp(ctx.kernel);
  const handle = B(st.nextBfeHandle++) << 4n | 6n;
  addCallback(ctx, BFE_KIND, callback, context, handle);
  putPtr(ctx.mem, pHandle, handle);
  return STATUS.SUCCESS;
}

function bfeUnsubscribe(ctx: ApiContext): number {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  if (h === 0n) return STATUS.INVALID_PARAMETER;
  return removeCallbacks(ctx, (r) => r.kind === BFE_KIND && r.handle === h) ? STATUS.SUCCESS : STATUS.INVALID_PARAMETER;
}

export const apis: ApiDefinition[] = [
  ...getApis,
  ...enumApis,
  fwp("FwpmBfeStateGet0", 0, (ctx) => {
    ctx.describe([]);
    return FWPM_SERVICE_RUNNING;
  }),
  fwp("FwpmBfeStateSubscribeChanges0", 4, bfeSubscribe),
  fwp("FwpmBfeStateUnsubscribeChanges0", 1, bfeUnsubscribe),
  fwp("FwpmEngineOpen0", 5, engineOpen),
  fwp("FwpmEngineClose0", 1, engineClose),
  fwp("FwpmTransactionBegin0", 2, transaction("begin")),
  fwp("FwpmTransactionCommit0", 1, transaction("commit")),
  fwp("FwpmTransactionAbort0", 1, transaction("abort")),
  fwp("FwpmCalloutAdd0", 4, mgmtAdd("callout")),
  fwp("FwpmSubLayerAdd0", 3, mgmtAdd("sublayer")),
  fwp("FwpmFilterAdd0", 4, mgmtAdd("filter")),
  fwp("FwpmProviderAdd0", 3, mgmtAdd("provider")),
  fwp("FwpmProviderDeleteByKey0", 2, mgmtDelete("provider")),
  fwp("FwpmSubLayerDeleteByKey0", 2, mgmtDelete("sublayer")),
  fwp("FwpmCalloutDeleteByKey0", 2, mgmtDelete("callout")),
  fwp("FwpmFilterDeleteByKey0", 2, mgmtDelete("filter")),
  fwp("FwpmFilterDeleteById0", 2, mgmtDeleteById("filter")),
  fwp("FwpmCalloutDeleteById0", 2, mgmtDeleteById("callout")),
  fwp("FwpsInjectionHandleCreate0", 3, (ctx) => {
    const [af, flags, pHandle] = [ctx.u32(0) & 0xffff, ctx.u32(1), ctx.arg(2)];
    ctx.describe([String(af), hex(flags), hex(pHandle)]);
    if (!AF.has(af) || (flags & ~INJECTION_TYPES) !== 0 || pHandle === 0n) return STATUS.INVALID_PARAMETER;
    const h = insertHandle(ctx.kernel, { type: "FwpsInjection", access: 0, kernelHandle: true });
    wfp(ctx.kernel).injections.add(handleKey(h));
    putPtr(ctx.mem, pHandle, h);
    return STATUS.SUCCESS;
  }),
  fwp("FwpsInjectionHandleDestroy0", 1, (ctx) => {
    const h = handleKey(ctx.arg(0));
    ctx.describe([hex(h)]);
    if (!wfp(ctx.kernel).injections.delete(h)) ctx.fault("bugcheck", `FwpsInjectionHandleDestroy0(${hex(h)}): not a handle FwpsInjectionHandleCreate0 returned`, { code: "0x0000001E" });
    closeHandle(ctx, h);
    return STATUS.SUCCESS;
  }),
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
