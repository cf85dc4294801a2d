/**
 * Control device inits (wdfcontrol.h; Microsoft Learn: WdfControlDeviceInitSetShutdownNotification).
 *
 *   WdfControlDeviceInitSetShutdownNotification(DeviceInit, Notification, Flags): keeps the
 *     driver's EvtDeviceShutdownNotification and the WDF_DEVICE_SHUTDOWN_FLAGS
 *     (WdfDeviceShutdown 1, WdfDeviceLastChanceShutdown 2) on a control device's init, for the
 *     framework to register the control device for shutdown notification when it is created. A
 *     DeviceInit that is not a control device's (one EvtDriverDeviceAdd received, or a PDO's) is
 *     ignored with a warning — the framework's verifier break, no other effect; a NULL DeviceInit
 *     or Notification is a WDF_VIOLATION report. Marked a stub: the registration itself
 *     (IoRegisterShutdownNotification / IoRegisterLastChanceShutdownNotification at
 *     WdfDeviceCreate) is not done, so the callback is never called; no C example checks it yet.
 */
import type { ApiDefinition } from "../api/types.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { objectOf } from "./objects.js";
import { required } from "./memory.js";

export const apis: ApiDefinition[] = [
  {
    ...api(WDF01000, "WdfControlDeviceInitSetShutdownNotification", 4, (ctx) => {
      const [initH, notification, flags] = [ctx.arg(1), ctx.arg(2), ctx.u32(3) & 0xff];
      ctx.describe([hex(ctx.arg(0)), hex(initH), hex(notification), hex(flags)]);
      const init = objectOf(ctx, initH, "deviceInit", "DeviceInit");
      if (init.pdo !== undefined || init.pdoParent !== undefined) {
        ctx.warn(`WdfControlDeviceInitSetShutdownNotification: DeviceInit ${hex(initH)} is not a control device's (WdfControlDeviceInitAllocate): ignored`);
        return;
      }
      required(ctx, notification, "Notification");
      init.shutdown = { notification, flags };
    }),
    stub: true,
    notes: "keeps the callback and flags on the control device init; the shutdown registration is not modelled",
  },
];
