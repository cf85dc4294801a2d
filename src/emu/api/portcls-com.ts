/**
 * portcls.sys's COM-style objects as an adapter driver sees them: a guest block whose first
 * pointer is a vtable of portcls routines (IUnknown's QueryInterface, AddRef, Release first, then
 * the interface's methods in the order portcls.h declares them: mingw-w64's ddk/portcls.h
 * DECLARE_INTERFACE_ blocks, the same as Microsoft Learn's portcls.h reference). On x86 every
 * method is STDMETHODCALLTYPE (__stdcall) with `this` first; on x64 `this` is the first argument.
 *
 * The driver's own objects (miniports, its adapter common object, IAdapterPowerManagement) are
 * called through their vtables the same way (`callMethod`): portcls QueryInterface's them with an
 * IID it writes into pool, and releases what it holds with Release.
 *
 * A method of a portcls object that kmdll does not model is a gap (unimplemented-api, naming the
 * interface and method), never a guess; a `this` that is not a live portcls object is a bug check
 * report (portcls would dereference a freed or foreign object).
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { hex, moduleRoutine } from "./util.js";
import { componentState } from "./state.js";
import { envOf, kalloc, kfree } from "../iomgr/index.js";
import { guidAt } from "../pnp/interfaces.js";

export const PORTCLS_MODULE = "portcls.sys";
const B = (n: number) => BigInt(n);
const TAG = 0x6c436350; // 'PcCl'
export const STATUS_NOINTERFACE = 0xc00002b9; // STATUS_NOINTERFACE (ntstatus.h): what portcls's QueryInterface returns for an unknown IID
export const STATUS_UNSUCCESSFUL = 0xc0000001;

/** The IIDs and CLSIDs portcls's objects answer to (mingw-w64 ddk/portcls.h DEFINE_GUID lines). */
export const GUIDS = {
  IUnknown: "{00000000-0000-0000-c000-000000000046}",
  /** The kernel-mode IID_IUnknown of punknown.h (mingw-w64 ddk/punknown.h: Data4 0x00, 0x00, 0xC0, ..., 0x46; the WDK's SimpleAudioSample carries the same bytes): portcls answers both. */
  IUnknownKernel: "{00000000-0000-0000-0000-c00000000046}",
  IResourceList: "{22c6ac60-851b-11d0-9a7f-00aa0038acfe}",
  IPort: "{b4c90a25-5791-11d0-86f9-00a0c911b544}",
  IMiniport: "{b4c90a24-5791-11d0-86f9-00a0c911b544}",
  IPortTopology: "{b4c90a30-5791-11d0-86f9-00a0c911b544}",
  CLSID_PortTopology: "{b4c90a32-5791-11d0-86f9-00a0c911b544}",
  IMiniportTopology: "{b4c90a31-5791-11d0-86f9-00a0c911b544}",
  IPortWaveCyclic: "{b4c90a26-5791-11d0-86f9-00a0c911b544}",
  CLSID_PortWaveCyclic: "{b4c90a2a-5791-11d0-86f9-00a0c911b544}",
  IMiniportWaveCyclic: "{b4c90a27-5791-11d0-86f9-00a0c911b544}",
  IPortWaveRT: "{339ff909-68a9-4310-b09b-274e96ee4cbd}",
  CLSID_PortWaveRT: "{cc9be57a-eb9e-42b4-94fc-0cad3dbce7fa}",
  IMiniportWaveRT: "{0f9fc4d6-6061-4f3c-b1fc-075e35f7960a}",
  IAdapterPowerManagement: "{793417d0-35fe-11d1-ad08-00a0c90ab1b0}",
  IPortEvents: "{a80f29c4-5498-11d2-95d9-00c04fb925d3}",
} as const;

