/**
 * fwpkclnt.sys: enumerating sublayers — FwpmSubLayerCreateEnumHandle0 / FwpmSubLayerEnum0 /
 * FwpmSubLayerDestroyEnumHandle0 (Microsoft Learn, fwpmk.h; FWPM_SUBLAYER_ENUM_TEMPLATE0 in
 * fwpmtypes.h). A WFP callout driver picks its own sublayer weight by reading the others' (the
 * NetFilter SDK driver netch ships enumerates one sublayer at a time from DriverEntry).
 *
 * Rules:
 * - CreateEnumHandle0(engineHandle, enumTemplate, enumHandle): enumTemplate NULL enumerates every
 *   sublayer; a template whose providerKey is not NULL only the sublayers added with that provider
 *   key. The handle belongs to the engine session; closing the session destroys it.
 * - Enum0(engineHandle, enumHandle, numEntriesRequested, entries, numEntriesReturned): the next at
 *   most numEntriesRequested sublayers, as an array of FWPM_SUBLAYER0 pointers in one block (the
 *   structures, keys, names and provider data in the same block) that FwpmFreeMemory0 frees; fewer
 *   than requested means the enumeration is exhausted (Learn's remarks); none left: *entries NULL
 *   and *numEntriesReturned 0. A sublayer deleted after the handle was made is skipped.
 * - An unknown enumeration handle is STATUS_FWP_INVALID_ENUMERATOR, an unknown engine handle
 *   STATUS_INVALID_HANDLE, a NULL output pointer STATUS_FWP_NULL_POINTER (ntstatus.h's STATUS_FWP_*
 *   mirror fwpmu.h's FWP_E_* codes: FWP_E_NULL_POINTER 0x8032001C, FWP_E_INVALID_ENUMERATOR
 *   0x8032001D).
 * - FwpmSubLayerAdd0 with a zero subLayerKey gets a key BFE makes (fwp.ts); the enumeration
 *   returns that key.
 * kmdll's filter engine holds only the objects drivers added: Windows's built-in sublayers (those
 * of the firewall service, IPsec, ...) are not modelled, so an enumeration on a fresh machine
 * returns nothing.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { componentState } from "../api/state.js";
import { insertHandle, closeHandle, lookupHandle } from "../api/ob.js";
import { fltOff } from "./layouts.js";
import { B, wfp, guid, guidText, handleKey, sessionOf, readFwpmObject, type SubLayerCopy } from "./fwp-state.js";

const fwp = (name: string, argc: number, h: ApiDefinition["handler"]) => api("fwpkclnt.sys", name, argc, h);

export const STATUS_FWP_NULL_POINTER = 0xc022001c;
export const STATUS_FWP_INVALID_ENUMERATOR = 0xc022001d;
const FWP_TAG = 0x4d707746; // 'FwpM', as fwp-get.ts's blocks

interface Enumeration { session: bigint; keys: string[]; next: number }
const enums = componentState("wfp-enum", () => new Map<bigint, Enumeration>());

/** The FWPM_SUBLAYER0 FwpmSubLayerAdd0 was given, kept for the enumeration. */
export function readSubLayer(ctx: ApiContext, obj: bigint): SubLayerCopy {
  return { ...readFwpmObject(ctx, obj, "FWPM_SUBLAYER0"), weight: ctx.mem.u16(obj + B(fltOff("FWPM_SUBLAYER0", "weight"))) };
}

/** The key BFE makes for an object added with a zero key: a version-4-form GUID from the object's id. */
export function generatedKey(id: bigint): Uint8Array {
  const b = new Uint8Array(16);
  b.set([0x6b, 0x6d, 0x64, 0x6c], 0); // "kmdl"
  for (let i = 0; i < 8; i++) b[8 + i] = Number((id >> BigInt(8 * (7 - i))) & 0xffn);
  b[7] = 0x40; // version 4 in Data3's high nibble
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return b;
}

