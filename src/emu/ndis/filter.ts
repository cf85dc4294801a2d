/**
 * NDIS 6 lightweight filter drivers and generic objects (ndis.h; Microsoft Learn's pages for each
 * routine and structure). The emulated machine has no network adapter, so NDIS never attaches a
 * registered filter to a miniport: FilterAttach, and everything that follows it, never runs.
 *
 *   NdisFRegisterFilterDriver(DriverObject, FilterDriverContext, FilterDriverCharacteristics,
 *     NdisFilterDriverHandle): the characteristics' Header.Type must be
 *     NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS (0x8B), Revision 1..3 with at least that
 *     revision's size, else NDIS_STATUS_BAD_CHARACTERISTICS; MajorNdisVersion 6 with a minor
 *     version the running NDIS supports, else NDIS_STATUS_BAD_VERSION; AttachHandler,
 *     DetachHandler, RestartHandler and PauseHandler are mandatory (Learn:
 *     NDIS_FILTER_DRIVER_CHARACTERISTICS), else NDIS_STATUS_BAD_CHARACTERISTICS. Unlike a
 *     miniport, a filter driver keeps its own dispatch table and DriverUnload (its unload routine
 *     must call NdisFDeregisterFilterDriver). The handle is a pool block charged to the driver.
 *   NdisFDeregisterFilterDriver(Handle): an unknown or already deregistered handle is a bug check
 *     report.
 *   NdisFSetAttributes(NdisFilterHandle, FilterModuleContext, FilterAttributes): callable only
 *     from FilterAttach with the filter module handle NDIS passed to it; no filter module exists
 *     here, so every call passes a handle NDIS never gave, a bug check report (NDIS dereferences it).
 *   NdisAllocateGenericObject(DriverObject OPTIONAL, Tag, Size): an NDIS_GENERIC_OBJECT
 *     {NDIS_OBJECT_HEADER Header; PVOID Caller; PVOID CallersCaller; PDRIVER_OBJECT DriverObject}
 *     followed by Size bytes for the caller, zeroed, from nonpaged pool with the caller's Tag
 *     (never freed → a `leak` at unload); IRQL <= DISPATCH_LEVEL. NDIS's header Type value for
 *     it is not documented: kmdll writes NDIS_OBJECT_TYPE_DEFAULT, Revision 1, the structure's size.
 *   NdisFreeGenericObject(NdisObject): a pointer NdisAllocateGenericObject did not return (or
 *     freed already) is a bug check report.
 *
 * NDIS_FILTER_DRIVER_CHARACTERISTICS: NDIS_OBJECT_HEADER, four UCHAR versions, ULONG Flags, three
 * NDIS_STRINGs (FriendlyName, UniqueName, ServiceName), then 17 handlers in revision 1
 * (SetOptions, SetFilterModuleOptions, Attach, Detach, Restart, Pause, SendNetBufferLists,
 * SendNetBufferListsComplete, CancelSendNetBufferLists, ReceiveNetBufferLists,
 * ReturnNetBufferLists, OidRequest, OidRequestComplete, CancelOidRequest, DevicePnPEventNotify,
 * NetPnPEvent, Status), three more in revision 2 (the direct OID handlers, NDIS 6.1) and two in
 * revision 3 (the synchronous OID handlers, NDIS 6.80).
 */
import type { ApiContext, ApiDefinition, KernelState } from "../api/types.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";

const NDIS = "ndis.sys";
const B = (n: number) => BigInt(n);
const NDIS_OBJECT_TYPE_DEFAULT = 0x80;
const NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS = 0x8b;
const STATUS = { SUCCESS: 0, RESOURCES: 0xc000009a, BAD_VERSION: 0xc0010004, BAD_CHARACTERISTICS: 0xc0010005 };
const NDIS_MAJOR = 6;
const NDIS_MINOR = 84;
const DISPATCH_LEVEL = 2;
const NON_PAGED_POOL_NX = 512;
const TAG_FILTER = 0x6644444e; // 'NDDf'

const FILTER_HANDLERS = [
  "SetOptionsHandler", "SetFilterModuleOptionsHandler", "AttachHandler", "DetachHandler", "RestartHandler", "PauseHandler",
  "SendNetBufferListsHandler", "SendNetBufferListsCompleteHandler", "CancelSendNetBufferListsHandler", "ReceiveNetBufferListsHandler",
  "ReturnNetBufferListsHandler", "OidRequestHandler", "OidRequestCompleteHandler", "CancelOidRequestHandler", "DevicePnPEventNotifyHandler",
  "NetPnPEventHandler", "StatusHandler", "DirectOidRequestHandler", "DirectOidRequestCompleteHandler", "CancelDirectOidRequestHandler",
  "SynchronousOidRequestHandler", "SynchronousOidRequestHandlerComplete",
] as const;
const REQUIRED = ["AttachHandler", "DetachHandler", "RestartHandler", "PauseHandler"];
const REVISION_HANDLERS: Record<number, number> = { 1: 17, 2: 20, 3: 22 };
/** Offset of the i-th handler: after the header, versions, Flags and three NDIS_STRINGs (x64 64, 32-bit 36). */
const handlerOffset = (i: number) => (ptrSize() === 8 ? 64 : 36) + i * ptrSize();
/** NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_n (RTL_SIZEOF_THROUGH_FIELD of its last handler). */
export const filterCharacteristicsSize = (revision: number) => handlerOffset(REVISION_HANDLERS[revision]!);
/** sizeof(NDIS_GENERIC_OBJECT): header (4, padded to a pointer) and three pointers. */
const genericObjectSize = () => (ptrSize() === 8 ? 32 : 16);