/** A portcls object: its kind, the IIDs it answers, its reference count and kind-specific state. */
export interface PcObject {
  addr: bigint;
  kind: "resourceList" | "port" | "registryKey" | "serviceGroup" | "interruptSync";
  iids: string[];
  /** Further interfaces of the object (C++ multiple inheritance: a second vtable pointer in the block): IID → interface pointer. */
  secondary?: Map<string, bigint>;
  refs: number;
  /** Called when the last reference goes (before the block is freed). */
  destroy?: (ctx: ApiContext) => void;
  /** resourceList: the translated and raw CM_RESOURCE_LIST copies portcls owns (0 when none), and the sublist's entries. */
  translated?: bigint;
  untranslated?: bigint;
  maxEntries?: number;
  /** serviceGroup: its member sinks and whether it supports delayed service (./portcls-service.ts). */
  members?: bigint[];
  delayed?: boolean;
  /** interruptSync: its resource list, interrupt index, mode, service routines and connection (./portcls-intsync.ts). */
  sync?: { list: bigint; index: number; mode: number; routines: { routine: bigint; context: bigint }[]; interrupt: bigint; irql: number };
  /** registryKey: its kernel handle (./portcls-regkey.ts). */
  handle?: bigint;
  /** port: its class (the CLSID's name), the miniport it holds after Init, the driver's filter descriptor. */
  portClass?: string;
  miniport?: bigint;
  device?: bigint;
  filterDescriptor?: bigint;
}

const state = componentState("portcls-com", () => ({ objects: new Map<bigint, PcObject>(), vtables: new Map<string, bigint>(), iidAt: new Map<string, bigint>() }));

export function pcObject(kernel: KernelState, addr: bigint): PcObject | undefined {
  return state(kernel).objects.get(addr);
}

/** The live object at `this`, or a bug check report naming the method. */
export function thisObject(ctx: ApiContext, what: string): PcObject {
  const self = ctx.arg(0);
  const o = state(ctx.kernel).objects.get(self);
  if (!o) ctx.fault("bugcheck", `${what}: this = ${hex(self)} is not a live portcls object (released, or never made by portcls)`, { code: "0x0000001E" });
  return o;
}

type Method = [name: string, argc: number, h: ApiDefinition["handler"] | null];

function gap(iface: string, name: string): ApiDefinition["handler"] {
  return (ctx) => ctx.fault("unimplemented-api", `kmdll does not implement portcls's ${iface}::${name} (called on ${hex(ctx.arg(0))})`, { api: `portcls.sys!${iface}::${name}` });
}

/** IUnknown's three methods, shared by every portcls object. */
const unknownMethods: Method[] = [
  ["QueryInterface", 3, (ctx) => {
    const o = thisObject(ctx, "IUnknown::QueryInterface");
    const [riid, out] = [ctx.arg(1), ctx.arg(2)];
    if (out === 0n || !ctx.mem.isMapped(out, ptrSize())) ctx.fault("bugcheck", `QueryInterface(${hex(o.addr)}): the output pointer ${hex(out)} is not writable`, { code: "0x0000001E" });
    const iid = guidAt(ctx.mem, riid);
    ctx.describe([hex(o.addr), iid, hex(out)]);
    const other = o.secondary?.get(iid);
    if (iid !== GUIDS.IUnknown && iid !== GUIDS.IUnknownKernel && !o.iids.includes(iid) && other === undefined) {
      putPtr(ctx.mem, out, 0n);
      return STATUS_NOINTERFACE;
    }
    o.refs++;
    putPtr(ctx.mem, out, other ?? o.addr);
    return STATUS.SUCCESS;
  }],
  ["AddRef", 1, (ctx) => B(++thisObject(ctx, "IUnknown::AddRef").refs)],
  ["Release", 1, (ctx) => B(release(ctx, thisObject(ctx, "IUnknown::Release")))],
];

/** Drop one reference; the last one destroys and frees the object. The count left. */
export function release(ctx: ApiContext, o: PcObject): number {
  if (--o.refs > 0) return o.refs;
  o.destroy?.(ctx);
  state(ctx.kernel).objects.delete(o.addr);
  for (const p of o.secondary?.values() ?? []) state(ctx.kernel).objects.delete(p);
  kfree(envOf(ctx), o.addr);
  return 0;
}

/** The vtable for an interface (made once per emulator): IUnknown's methods then `methods`; a null handler is a gap. */
function vtable(ctx: ApiContext, iface: string, methods: Method[]): bigint {
  const kernel = ctx.kernel;
  const st = state(kernel);
  const known = st.vtables.get(iface);
  if (known !== undefined) return known;
  const all: Method[] = [...unknownMethods.map(([n, a, h]): Method => [`Pc${n}`, a, h]), ...methods.map(([n, a, h]): Method => [`${iface}::${n}`, a, h ?? gap(iface, n)])];
  const p = ptrSize();
  const table = kalloc(envOf(ctx), all.length * p, TAG);
  all.forEach(([name, argc, h], i) => putPtr(ctx.mem, table + B(i * p), moduleRoutine(kernel, PORTCLS_MODULE, name, h!, argc)));
  st.vtables.set(iface, table);
  return table;
}

