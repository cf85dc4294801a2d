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
 *
 *   WdfDeviceMiniportCreate(Driver, Attributes, DeviceObject, AttachedDeviceObject, Pdo, Device):
 *     "creates a framework device object that a miniport driver can use"; the port driver (portcls
 *     for the WDK's SimpleAudioSample, whose adapter calls it from StartDevice with the FDO
 *     PcAddAdapterDevice made) keeps owning the WDM device object: the WDFDEVICE dispatches no
 *     IRPs, and deleting it (WdfObjectDelete, or WdfDriverMiniportUnload) leaves the device object
 *     alone. Driver not a WDFDRIVER: WDF_VIOLATION; a NULL DeviceObject or Device output pointer:
 *     WDF_VIOLATION (FxPointerNotNull); IRQL PASSIVE_LEVEL. The attributes give the context and
 *     callbacks as for any object; the parent is the driver.
 */
import type { ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, required, wdfState } from "./objects.js";
import { deleteDriver } from "./lifetime.js";
import { putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";

export const apis: ApiDefinition[] = [
  {
    ...api(WDF01000, "WdfDeviceMiniportCreate", 7, (ctx) => {
    const [drvH, attrs, dev, attached, pdo, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
    ctx.describe([hex(drvH), hex(attrs), hex(dev), hex(attached), hex(pdo), hex(out)]);
    if (ctx.kernel.irql > 0) ctx.fault("bugcheck", `WdfDeviceMiniportCreate at IRQL ${ctx.kernel.irql} (must be PASSIVE_LEVEL)`, { code: "0x0000000A" });
    const drv = objectOf(ctx, drvH, "driver", "Driver");
    required(ctx, dev, "DeviceObject");
    required(ctx, out, "Device");
    const wdev = newObject(ctx, "device", attrs, { device: dev, miniport: true, links: [], queues: [], name: null, interfaces: [], lower: attached, pdo });
    if (wdev.parent === null) wdev.parent = drv.handle;
    wdfState(ctx.kernel).byDevice.set(dev, wdev.handle);
    putPtr(ctx.mem, out, wdev.handle);
    return STATUS.SUCCESS;
    }),
    stub: true,
    notes: "a WDFDEVICE over the port driver's device object (SimpleAudioSample's StartDevice); no C example yet",
  },
  {
    ...api(WDF01000, "WdfDriverMiniportUnload", 2, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
      if (ctx.kernel.irql > 2) ctx.fault("bugcheck", `WdfDriverMiniportUnload at IRQL ${ctx.kernel.irql} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
      const drv = objectOf(ctx, ctx.arg(1), "driver", "Driver");
      const st = wdfState(ctx.kernel);
      if (drv.unload) ctx.callGuest(drv.unload, [drv.handle]);
      // FxDriver::Unload, as fxdriverapikm.cpp calls it: its devices are its children.
      if (st.objects.has(drv.handle)) deleteDriver(ctx, drv);
    }),
    stub: true,
    notes: "calls EvtDriverUnload and deletes the WDFDRIVER (and its devices); no C example yet",
  },
];
