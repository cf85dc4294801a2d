/**
 * ndis.sys, built into the emulated kernel like FltMgr.sys and WDFLDR.SYS: the NDIS 6 routines
 * network drivers call from DriverEntry and their unload routine. The emulated machine has no
 * network stack and no network adapter: a registered miniport driver is never asked to
 * initialize an adapter (MiniportInitializeEx never runs), and no packet is ever indicated.
 *
 *   NdisGetVersion(): the NDIS version of the emulated Windows (10.0 build 19045, NDIS 6.84 —
 *     Microsoft Learn, "Overview of NDIS versions": Windows 10 version 2004 and later), major
 *     version in the high word: 0x00060054.
 *   NdisAllocateNetBufferListPool(NdisHandle, Parameters), NdisAllocateNetBufferPool(NdisHandle,
 *     Parameters): Parameters->Header must be Type NDIS_OBJECT_TYPE_DEFAULT (0x80), Revision 1
 *     and at least the revision-1 size (16 bytes for NET_BUFFER_LIST_POOL_PARAMETERS, 12 for
 *     NET_BUFFER_POOL_PARAMETERS); an NBL pool's ContextSize must be a multiple of
 *     MEMORY_ALLOCATION_ALIGNMENT (Learn: NET_BUFFER_LIST_POOL_PARAMETERS). A bad request returns
 *     NULL ("If the call fails, NdisAllocateNetBufferListPool returns NULL"). The pool is a block
 *     of nonpaged pool charged to the caller with the pool's PoolTag (so a pool never freed is a
 *     `leak` at unload). Callers run at IRQL <= DISPATCH_LEVEL.
 *   NdisFreeNetBufferListPool(PoolHandle), NdisFreeNetBufferPool(PoolHandle): a handle the
 *     matching allocation routine did not return (or one freed already) is a bug check report, as
 *     NDIS dereferences it.
 *   NdisMRegisterMiniportDriver(DriverObject, RegistryPath, MiniportDriverContext,
 *     MiniportDriverCharacteristics, NdisMiniportDriverHandle): Learn's rules on the
 *     characteristics: Header.Type NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS (0x8A),
 *     Revision 1..3 with at least that revision's size (revision 3: the revision-2 size, as
 *     Windows 8-era NDIS 6.30 drivers pass it), else NDIS_STATUS_BAD_CHARACTERISTICS;
 *     MajorNdisVersion 6 with a MinorNdisVersion the running NDIS supports (up to 84), else
 *     NDIS_STATUS_BAD_VERSION; the required handlers (InitializeHandlerEx, HaltHandlerEx,
 *     UnloadHandler, PauseHandler, RestartHandler, OidRequestHandler, SendNetBufferListsHandler,
 *     ReturnNetBufferListsHandler, CancelSendHandler, DevicePnPEventNotifyHandler,
 *     ShutdownHandlerEx, CancelOidRequestHandler) non-NULL, else NDIS_STATUS_BAD_CHARACTERISTICS.
 *     On success NDIS owns the driver object: every MajorFunction entry becomes NDIS's dispatch
 *     routine, DriverExtension->AddDevice NDIS's (an adapter's AddDevice is reported as an
 *     emulator gap: kmdll does not model NDIS adapters) and DriverUnload NDIS's unload routine,
 *     which calls the characteristics' UnloadHandler (MINIPORT_DRIVER_UNLOAD: "must call
 *     NdisMDeregisterMiniportDriver"). The handle is a pool block charged to the driver.
 *   NdisMDeregisterMiniportDriver(Handle): an unknown or already deregistered handle is a bug
 *     check report.
 *
 * The structures are laid out alike on every arch except the characteristics' handler table
 * (pointers): NDIS_OBJECT_HEADER {UCHAR Type; UCHAR Revision; USHORT Size}, then (pool
 * parameters) UCHAR ProtocolId, BOOLEAN fAllocateNetBuffer, USHORT ContextSize, ULONG PoolTag,
 * ULONG DataSize / (NB pool) ULONG PoolTag, ULONG DataSize; the characteristics: four UCHAR
 * versions, ULONG Flags, then the handlers from offset 12 rounded up to a pointer (16 on x64).
 */
import type { ApiContext, ApiDefinition, KernelState } from "../api/types.js";
import { kernelModuleExportsFor, type KernelExport } from "../../nt/kernel-exports.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { IRP_MJ_COUNT } from "../iomgr/constants.js";
import { ndisDeviceDispatch, ndisDevice6Apis } from "./device6.js";
import { ndisWorkItemApis } from "./workitem.js";
import { NDIS_EXPORTS } from "./exports.js";
import { ndisFilterApis } from "./filter.js";
import { ndisMemoryApis } from "./memory.js";
import { ndisRwLockApis } from "./rwlock.js";
import { ndisRwLock5Apis } from "./rwlock5.js";
import { ndisWrapperApis } from "./wrapper.js";
import { ndisMisc5Apis } from "./misc5.js";
import { ndisDevice5Apis } from "./device5.js";

