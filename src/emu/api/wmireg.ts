/**
 * IoWMIRegistrationControl: a device's WMI registration (the "wmi" family; examples/api-rank checks it from C on x64 and x86).
 *
 * IoWMIRegistrationControl(DeviceObject, Action) (wdm.h; Learn nf-wdm-iowmiregistrationcontrol):
 *   WMIREG_ACTION_REGISTER (1), DEREGISTER (2), REREGISTER (3), UPDATE_GUIDS (4) and BLOCK_IRPS
 *   (5, wdm.h), optionally with WMIREG_FLAG_CALLBACK (0x80000000: DeviceObject is a WMI callback
 *   entry point) or the trace-provider flags above bit 15 (WMIREG_FLAG_TRACE_PROVIDER and its
 *   notification bits, wdm.h); any other action is STATUS_INVALID_PARAMETER. The registration is
 *   kept per device. No WMI service runs on the emulated machine, so no IRP_MN_REGINFO(_EX)
 *   follows a registration (as wmilib.ts says). Not modelled: DEREGISTER from the device's own
 *   IRP_MJ_SYSTEM_CONTROL dispatch routine deadlocks on Windows (Learn, Remarks).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";

const WMIREG_ACTION_BLOCK_IRPS = 5;

const wmiState = componentState("wmi-registrations", () => ({ devices: new Map<bigint, number>() }));

function wmiRegistrationControl(ctx: ApiContext): number {
  const [device, action] = [ctx.arg(0), ctx.u32(1)];
  const code = action & 0xff;
  ctx.describe([hex(device), hex(action)]);
  // Bits 8..15 carry nothing in wdm.h; 16..30 are the trace-provider flags.
  if (code < 1 || code > WMIREG_ACTION_BLOCK_IRPS || (action & 0xff00) !== 0) return STATUS.INVALID_PARAMETER;
  const reg = wmiState(ctx.kernel).devices;
  if (code === 2) reg.delete(device);
  else if (code === 1 || code === 3) reg.set(device, action);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [nt("IoWMIRegistrationControl", 2, wmiRegistrationControl)];
