/**
 * ndis.sys for protocol drivers (packet capture such as WinPcap's npf.sys, VPN clients, network
 * monitors): registration of NDIS 6 and NDIS 5.x protocols, NDIS events, processor counts and the
 * NDIS 5.x packet pools. The emulated machine has no network adapter, so a registered protocol is
 * never bound: its BindAdapterHandler(Ex) never runs, exactly as on a Windows machine without
 * network adapters, and the routines that need a binding (NdisOpenAdapter(Ex), NdisSend…,
 * NdisOidRequest) are never reached by a driver that follows NDIS's rules.
 *
 * Sources (facts, not code): Microsoft Learn's ndis.h reference — NdisRegisterProtocolDriver,
 * NDIS_PROTOCOL_DRIVER_CHARACTERISTICS, NdisDeregisterProtocolDriver, NdisInitializeEvent,
 * NdisSetEvent, NdisResetEvent, NdisWaitEvent, NdisSystemProcessorCount,
 * NdisGroupMaxProcessorCount, NdisGroupActiveProcessorCount, NdisRegisterProtocol (NDIS 5.x),
 * NdisAllocatePacketPool(Ex), NdisAllocatePacket, NdisFreePacket; mingw-w64's ddk/ndis.h for the
 * NDIS 5.x layouts (NDIS40_PROTOCOL_CHARACTERISTICS, NDIS_PACKET_PRIVATE, NDIS_PACKET,
 * NDIS_PACKET_OOB_DATA).
 *
 *   NdisRegisterProtocolDriver(Context, Characteristics, *Handle) → NDIS_STATUS:
 *     Header.Type NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS (0x95), Revision 1 (NDIS 6.0)
 *     or 2 (NDIS 6.30) with at least that revision's size, else NDIS_STATUS_BAD_CHARACTERISTICS;
 *     MajorNdisVersion 6 with a minor version the running NDIS (6.84) supports, else
 *     NDIS_STATUS_BAD_VERSION; an empty Name, or a NULL required handler (BindAdapterHandlerEx,
 *     UnbindAdapterHandlerEx, OpenAdapterCompleteHandlerEx, CloseAdapterCompleteHandlerEx,
 *     NetPnPEventHandler, OidRequestCompleteHandler, StatusHandlerEx,
 *     ReceiveNetBufferListsHandler, SendNetBufferListsCompleteHandler) →
 *     NDIS_STATUS_BAD_CHARACTERISTICS; a second protocol of the same name → NDIS_STATUS_FAILURE.
 *     The handle is a nonpaged-pool block charged to the caller: a protocol that unloads without
 *     deregistering leaks it, which the unload reports.
 *   NdisRegisterProtocol(*Status, *Handle, Characteristics, Length) (NDIS 5.x): MajorNdisVersion
 *     3, 4 or 5 (else NDIS_STATUS_BAD_VERSION); Length at least the size of that version's
 *     characteristics (else NDIS_STATUS_BAD_CHARACTERISTICS).
 *   NdisDeregisterProtocolDriver(Handle) / NdisDeregisterProtocol(*Status, Handle): a handle the
 *     registration did not return (or deregistered already) is a bug check report (NDIS
 *     dereferences it).
 *   NDIS_EVENT is a KEVENT: NdisInitializeEvent makes a notification event, not signaled;
 *     NdisWaitEvent(Event, MsToWait) waits MsToWait milliseconds (0: for ever) and returns TRUE
 *     when the event was signaled.
 *   The emulated machine's processors (machine file, default 1) in one group: NdisSystemProcessorCount,
 *     NdisGroupMaxProcessorCount/NdisGroupActiveProcessorCount that count for group 0 and 0 for any other,
 *     NdisMaxGroupCount/NdisActiveGroupCount 1.
 *   NdisAllocatePacketPool(Ex)(*Status, *Pool, Descriptors[, Overflow], ProtocolReservedLength):
 *     a pool of at most Descriptors + Overflow packets (Learn: the overflow count is ignored by
 *     NDIS 5.1 and later, which grow the pool as needed — kmdll honours the documented cap of
 *     the first count only when Ex's overflow is 0). NdisAllocatePacket(*Status, *Packet, Pool):
 *     a zeroed NDIS_PACKET with Private.Pool, Private.NdisPacketOobOffset and ProtocolReserved of
 *     the pool's length; NDIS_STATUS_RESOURCES when the pool is full. NdisFreePacket returns it;
 *     NdisFreePacketPool with packets still out is a bug check report (BUGCODE_NDIS_DRIVER).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, unicodeText } from "../api/util.js";
import { componentState } from "../api/state.js";
import { initHeader, setSignal, header, trySatisfy, blockingWait, clockOf } from "../api/ke.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { NDIS, NDIS_MAJOR, NDIS_MINOR, NDIS_STATUS } from "./index.js";
import { processorCount } from "../machine/topology.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api(NDIS, name, argc, h);
const B = (n: number) => BigInt(n);
const NON_PAGED_POOL_NX = 512;
const TAG_PROTOCOL = 0x72504e4e; // 'NNPr'
const TAG_PACKET_POOL = 0x6b504e4e; // 'NNPk'
const NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS = 0x95;
const EventNotificationObject = 0;
/** BUGCODE_NDIS_DRIVER. */
const BUGCODE_NDIS_DRIVER = "0x0000007C";