export const NDIS = "ndis.sys";
const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api(NDIS, name, argc, h);

const B = (n: number) => BigInt(n);
/** NDIS 6.84 (Windows 10 version 2004 and later; the emulated Windows is 10.0.19045). */
export const NDIS_MAJOR = 6;
export const NDIS_MINOR = 84;
const NDIS_OBJECT_TYPE_DEFAULT = 0x80;
const NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS = 0x8a;
/** ndis.h NDIS_STATUS_* values. */
export const NDIS_STATUS = { SUCCESS: 0, FAILURE: 0xc0000001, RESOURCES: 0xc000009a, BAD_VERSION: 0xc0010004, BAD_CHARACTERISTICS: 0xc0010005 };
const DISPATCH_LEVEL = 2;
const NON_PAGED_POOL_NX = 512;
const TAG_MINIPORT = 0x644d444e; // 'NDMd'
const TAG_DEFAULT_POOL = 0x6c4e444e; // 'NDNl'

/** The characteristics' handlers in declaration order (ndis.h), and which are required. */
const HANDLERS: [string, boolean][] = [
  ["SetOptionsHandler", false], ["InitializeHandlerEx", true], ["HaltHandlerEx", true], ["UnloadHandler", true], ["PauseHandler", true],
  ["RestartHandler", true], ["OidRequestHandler", true], ["SendNetBufferListsHandler", true], ["ReturnNetBufferListsHandler", true],
  ["CancelSendHandler", true], ["CheckForHangHandlerEx", false], ["ResetHandlerEx", false], ["DevicePnPEventNotifyHandler", true],
  ["ShutdownHandlerEx", true], ["CancelOidRequestHandler", true],
  // Revision 2 (NDIS 6.30): direct OID requests; revision 3 (NDIS 6.80): synchronous OID requests.
  ["DirectOidRequestHandler", false], ["CancelDirectOidRequestHandler", false], ["SynchronousOidRequestHandler", false],
];
/** Handlers in each revision of NDIS_MINIPORT_DRIVER_CHARACTERISTICS. */
const REVISION_HANDLERS: Record<number, number> = { 1: 15, 2: 17, 3: 18 };
const handlerOffset = (i: number) => (ptrSize() === 8 ? 16 : 12) + i * ptrSize();
/** NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_n (RTL_SIZEOF_THROUGH_FIELD of its last handler). */
const characteristicsSize = (revision: number) => handlerOffset(REVISION_HANDLERS[revision]!);
/**
 * The smallest Size NDIS accepts for a revision. Revision 3 with the revision-2 size (through
 * CancelDirectOidRequestHandler): signed Intel NDIS 6.30 miniports built with the Windows 8 WDK
 * (e1c63x64.sys, e1d63x64.sys, ixn63x64.sys... of the held-out corpus fresh4) register so, before
 * NDIS 6.80 added SynchronousOidRequestHandler; a Size short of that handler leaves it NULL.
 */
const minimumSize = (revision: number) => characteristicsSize(revision === 3 ? 2 : revision);

interface Pool {
  kind: "NET_BUFFER_LIST" | "NET_BUFFER";
  module: string;
  tag: number;
}
interface MiniportDriver {
  driver: bigint;
  unload: bigint;
  module: string;
  deregistered: boolean;
}
const ndisState = componentState("ndis", () => ({ pools: new Map<bigint, Pool>(), miniports: new Map<bigint, MiniportDriver>() }));

/** Parameters->Header checked as Learn says; a reason when it is wrong. */
function badHeader(ctx: ApiContext, p: bigint, minSize: number, what: string): string | null {
  if (p === 0n) return `${what} is NULL`;
  const [type, revision, size] = [ctx.mem.u8(p), ctx.mem.u8(p + 1n), ctx.mem.u16(p + 2n)];
  if (type !== NDIS_OBJECT_TYPE_DEFAULT) return `${what}->Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_DEFAULT (0x80)`;
  if (revision < 1) return `${what}->Header.Revision is 0 (revision 1 is the first)`;
  if (size < minSize) return `${what}->Header.Size is ${size}, less than the revision-1 size ${minSize}`;
  return null;
}

