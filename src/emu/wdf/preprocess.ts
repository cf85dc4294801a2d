/**
 * Wdf01000.sys: WDM IRP preprocessing — WdfDeviceInitAssignWdmIrpPreprocessCallback registers an
 * EvtDeviceWdmIrpPreprocess for a major code (and minor codes) that the framework's dispatch
 * (framework.ts dispatchIrp) calls before its own handling; WdfDeviceWdmDispatchPreprocessedIrp
 * hands the IRP back to the framework.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { objectOf } from "./objects.js";
import { required } from "./memory.js";
import { dispatchIrp } from "./framework.js";

const B = (n: number) => BigInt(n);
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IRP_MJ_MAXIMUM_FUNCTION = 0x1b;
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

/** IoSetNextIrpStackLocation: down one location (WdfDeviceWdmDispatchPreprocessedIrp undoes the driver's IoSkipCurrentIrpStackLocation). */
function setNextStackLocation(ctx: ApiContext, irp: bigint): void {
  const m = ctx.mem;
  const loc = m.u8(irp + B(IRP.CurrentLocation));
  if (loc <= 1) ctx.fault("bugcheck", `WdfDeviceWdmDispatchPreprocessedIrp(${hex(irp)}): no stack location left below the current one (NO_MORE_IRP_STACK_LOCATIONS)`, { code: "0x00000035" });
  m.setU8(irp + B(IRP.CurrentLocation), loc - 1);
  const at = irp + B(IRP["Tail.Overlay.CurrentStackLocation"]);
  putPtr(m, at, getPtr(m, at) - B(SL.$size));
}

export const apis: ApiDefinition[] = [
  // WdfDeviceInitAssignWdmIrpPreprocessCallback(DeviceInit, EvtDeviceWdmIrpPreprocess, MajorFunction, MinorFunctions,
  // NumMinorFunctions) (Learn; FxDeviceInitApi.cpp): NULL DeviceInit / callback / MinorFunctions with a count: WDF_VIOLATION;
  // MajorFunction > IRP_MJ_MAXIMUM_FUNCTION: STATUS_INVALID_PARAMETER; minor codes named twice for one major:
  // STATUS_INVALID_DEVICE_REQUEST. A later call for the same major replaces the callback.
  fx("WdfDeviceInitAssignWdmIrpPreprocessCallback", 6, (ctx) => {
    const [initH, evt, major, minors, num] = [ctx.arg(1), ctx.arg(2), ctx.u32(3) & 0xff, ctx.arg(4), ctx.u32(5)];
    ctx.describe([hex(ctx.arg(0)), hex(initH), hex(evt), hex(major), hex(minors), String(num)]);
    required(ctx, initH, "DeviceInit");
    const init = objectOf(ctx, initH, "deviceInit", "DeviceInit");
    required(ctx, evt, "EvtDeviceWdmIrpPreprocess");
    if (num > 0) required(ctx, minors, "MinorFunctions");
    if (major > IRP_MJ_MAXIMUM_FUNCTION) {
      ctx.warn(`WdfDeviceInitAssignWdmIrpPreprocessCallback: MajorFunction ${hex(major)} > IRP_MJ_MAXIMUM_FUNCTION: STATUS_INVALID_PARAMETER`);
      return STATUS.INVALID_PARAMETER;
    }
    init.preprocess ??= new Map();
    const prev = init.preprocess.get(major);
    if (num > 0 && prev && prev.minors.length > 0) {
      ctx.warn(`WdfDeviceInitAssignWdmIrpPreprocessCallback: minor functions of MajorFunction ${hex(major)} already assigned: STATUS_INVALID_DEVICE_REQUEST`);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    // A UCHAR minor code has 256 values: a longer array only repeats some (read at most 256 bytes).
    const codes = num > 0 ? [...ctx.mem.read(minors, Math.min(num, 256))] : (prev?.minors ?? []);
    init.preprocess.set(major, { evt, minors: codes });
    return STATUS.SUCCESS;
  }),
  // WdfDeviceWdmDispatchPreprocessedIrp(Device, Irp): the driver hands a preprocessed IRP back (after
  // IoSkipCurrentIrpStackLocation); the framework steps to the next location again and handles it as usual.
  fx("WdfDeviceWdmDispatchPreprocessedIrp", 3, (ctx) => {
    const [devH, irp] = [ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(ctx.arg(0)), hex(devH), hex(irp)]);
    const wdev = objectOf(ctx, devH, "device", "Device");
    required(ctx, irp, "Irp");
    setNextStackLocation(ctx, irp);
    return dispatchIrp(ctx, wdev.device!, irp, true);
  }),
];