/** NDIS_PROTOCOL_DRIVER_CHARACTERISTICS' handlers in declaration order (ndis.h), and which are required. */
const HANDLERS_6: [string, boolean][] = [
  ["SetOptionsHandler", false], ["BindAdapterHandlerEx", true], ["UnbindAdapterHandlerEx", true], ["OpenAdapterCompleteHandlerEx", true],
  ["CloseAdapterCompleteHandlerEx", true], ["NetPnPEventHandler", true], ["UninstallHandler", false], ["OidRequestCompleteHandler", true],
  ["StatusHandlerEx", true], ["ReceiveNetBufferListsHandler", true], ["SendNetBufferListsCompleteHandler", true],
  // Revision 2 (NDIS 6.30)
  ["DirectOidRequestCompleteHandler", false],
];
const REVISION_6_HANDLERS: Record<number, number> = { 1: 11, 2: 12 };
/** The header, four version bytes, Flags, then Name (a UNICODE_STRING, pointer-aligned), then the handlers. */
const nameOffset6 = () => (ptrSize() === 8 ? 16 : 12);
const handlerOffset6 = (i: number) => nameOffset6() + LAYOUT.UNICODE_STRING.$size + i * ptrSize();

/** NDIS 5.x: versions, Filler, Flags (8 bytes), ten handlers, Name; NDIS 4 adds five handlers, NDIS 5 eight more. */
const NAME_OFFSET_5 = () => 8 + 10 * ptrSize();
const sizeOf5 = (major: number) => NAME_OFFSET_5() + LAYOUT.UNICODE_STRING.$size + (major >= 4 ? 5 * ptrSize() : 0) + (major >= 5 ? 8 * ptrSize() : 0);

interface Protocol {
  name: string;
  module: string;
  ndis5: boolean;
}
interface PacketPool {
  module: string;
  capacity: number;
  reserved: number;
  out: Set<bigint>;
}
const state = componentState("ndis-protocol", () => ({ protocols: new Map<bigint, Protocol>(), pools: new Map<bigint, PacketPool>(), packets: new Map<bigint, bigint>() }));

/** The kind of a protocol driver handle NdisRegisterProtocolDriver ("ndis6") or NDIS 5 NdisRegisterProtocol ("ndis5") returned and not deregistered, else null. */
export function protocolHandleKind(kernel: ApiContext["kernel"], handle: bigint): "ndis6" | "ndis5" | null {
  const p = state(kernel).protocols.get(handle);
  return p ? (p.ndis5 ? "ndis5" : "ndis6") : null;
}

/** The Name an NDIS 6 or 5.x protocol registered with, for a protocol driver handle not deregistered, else null. */
export function protocolName(kernel: ApiContext["kernel"], handle: bigint): string | null {
  return state(kernel).protocols.get(handle)?.name ?? null;
}

