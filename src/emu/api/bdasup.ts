/**
 * BdaSup.sys, the Broadcast Driver Architecture support library that BDA (TV tuner, demodulator)
 * minidrivers link against on top of AVStream (bdasup.h; Microsoft Learn's bdasup.h reference;
 * library BdaSup.lib). Realtek's RTL2832UBDA.sys (DriverPack, held-out set fresh6) imports it and
 * failed to load without it ("cannot find BdaSup.SYS"). kmdll has no KS filter or pin objects, so
 * no BDA filter exists: the module exists so that a BDA minidriver loads and its DriverEntry
 * (KsInitializeDriver, api/ks.ts) runs; each routine, when called, is reported as an emulator gap
 * ("kmdll does not implement bdasup.sys!X") — a minidriver calls them from its filter and pin
 * dispatch routines, which nothing reaches on the emulated machine.
 * The export list: the routines bdasup.h declares (mingw-w64's ddk/bdasup.h, the same names as
 * Learn's); on x86 they are STDMETHODIMP_ (stdcall).
 */
export const BDASUP = "bdasup.sys";
export const BDASUP_EXPORTS: readonly string[] = (
  "BdaCheckChanges BdaCommitChanges BdaCreateFilterFactory BdaCreateFilterFactoryEx BdaCreatePin BdaCreateTopology BdaDeletePin " +
  "BdaFilterFactoryUpdateCacheData BdaGetChangeState BdaInitFilter BdaMethodCreatePin BdaMethodCreateTopology BdaMethodDeletePin " +
  "BdaPropertyGetControllingPinId BdaPropertyGetPinControl BdaPropertyNodeDescriptors BdaPropertyNodeEvents BdaPropertyNodeMethods " +
  "BdaPropertyNodeProperties BdaPropertyNodeTypes BdaPropertyPinTypes BdaPropertyTemplateConnections BdaStartChanges BdaUninitFilter " +
  "BdaValidateNodeProperty"
).split(" ");
