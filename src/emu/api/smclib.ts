/**
 * smclib.sys, the smart card driver library smart card reader drivers link against (smclib.h;
 * Microsoft Learn's smclib.h reference; library Smclib.lib). 245 card-reader drivers of the
 * held-out corpus (issue 12, fresh4: DriverPack card readers) import it. kmdll has no smart card
 * reader: the module exists so that a reader driver loads and its DriverEntry runs; each routine
 * but the debug-level pair, when called, is reported as an emulator gap ("kmdll does not implement smclib.sys!X") — a reader
 * driver calls them from AddDevice and its IRP paths (SmartcardInitialize, SmartcardDeviceControl),
 * which no device reaches on the emulated machine.
 *
 * Exports: the routines smclib.h declares (Windows 10 WDK), which are the names the corpus's
 * x64 and x86 drivers import; calling convention NTAPI-less (the WDK's x86 default, stdcall).
 */
import type { ApiDefinition } from "./types.js";
import { api, hex } from "./util.js";
import { componentState } from "./state.js";

export const SMCLIB = "smclib.sys";
export const SMCLIB_EXPORTS: readonly string[] = [
  "SmartcardAcquireRemoveLock", "SmartcardAcquireRemoveLockWithTag", "SmartcardCreateLink", "SmartcardDeviceControl", "SmartcardExit",
  "SmartcardGetDebugLevel", "SmartcardInitialize", "SmartcardInvertData", "SmartcardLogError", "SmartcardRawReply", "SmartcardRawRequest",
  "SmartcardReleaseRemoveLock", "SmartcardReleaseRemoveLockAndWait", "SmartcardReleaseRemoveLockWithTag", "SmartcardSetDebugLevel",
  "SmartcardT0Reply", "SmartcardT0Request", "SmartcardT1Reply", "SmartcardT1Request", "SmartcardUpdateCardCapabilities",
];

/**
 * SmartcardSetDebugLevel(Level) / SmartcardGetDebugLevel(): smclib.h's debug mask (SC_DEBUG_*
 * bits) the library's own trace output obeys; a reader driver's DriverEntry sets it from its
 * registry parameters. Set stores the ULONG, Get returns the last value set (0 at boot): no
 * argument is invalid.
 */
const debugLevel = componentState("smclib", () => ({ level: 0 }));

export const apis: ApiDefinition[] = [
  { ...api(SMCLIB, "SmartcardSetDebugLevel", 1, (ctx) => {
    ctx.describe([hex(ctx.u32(0))]);
    debugLevel(ctx.kernel).level = ctx.u32(0);
  }), notes: "stores the debug mask SmartcardGetDebugLevel returns" },
  { ...api(SMCLIB, "SmartcardGetDebugLevel", 0, (ctx) => debugLevel(ctx.kernel).level), notes: "the last SmartcardSetDebugLevel value (0 at boot)" },
];
