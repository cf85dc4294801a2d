/**
 * battc.sys, the battery class driver battery miniclass drivers link against (batclass.h;
 * Microsoft Learn's batclass.h reference; library BatteryClass.lib). kmdll has no battery
 * device stack: the module exists so that a miniclass driver loads and its DriverEntry runs;
 * each routine, when called, is reported as an emulator gap ("kmdll does not implement
 * battc.sys!X") — a miniclass driver calls them from its AddDevice/IRP paths, which no device
 * reaches on the emulated machine. BatteryClassUpdateData (Learn: batclass.h, Battc.lib — a
 * miniclass reports charge-limit and charger-wattage changes through it; Surface's
 * SurfaceBattery.sys and Qualcomm's qcbattminiclass imports it) is listed so those drivers load.
 */
export const BATTC = "battc.sys";
export const BATTC_EXPORTS: readonly string[] = [
  "BatteryClassInitializeDevice", "BatteryClassIoctl", "BatteryClassQueryWmiDataBlock", "BatteryClassStatusNotify", "BatteryClassSystemControl", "BatteryClassUnload", "BatteryClassUpdateData",
];

/** BdaSup.sys's export list (api/bdasup.ts), served with battc's by the emulator: both are export lists only. */
export { BDASUP_EXPORTS } from "./bdasup.js";
/** dxgkrnl.sys, werkernel.sys and cng.sys's entropy routines (api/system-drivers.ts), served with them. */
export { systemDriverExports, cngEntropyExports } from "./system-drivers.js";
