/**
 * Windows system modules kmdll knows exist on every installation without describing their
 * exports. Pure data; used by check (a note, not an error), the graph (an external export driver
 * whose names are not checked) and scan.
 */

/**
 * Windows system drivers and kernel DLLs that every installation has in System32\drivers (or
 * System32) but kmdll's export database does not describe (mingw-w64 ships no import library
 * for them): an import from one of them is assumed to load; its names cannot be checked.
 */
const SYSTEM_MODULES = new Set([
  "wdfldr.sys", "wdf01000.sys", "fltmgr.sys", "storport.sys", "ataport.sys", "scsiport.sys", "videoprt.sys", "portcls.sys",
  "drmk.sys", "dxgkrnl.sys", "dxgmms1.sys", "dxgmms2.sys", "watchdog.sys", "fwpkclnt.sys", "tbs.sys", "cng.sys", "msrpc.sys",
  "clfs.sys", "wpprecorder.sys", "werkernel.sys", "acpi.sys", "pci.sys", "volmgr.sys", "partmgr.sys", "mountmgr.sys",
  "ndis.sys", "netio.sys", "tdi.sys", "afd.sys", "tcpip.sys", "ksecdd.sys", "ksecpkg.sys", "usbd.sys", "usbport.sys",
  "ucx01000.sys", "ufx01000.sys", "hidclass.sys", "hidparse.sys", "ks.sys", "ksthunk.sys", "classpnp.sys", "disk.sys",
  "spaceport.sys", "storahci.sys", "vmbkmcl.sys", "winhv.sys", "win32k.sys", "win32kbase.sys", "win32kfull.sys", "cdd.dll",
  "ci.dll", "pshed.dll", "kdcom.dll", "kdstub.dll", "bootvid.dll", "clipsp.sys", "wmilib.sys", "battc.sys", "wdmsec.sys",
  "serenum.sys", "npfs.sys", "msfs.sys", "ntfs.sys", "fastfat.sys", "refs.sys", "vdrvroot.sys", "pdc.sys", "intelppm.sys",
  // Class/port libraries that WDK minidriver models link against (smart-card readers: smclib; stream
  // class minidrivers: stream; SCSI miniport WMI: scsiwmi; SD miniports: sdport; network redirectors:
  // rdbss; USB camera minidrivers: usbcamd2). smclib.sys is also one of the emulator's built-in modules.
  "smclib.sys", "stream.sys", "scsiwmi.sys", "sdport.sys", "rdbss.sys", "usbcamd2.sys",
  // The Bluetooth port driver (Bluetooth miniports such as BTHUSB.SYS and vendors' BthMini.sys
  // import it) and the remote NDIS miniport (usb8023m.sys imports it): drivers of every
  // installation (DriverPack set fresh4, docs/qa.md session 11).
  "bthport.sys", "rndismp.sys",
  // The BDA support library of TV tuner minidrivers (bdasup.h); also one of the emulator's built-in modules.
  "bdasup.sys",
]);

/** A Windows system module kmdll knows exists but cannot describe (see SYSTEM_MODULES). */
export function isKnownSystemModule(dll: string): boolean {
  return SYSTEM_MODULES.has(dll.toLowerCase());
}

/** Kernel API sets (api-ms-win-ntos-*, ext-ms-win-ntos-*): resolved by the kernel's API set schema. */
export function isKernelApiSet(dll: string): boolean {
  return /^(api|ext)-ms-win-ntos-/i.test(dll);
}

/**
 * Why a missing import module is not the driver's fault, in words, or null: a Windows system
 * module every installation has (acpi.sys, werkernel.sys, ...) or a kernel API set the kernel
 * resolves through its API set schema. The loader adds it to "cannot find X" so a report tells an
 * emulator gap from a driver that Windows would refuse too.
 */
export function missingSystemModuleNote(dll: string): string | null {
  if (isKernelApiSet(dll)) return `${dll} is a kernel API set, which Windows resolves through its API set schema to the module hosting it; kmdll does not model the schema or that module: a gap of the emulator, not of the driver (put the host module in --root's System32\\drivers to load it)`;
  if (isKnownSystemModule(dll)) return `${dll} is a Windows system module every installation has, which kmdll does not emulate: a gap of the emulator, not of the driver (put the target Windows' copy in --root's System32\\drivers to load it)`;
  return null;
}


/**
 * Built-in modules a booted Windows loads from System32\drivers rather than System32: their
 * FullDllName in the loaded-module list (SystemModuleInformation's FullPathName,
 * KLDR_DATA_TABLE_ENTRY) is `\SystemRoot\System32\drivers\NAME`, the ImagePath of their service.
 * Drivers compare that whole path: the public "nullhook" family and shaygitub/windows-rootkit's
 * KMDFdriver (memory.cpp, SystemModuleBaseMEM) strcmp it with "\SystemRoot\System32\drivers\dxgkrnl.sys".
 * (The other built-in modules keep the `\SystemRoot\system32\` path they have always had.)
 */
const DRIVERS_DIR_BUILTINS = new Set(["dxgkrnl.sys", "werkernel.sys"]);

/** The full path a built-in module shows in the loaded-module list. */
export function builtinModulePath(name: string): string {
  return DRIVERS_DIR_BUILTINS.has(name.toLowerCase()) ? `\\SystemRoot\\System32\\drivers\\${name}` : `\\SystemRoot\\system32\\${name}`;
}
