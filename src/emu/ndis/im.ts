/**
 * NDIS 6 intermediate drivers (ndis.h; Microsoft Learn: NdisIMAssociateMiniport, "Registering an
 * Intermediate Driver as a Protocol Driver" / "... as a Miniport Driver"). Marvell Yukon
 * yk62x64l/yk62x86l and yk62x64v/yk62x86v (held-out set fresh4) register a miniport driver and a
 * protocol driver from DriverEntry and associate them.
 *
 *   NdisIMAssociateMiniport(DriverHandle, ProtocolHandle): "informs NDIS that the specified lower
 *     and upper interfaces for miniport drivers and protocol drivers, respectively, belong to the
 *     same intermediate driver". DriverHandle is the handle NdisMRegisterMiniportDriver returned,
 *     ProtocolHandle the one NdisRegisterProtocolDriver returned; called at PASSIVE_LEVEL. Either
 *     handle unknown (or an NDIS 5 protocol's) is a bug check report (BUGCODE_NDIS_DRIVER), as NDIS
 *     dereferences both. The association is recorded; the emulated machine binds no adapter, so
 *     nothing else follows from it (NDIS uses it when it binds the driver's virtual miniports).
 */
import type { ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { PASSIVE_LEVEL, irqlName } from "../api/ke.js";
import { miniportDriverObject } from "./index.js";
import { protocolHandleKind } from "./protocol.js";

const BUGCODE_NDIS_DRIVER = "0x0000007C";
const associations = componentState("ndis-im", () => new Map<bigint, bigint>());

/** The protocol driver handle associated with a miniport driver handle, or null. */
export function associatedProtocol(kernel: Parameters<typeof associations>[0], miniport: bigint): bigint | null {
  return associations(kernel).get(miniport) ?? null;
}

export const ndisImApis: ApiDefinition[] = [
  {
    ...api("ndis.sys", "NdisIMAssociateMiniport", 2, (ctx) => {
      const [driver, protocol] = [ctx.arg(0), ctx.arg(1)];
      ctx.describe([hex(driver), hex(protocol)]);
      if (ctx.kernel.irql !== PASSIVE_LEVEL) ctx.fault("bugcheck", `NdisIMAssociateMiniport at ${irqlName(ctx.kernel.irql)} (must be PASSIVE_LEVEL)`, { code: "0x0000000A" });
      if (miniportDriverObject(ctx.kernel, driver) === null)
        ctx.fault("bugcheck", `NdisIMAssociateMiniport: DriverHandle ${hex(driver)} is not a handle NdisMRegisterMiniportDriver returned`, { code: BUGCODE_NDIS_DRIVER });
      if (protocolHandleKind(ctx.kernel, protocol) !== "ndis6")
        ctx.fault("bugcheck", `NdisIMAssociateMiniport: ProtocolHandle ${hex(protocol)} is not a handle NdisRegisterProtocolDriver returned`, { code: BUGCODE_NDIS_DRIVER });
      associations(ctx.kernel).set(driver, protocol);
    }),
    notes: "records the miniport/protocol pair of an intermediate driver (no adapter is ever bound on the emulated machine)",
  },
];
