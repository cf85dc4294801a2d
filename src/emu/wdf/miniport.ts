/**
 * The KMDF miniport driver DDI (wdfminiport.h; Microsoft Learn: WdfDriverMiniportUnload).
 *
 *   WdfDriverMiniportUnload(Driver): "calls the driver's EvtDriverUnload event callback function
 *     and deletes the driver's framework driver object"; a miniport driver (one that created its
 *     WDFDRIVER with WdfDriverInitNoDispatchOverride, its port driver — NDIS — owning the driver
 *     object) calls it from its port driver's unload routine, or when its port registration
 *     fails in DriverEntry. The driver's framework devices are deleted with the driver object, as
 *     the framework's own unload does (FxDriverUnload, framework.ts). IRQL <= DISPATCH_LEVEL. A
 *     Driver that is not a WDFDRIVER is a WDF_VIOLATION report. Marked a stub: no C example
 *     checks it yet (the fresh4 ax88772 NDIS miniports call it; /work/wt/qa-modules2.md).
 */
import type { ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { deleteObject, objectOf, wdfState } from "./objects.js";

export const apis: ApiDefinition[] = [
  {
    ...api(WDF01000, "WdfDriverMiniportUnload", 2, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
      if (ctx.kernel.irql > 2) ctx.fault("bugcheck", `WdfDriverMiniportUnload at IRQL ${ctx.kernel.irql} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
      const drv = objectOf(ctx, ctx.arg(1), "driver", "Driver");
      const st = wdfState(ctx.kernel);
      if (drv.unload) ctx.callGuest(drv.unload, [drv.handle]);
      for (const o of [...st.objects.values()]) if (o.kind === "device" && o.owner === drv.owner && st.objects.has(o.handle)) deleteObject(ctx, o);
      if (st.objects.has(drv.handle)) deleteObject(ctx, drv);
    }),
    stub: true,
    notes: "calls EvtDriverUnload and deletes the WDFDRIVER (and its devices); no C example yet",
  },
];