/**
 * FwpmProviderContextDeleteByKey0(engineHandle, key) (fwpmk.h): kmdll keeps no provider contexts
 * (FwpmProviderContextAdd0..3 are gaps), so any key is STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND — what
 * a driver deleting a stale context of an earlier run gets on a machine where none was left. A
 * stub: nothing can be found.
 */
export const STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND = 0xc0220006;
const providerContextDelete: ApiDefinition = {
  ...fwp("FwpmProviderContextDeleteByKey0", 2, (ctx) => {
    const [h, pKey] = [handleKey(ctx.arg(0)), ctx.arg(1)];
    ctx.describe([hex(h), pKey === 0n ? "NULL" : guid(ctx, pKey)]);
    if (!sessionOf(ctx, h)) return STATUS.INVALID_HANDLE;
    if (pKey === 0n) return STATUS_FWP_NULL_POINTER;
    return STATUS_FWP_PROVIDER_CONTEXT_NOT_FOUND;
  }),
  stub: true,
};

/** Destroys the enumeration handles of an engine session that closes (fwp.ts's FwpmEngineClose0). */
export function closeSessionEnums(ctx: ApiContext, session: bigint): void {
  const m = enums(ctx.kernel);
  for (const [h, e] of m) if (e.session === session) { m.delete(h); closeHandle(ctx, h); }
}

function createEnum(ctx: ApiContext): number {
  const [h, tmpl, pHandle] = [handleKey(ctx.arg(0)), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(h), hex(tmpl), hex(pHandle)]);
  if (!sessionOf(ctx, h)) return STATUS.INVALID_HANDLE;
  if (pHandle === 0n) return STATUS_FWP_NULL_POINTER;
  // FWPM_SUBLAYER_ENUM_TEMPLATE0 { GUID *providerKey; }
  const pk = tmpl === 0n ? 0n : getPtr(ctx.mem, tmpl);
  const provider = pk === 0n ? null : guid(ctx, pk);
  const keys: string[] = [];
  for (const o of wfp(ctx.kernel).objects.values()) {
    if (o.kind !== "sublayer" || !o.sublayer) continue;
    if (provider !== null && (!o.sublayer.providerKey || guidText(o.sublayer.providerKey) !== provider)) continue;
    keys.push(o.key);
  }
  const eh = insertHandle(ctx.kernel, { type: "FwpmEnum", access: 0, kernelHandle: true });
  enums(ctx.kernel).set(handleKey(eh), { session: h, keys, next: 0 });
  putPtr(ctx.mem, pHandle, eh);
  return STATUS.SUCCESS;
}

function enumerationOf(ctx: ApiContext, session: bigint, eh: bigint): Enumeration | null {
  const e = enums(ctx.kernel).get(eh);
  const entry = lookupHandle(ctx.kernel, eh);
  return e && entry?.type === "FwpmEnum" && e.session === session ? e : null;
}

