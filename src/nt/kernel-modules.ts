/**
 * The modules that are the kernel itself: ntoskrnl.exe (and its multiprocessor / PAE builds, whose
 * export directory still says ntoskrnl.exe) and the HAL (hal.dll; the HAL variants halacpi.dll,
 * halmacpi.dll, ... name themselves HAL.dll in their export directory). Always present in a
 * running kernel, never counted, never an export driver (SPEC §6). Pure data.
 */
export const KERNEL_MODULES: readonly string[] = ["ntoskrnl.exe", "ntkrnlpa.exe", "ntkrnlmp.exe", "ntkrpamp.exe", "hal.dll"];

/** Whether a module name (any case) is the kernel or the HAL. */
export function isKernelModule(name: string): boolean {
  return KERNEL_MODULES.includes(name.toLowerCase());
}

/**
 * Whether an image is the kernel or a HAL: by its file's base name, or by the DLL name its export
 * directory gives (a renamed copy of ntoskrnl.exe or a HAL variant).
 */
export function isKernelImage(fileBaseName: string, exportDllName: string | null | undefined): boolean {
  const f = fileBaseName.toLowerCase();
  if (isKernelModule(f) || /^hal[a-z0-9]*\.dll$/.test(f)) return true;
  return exportDllName !== null && exportDllName !== undefined && isKernelModule(exportDllName);
}