function registerProtocol(ctx: ApiContext, module: string, name: string | null, ndis5: boolean): { status: number; handle?: bigint } {
  if (!name) return { status: NDIS_STATUS.BAD_CHARACTERISTICS };
  const st = state(ctx.kernel);
  if ([...st.protocols.values()].some((p) => p.name.toLowerCase() === name.toLowerCase())) {
    ctx.warn(`a protocol named "${name}" is registered already: NDIS_STATUS_FAILURE`);
    return { status: NDIS_STATUS.FAILURE };
  }
  const handle = ctx.pool.allocate(0x40, TAG_PROTOCOL, NON_PAGED_POOL_NX, true);
  if (handle === 0n) return { status: NDIS_STATUS.RESOURCES };
  st.protocols.set(handle, { name, module, ndis5 });
  return { status: NDIS_STATUS.SUCCESS, handle };
}

function registerProtocolDriver(ctx: ApiContext): number {
  const [context, chars, pHandle] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(context), hex(chars), hex(pHandle)]);
  const m = ctx.mem;
  if (chars === 0n || pHandle === 0n) ctx.fault("bugcheck", `NdisRegisterProtocolDriver: ${chars === 0n ? "ProtocolCharacteristics" : "NdisProtocolHandle"} is NULL`, { code: BUGCODE_NDIS_DRIVER });
  const bad = (why: string, status = NDIS_STATUS.BAD_CHARACTERISTICS) => {
    ctx.warn(`NdisRegisterProtocolDriver: ${why}`);
    return status;
  };
  const [type, revision, size] = [m.u8(chars), m.u8(chars + 1n), m.u16(chars + 2n)];
  if (type !== NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS) return bad(`Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS (0x95)`);
  const count = REVISION_6_HANDLERS[revision];
  if (!count) return bad(`Header.Revision is ${revision} (NDIS_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_1..2)`);
  const needed = handlerOffset6(count);
  if (size < needed) return bad(`Header.Size is ${size}, less than NDIS_SIZEOF_PROTOCOL_DRIVER_CHARACTERISTICS_REVISION_${revision} (${needed})`);
  const [major, minor] = [m.u8(chars + 4n), m.u8(chars + 5n)];
  if (major !== NDIS_MAJOR || minor > NDIS_MINOR) return bad(`the driver asks for NDIS ${major}.${minor}; the emulated Windows runs NDIS ${NDIS_MAJOR}.${NDIS_MINOR}`, NDIS_STATUS.BAD_VERSION);
  const missing = HANDLERS_6.slice(0, count).filter(([, required], i) => required && getPtr(m, chars + B(handlerOffset6(i))) === 0n).map(([n]) => n);
  if (missing.length) return bad(`the required handler(s) ${missing.join(", ")} are NULL`);
  const name = unicodeText(m, chars + B(nameOffset6()));
  if (!name) return bad("Name is empty");
  const r = registerProtocol(ctx, ctx.caller?.module ?? "?", name, false);
  if (r.handle !== undefined) putPtr(m, pHandle, r.handle);
  return r.status;
}

function registerProtocol5(ctx: ApiContext): void {
  const [pStatus, pHandle, chars, length] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3)];
  ctx.describe([hex(pStatus), hex(pHandle), hex(chars), String(length)]);
  if (pStatus === 0n || pHandle === 0n || chars === 0n) ctx.fault("bugcheck", `NdisRegisterProtocol: ${pStatus === 0n ? "Status" : pHandle === 0n ? "NdisProtocolHandle" : "ProtocolCharacteristics"} is NULL`, { code: BUGCODE_NDIS_DRIVER });
  const m = ctx.mem;
  const major = m.u8(chars);
  const set = (status: number, why?: string) => {
    if (why) ctx.warn(`NdisRegisterProtocol: ${why}`);
    m.setU32(pStatus, status);
  };
  if (major < 3 || major > 5) return set(NDIS_STATUS.BAD_VERSION, `MajorNdisVersion is ${major} (NDIS 3.0, 4.0 or 5.x)`);
  if (length < sizeOf5(major)) return set(NDIS_STATUS.BAD_CHARACTERISTICS, `CharacteristicsLength ${length} is less than the size of NDIS${major}0_PROTOCOL_CHARACTERISTICS (${sizeOf5(major)})`);
  const r = registerProtocol(ctx, ctx.caller?.module ?? "?", unicodeText(m, chars + B(NAME_OFFSET_5())), true);
  if (r.status === NDIS_STATUS.BAD_CHARACTERISTICS) return set(r.status, "Name is empty");
  if (r.handle !== undefined) putPtr(m, pHandle, r.handle);
  set(r.status);
}

