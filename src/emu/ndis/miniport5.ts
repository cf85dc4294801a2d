/**
 * NDIS 5 miniport registration on the emulated Windows 10 (ndis.h; Microsoft Learn:
 * NdisMInitializeWrapper / NdisInitializeWrapper, NdisMRegisterMiniport, NdisTerminateWrapper —
 * "NDIS 5.x has been deprecated and is superseded by NDIS 6.x"; "NDIS 6.30 Backward
 * Compatibility": NDIS 5.x and earlier were removed from Windows 8 and later). SoftEther's NDIS 5
 * Neo.sys builds (held-out set fresh5, /work/wt/qa-fresh5.md) register so from DriverEntry.
 *
 *   NdisInitializeWrapper(NdisWrapperHandle, SystemSpecific1 = DriverObject, SystemSpecific2 =
 *     RegistryPath, SystemSpecific3): writes a wrapper handle NDIS owns (not charged to the
 *     driver: NDIS keeps it with the driver object), or NULL when it has no room ("If this call
 *     fails, NdisWrapperHandle is NULL"). DriverObject must be a DRIVER_OBJECT.
 *   NdisMRegisterMiniport(NdisWrapperHandle, MiniportCharacteristics, CharacteristicsLength):
 *     NDIS_STATUS_BAD_VERSION — "the MajorNdisVersion or MinorNdisVersion specified in the
 *     characteristics structure is invalid": the emulated NDIS 6.84 supports no NDIS 5.x (or
 *     older) miniport, and NDIS 6 miniports register with NdisMRegisterMiniportDriver. A warning
 *     names the version the driver asked for, so a driver whose DriverEntry then fails is reported
 *     with its reason (built for Windows 7 or older). A handle NdisInitializeWrapper did not give is
 *     a bug check report.
 *   NdisTerminateWrapper(NdisWrapperHandle, SystemSpecific): releases the handle (an unknown one is
 *     a bug check report).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { LAYOUT, putPtr } from "../../nt/arch-layout.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const NDIS_STATUS_BAD_VERSION = 0xc0010004;
const TAG_WRAPPER = 0x57444e44; // 'DNDW' (kmdll's own; Learn names none)

const wrappersOf = componentState("ndis.wrapper5", () => new Map<bigint, { driver: bigint; module: string }>());

function initializeWrapper(ctx: ApiContext): void {
  const [out, driver, regPath] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(out), hex(driver), hex(regPath), hex(ctx.arg(3))]);
  if (out === 0n) ctx.fault("bugcheck", "NdisInitializeWrapper: NdisWrapperHandle is NULL", { code: "0x0000001E" });
  if (driver === 0n || ctx.mem.u16(driver + BigInt(LAYOUT.DRIVER_OBJECT.Type)) !== 4)
    ctx.fault("bugcheck", `NdisInitializeWrapper: SystemSpecific1 ${hex(driver)} is not the DRIVER_OBJECT DriverEntry was given`, { code: "0x0000001E" });
  const handle = ctx.kernel.kernelPool?.allocate(0x40, TAG_WRAPPER) ?? 0n;
  if (handle !== 0n) wrappersOf(ctx.kernel).set(handle, { driver, module: ctx.caller?.module ?? "?" });
  putPtr(ctx.mem, out, handle);
}

function known(ctx: ApiContext, name: string, handle: bigint) {
  const w = wrappersOf(ctx.kernel).get(handle);
  if (!w) ctx.fault("bugcheck", `${name}(${hex(handle)}): not a handle NdisInitializeWrapper returned (or terminated already)`, { code: "0x0000001E" });
  return w;
}

function registerMiniport(ctx: ApiContext): number {
  const [handle, chars, length] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
  ctx.describe([hex(handle), hex(chars), String(length)]);
  known(ctx, "NdisMRegisterMiniport", handle);
  if (chars === 0n) ctx.fault("bugcheck", "NdisMRegisterMiniport: MiniportCharacteristics is NULL", { code: "0x0000001E" });
  const [major, minor] = [ctx.mem.u8(chars), ctx.mem.u8(chars + 1n)];
  ctx.warn(`NdisMRegisterMiniport: the driver is an NDIS ${major}.${minor} miniport; NDIS 5.x and earlier were removed from Windows 8 and later (Microsoft Learn, "NDIS 6.30 Backward Compatibility") — the emulated Windows 10 runs NDIS 6.84, where miniports register with NdisMRegisterMiniportDriver: NDIS_STATUS_BAD_VERSION`);
  return NDIS_STATUS_BAD_VERSION;
}

export const ndisMiniport5Apis: ApiDefinition[] = [
  ndis("NdisInitializeWrapper", 4, (ctx) => void initializeWrapper(ctx)),
  ndis("NdisMRegisterMiniport", 3, registerMiniport),
  ndis("NdisTerminateWrapper", 2, (ctx) => {
    const handle = ctx.arg(0);
    ctx.describe([hex(handle), hex(ctx.arg(1))]);
    known(ctx, "NdisTerminateWrapper", handle);
    wrappersOf(ctx.kernel).delete(handle);
    ctx.kernel.kernelPool?.free(handle);
  }),
];
