/**
 * NT path handling for the simulated kernel (pure). Everything lives under `\SystemRoot`, which
 * the host maps to the `--root` directory; any other location is refused.
 */

export { SERVICES_KEY, DLL_SERVICES_KEY, driverRegistryPath, dllRegistryPath } from "../nt/loader-names.js";

/** Default ImagePath of a service without one: \SystemRoot\System32\drivers\NAME.sys. */
export function defaultImagePath(service: string): string {
  return `\\SystemRoot\\System32\\drivers\\${service}.sys`;
}

/**
 * Normalise an ImagePath to `\SystemRoot\...`, or null when it points outside the simulated
 * system root. Accepted: `\SystemRoot\x`, `%SystemRoot%\x`, `System32\x` (relative to SystemRoot,
 * as the I/O manager treats it), `\??\C:\Windows\x`, `C:\Windows\x`. Forward slashes count as '\'.
 */
export function normalizeImagePath(imagePath: string): string | null {
  let p = imagePath.replace(/\//g, "\\");
  const prefixes: RegExp[] = [/^\\SystemRoot\\/i, /^%SystemRoot%\\/i, /^(?:\\\?\?\\)?[A-Za-z]:\\Windows\\/i];
  let rest: string | null = null;
  for (const re of prefixes) {
    if (re.test(p)) {
      rest = p.replace(re, "");
      break;
    }
  }
  if (rest === null) {
    if (p.startsWith("\\") || /^[A-Za-z]:/.test(p)) return null;
    rest = p;
  }
  const parts = rest.split("\\");
  if (parts.some((c) => c === "" || c === "." || c === ".." || c.includes(":"))) return null;
  return "\\SystemRoot\\" + parts.join("\\");
}

/** Components below \SystemRoot of a normalised path. */
export function systemRootComponents(ntPath: string): string[] {
  return ntPath.replace(/^\\SystemRoot\\/i, "").split("\\");
}

/** Directory part of an NT path, with its trailing backslash. */
export function ntDirectory(ntPath: string): string {
  return ntPath.slice(0, ntPath.lastIndexOf("\\") + 1);
}

/** Last component of an NT path. */
export function ntBaseName(ntPath: string): string {
  return ntPath.slice(ntPath.lastIndexOf("\\") + 1);
}

/**
 * Whether an import's DLL name is acceptable as a file name in the importer's directory.
 * Names with path separators, drive/stream colons or `..` are refused, so that nothing outside
 * the root can ever be opened through an import.
 */
export function unsafeImportName(dll: string): string | null {
  if (dll.length === 0) return "is empty";
  if (/[\\/]/.test(dll)) return "contains a path separator";
  if (dll.includes("..")) return "contains '..'";
  if (dll.includes(":")) return "contains ':'";
  if (/[\x00-\x1f]/.test(dll)) return "contains control characters";
  return null;
}

/** User-mode DLLs the kernel refuses outright (MiResolveImageReferences): src/nt/loader-names.ts. */
export { isLoaderRefusedDll as isUserModeDll } from "../nt/loader-names.js";

/**
 * Imports of the core modules ("ntoskrnl*", "hal*", "win32k*" prefixes) are resolved without
 * taking a reference (MiResolveImageReferences' ReferenceNeeded = FALSE).
 */
export function referenceNeeded(dll: string): boolean {
  const l = dll.toLowerCase();
  return !(l.startsWith("ntoskrnl") || l.startsWith("hal") || l.startsWith("win32k"));
}
