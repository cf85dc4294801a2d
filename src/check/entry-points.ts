/**
 * Export-driver entry-point rules: missing-dllinitialize, missing-dllunload,
 * forwarded-entry-point, entry-point-in-import-library, missing-driverentry.
 *
 * An image counts as an export driver when its export table has an entry other than its entry
 * point, or when the user gave its .def (--def) or import library (--lib): that is what
 * "building an export driver" produces (TARGETTYPE=EXPORT_DRIVER + DLLDEF). A standard driver
 * without exports is not one, nor is one whose only export is DriverEntry / the
 * AddressOfEntryPoint RVA (GNU ld exports it when linking without a .def), nor the kernel itself
 * (ntoskrnl.exe, a HAL: by file name or export-directory name); none of these rules apply to it.
 */
import type { ExportFunction } from "../formats/pe/types.js";
import { ENTRY_POINTS, type EntryPointName } from "./knowledge.js";
import { isKernelImage } from "../nt/kernel-modules.js";
import { exportDirectoryLocation, headerLocation } from "./locate.js";
import type { CheckInput, Finding, FindingLocation, RuleId } from "./types.js";

export function isExportDriver(input: CheckInput): boolean {
  if (input.def !== undefined || input.lib !== undefined) return true;
  // ntoskrnl.exe and the HAL export thousands of routines but are the kernel, loaded by the boot
  // loader and never unloaded: DllInitialize/DllUnload mean nothing for them.
  const base = input.file.slice(Math.max(input.file.lastIndexOf("/"), input.file.lastIndexOf("\\")) + 1);
  if (isKernelImage(base, input.image.exports?.dllName)) return false;
  const functions = input.image.exports?.functions ?? [];
  // GNU ld without a .def exports every global symbol, or at least the entry point: a standard
  // driver then exports DriverEntry alone. Exports that are only the entry point do not make an
  // export driver.
  for (let i = 0; i < functions.length; i++) if (!isEntryPointExport(input, functions[i]!) && !isImportLibraryArtifact(functions[i]!)) return true;
  return false;
}

// The loops over export tables (thousands of entries) are small functions of their own: the
// optimizing compiler then compiles them, not the rules' whole bodies with every message.

/** The first export with exactly this name, if any. */
function exportNamed(functions: readonly ExportFunction[], name: string): ExportFunction | undefined {
  for (let i = 0; i < functions.length; i++) if (functions[i]!.names.includes(name)) return functions[i];
  return undefined;
}

/** The first export name that is `key` undecorated (looseMatches), if any. */
function exportNamedLoosely(functions: readonly ExportFunction[], key: string): string | undefined {
  for (let i = 0; i < functions.length; i++) {
    const names = functions[i]!.names;
    for (let k = 0; k < names.length; k++) if (looseMatches(names[k]!, key)) return names[k];
  }
  return undefined;
}

/**
 * Symbols of a short-format import library that GNU ld re-exports when it links against one
 * (__IMPORT_DESCRIPTOR_x, __NULL_IMPORT_DESCRIPTOR, \x7fx_NULL_THUNK_DATA): linker artifacts, not routines.
 */
function isImportLibraryArtifact(fn: ExportFunction): boolean {
  return fn.names.length > 0 && fn.names.every((n) => n.startsWith("__IMPORT_DESCRIPTOR_") || n === "__NULL_IMPORT_DESCRIPTOR" || n.endsWith("_NULL_THUNK_DATA"));
}

/** An export that is the image's entry point: named DriverEntry (decorated or not) or at AddressOfEntryPoint. */
function isEntryPointExport(input: CheckInput, fn: ExportFunction): boolean {
  if (fn.forwarder) return false;
  const entry = input.image.optional.addressOfEntryPoint;
  if (entry !== 0 && fn.rva === entry) return true;
  return fn.names.length > 0 && fn.names.every((n) => looseMatches(n, "driverentry"));
}

/**
 * Routines only a driver started as a service calls (it creates devices or registers with a
 * framework in DriverEntry): the first one the image imports, or null.
 */
const SERVICE_ROUTINES = ["IoCreateDevice", "IoCreateDeviceSecure", "WdfVersionBind", "FltRegisterFilter", "NdisMRegisterMiniportDriver", "NdisRegisterProtocolDriver", "IoCreateDriver"];
function serviceRoutineImported(input: CheckInput): string | null {
  for (const m of input.image.imports) for (const f of m.functions) if (f.name !== null && SERVICE_ROUTINES.includes(f.name)) return `${m.dll}!${f.name}`;
  return null;
}

const PROTOTYPES: Record<EntryPointName, string> = {
  DllInitialize: "NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath)",
  DllUnload: "NTSTATUS DllUnload(void)",
};

const MISSING_RULE: Record<EntryPointName, RuleId> = {
  DllInitialize: "missing-dllinitialize",
  DllUnload: "missing-dllunload",
};

/** Undecorated comparison key: "_DllInitialize@4" / "dllinitialize" → "dllinitialize". */
function looseKey(name: string): string {
  let n = name;
  if (n.startsWith("_")) n = n.slice(1);
  const at = n.indexOf("@");
  if (at > 0) n = n.slice(0, at);
  return n.toLowerCase();
}

