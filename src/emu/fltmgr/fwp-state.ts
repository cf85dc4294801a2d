/**
 * The Windows Filtering Platform's state in the emulated kernel (fwp.ts, fwp-get.ts): engine
 * sessions and their transactions, the management objects added through them (providers,
 * sublayers, callouts, filters), registered callouts, redirect and injection handles, and the
 * blocks the Fwpm*Get* routines returned; with the small readers both files share (GUIDs,
 * display names, engine handles). Rules and sources: fwp.ts's header.
 */
import type { ApiContext } from "../api/types.js";
import { hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { lookupHandle } from "../api/ob.js";
import { getPtr } from "../../nt/arch-layout.js";
import { fltOff } from "./layouts.js";

export const B = (n: number) => BigInt(n);
/** STATUS_FWP_* (ntstatus.h). */
export const ST = {
  CALLOUT_NOT_FOUND: 0xc0220001,
  FILTER_NOT_FOUND: 0xc0220003,
  PROVIDER_NOT_FOUND: 0xc0220005,
  IN_USE: 0xc022000a,
  SUBLAYER_NOT_FOUND: 0xc0220007,
  ALREADY_EXISTS: 0xc0220009,
  TXN_IN_PROGRESS: 0xc022000e,
  NO_TXN_IN_PROGRESS: 0xc022000d,
};
export const FWPM_SESSION_FLAG_DYNAMIC = 1;
export const FWP_ACTION_FLAG_CALLOUT = 0x4000;
export const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

export type Kind = "callout" | "sublayer" | "filter" | "provider";
export interface MgmtObject {
  kind: Kind;
  key: string;
  id: bigint;
  session: bigint;
  name: string;
  /** A filter's sublayer and callout ("sublayer:KEY", "callout:KEY"). */
  uses: string[];
  /** A callout's FWPM_CALLOUT0 as added (FwpmCalloutGetByKey0 / GetById0 return a copy). */
  callout?: CalloutCopy;
  /** A sublayer's FWPM_SUBLAYER0 as added (FwpmSubLayerEnum0 returns copies, fwp-enum.ts). */
  sublayer?: SubLayerCopy;
}
/** What FWPM_SUBLAYER0 and FWPM_CALLOUT0 share (fwpmtypes.h): key, displayData, flags, providerKey, providerData. */
export interface FwpmObjectCopy {
  key: Uint8Array;
  name: string | null;
  description: string | null;
  flags: number;
  providerKey: Uint8Array | null;
  providerData: Uint8Array | null;
}
export interface SubLayerCopy extends FwpmObjectCopy {
  weight: number;
}
export interface CalloutCopy extends FwpmObjectCopy {
  layer: Uint8Array;
}

/** A copy of the shared fields of an FWPM_SUBLAYER0 / FWPM_CALLOUT0 at `obj` (offsets from clang, layouts.ts). */
export function readFwpmObject(ctx: ApiContext, obj: bigint, type: "FWPM_SUBLAYER0" | "FWPM_CALLOUT0"): FwpmObjectCopy {
  const off = (m: string) => obj + B(fltOff(type, m));
  const str = (p: bigint) => (p === 0n ? null : ctx.mem.wstring(p, 1024));
  const pk = getPtr(ctx.mem, off("providerKey"));
  const size = ctx.mem.u32(off("providerData.size"));
  const data = getPtr(ctx.mem, off("providerData.data"));
  return {
    key: ctx.mem.read(obj, 16).slice(),
    name: str(getPtr(ctx.mem, off("displayData.name"))),
    description: str(getPtr(ctx.mem, off("displayData.description"))),
    flags: ctx.mem.u32(off("flags")),
    providerKey: pk === 0n ? null : ctx.mem.read(pk, 16).slice(),
    // FWP_BYTE_BLOB: the first 64 KiB are kept (a bound on what a wild size can make kmdll copy).
    providerData: size === 0 || data === 0n ? null : ctx.mem.read(data, Math.min(size, 0x10000)).slice(),
  };
}

export interface Session {
  dynamic: boolean;
  /** Objects added in the open transaction (null: none open). */
  txn: MgmtObject[] | null;
  /** Objects deleted in the open transaction (put back by its abort). */
  txnDeleted: MgmtObject[];
}
export const wfp = componentState("wfp", () => ({
  sessions: new Map<bigint, Session>(),
  objects: new Map<string, MgmtObject>(),
  callouts: new Map<number, { key: string; module: string }>(),
  nextCalloutId: 1,
  nextBfeHandle: 1,
  nextId: 1n,
  redirects: new Set<bigint>(),
  injections: new Set<bigint>(),
  /** Blocks Fwpm*Get* returned that FwpmFreeMemory0 has not freed yet. */
  blocks: new Set<bigint>(),
}));

export function guid(ctx: ApiContext, at: bigint): string {
  return guidText(ctx.mem.read(at, 16));
}
/** A GUID's 16 bytes as text (the registry form without braces). */
export function guidText(b: Uint8Array): string {
  const h = (i: number, n: number, le: boolean) => {
    const s = [...b.subarray(i, i + n)];
    return (le ? s.reverse() : s).map((x) => x.toString(16).padStart(2, "0")).join("");
  };
  return `${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}`;
}
export function displayName(ctx: ApiContext, p: bigint): string {
  if (p === 0n) return "";
  try {
    return ctx.mem.wstring(p, 256);
  } catch {
    return hex(p);
  }
}

/** A handle as the tables key it (its low 32 bits sign-extended). */
export const handleKey = (h: bigint) => BigInt.asUintN(64, BigInt.asIntN(32, h));

export function sessionOf(ctx: ApiContext, h: bigint): Session | null {
  const e = lookupHandle(ctx.kernel, h);
  if (!e || e.type !== "FwpmEngine") return null;
  return wfp(ctx.kernel).sessions.get(handleKey(h)) ?? null;
}

export function addObject(ctx: ApiContext, session: bigint, s: Session, kind: Kind, key: string, name: string, uses: string[] = []): MgmtObject {
  const st = wfp(ctx.kernel);
  const o: MgmtObject = { kind, key, id: st.nextId++, session, name, uses };
  st.objects.set(`${kind}:${key}`, o);
  s.txn?.push(o);
  return o;
}
export const has = (ctx: ApiContext, kind: Kind, key: string) => wfp(ctx.kernel).objects.has(`${kind}:${key}`);
