/**
 * User-mode DLLs as the kernel loader sees them (SPEC §6): a driver importing one fails to load.
 * The loader refuses a few by name before looking for a file (STATUS_PROCEDURE_NOT_FOUND,
 * 0xC000007A); any other is looked for in System32\drivers, not found there
 * (STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034), and could not run in kernel mode anyway.
 * Used by `check` (the import rules) and the import graph. Pure data and lookups.
 */

import { LOADER_REFUSED_PREFIXES, isLoaderRefusedDll } from "./loader-names.js";

/** DLL name prefixes the kernel loader refuses outright (design §6, step 1): the list lives in loader-names.ts. */
export { LOADER_REFUSED_PREFIXES };

/** Other user-mode DLL base names (lower case, without extension), besides the loader-refused ones. */
const USER_MODE_DLLS = new Set([
  "kernelbase", "gdi32full", "win32u",
  "msvcrt", "ucrtbase", "ucrtbased", "msvcrt20", "msvcrt40", "crtdll",
  "ws2_32", "wsock32", "mswsock", "ole32", "oleaut32", "combase", "shell32", "shlwapi", "comctl32", "comdlg32",
  "rpcrt4", "sechost", "crypt32", "bcrypt", "ncrypt", "secur32", "sspicli", "wininet", "winhttp", "urlmon",
  "setupapi", "cfgmgr32", "version", "iphlpapi", "dbghelp", "psapi", "userenv", "winmm", "imm32", "uxtheme",
  "dwmapi", "opengl32", "ddraw", "dsound", "dxgi", "d3d9", "d3d11", "d3d12", "hid", "winusb", "wintrust",
  "netapi32", "mpr", "shcore", "powrprof", "wtsapi32", "dnsapi", "normaliz", "msvcirt",
]);

/** User-mode DLL name patterns (base name, lower case, without extension). */
const USER_MODE_PATTERNS = [/^api-ms-win-(?!ntos-)/, /^ext-ms-win-(?!ntos-)/, /^msvcr\d+d?$/, /^msvcp\d+(_\w+)?d?$/, /^vcruntime\d+(_\d+)?d?$/, /^concrt\d+d?$/, /^vcomp\d+d?$/, /^d3dx?\d+(_\d+)?$/,
  // MinGW/GCC and LLVM runtime DLLs.
  /^libgcc_s/, /^libstdc\+\+/, /^libwinpthread/, /^libssp/, /^libc\+\+/, /^libunwind/, /^libgomp/];

/** Base name without extension, lower case ("MSVCRT.dll" → "msvcrt"). */
export function dllBase(dll: string): string {
  const lower = dll.toLowerCase();
  const dot = lower.lastIndexOf(".");
  return dot > 0 ? lower.slice(0, dot) : lower;
}

export interface UserModeDll {
  /** true: the kernel refuses it with STATUS_PROCEDURE_NOT_FOUND (0xC000007A) before looking for a file. */
  refusedByLoader: boolean;
}

/** Whether an imported DLL is a user-mode DLL (null when it is not known as one). */
export function userModeDll(dll: string): UserModeDll | null {
  const base = dllBase(dll);
  const refusedByLoader = isLoaderRefusedDll(dll);
  if (refusedByLoader || USER_MODE_DLLS.has(base) || USER_MODE_PATTERNS.some((re) => re.test(base))) return { refusedByLoader };
  return null;
}

/** The status a driver importing this DLL fails to load with, when it is a user-mode DLL. */
export function userModeLoadStatus(dll: string): number | null {
  const um = userModeDll(dll);
  return um === null ? null : um.refusedByLoader ? 0xc000007a : 0xc0000034;
}