function deregister(ctx: ApiContext, h: bigint, api: string, ndis5: boolean): void {
  const st = state(ctx.kernel);
  const p = st.protocols.get(h);
  if (!p || p.ndis5 !== ndis5) ctx.fault("bugcheck", `${api}(${hex(h)}): not a handle ${ndis5 ? "NdisRegisterProtocol" : "NdisRegisterProtocolDriver"} returned (or deregistered already)`, { code: BUGCODE_NDIS_DRIVER });
  st.protocols.delete(h);
  ctx.pool.free(h, null);
}

/** NDIS_PACKET layout: NDIS_PACKET_PRIVATE, the reserved union (4 pointers), Reserved[2], ProtocolReserved. */
const PACKET = () => {
  const p = ptrSize();
  const privateSize = p === 8 ? 48 : 32;
  return { Pool: p === 8 ? 24 : 16, OobOffset: p === 8 ? 42 : 30, ProtocolReserved: privateSize + 4 * p + 2 * p, OobData: p === 8 ? 40 : 32, Extension: 16 * p };
};

function allocatePacketPool(ex: boolean) {
  return (ctx: ApiContext): void => {
    const [pStatus, pPool, count] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
    const overflow = ex ? ctx.u32(3) : 0;
    const reserved = ctx.u32(ex ? 4 : 3);
    ctx.describe(ex ? [hex(pStatus), hex(pPool), String(count), String(overflow), String(reserved)] : [hex(pStatus), hex(pPool), String(count), String(reserved)]);
    const name = ex ? "NdisAllocatePacketPoolEx" : "NdisAllocatePacketPool";
    if (pStatus === 0n || pPool === 0n) ctx.fault("bugcheck", `${name}: ${pStatus === 0n ? "Status" : "PoolHandle"} is NULL`, { code: BUGCODE_NDIS_DRIVER });
    const pool = ctx.pool.allocate(0x40, TAG_PACKET_POOL, NON_PAGED_POOL_NX, true);
    if (pool === 0n || count === 0) {
      if (pool !== 0n) ctx.pool.free(pool, null, 0);
      ctx.mem.setU32(pStatus, NDIS_STATUS.RESOURCES);
      return;
    }
    state(ctx.kernel).pools.set(pool, { module: ctx.caller?.module ?? "?", capacity: count + overflow, reserved, out: new Set() });
    putPtr(ctx.mem, pPool, pool);
    ctx.mem.setU32(pStatus, NDIS_STATUS.SUCCESS);
  };
}

function poolOf(ctx: ApiContext, h: bigint, api: string): PacketPool {
  const p = state(ctx.kernel).pools.get(h);
  if (!p) ctx.fault("bugcheck", `${api}(${hex(h)}): not a packet pool NdisAllocatePacketPool(Ex) returned (or freed already)`, { code: BUGCODE_NDIS_DRIVER });
  return p!;
}

function allocatePacket(ctx: ApiContext): void {
  const [pStatus, pPacket, h] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(pStatus), hex(pPacket), hex(h)]);
  if (pStatus === 0n || pPacket === 0n) ctx.fault("bugcheck", `NdisAllocatePacket: ${pStatus === 0n ? "Status" : "Packet"} is NULL`, { code: BUGCODE_NDIS_DRIVER });
  const pool = poolOf(ctx, h, "NdisAllocatePacket");
  const L = PACKET();
  const align = ptrSize();
  const oob = Math.ceil((L.ProtocolReserved + Math.max(pool.reserved, 1)) / align) * align;
  const packet = pool.out.size < pool.capacity ? ctx.pool.allocate(oob + L.OobData + L.Extension, TAG_PACKET_POOL, NON_PAGED_POOL_NX, true) : 0n;
  if (packet === 0n) {
    putPtr(ctx.mem, pPacket, 0n);
    ctx.mem.setU32(pStatus, NDIS_STATUS.RESOURCES);
    return;
  }
  ctx.mem.write(packet, new Uint8Array(oob + L.OobData + L.Extension));
  putPtr(ctx.mem, packet + B(L.Pool), h);
  ctx.mem.setU16(packet + B(L.OobOffset), oob);
  pool.out.add(packet);
  state(ctx.kernel).packets.set(packet, h);
  putPtr(ctx.mem, pPacket, packet);
  ctx.mem.setU32(pStatus, NDIS_STATUS.SUCCESS);
}