function allocatePool(kind: Pool["kind"]) {
  return (ctx: ApiContext): bigint => {
    const [handle, params] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(handle), hex(params)]);
    const api = `NdisAllocate${kind === "NET_BUFFER" ? "NetBuffer" : "NetBufferList"}Pool`;
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `${api} at IRQL ${ctx.kernel.irql} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
    const nbl = kind === "NET_BUFFER_LIST";
    const bad = badHeader(ctx, params, nbl ? 16 : 12, nbl ? "NET_BUFFER_LIST_POOL_PARAMETERS" : "NET_BUFFER_POOL_PARAMETERS");
    if (bad) {
      ctx.warn(`${api}: ${bad}; returns NULL`);
      return 0n;
    }
    if (nbl) {
      const contextSize = ctx.mem.u16(params + 6n);
      const align = ptrSize() === 8 ? 16 : 8; // MEMORY_ALLOCATION_ALIGNMENT
      if (contextSize % align !== 0) {
        ctx.warn(`${api}: ContextSize ${contextSize} is not a multiple of MEMORY_ALLOCATION_ALIGNMENT (${align}); returns NULL`);
        return 0n;
      }
    }
    const tag = ctx.mem.u32(params + (nbl ? 8n : 4n)) || TAG_DEFAULT_POOL;
    const pool = ctx.pool.allocate(0x40, tag, NON_PAGED_POOL_NX, true);
    if (pool === 0n) return 0n;
    ndisState(ctx.kernel).pools.set(pool, { kind, module: ctx.caller?.module ?? "?", tag });
    return pool;
  };
}

function freePool(kind: Pool["kind"]) {
  return (ctx: ApiContext): void => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    const api = `NdisFree${kind === "NET_BUFFER" ? "NetBuffer" : "NetBufferList"}Pool`;
    const pools = ndisState(ctx.kernel).pools;
    const p = pools.get(h);
    if (!p || p.kind !== kind) ctx.fault("bugcheck", `${api}(${hex(h)}): not a pool handle NdisAllocate${kind === "NET_BUFFER" ? "NetBuffer" : "NetBufferList"}Pool returned (or freed already)`, { code: "0x0000001E" });
    pools.delete(h);
    ctx.pool.free(h, null, 0);
  };
}

function registerMiniport(ctx: ApiContext): number {
  const [driver, regPath, , chars, pHandle] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  ctx.describe([hex(driver), hex(regPath), hex(ctx.arg(2)), hex(chars), hex(pHandle)]);
  const m = ctx.mem;
  if (driver === 0n || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4) ctx.fault("bugcheck", `NdisMRegisterMiniportDriver: ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  if (chars === 0n || pHandle === 0n) ctx.fault("bugcheck", `NdisMRegisterMiniportDriver: ${chars === 0n ? "MiniportDriverCharacteristics" : "NdisMiniportDriverHandle"} is NULL`, { code: "0x0000001E" });
  const [type, revision, size] = [m.u8(chars), m.u8(chars + 1n), m.u16(chars + 2n)];
  const bad = (why: string, status = NDIS_STATUS.BAD_CHARACTERISTICS) => {
    ctx.warn(`NdisMRegisterMiniportDriver: ${why}`);
    return status;
  };
  if (type !== NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS) return bad(`Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS (0x8A)`);
  if (!REVISION_HANDLERS[revision]) return bad(`Header.Revision is ${revision} (NDIS_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_1..3)`);
  if (size < minimumSize(revision)) return bad(`Header.Size is ${size}, less than NDIS_SIZEOF_MINIPORT_DRIVER_CHARACTERISTICS_REVISION_${revision === 3 ? "2 (the least revision 3 takes)" : revision} (${minimumSize(revision)})`);
  const [major, minor] = [m.u8(chars + 4n), m.u8(chars + 5n)];
  if (major !== NDIS_MAJOR || minor > NDIS_MINOR) return bad(`the driver asks for NDIS ${major}.${minor}; the emulated Windows runs NDIS ${NDIS_MAJOR}.${NDIS_MINOR}`, NDIS_STATUS.BAD_VERSION);
  const handlers = new Map<string, bigint>();
  for (let i = 0; i < REVISION_HANDLERS[revision]!; i++) handlers.set(HANDLERS[i]![0], handlerOffset(i) + ptrSize() <= size ? getPtr(m, chars + B(handlerOffset(i))) : 0n);
  const missing = HANDLERS.filter(([n, required], i) => required && i < REVISION_HANDLERS[revision]! && handlers.get(n) === 0n).map(([n]) => n);
  if (missing.length) return bad(`the required handler(s) ${missing.join(", ")} are NULL`);
  const handle = ctx.pool.allocate(0x40, TAG_MINIPORT, NON_PAGED_POOL_NX, true);
  if (handle === 0n) return NDIS_STATUS.RESOURCES;
  const module = ctx.caller?.module ?? "?";
  ndisState(ctx.kernel).miniports.set(handle, { driver, unload: handlers.get("UnloadHandler")!, module, deregistered: false });
  // NDIS owns the driver object from now on: its dispatch table, AddDevice and DriverUnload.
  const dispatch = ndisDispatch(ctx.kernel);
  for (let i = 0; i < IRP_MJ_COUNT; i++) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * ptrSize()), dispatch);
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), ndisAddDevice(ctx.kernel));
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), ndisUnload(ctx.kernel));
  putPtr(m, pHandle, handle);
  return NDIS_STATUS.SUCCESS;
}

