/**
 * Names the kernel's image loader gives meaning to (after WRK/ReactOS sysldr.c), shared by the
 * kernel model (src/kernel), the conformance checks (src/check) and the reports: the user-mode
 * DLLs it refuses outright and the registry paths it passes to DriverEntry / DllInitialize.
 */

/**
 * Import names MiResolveImageReferences refuses before looking for a file (prefix match, any
 * case), failing the load with STATUS_PROCEDURE_NOT_FOUND (0xC000007A).
 */
export const LOADER_REFUSED_PREFIXES = ["ntdll", "winsrv", "advapi32", "kernel32", "user32", "gdi32"] as const;

/** Whether the kernel loader refuses an import of this DLL outright (see LOADER_REFUSED_PREFIXES). */
export function isLoaderRefusedDll(dll: string): boolean {
  const l = dll.toLowerCase();
  return LOADER_REFUSED_PREFIXES.some((p) => l.startsWith(p));
}

/** HKLM\SYSTEM\CurrentControlSet\Services\ as the I/O manager spells it for DriverEntry. */
export const SERVICES_KEY = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\";
/** The prefix MmCallDllInitialize uses (upper case, as WRK builds it). */
export const DLL_SERVICES_KEY = "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\";

/** DriverEntry's RegistryPath for a service. */
export function driverRegistryPath(service: string): string {
  return SERVICES_KEY + service;
}

/** DllInitialize's RegistryPath: upper-case services prefix + base name cut at the first '.'. */
export function dllRegistryPath(baseName: string): string {
  const dot = baseName.indexOf(".");
  return DLL_SERVICES_KEY + (dot < 0 ? baseName : baseName.slice(0, dot));
}
