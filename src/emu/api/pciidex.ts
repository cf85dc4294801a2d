/**
 * pciidex.sys, the PCI IDE controller driver PCI IDE controller minidrivers link against (ide.h;
 * Microsoft Learn, previous-versions "PciIdeXInitialize routine"; library Pciidex.lib). 14
 * drivers of the held-out corpus (issue 12, fresh4: AMD, ALi, ATI, SiS, VIA IDE controller
 * minidrivers) import it and failed to load without it. kmdll has no IDE controller: no device
 * reaches pciidex's AddDevice, so a minidriver's DriverEntry registration and its unload run.
 *
 *   PciIdeXInitialize(DriverObject, RegistryPath, HwGetControllerProperties, ExtensionSize):
 *     "initializes the controller minidriver's dispatch tables and allocates an extension for
 *     the DriverObject ... then stores the ExtensionSize and a pointer to the
 *     HwIdeXGetControllerProperties routine in the DriverObject extension"; it "returns
 *     STATUS_SUCCESS if the allocation of the driver extension succeeds, and the appropriate
 *     error code otherwise" — for a driver object initialized already, IoAllocateDriverObjectExtension's
 *     STATUS_OBJECT_NAME_COLLISION (the extension exists), the driver object left alone. On
 *     success pciidex owns the driver object: IRP_MJ_PNP, POWER and SYSTEM_CONTROL become its
 *     dispatch routine (no pciidex device exists: IopInvalidDeviceRequest's answer; which majors
 *     pciidex sets is not documented — these are the IRPs a PnP bus driver handles), AddDevice
 *     pciidex's (an emulator gap when a `--devices` tree reaches it: HwGetControllerProperties
 *     would run at IRP_MN_START_DEVICE) and DriverUnload pciidex's, which forgets the minidriver
 *     (the unload pciidex installs is not documented either). A DriverObject that is not a
 *     DRIVER_OBJECT is a bug check report.
 *   PciIdeXGetBusData / PciIdeXSetBusData (a controller's PCI configuration space through its
 *     device extension) need an IDE controller: emulator gaps if called.
 *
 * Exports: ide.h's four routines, the names the corpus's drivers import (x86: stdcall under the
 * WDK's /Gz, PciIdeXDebugPrint varargs cdecl).
 */
import type { KernelExport } from "../../nt/kernel-exports.js";
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, moduleRoutine } from "./util.js";
import { componentState } from "./state.js";
import { invalidDeviceRequest } from "../iomgr/driver-object.js";

export const PCIIDEX = "pciidex.sys";
const B = (n: number) => BigInt(n);
const STATUS_OBJECT_NAME_COLLISION = 0xc0000035;

/** ide.h's exports with their x86 conventions (argument bytes of the stdcall ones). */
const EXPORTS: readonly [string, number | "cdecl"][] = [["PciIdeXDebugPrint", "cdecl"], ["PciIdeXGetBusData", 16], ["PciIdeXInitialize", 16], ["PciIdeXSetBusData", 20]];

export function pciidexModuleExports(arch: string): KernelExport[] {
  return EXPORTS.map(([name, conv]) => (arch !== "x86" ? { name, type: "code" as const } : conv === "cdecl" ? { name, type: "code" as const, call: "cdecl" as const } : { name, type: "code" as const, call: "stdcall" as const, argBytes: conv }));
}

interface IdeMinidriver {
  driver: bigint;
  module: string;
  getControllerProperties: bigint;
  extensionSize: number;
}
const pciidexState = componentState("pciidex", () => ({ minidrivers: [] as IdeMinidriver[] }));

/** The minidrivers PciIdeXInitialize accepted, for tests and reports. */
export function pciidexMinidrivers(kernel: KernelState): readonly IdeMinidriver[] {
  return pciidexState(kernel).minidrivers;
}

const internal = (kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint => moduleRoutine(kernel, PCIIDEX, name, h, argc);

/** IRP_MJ_PNP, POWER, SYSTEM_CONTROL. */
const MAJORS = [0x1b, 0x16, 0x17];

function initialize(ctx: ApiContext): number {
  const [driver, regPath, props, extSize] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3)];
  ctx.describe([hex(driver), hex(regPath), hex(props), String(extSize)]);
  const m = ctx.mem;
  if (driver === 0n || !m.isMapped(driver, 2) || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4)
    ctx.fault("bugcheck", `PciIdeXInitialize: DriverObject ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const st = pciidexState(ctx.kernel);
  if (st.minidrivers.some((d) => d.driver === driver)) {
    ctx.warn(`PciIdeXInitialize: the driver object ${hex(driver)} has pciidex's extension already: STATUS_OBJECT_NAME_COLLISION`);
    return STATUS_OBJECT_NAME_COLLISION;
  }
  st.minidrivers.push({ driver, module: ctx.caller?.module ?? "?", getControllerProperties: props, extensionSize: extSize });
  const dispatch = internal(ctx.kernel, "PciIdeXDispatch", (c) => c.callGuest(invalidDeviceRequest(c.kernel), [c.arg(0), c.arg(1)]), 2);
  for (const i of MAJORS) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * ptrSize()), dispatch);
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice(ctx.kernel));
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), unload(ctx.kernel));
  return STATUS.SUCCESS;
}

function addDevice(kernel: KernelState): bigint {
  return internal(kernel, "PciIdeXAddDevice", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement PCI IDE controllers: pciidex.sys's AddDevice for the minidriver ${hex(ctx.arg(0))} (HwIdeXGetControllerProperties would run at IRP_MN_START_DEVICE)`);
  }, 2);
}

function unload(kernel: KernelState): bigint {
  return internal(kernel, "PciIdeXUnload", (ctx) => {
    const driver = ctx.arg(0);
    const st = pciidexState(ctx.kernel);
    st.minidrivers = st.minidrivers.filter((x) => x.driver !== driver);
  }, 1);
}

export const apis: ApiDefinition[] = [api(PCIIDEX, "PciIdeXInitialize", 4, initialize)];
