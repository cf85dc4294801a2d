/**
 * hidclass.sys, the HID class driver HID minidrivers link against (hidport.h; Microsoft Learn:
 * HidRegisterMinidriver, HID_MINIDRIVER_REGISTRATION; library Hidclass.lib). vJoy's
 * hidkmdf32/64.sys (the HID-to-KMDF mapper minidriver, held-out set fresh5,
 * /work/wt/qa-fresh5.md) import it and failed to load without it. kmdll has no HID device stack:
 * a device that reaches hidclass's AddDevice is reported as an emulator gap, but a minidriver's
 * DriverEntry registration and its unload run.
 *
 *   HidRegisterMinidriver(MinidriverRegistration): HID_MINIDRIVER_REGISTRATION {ULONG Revision;
 *     PDRIVER_OBJECT DriverObject; PUNICODE_STRING RegistryPath; ULONG DeviceExtensionSize;
 *     BOOLEAN DevicesArePolled; UCHAR Reserved[3]} (pointers aligned: x64 offsets 0, 8, 16, 24,
 *     28; x86 0, 4, 8, 12, 16). Revision other than HID_REVISION (1) is STATUS_REVISION_MISMATCH
 *     ("not supported by this version of the HID class driver") and the driver object is left
 *     alone. Otherwise STATUS_SUCCESS and the class driver owns the driver object, as the HID
 *     minidriver model describes: it keeps the minidriver's dispatch table, AddDevice and
 *     DriverUnload, and puts its own there — every MajorFunction entry becomes hidclass's
 *     dispatch routine (no HID device exists, so an IRP gets IopInvalidDeviceRequest's answer),
 *     AddDevice hidclass's (an emulator gap when a `--devices` tree reaches it) and DriverUnload
 *     hidclass's, which calls the minidriver's own DriverUnload (if it set one). IRQL <=
 *     DISPATCH_LEVEL. A NULL registration or a DriverObject that is not a DRIVER_OBJECT is a bug
 *     check report (hidclass dereferences both); a second registration of the same driver object
 *     is a warning and changes nothing.
 * HidNotifyPresence (reports a device's presence) needs a HID device: an emulator gap if called.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, moduleRoutine } from "./util.js";
import { componentState } from "./state.js";
import { IRP_MJ_COUNT } from "../iomgr/constants.js";
import { invalidDeviceRequest } from "../iomgr/driver-object.js";

export const HIDCLASS = "hidclass.sys";
const B = (n: number) => BigInt(n);
const HID_REVISION = 1;
const STATUS_REVISION_MISMATCH = 0xc0000059;
const DISPATCH_LEVEL = 2;

/** A registered minidriver: what hidclass kept of its driver object. */
export interface HidMinidriver {
  driver: bigint;
  module: string;
  majorFunctions: bigint[];
  addDevice: bigint;
  unload: bigint;
  deviceExtensionSize: number;
  devicesArePolled: boolean;
}
const hidState = componentState("hidclass", () => ({ minidrivers: [] as HidMinidriver[] }));

/** The minidrivers HidRegisterMinidriver accepted (not unloaded), for tests and reports. */
export function hidMinidrivers(kernel: KernelState): readonly HidMinidriver[] {
  return hidState(kernel).minidrivers;
}

const internal = (kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint => moduleRoutine(kernel, HIDCLASS, name, h, argc);

function register(ctx: ApiContext): number {
  const reg = ctx.arg(0);
  ctx.describe([hex(reg)]);
  if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `HidRegisterMinidriver at IRQL ${ctx.kernel.irql} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
  if (reg === 0n) ctx.fault("bugcheck", "HidRegisterMinidriver: MinidriverRegistration is NULL", { code: "0x0000001E" });
  const m = ctx.mem;
  const p = ptrSize();
  const revision = m.u32(reg);
  if (revision !== HID_REVISION) {
    ctx.warn(`HidRegisterMinidriver: Revision is ${revision}, not HID_REVISION (1): STATUS_REVISION_MISMATCH`);
    return STATUS_REVISION_MISMATCH;
  }
  const driver = getPtr(m, reg + B(p));
  if (driver === 0n || !m.isMapped(driver, 2) || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4)
    ctx.fault("bugcheck", `HidRegisterMinidriver: MinidriverRegistration->DriverObject ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const st = hidState(ctx.kernel);
  if (st.minidrivers.some((d) => d.driver === driver)) {
    ctx.warn(`HidRegisterMinidriver: the driver object ${hex(driver)} is registered already; the second registration changes nothing`);
    return STATUS.SUCCESS;
  }
  const mf = (i: number) => driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * p);
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  st.minidrivers.push({
    driver,
    module: ctx.caller?.module ?? "?",
    majorFunctions: Array.from({ length: IRP_MJ_COUNT }, (_, i) => getPtr(m, mf(i))),
    addDevice: ext === 0n ? 0n : getPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice)),
    unload: getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload)),
    deviceExtensionSize: m.u32(reg + B(3 * p)),
    devicesArePolled: m.u8(reg + B(3 * p + 4)) !== 0,
  });
  const dispatch = internal(ctx.kernel, "HidpMajorHandler", (c) => c.callGuest(invalidDeviceRequest(c.kernel), [c.arg(0), c.arg(1)]), 2);
  for (let i = 0; i < IRP_MJ_COUNT; i++) putPtr(m, mf(i), dispatch);
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice(ctx.kernel));
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), unload(ctx.kernel));
  return STATUS.SUCCESS;
}

function addDevice(kernel: KernelState): bigint {
  return internal(kernel, "HidpAddDevice", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement HID class devices: hidclass.sys's AddDevice for the minidriver ${hex(ctx.arg(0))} (the minidriver's AddDevice would run next, with hidclass's FDO)`);
  }, 2);
}

/** hidclass's DriverUnload: the minidriver's own DriverUnload, then it is forgotten. */
function unload(kernel: KernelState): bigint {
  return internal(kernel, "HidpDriverUnload", (ctx) => {
    const driver = ctx.arg(0);
    const st = hidState(ctx.kernel);
    const d = st.minidrivers.find((x) => x.driver === driver);
    st.minidrivers = st.minidrivers.filter((x) => x.driver !== driver);
    if (d && d.unload !== 0n) ctx.callGuest(d.unload, [driver]);
  }, 1);
}

export const apis: ApiDefinition[] = [api(HIDCLASS, "HidRegisterMinidriver", 1, register)];