function freePacket(ctx: ApiContext): void {
  const packet = ctx.arg(0);
  ctx.describe([hex(packet)]);
  const st = state(ctx.kernel);
  const h = st.packets.get(packet);
  if (h === undefined) ctx.fault("bugcheck", `NdisFreePacket(${hex(packet)}): not a packet NdisAllocatePacket returned (or freed already)`, { code: BUGCODE_NDIS_DRIVER });
  st.packets.delete(packet);
  st.pools.get(h!)?.out.delete(packet);
  ctx.pool.free(packet, null, 0);
}

function freePacketPool(ctx: ApiContext): void {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  const pool = poolOf(ctx, h, "NdisFreePacketPool");
  if (pool.out.size) ctx.fault("bugcheck", `NdisFreePacketPool(${hex(h)}): ${pool.out.size} packet(s) of the pool are still allocated (free them with NdisFreePacket first)`, { code: BUGCODE_NDIS_DRIVER });
  state(ctx.kernel).pools.delete(h);
  ctx.pool.free(h, null, 0);
}

function waitEvent(ctx: ApiContext): number | undefined {
  const [ev, ms] = [ctx.arg(0), ctx.u32(1)];
  ctx.describe([hex(ev), ms === 0 ? "0 (for ever)" : String(ms)]);
  header(ctx, ev);
  if (trySatisfy(ctx, ev)) return 1;
  const deadline = ms === 0 ? null : clockOf(ctx).interruptTime() + BigInt(ms) * 10_000n;
  const r = blockingWait(ctx, "NdisWaitEvent", `NDIS event ${hex(ev)}`, () => (trySatisfy(ctx, ev) ? 1 : null), deadline, 0);
  return r === undefined ? undefined : Number(r);
}

/** The machine's processors in one group (KeQueryActiveProcessorCount says the same; machine/topology.ts). */
const groupCount = (ctx: ApiContext): number => {
  const group = ctx.u32(0) & 0xffff;
  ctx.describe([String(group)]);
  return group === 0 ? processorCount(ctx.kernel) : 0;
};

export const ndisProtocolApis: ApiDefinition[] = [
  ndis("NdisRegisterProtocolDriver", 3, registerProtocolDriver),
  ndis("NdisDeregisterProtocolDriver", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    deregister(ctx, ctx.arg(0), "NdisDeregisterProtocolDriver", false);
  }),
  ndis("NdisRegisterProtocol", 4, (ctx) => void registerProtocol5(ctx)),
  ndis("NdisDeregisterProtocol", 2, (ctx) => {
    const [pStatus, h] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(pStatus), hex(h)]);
    deregister(ctx, h, "NdisDeregisterProtocol", true);
    if (pStatus !== 0n) ctx.mem.setU32(pStatus, NDIS_STATUS.SUCCESS);
  }),
  ndis("NdisInitializeEvent", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    initHeader(ctx, ctx.arg(0), EventNotificationObject, LAYOUT.KEVENT.$size, 0);
  }),
  ndis("NdisSetEvent", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    header(ctx, ctx.arg(0));
    setSignal(ctx, ctx.arg(0), 1);
  }),
  ndis("NdisResetEvent", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    header(ctx, ctx.arg(0));
    setSignal(ctx, ctx.arg(0), 0);
  }),
  ndis("NdisWaitEvent", 2, waitEvent),
  ndis("NdisSystemProcessorCount", 0, (ctx) => {
    ctx.describe([]);
    return processorCount(ctx.kernel);
  }),
  ndis("NdisGroupMaxProcessorCount", 1, groupCount),
  ndis("NdisGroupActiveProcessorCount", 1, groupCount),
  ndis("NdisMaxGroupCount", 0, () => 1),
  ndis("NdisActiveGroupCount", 0, () => 1),
  ndis("NdisAllocatePacketPool", 4, allocatePacketPool(false)),
  ndis("NdisAllocatePacketPoolEx", 5, allocatePacketPool(true)),
  ndis("NdisFreePacketPool", 1, freePacketPool),
  ndis("NdisAllocatePacket", 3, allocatePacket),
  ndis("NdisFreePacket", 1, freePacket),
];