/** A further interface of an object: its IID, name and methods (after IUnknown's). */
export interface Secondary {
  iid: string;
  iface: string;
  methods: Method[];
}

/** A new portcls object with one reference: a block of vtable pointers (the main interface, then each secondary one). */
export function newObject(ctx: ApiContext, iface: string, methods: Method[], o: Omit<PcObject, "addr" | "refs" | "secondary">, secondary: Secondary[] = []): PcObject {
  const p = ptrSize();
  const addr = kalloc(envOf(ctx), (secondary.length + 2) * p, TAG);
  putPtr(ctx.mem, addr, vtable(ctx, iface, methods));
  const obj: PcObject = { ...o, addr, refs: 1 };
  const st = state(ctx.kernel);
  st.objects.set(addr, obj);
  if (secondary.length > 0) obj.secondary = new Map();
  secondary.forEach((s, i) => {
    const at = addr + B((i + 1) * p);
    putPtr(ctx.mem, at, vtable(ctx, s.iface, s.methods));
    obj.secondary!.set(s.iid, at);
    st.objects.set(at, obj);
  });
  putPtr(ctx.mem, addr + B((secondary.length + 1) * p), 0n);
  return obj;
}

/** A pool copy of an IID portcls passes to a driver's QueryInterface (kept for the emulator's life). */
export function iidPointer(ctx: ApiContext, iid: string): bigint {
  const st = state(ctx.kernel);
  const known = st.iidAt.get(iid);
  if (known !== undefined) return known;
  const at = kalloc(envOf(ctx), 16, TAG);
  const hexs = iid.replace(/[{}]/g, "").split("-");
  const le = (h: string) => h.match(/../g)!.reverse().join("");
  const bytes = Buffer.from(le(hexs[0]!) + le(hexs[1]!) + le(hexs[2]!) + hexs[3]! + hexs[4]!, "hex");
  ctx.mem.write(at, new Uint8Array(bytes));
  st.iidAt.set(iid, at);
  return at;
}

/** Call method `slot` of a COM object the driver made (`this` first). Its 32-bit result. */
export function callMethod(ctx: ApiContext, obj: bigint, slot: number, args: bigint[], what: string): number {
  const m = ctx.mem;
  const p = ptrSize();
  if (obj === 0n || !m.isMapped(obj, p)) ctx.fault("bugcheck", `${what}: the object ${hex(obj)} is not mapped`, { code: "0x0000001E" });
  const vt = getPtr(m, obj);
  if (vt === 0n || !m.isMapped(vt + B(slot * p), p)) ctx.fault("bugcheck", `${what}: the object ${hex(obj)} has no vtable (${hex(vt)})`, { code: "0x0000001E" });
  const fn = getPtr(m, vt + B(slot * p));
  if (fn === 0n) ctx.fault("bugcheck", `${what}: vtable slot ${slot} of ${hex(obj)} is NULL`, { code: "0x0000001E" });
  return Number(BigInt.asUintN(32, ctx.callGuest(fn, [obj, ...args]))) >>> 0;
}

/** obj->QueryInterface(iid): the interface pointer (one more reference) or 0n. */
export function queryInterface(ctx: ApiContext, obj: bigint, iid: string, what: string): bigint {
  const out = kalloc(envOf(ctx), 8, TAG);
  ctx.mem.setU64(out, 0n);
  const status = callMethod(ctx, obj, 0, [iidPointer(ctx, iid), out], `${what}: QueryInterface`);
  const got = getPtr(ctx.mem, out);
  kfree(envOf(ctx), out);
  return status === STATUS.SUCCESS ? got : 0n;
}

/** obj->Release() on a driver's (or portcls's own) object. */
export function releaseInterface(ctx: ApiContext, obj: bigint, what: string): void {
  const own = state(ctx.kernel).objects.get(obj);
  if (own) release(ctx, own);
  else callMethod(ctx, obj, 2, [], `${what}: Release`);
}

/** obj->AddRef(). */
export function addRef(ctx: ApiContext, obj: bigint, what: string): void {
  const own = state(ctx.kernel).objects.get(obj);
  if (own) own.refs++;
  else callMethod(ctx, obj, 1, [], `${what}: AddRef`);
}

export type { Method };
