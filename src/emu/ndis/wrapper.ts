/**
 * The NDIS 5.x miniport driver interface (ndis.h, NDIS51_MINIPORT; Microsoft Learn's "NDIS 5.1"
 * pages) that hundreds of XP/Vista-era LAN miniports of the held-out corpus (issue 12, fresh4: the
 * DriverPack LAN set) call from DriverEntry. Learn, "NDIS 6.30 Backward Compatibility": "NDIS 5.x
 * and earlier" was removed from Windows 8 and later, and the emulated machine is Windows 10 (NDIS
 * 6.84): such a miniport's registration fails, its DriverEntry cleans up and fails, and the run
 * reports why.
 *
 *   NdisInitializeWrapper(NdisWrapperHandle, SystemSpecific1 = DriverObject, SystemSpecific2 =
 *     RegistryPath, SystemSpecific3 = NULL) (NdisMInitializeWrapper is a macro for it): writes a
 *     new wrapper handle — a pool block charged to the driver — or NULL when it fails (Learn:
 *     "the caller should check for NULL"; kmdll fails a SystemSpecific1 that is not a
 *     DRIVER_OBJECT and an out-of-memory pool).
 *   NdisMRegisterMiniport(NdisWrapperHandle, MiniportCharacteristics, CharacteristicsLength):
 *     NDIS_STATUS_BAD_VERSION ("the MajorNdisVersion or MinorNdisVersion ... is invalid") for every
 *     version on Windows 8 and later, with a warning naming the version the driver asked for (NDIS
 *     5.x and earlier: removed; anything else is not an NDIS 5 characteristics structure). The
 *     driver object is left alone. An unknown handle is a bug check report.
 *   NdisIMRegisterLayeredMiniport(NdisWrapperHandle, MiniportCharacteristics, CharacteristicsLength,
 *     DriverHandle): an NDIS 5 intermediate driver's virtual miniport (Learn, NDIS 5.1); refused the
 *     same way (Learn: NDIS 6 intermediate drivers call NdisMRegisterMiniportDriver instead).
 *   NdisMRegisterUnloadHandler(NdisWrapperHandle, UnloadHandler): records the handler (a DriverEntry
 *     may register it before it learns the registration failed).
 *   NdisTerminateWrapper(NdisWrapperHandle, SystemSpecific): releases the handle (a DriverEntry that
 *     fails after NdisMInitializeWrapper must call it); an unknown handle is a bug check report. A
 *     wrapper a driver never terminates stays charged to it: a pool `leak` at unload.
 *   NdisGetRoutineAddress(NdisRoutineName): "the address of the routine ... if the routine is
 *     available; otherwise, NULL" — an exported NDIS routine, i.e. an export of ndis.sys (not
 *     ntoskrnl's: MmGetSystemRoutineAddress is for those); a NULL or unreadable string → NULL.
 *
 * The characteristics start with UCHAR MajorNdisVersion, UCHAR MinorNdisVersion (every arch).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, putPtr } from "../../nt/arch-layout.js";
import { api, hex, q, unicodeTextDeref } from "../api/util.js";
import { componentState } from "../api/state.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const B = (n: number) => BigInt(n);
const NON_PAGED_POOL_NX = 512;
const TAG_WRAPPER = 0x57444e4e; // 'NNDW': kmdll's own (Learn names none)
const NDIS_STATUS_BAD_VERSION = 0xc0010004;

interface Wrapper {
  driver: bigint;
  unload: bigint;
}

const wrapperState = componentState("ndis-wrapper", () => ({ wrappers: new Map<bigint, Wrapper>() }));

/** The driver object behind a wrapper handle NdisInitializeWrapper returned (not terminated), or null. */
export function wrapperDriverObject(kernel: ApiContext["kernel"], h: bigint): bigint | null {
  return wrapperState(kernel).wrappers.get(h)?.driver ?? null;
}

export function known(ctx: ApiContext, h: bigint, routine: string): Wrapper {
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
  if (h !== 0n) wrapperState(ctx.kernel).wrappers.set(h, { driver, unload: 0n });
  putPtr(m, pHandle, h);
}

function registerMiniport(ctx: ApiContext, routine: string, argc: number): number {
  const [h, chars, length] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
  ctx.describe([hex(h), hex(chars), String(length), ...(argc > 3 ? [hex(ctx.arg(3))] : [])]);
  known(ctx, h, routine);
  const [major, minor] = [ctx.mem.u8(chars), ctx.mem.u8(chars + 1n)];
  const what = routine === "NdisMRegisterMiniport" ? "miniport" : "intermediate (layered) miniport";
  const old = major >= 3 && major <= 5;
  ctx.warn(
    old
      ? `${routine}: an NDIS ${major}.${minor} ${what} driver; NDIS 5.x and earlier miniports were removed in Windows 8 (Microsoft Learn, "NDIS 6.30 Backward Compatibility") and the emulated Windows runs NDIS 6.84: NDIS_STATUS_BAD_VERSION`
      : `${routine}: MajorNdisVersion.MinorNdisVersion is ${major}.${minor}, not an NDIS 5.x miniport version (NDIS 6 miniports register with NdisMRegisterMiniportDriver): NDIS_STATUS_BAD_VERSION`,
    // What Windows 8 and later refuse too (kmdll triage: a DriverEntry failing after it is "windows-refuses").
    old ? { refusal: "ndis5-miniport" } : undefined,
  );
  return NDIS_STATUS_BAD_VERSION;
}

export const ndisWrapperApis: ApiDefinition[] = [
  { ...ndis("NdisInitializeWrapper", 4, (ctx) => void initializeWrapper(ctx)), notes: "a pool-block handle per call; NULL when SystemSpecific1 is not a DRIVER_OBJECT or the pool is exhausted" },
  { ...ndis("NdisMRegisterMiniport", 3, (ctx) => registerMiniport(ctx, "NdisMRegisterMiniport", 3)), notes: "NDIS_STATUS_BAD_VERSION with a warning: NDIS 5.x miniports were removed in Windows 8 (the emulated Windows runs NDIS 6.84)" },
  // NDIS 5 intermediate drivers register their virtual miniport so; *DriverHandle is left alone on failure.
  { ...ndis("NdisIMRegisterLayeredMiniport", 4, (ctx) => registerMiniport(ctx, "NdisIMRegisterLayeredMiniport", 4)), notes: "NDIS_STATUS_BAD_VERSION with a warning: NDIS 5.x intermediate drivers were removed in Windows 8" },
  ndis("NdisMRegisterUnloadHandler", 2, (ctx) => {
    const [h, handler] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(h), hex(handler)]);
    known(ctx, h, "NdisMRegisterUnloadHandler").unload = handler;
  }),
  ndis("NdisTerminateWrapper", 2, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h), hex(ctx.arg(1))]);
    known(ctx, h, "NdisTerminateWrapper");
    wrapperState(ctx.kernel).wrappers.delete(h);
    ctx.pool.free(h, null, 0);
  }),
  { ...ndis("NdisGetRoutineAddress", 1, (ctx) => {
    const name = unicodeTextDeref(ctx.mem, ctx.arg(0));
    ctx.describe([name === null ? hex(ctx.arg(0)) : q(name)]);
    if (name === null || !ctx.kernel.moduleExport) return 0n;
    return ctx.kernel.moduleExport("ndis.sys", name) ?? 0n;
  }), notes: "an export of ndis.sys by name, else NULL" },
];
