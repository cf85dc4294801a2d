/**
 * The USB Type-C connector manager class extensions' AddDevice DDIs (Microsoft Learn:
 * ucmmanager.h UcmInitializeDevice, ucmtcpcidevice.h UcmTcpciDeviceInitInitialize and
 * UcmTcpciDeviceInitialize); like every class DDI they take the class globals first (the
 * client's inline wrappers pass UcmDriverGlobals / UcmTcpciDriverGlobals).
 *
 * - UcmTcpciDeviceInitInitialize(DeviceInit): in EvtDriverDeviceAdd before WdfDeviceCreate;
 *   DeviceInit must be the WDFDEVICE_INIT the framework handed the callback.
 * - UcmTcpciDeviceInitialize(WdfDevice, Config) and UcmInitializeDevice(WdfDevice, Config): after
 *   WdfDeviceCreate; Config (UCMTCPCI_DEVICE_CONFIG / UCM_MANAGER_CONFIG) starts with its Size,
 *   which the _INIT macro sets.
 *
 * A handle of the wrong kind and a NULL required pointer are WDF_VIOLATION reports, as the
 * framework's own DDIs. kmdll models neither class's connector state machine, registers nothing
 * and returns STATUS_SUCCESS: these are stubs (the connector and port-controller DDIs that follow
 * are `unimplemented-api` reports).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { objectOf, required } from "./objects.js";

const stub = (module: string, name: string, argc: number, h: ApiDefinition["handler"]): ApiDefinition => ({ ...api(module, name, argc, h), stub: true });

/** (Globals, WdfDevice, Config): the device must be a live WDFDEVICE, Config non-NULL with a Size. */
function deviceAndConfig(ctx: ApiContext, what: string): number {
  const [device, config] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(device), hex(config)]);
  objectOf(ctx, device, "device", "WdfDevice");
  required(ctx, config, "Config");
  const size = ctx.mem.u32(config);
  if (size === 0) ctx.warn(`${ctx.api}: ${what} Size is 0 (call its _INIT macro first)`);
  ctx.warn(`${ctx.api}: kmdll does not model this class extension's device state (stub): STATUS_SUCCESS`);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  stub("ucmcx.sys", "UcmInitializeDevice", 3, (ctx) => deviceAndConfig(ctx, "UCM_MANAGER_CONFIG")),
  stub("ucmtcpcicx.sys", "UcmTcpciDeviceInitInitialize", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    required(ctx, ctx.arg(1), "DeviceInit");
    objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit");
    return STATUS.SUCCESS;
  }),
  stub("ucmtcpcicx.sys", "UcmTcpciDeviceInitialize", 3, (ctx) => deviceAndConfig(ctx, "UCMTCPCI_DEVICE_CONFIG")),
];