interface FilterDriver {
  driver: bigint;
  module: string;
}
const filterState = componentState("ndis-filter", () => ({ filters: new Map<bigint, FilterDriver>(), generic: new Map<bigint, string>() }));

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api(NDIS, name, argc, h);

/** The driver object of a filter driver handle NdisFRegisterFilterDriver returned (not deregistered), or null. */
export function filterDriverObject(kernel: KernelState, handle: bigint): bigint | null {
  return filterState(kernel).filters.get(handle)?.driver ?? null;
}

function registerFilter(ctx: ApiContext): number {
  const [driver, , chars, pHandle] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(driver), hex(ctx.arg(1)), hex(chars), hex(pHandle)]);
  const m = ctx.mem;
  if (driver === 0n || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4) ctx.fault("bugcheck", `NdisFRegisterFilterDriver: ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  if (chars === 0n || pHandle === 0n) ctx.fault("bugcheck", `NdisFRegisterFilterDriver: ${chars === 0n ? "FilterDriverCharacteristics" : "NdisFilterDriverHandle"} is NULL`, { code: "0x0000001E" });
  const bad = (why: string, status = STATUS.BAD_CHARACTERISTICS) => {
    ctx.warn(`NdisFRegisterFilterDriver: ${why}`);
    return status;
  };
  const [type, revision, size] = [m.u8(chars), m.u8(chars + 1n), m.u16(chars + 2n)];
  if (type !== NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS) return bad(`Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS (0x8B)`);
  if (!REVISION_HANDLERS[revision]) return bad(`Header.Revision is ${revision} (NDIS_FILTER_CHARACTERISTICS_REVISION_1..3)`);
  if (size < filterCharacteristicsSize(revision)) return bad(`Header.Size is ${size}, less than NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_${revision} (${filterCharacteristicsSize(revision)})`);
  const [major, minor] = [m.u8(chars + 4n), m.u8(chars + 5n)];
  if (major !== NDIS_MAJOR || minor > NDIS_MINOR) return bad(`the driver asks for NDIS ${major}.${minor}; the emulated Windows runs NDIS ${NDIS_MAJOR}.${NDIS_MINOR}`, STATUS.BAD_VERSION);
  const missing = REQUIRED.filter((h) => getPtr(m, chars + B(handlerOffset(FILTER_HANDLERS.indexOf(h as (typeof FILTER_HANDLERS)[number])))) === 0n);
  if (missing.length) return bad(`the required handler(s) ${missing.join(", ")} are NULL`);
  const handle = ctx.pool.allocate(0x40, TAG_FILTER, NON_PAGED_POOL_NX, true);
  if (handle === 0n) return STATUS.RESOURCES;
  filterState(ctx.kernel).filters.set(handle, { driver, module: ctx.caller?.module ?? "?" });
  putPtr(m, pHandle, handle);
  return STATUS.SUCCESS;
}

function deregisterFilter(ctx: ApiContext): void {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  const st = filterState(ctx.kernel);
  if (!st.filters.has(h)) ctx.fault("bugcheck", `NdisFDeregisterFilterDriver(${hex(h)}): not a handle NdisFRegisterFilterDriver returned (or deregistered already)`, { code: "0x0000001E" });
  st.filters.delete(h);
  ctx.pool.free(h, null, 0);
}

function allocateGeneric(ctx: ApiContext): bigint {
  const [driver, tag, size] = [ctx.arg(0), ctx.u32(1), ctx.u32(2) & 0xffff];
  ctx.describe([hex(driver), hex(tag), String(size)]);
  if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `NdisAllocateGenericObject at IRQL ${ctx.kernel.irql} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
  if (driver !== 0n && ctx.mem.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4) ctx.fault("bugcheck", `NdisAllocateGenericObject: ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const total = genericObjectSize() + size;
  const obj = ctx.pool.allocate(total, tag, NON_PAGED_POOL_NX, true);
  if (obj === 0n) return 0n;
  ctx.mem.write(obj, new Uint8Array(total));
  ctx.mem.setU8(obj, NDIS_OBJECT_TYPE_DEFAULT);
  ctx.mem.setU8(obj + 1n, 1);
  ctx.mem.setU16(obj + 2n, genericObjectSize());
  putPtr(ctx.mem, obj + B(ptrSize() * 3), driver);
  filterState(ctx.kernel).generic.set(obj, ctx.caller?.module ?? "?");
  return obj;
}

function freeGeneric(ctx: ApiContext): void {
  const obj = ctx.arg(0);
  ctx.describe([hex(obj)]);
  const st = filterState(ctx.kernel);
  if (!st.generic.has(obj)) ctx.fault("bugcheck", `NdisFreeGenericObject(${hex(obj)}): not an object NdisAllocateGenericObject returned (or freed already)`, { code: "0x0000001E" });
  st.generic.delete(obj);
  ctx.pool.free(obj, null, 0);
}

export const ndisFilterApis: ApiDefinition[] = [
  ndis("NdisFRegisterFilterDriver", 4, registerFilter),
  ndis("NdisFDeregisterFilterDriver", 1, (ctx) => void deregisterFilter(ctx)),
  ndis("NdisFSetAttributes", 3, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    ctx.fault("bugcheck", `NdisFSetAttributes(${hex(h)}): not a filter module handle (NDIS passes one to FilterAttach only, and the emulated machine has no adapter to attach a filter to)`, { code: "0x0000001E" });
  }),
  ndis("NdisAllocateGenericObject", 3, allocateGeneric),
  ndis("NdisFreeGenericObject", 1, (ctx) => void freeGeneric(ctx)),
];