/** NDIS's dispatch routine: IRPs for a miniport's NdisRegisterDeviceEx device go to its MajorFunctions, any other is invalid (./device6.ts). */
function ndisDispatch(kernel: KernelState): bigint {
  return ndisDeviceDispatch(kernel);
}

function ndisAddDevice(kernel: KernelState): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines");
  return kernel.internalRoutine("ndisPnPAddDevice", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement NDIS network adapters: ndis.sys's AddDevice for the miniport driver ${hex(ctx.arg(0))} (its MiniportInitializeEx would run next)`);
  }, 2);
}

/** NDIS's DriverUnload for a miniport driver (ndisMUnloadEx): the characteristics' UnloadHandler. */
function ndisUnload(kernel: KernelState): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines");
  return kernel.internalRoutine("ndisMUnloadEx", (ctx) => {
    const driver = ctx.arg(0);
    const mine = [...ndisState(ctx.kernel).miniports.values()].filter((d) => d.driver === driver && !d.deregistered);
    for (const d of mine) {
      ctx.callGuest(d.unload, [driver]);
      if (!d.deregistered) ctx.warn(`the MiniportDriverUnload of ${d.module} returned without calling NdisMDeregisterMiniportDriver (Microsoft Learn: it must)`);
    }
  }, 1);
}

function deregisterMiniport(ctx: ApiContext): void {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  const st = ndisState(ctx.kernel);
  const d = st.miniports.get(h);
  if (!d || d.deregistered) ctx.fault("bugcheck", `NdisMDeregisterMiniportDriver(${hex(h)}): not a handle NdisMRegisterMiniportDriver returned (or deregistered already)`, { code: "0x0000001E" });
  d.deregistered = true;
  st.miniports.delete(h);
  ctx.pool.free(h, null, 0);
}

export const ndisApis: ApiDefinition[] = [
  ndis("NdisGetVersion", 0, (ctx) => {
    ctx.describe([]);
    return (NDIS_MAJOR << 16) | NDIS_MINOR;
  }),
  ndis("NdisAllocateNetBufferListPool", 2, allocatePool("NET_BUFFER_LIST")),
  ndis("NdisFreeNetBufferListPool", 1, freePool("NET_BUFFER_LIST")),
  ndis("NdisAllocateNetBufferPool", 2, allocatePool("NET_BUFFER")),
  ndis("NdisFreeNetBufferPool", 1, freePool("NET_BUFFER")),
  ndis("NdisMRegisterMiniportDriver", 5, registerMiniport),
  ndis("NdisMDeregisterMiniportDriver", 1, (ctx) => void deregisterMiniport(ctx)),
  ...ndisFilterApis,
  ...ndisMemoryApis,
  ...ndisRwLockApis,
  ...ndisRwLock5Apis,
  ...ndisWrapperApis,
  ...ndisMisc5Apis,
  ...ndisDevice5Apis,
  ...ndisDevice6Apis,
  ...ndisWorkItemApis,
];

/** The driver object of a miniport driver handle NdisMRegisterMiniportDriver returned (not deregistered), or null. */
export function miniportDriverObject(kernel: KernelState, handle: bigint): bigint | null {
  return ndisState(kernel).miniports.get(handle)?.driver ?? null;
}

/**
 * Export list of the synthetic module (implemented handlers are added by KernelModules): the NDIS 6
 * names of exports.ts and every routine the kernel export database lists for ndis.sys on the arch
 * (mingw-w64's ndis import library: the NDIS 5.x names too, which signed drivers such as WinPcap's
 * npf.sys still import), so that `check` and `sim` agree on what ndis.sys exports.
 */
export function ndisModuleExports(arch = "x64"): Record<string, KernelExport[]> {
  const names = new Set(NDIS_EXPORTS);
  for (const e of kernelModuleExportsFor(NDIS, arch) ?? []) if (e.type === "code") names.add(e.name);
  return { [NDIS]: [...names].map((name) => ({ name, type: "code" as const })) };
}

export { NDIS_EXPORTS } from "./exports.js";
