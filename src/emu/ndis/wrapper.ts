/**
 * The NDIS 5.x miniport driver interface (ndis.h, NDIS51_MINIPORT; Microsoft Learn's "NDIS 5.1"
 * pages), which Windows still loads: hundreds of XP/Vista-era LAN miniports of the held-out corpus
 * (issue 12, fresh4: the DriverPack LAN set) register through it from DriverEntry. As for NDIS 6
 * (index.ts), no adapter exists: MiniportInitialize never runs.
 *
 *   NdisInitializeWrapper(NdisWrapperHandle, SystemSpecific1 = DriverObject, SystemSpecific2 =
 *     RegistryPath, SystemSpecific3 = NULL) (NdisMInitializeWrapper is a macro for it): writes a
 *     new wrapper handle — a pool block charged to the driver — or NULL when it fails (Learn:
 *     "the caller should check for NULL"; kmdll fails a SystemSpecific1 that is not a
 *     DRIVER_OBJECT and an out-of-memory pool).
 *   NdisMRegisterMiniport(NdisWrapperHandle, MiniportCharacteristics, CharacteristicsLength):
 *     Learn's return codes: NDIS_STATUS_BAD_VERSION when MajorNdisVersion/MinorNdisVersion is not
 *     one NDIS supports for miniports (3.0, 4.0, 5.0, 5.1); NDIS_STATUS_BAD_CHARACTERISTICS when
 *     CharacteristicsLength is less than that version's NDIS_MINIPORT_CHARACTERISTICS (NDIS30: 13
 *     handlers after the 8-byte version header, NDIS40: 16, NDIS50: 22, NDIS51: 29); an unknown
 *     handle is a bug check report. On success NDIS owns the driver object (its dispatch table,
 *     AddDevice — an emulator gap when called — and DriverUnload, NDIS's unload routine that calls
 *     the MiniportUnload handler NdisMRegisterUnloadHandler set, then releases the wrapper).
 *   NdisMRegisterUnloadHandler(NdisWrapperHandle, UnloadHandler): records the handler.
 *   NdisTerminateWrapper(NdisWrapperHandle, SystemSpecific): releases the handle (a DriverEntry that
 *     fails after NdisMInitializeWrapper must call it); an unknown handle is a bug check report.
 *   NdisInitializeReadWriteLock(Lock): "initializes a read/write lock variable of type NDIS_RW_LOCK"
 *     — the structure zeroed, as ReactOS's ndis does: NDIS_RW_LOCK is 16 bytes (SpinLock, Context)
 *     then MAXIMUM_PROCESSORS 16-byte reference counts (ndis.h; MAXIMUM_PROCESSORS = 64 on x64,
 *     32 on x86): 1040 / 528 bytes.
 *   NdisAllocateMemoryWithTag(VirtualAddress, Length, Tag): Length bytes of nonpaged pool charged to
 *     the caller with Tag at *VirtualAddress: NDIS_STATUS_SUCCESS, or NDIS_STATUS_FAILURE with
 *     *VirtualAddress NULL when the pool has no room (or Length is 0, which allocates nothing).
 *     NdisFreeMemory (memory.ts) frees it.
 *   NdisGetRoutineAddress(NdisRoutineName): "the address of the routine ... if the routine is
 *     available; otherwise, NULL" — an exported NDIS routine, i.e. an export of ndis.sys (not
 *     ntoskrnl's: MmGetSystemRoutineAddress is for those); a NULL or unreadable string → NULL.
 *
 * Characteristics layout (every arch): UCHAR MajorNdisVersion, UCHAR MinorNdisVersion, USHORT
 * Filler, UINT Reserved, then the handler pointers from offset 8.
 */
import type { ApiContext, ApiDefinition, KernelState } from "../api/types.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, q, unicodeTextDeref } from "../api/util.js";
import { componentState } from "../api/state.js";
import { IRP_MJ_COUNT } from "../iomgr/constants.js";
import { invalidDeviceRequest } from "../iomgr/driver-object.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const B = (n: number) => BigInt(n);
const NON_PAGED_POOL_NX = 512;
const TAG_WRAPPER = 0x57444e4e; // 'NNDW': kmdll's own (Learn names none)
const STATUS = { SUCCESS: 0, FAILURE: 0xc0000001, RESOURCES: 0xc000009a, BAD_VERSION: 0xc0010004, BAD_CHARACTERISTICS: 0xc0010005 };

/** Handlers per NDIS_MINIPORT_CHARACTERISTICS version (NDIS30/40/50/51_MINIPORT_CHARACTERISTICS). */
const HANDLER_COUNT: Record<string, number> = { "3.0": 13, "4.0": 16, "5.0": 22, "5.1": 29 };
export const ndis5CharacteristicsSize = (major: number, minor: number) => {
  const n = HANDLER_COUNT[`${major}.${minor}`];
  return n === undefined ? null : 8 + n * ptrSize();
};

interface Wrapper {
  driver: bigint;
  module: string;
  registered: boolean;
  unload: bigint;
}

const wrapperState = componentState("ndis-wrapper", () => ({ wrappers: new Map<bigint, Wrapper>() }));

function known(ctx: ApiContext, h: bigint, routine: string): Wrapper {
  const w = wrapperState(ctx.kernel).wrappers.get(h);
  if (!w) ctx.fault("bugcheck", `${routine}(${hex(h)}): not a handle NdisInitializeWrapper returned (or it was terminated)`, { code: "0x0000001E" });
  return w;
}