function enumNext(ctx: ApiContext): number {
  const [h, eh, want, pEntries, pCount] = [handleKey(ctx.arg(0)), handleKey(ctx.arg(1)), ctx.u32(2), ctx.arg(3), ctx.arg(4)];
  ctx.describe([hex(h), hex(eh), String(want), hex(pEntries), hex(pCount)]);
  if (!sessionOf(ctx, h)) return STATUS.INVALID_HANDLE;
  const e = enumerationOf(ctx, h, eh);
  if (!e) return STATUS_FWP_INVALID_ENUMERATOR;
  if (pEntries === 0n || pCount === 0n) return STATUS_FWP_NULL_POINTER;
  const st = wfp(ctx.kernel);
  const out: SubLayerCopy[] = [];
  while (out.length < want && e.next < e.keys.length) {
    const o = st.objects.get(`sublayer:${e.keys[e.next++]}`);
    if (o?.sublayer) out.push(o.sublayer);
  }
  if (out.length === 0) {
    putPtr(ctx.mem, pEntries, 0n);
    ctx.mem.setU32(pCount, 0);
    return STATUS.SUCCESS;
  }
  const block = writeEntries(ctx, out);
  if (block === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  st.blocks.add(block);
  putPtr(ctx.mem, pEntries, block);
  ctx.mem.setU32(pCount, out.length);
  return STATUS.SUCCESS;
}

/** One pool block: the pointer array, then each FWPM_SUBLAYER0 with its key, names and data. */
function writeEntries(ctx: ApiContext, subs: SubLayerCopy[]): bigint {
  const L = (m: string) => B(fltOff("FWPM_SUBLAYER0", m));
  const ps = B(ptrSize());
  const align = (x: bigint) => (x + 7n) & ~7n;
  const strBytes = (t: string | null) => B(t === null ? 0 : (t.length + 1) * 2);
  const plan: { at: bigint; pk: bigint; name: bigint; desc: bigint; data: bigint }[] = [];
  let at = align(B(subs.length) * ps);
  for (const s of subs) {
    const p = { at, pk: 0n, name: 0n, desc: 0n, data: 0n };
    at += align(L("$size"));
    if (s.providerKey) { p.pk = at; at += 16n; }
    if (s.name !== null) { p.name = at; at += strBytes(s.name); }
    if (s.description !== null) { p.desc = at; at += strBytes(s.description); }
    at = align(at);
    if (s.providerData) { p.data = at; at = align(at + B(s.providerData.length)); }
    plan.push(p);
  }
  const block = ctx.pool.allocate(Number(at), FWP_TAG, 1, true);
  if (block === 0n) return 0n;
  const rel = (x: bigint) => (x === 0n ? 0n : block + x);
  const putStr = (off: bigint, t: string | null) => {
    if (t === null) return;
    const b = new Uint8Array(Number(strBytes(t)));
    for (let i = 0; i < t.length; i++) { b[2 * i] = t.charCodeAt(i) & 0xff; b[2 * i + 1] = t.charCodeAt(i) >> 8; }
    ctx.mem.write(block + off, b);
  };
  subs.forEach((s, i) => {
    const p = plan[i]!;
    const base = block + p.at;
    putPtr(ctx.mem, block + B(i) * ps, base);
    ctx.mem.write(base, s.key);
    putPtr(ctx.mem, base + L("displayData.name"), rel(p.name));
    putPtr(ctx.mem, base + L("displayData.description"), rel(p.desc));
    ctx.mem.setU32(base + L("flags"), s.flags);
    putPtr(ctx.mem, base + L("providerKey"), rel(p.pk));
    ctx.mem.setU32(base + L("providerData.size"), s.providerData?.length ?? 0);
    putPtr(ctx.mem, base + L("providerData.data"), rel(p.data));
    ctx.mem.setU16(base + L("weight"), s.weight);
    if (s.providerKey) ctx.mem.write(block + p.pk, s.providerKey);
    putStr(p.name, s.name);
    putStr(p.desc, s.description);
    if (s.providerData) ctx.mem.write(block + p.data, s.providerData);
  });
  return block;
}

function destroyEnum(ctx: ApiContext): number {
  const [h, eh] = [handleKey(ctx.arg(0)), handleKey(ctx.arg(1))];
  ctx.describe([hex(h), hex(eh)]);
  if (!sessionOf(ctx, h)) return STATUS.INVALID_HANDLE;
  if (!enumerationOf(ctx, h, eh)) return STATUS_FWP_INVALID_ENUMERATOR;
  enums(ctx.kernel).delete(eh);
  closeHandle(ctx, eh);
  return STATUS.SUCCESS;
}

export const enumApis: ApiDefinition[] = [
  fwp("FwpmSubLayerCreateEnumHandle0", 3, createEnum),
  fwp("FwpmSubLayerEnum0", 5, enumNext),
  fwp("FwpmSubLayerDestroyEnumHandle0", 2, destroyEnum),
  providerContextDelete,
];
