/**
 * fwpkclnt.sys: reading management objects back — FwpmCalloutGetByKey0 / FwpmCalloutGetById0
 * return a copy of an added callout in one pool block that FwpmFreeMemory0 frees (the copy is
 * taken by readCallout when FwpmCalloutAdd0 adds it). Rules: fwp.ts's header; state: fwp-state.ts.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { fltOff } from "./layouts.js";
import { B, ST, wfp, guid, handleKey, sessionOf, readFwpmObject, type CalloutCopy } from "./fwp-state.js";

const fwp = (name: string, argc: number, h: ApiDefinition["handler"]) => api("fwpkclnt.sys", name, argc, h);

export function readCallout(ctx: ApiContext, obj: bigint): CalloutCopy {
  return { ...readFwpmObject(ctx, obj, "FWPM_CALLOUT0"), layer: ctx.mem.read(obj + B(fltOff("FWPM_CALLOUT0", "applicableLayer")), 16).slice() };
}

const FWP_TAG = 0x4d707746; // 'FwpM'

/**
 * FwpmCalloutGetByKey0(engineHandle, key, FWPM_CALLOUT0 **callout) / FwpmCalloutGetById0(engineHandle,
 * id, callout) (fwpmk.h): a copy of the callout as FwpmCalloutAdd0 added it (calloutId set), in one
 * block the caller frees with FwpmFreeMemory0; an unknown key or id: STATUS_FWP_CALLOUT_NOT_FOUND,
 * and *callout is left alone.
 */
function calloutGet(byKey: boolean) {
  return (ctx: ApiContext): number => {
    const [h, which, pOut] = [handleKey(ctx.arg(0)), byKey ? ctx.arg(1) : B(ctx.u32(1)), ctx.arg(2)];
    const key = byKey && which !== 0n ? guid(ctx, which) : null;
    ctx.describe([hex(h), byKey ? key ?? "NULL" : String(which), hex(pOut)]);
    if (!sessionOf(ctx, h)) return STATUS.INVALID_HANDLE;
    if ((byKey && key === null) || pOut === 0n) return STATUS.INVALID_PARAMETER;
    const st = wfp(ctx.kernel);
    const o = byKey ? st.objects.get(`callout:${key}`) : [...st.objects.values()].find((x) => x.kind === "callout" && (x.id & 0xffffffffn) === which);
    if (!o?.callout) return ST.CALLOUT_NOT_FOUND;
    const c = o.callout;
    const L = (m: string) => fltOff("FWPM_CALLOUT0", m);
    const ps = B(ptrSize());
    const strBytes = (t: string | null) => (t === null ? 0 : (t.length + 1) * 2);
    // One block: the structure, the provider key, the two names, the provider data.
    let at = B(L("$size"));
    const pkAt = c.providerKey ? at : 0n;
    if (c.providerKey) at += 16n;
    const nameAt = c.name !== null ? at : 0n;
    at += B(strBytes(c.name));
    const descAt = c.description !== null ? at : 0n;
    at += B(strBytes(c.description));
    at = (at + ps - 1n) & ~(ps - 1n);
    const dataAt = c.providerData ? at : 0n;
    at += B(c.providerData?.length ?? 0);
    const block = ctx.pool.allocate(Number(at), FWP_TAG, 1, true);
    if (block === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    const rel = (x: bigint) => (x === 0n ? 0n : block + x);
    ctx.mem.write(block, c.key);
    putPtr(ctx.mem, block + B(L("displayData.name")), rel(nameAt));
    putPtr(ctx.mem, block + B(L("displayData.description")), rel(descAt));
    ctx.mem.setU32(block + B(L("flags")), c.flags);
    putPtr(ctx.mem, block + B(L("providerKey")), rel(pkAt));
    ctx.mem.setU32(block + B(L("providerData.size")), c.providerData?.length ?? 0);
    putPtr(ctx.mem, block + B(L("providerData.data")), rel(dataAt));
    ctx.mem.write(block + B(L("applicableLayer")), c.layer);
    ctx.mem.setU32(block + B(L("calloutId")), Number(o.id & 0xffffffffn));
    if (c.providerKey) ctx.mem.write(block + pkAt, c.providerKey);
    const putStr = (off: bigint, t: string | null) => {
      if (t === null) return;
      const b = new Uint8Array(strBytes(t));
      for (let i = 0; i < t.length; i++) { b[2 * i] = t.charCodeAt(i) & 0xff; b[2 * i + 1] = t.charCodeAt(i) >> 8; }
      ctx.mem.write(block + off, b);
    };
    putStr(nameAt, c.name);
    putStr(descAt, c.description);
    if (c.providerData) ctx.mem.write(block + dataAt, c.providerData);
    st.blocks.add(block);
    putPtr(ctx.mem, pOut, block);
    return STATUS.SUCCESS;
  };
}

/**
 * FwpmFreeMemory0(void **p) (fwpmu.h / fwpmk.h): frees *p, a block an Fwpm*Get* routine returned,
 * and sets *p to NULL; *p NULL does nothing. Any other pointer is a bug check report
 * (BAD_POOL_CALLER, as the pool reports a foreign free).
 */
function freeMemory(ctx: ApiContext): void {
  const pp = ctx.arg(0);
  ctx.describe([hex(pp)]);
  if (pp === 0n) return;
  const p = getPtr(ctx.mem, pp);
  if (p === 0n) return;
  const st = wfp(ctx.kernel);
  if (!st.blocks.delete(p)) {
    ctx.fault("bugcheck", `FwpmFreeMemory0(${hex(pp)} -> ${hex(p)}): not a block an Fwpm*Get* routine returned`, { code: "0x000000C2" });
    return;
  }
  ctx.pool.free(p, FWP_TAG);
  putPtr(ctx.mem, pp, 0n);
}

export const getApis: ApiDefinition[] = [
  fwp("FwpmCalloutGetByKey0", 3, calloutGet(true)),
  fwp("FwpmCalloutGetById0", 3, calloutGet(false)),
  fwp("FwpmFreeMemory0", 1, freeMemory),
];