function initializeWrapper(ctx: ApiContext): void {
  const [pHandle, driver, regPath, s3] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(pHandle), hex(driver), hex(regPath), hex(s3)]);
  const m = ctx.mem;
  if (driver === 0n || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4) {
    ctx.warn(`NdisInitializeWrapper: SystemSpecific1 ${hex(driver)} is not a DRIVER_OBJECT: the wrapper handle is NULL`);
    putPtr(m, pHandle, 0n);
    return;
  }
  const h = ctx.pool.allocate(0x40, TAG_WRAPPER, NON_PAGED_POOL_NX, true);
  if (h !== 0n) wrapperState(ctx.kernel).wrappers.set(h, { driver, module: ctx.caller?.module ?? "?", registered: false, unload: 0n });
  putPtr(m, pHandle, h);
}

function release(ctx: ApiContext, h: bigint): void {
  wrapperState(ctx.kernel).wrappers.delete(h);
  // (no register-argument hint: from NDIS's unload routine the handle is not argument 0)
  ctx.pool.free(h, null);
}

function registerMiniport(ctx: ApiContext): number {
  const [h, chars, length] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
  ctx.describe([hex(h), hex(chars), String(length)]);
  const w = known(ctx, h, "NdisMRegisterMiniport");
  const m = ctx.mem;
  const [major, minor] = [m.u8(chars), m.u8(chars + 1n)];
  const size = ndis5CharacteristicsSize(major, minor);
  if (size === null) {
    ctx.warn(`NdisMRegisterMiniport: MajorNdisVersion.MinorNdisVersion is ${major}.${minor}, not a miniport version NDIS supports (3.0, 4.0, 5.0, 5.1)`);
    return STATUS.BAD_VERSION;
  }
  if (length < size) {
    ctx.warn(`NdisMRegisterMiniport: CharacteristicsLength is ${length}, less than the NDIS ${major}.${minor} NDIS_MINIPORT_CHARACTERISTICS (${size})`);
    return STATUS.BAD_CHARACTERISTICS;
  }
  w.registered = true;
  const driver = w.driver;
  const dispatch = invalidDeviceRequest(ctx.kernel);
  for (let i = 0; i < IRP_MJ_COUNT; i++) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * ptrSize()), dispatch);
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice(ctx.kernel));
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), unload(ctx.kernel));
  return STATUS.SUCCESS;
}

function internal(kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines");
  return kernel.internalRoutine(name, h, argc, "ndis.sys");
}

function addDevice(kernel: KernelState): bigint {
  return internal(kernel, "ndisPnPAddDevice5", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement NDIS network adapters: ndis.sys's AddDevice for the NDIS 5 miniport driver ${hex(ctx.arg(0))} (its MiniportInitialize would run next)`);
  }, 2);
}

/** NDIS's DriverUnload for an NDIS 5 miniport (ndisMUnload): the MiniportUnload handler, then the wrapper is released. */
function unload(kernel: KernelState): bigint {
  return internal(kernel, "ndisMUnload", (ctx) => {
    const driver = ctx.arg(0);
    for (const [h, w] of [...wrapperState(ctx.kernel).wrappers]) {
      if (w.driver !== driver) continue;
      if (w.unload !== 0n) ctx.callGuest(w.unload, [driver]);
      release(ctx, h);
    }
  }, 1);
}

/** sizeof(NDIS_RW_LOCK) for the arch (see above). */
export const ndisRwLockSize = () => 16 + 16 * (ptrSize() === 8 ? 64 : 32);

export const ndisWrapperApis: ApiDefinition[] = [
  { ...ndis("NdisInitializeReadWriteLock", 1, (ctx) => {
    const lock = ctx.arg(0);
    ctx.describe([hex(lock)]);
    ctx.mem.write(lock, new Uint8Array(ndisRwLockSize()));
  }), notes: "zeroes the NDIS_RW_LOCK (1040 bytes x64, 528 x86)" },
  { ...ndis("NdisAllocateMemoryWithTag", 3, (ctx) => {
    const [pAddr, length, tag] = [ctx.arg(0), ctx.u32(1), ctx.u32(2)];
    ctx.describe([hex(pAddr), String(length), hex(tag)]);
    const a = length === 0 ? 0n : ctx.pool.allocate(length, tag, NON_PAGED_POOL_NX, false);
    putPtr(ctx.mem, pAddr, a);
    return a === 0n ? STATUS.FAILURE : STATUS.SUCCESS;
  }), notes: "nonpaged pool with Tag; NDIS_STATUS_FAILURE and NULL when out of pool or Length 0" },
  { ...ndis("NdisGetRoutineAddress", 1, (ctx) => {
    const name = unicodeTextDeref(ctx.mem, ctx.arg(0));
    ctx.describe([name === null ? hex(ctx.arg(0)) : q(name)]);
    if (name === null || !ctx.kernel.moduleExport) return 0n;
    return ctx.kernel.moduleExport("ndis.sys", name) ?? 0n;
  }), notes: "an export of ndis.sys by name, else NULL" },
  { ...ndis("NdisInitializeWrapper", 4, (ctx) => void initializeWrapper(ctx)), notes: "a pool-block handle per driver; NULL when SystemSpecific1 is not a DRIVER_OBJECT or the pool is exhausted" },
  { ...ndis("NdisMRegisterMiniport", 3, registerMiniport), notes: "version 3.0/4.0/5.0/5.1 else NDIS_STATUS_BAD_VERSION; CharacteristicsLength below that version's size → NDIS_STATUS_BAD_CHARACTERISTICS; NDIS owns the driver object (no adapter: AddDevice a gap)" },
  ndis("NdisMRegisterUnloadHandler", 2, (ctx) => {
    const [h, handler] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(h), hex(handler)]);
    known(ctx, h, "NdisMRegisterUnloadHandler").unload = handler;
  }),
  ndis("NdisTerminateWrapper", 2, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h), hex(ctx.arg(1))]);
    known(ctx, h, "NdisTerminateWrapper");
    release(ctx, h);
  }),
];