/** looseKey(name) === key for a lower-case ASCII key, without building the key (export tables have thousands of names). */
function looseMatches(name: string, key: string): boolean {
  const start = name.charCodeAt(0) === 0x5f ? 1 : 0;
  // The name is key, or key followed by "@…".
  if (name.length < start + key.length) return false;
  if (name.length > start + key.length && name.charCodeAt(start + key.length) !== 0x40) return false;
  for (let i = 0; i < key.length; i++) {
    let c = name.charCodeAt(start + i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== key.charCodeAt(i)) return false;
  }
  return true;
}

function exportLocation(input: CheckInput, fn: ExportFunction, name: string): FindingLocation {
  const loc = exportDirectoryLocation(input, name);
  return { ...loc, kind: "export", ordinal: fn.ordinal, ...(fn.rva !== null ? { rva: fn.rva } : {}) };
}

export function entryPointRules(input: CheckInput): Finding[] {
  const out: Finding[] = [];
  const img = input.image;
  if (img.optional.addressOfEntryPoint === 0) {
    out.push({
      rule: "missing-driverentry",
      severity: "warning",
      message: `the image has no entry point (AddressOfEntryPoint is 0): the kernel calls DriverEntry when the image is started as a driver, and the WDK requires a DriverEntry even in an export driver (a stub returning STATUS_SUCCESS is enough). Add DriverEntry and link with /entry:DriverEntry.`,
      location: headerLocation(input, "OptionalHeader.AddressOfEntryPoint"),
    });
  }
  if (!isExportDriver(input)) return out;
  const functions = img.exports?.functions ?? [];
  const service = serviceRoutineImported(input);
  const why =
    "the kernel activates an export driver's reference counting only when it exports both DllInitialize and DllUnload; without them it is never unloaded once an importer has loaded it";
  for (const ep of ENTRY_POINTS) {
    const exact = exportNamed(functions, ep);
    if (exact?.forwarder) {
      out.push({
        rule: "forwarded-entry-point",
        severity: "error",
        message: `${ep} is exported as a forwarder to ${exact.forwarder}: the kernel ignores forwarded entry points, so it never calls it. Implement ${PROTOTYPES[ep]} in this driver and export it from here ("${ep} PRIVATE" in the .def, without "=${exact.forwarder}").`,
        location: exportLocation(input, exact, ep),
      });
      continue;
    }
    if (exact) continue;
    const key = ep.toLowerCase();
    const near = exportNamedLoosely(functions, key);
    let message = service
      ? `this driver exports routines but not ${ep}. It also runs as a standard driver (it imports ${service}), which works when its service is started first; but when another driver imports it before that, the kernel loads it as an export driver: ${why}. Add ${PROTOTYPES[ep]} returning STATUS_SUCCESS and list it in the .def as "${ep} PRIVATE"`
      : `this export driver does not export ${ep}: ${why}. Add ${PROTOTYPES[ep]} returning STATUS_SUCCESS and list it in the .def as "${ep} PRIVATE"`;
    if (near) message += `. It exports "${near}", but the kernel looks for exactly "${ep}" (undecorated, case-sensitive): list "${ep}" in the .def so the undecorated name is exported`;
    // "You can build any standard driver as an export driver" (the WDK's export-driver page): a
    // driver that is also a service (VirtualBox's VBoxDrv.sys, for one) works without the entry
    // points as long as its service starts before its importers — a warning, not an error.
    out.push({ rule: MISSING_RULE[ep], severity: service ? "warning" : "error", message: message + ".", location: exportDirectoryLocation(input, ep) });
  }

  // PRIVATE: the entry points must stay out of the import library.
  if (input.def) {
    const def = input.def;
    for (const ep of ENTRY_POINTS) {
      const entry = def.exports.find((e) => e.name === ep);
      if (entry && !entry.private) {
        out.push({
          rule: "entry-point-in-import-library",
          severity: "error",
          message: `${ep} is listed without PRIVATE: the import library built from this .def then offers ${ep} to importers, which can link against the export driver's entry point. Write "${ep} PRIVATE".`,
          location: { kind: "def", file: def.file, line: entry.line, ...(entry.column ? { column: entry.column } : {}), symbol: ep },
        });
      } else if (!entry) {
        const exported = functions.find((f) => f.names.includes(ep) && !f.forwarder);
        if (exported) {
          out.push({
            rule: "entry-point-in-import-library",
            severity: "error",
            message: `the image exports ${ep} (DECLSPEC_EXPORT) but the .def does not list it: the linker then puts ${ep} in the import library. Even with DECLSPEC_EXPORT the .def must list "${ep} PRIVATE".`,
            location: { kind: "def", file: def.file, line: def.library?.line ?? 1, symbol: ep },
          });
        }
      }
    }
  }
  if (input.lib) {
    const lib = input.lib;
    for (const ep of ENTRY_POINTS) {
      const row = lib.rows.find((r) => r.importName === ep || (r.importName === null && looseKey(r.symbol) === ep.toLowerCase()));
      if (row) {
        out.push({
          rule: "entry-point-in-import-library",
          severity: "error",
          message: `the import library contains ${ep} (symbols ${row.symbol} and __imp_${row.symbol}): importers can link against the export driver's entry point. Mark it PRIVATE in the .def ("${ep} PRIVATE") and rebuild the import library.`,
          location: { kind: "lib", file: lib.file, offset: row.memberOffset, module: row.dll, symbol: row.symbol },
        });
      }
    }
  }
  return out;
}

