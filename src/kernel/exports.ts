import type { ExportDirectory, ExportFunction, PeImage } from "../formats/pe/types.js";
import { STATUS } from "../nt/status.js";

/** What snapping one import against an export directory gives (MiSnapThunk, without the write). */
export type ExportLookup =
  | { kind: "rva"; rva: number; ordinal: number }
  | { kind: "forwarder"; target: string; ordinal: number }
  | { kind: "error"; status: number };

/** strcmp over Latin-1 strings (byte order), as the kernel compares export names. */
function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Binary search of the name pointer table (index into namePointerOrder) or -1. */
function searchNames(names: string[], name: string): number {
  let low = 0;
  let high = names.length - 1;
  while (high >= low) {
    const mid = (low + high) >> 1;
    const c = strcmp(name, names[mid]!);
    if (c < 0) high = mid - 1;
    else if (c > 0) low = mid + 1;
    else return mid;
  }
  return -1;
}

function functionNamed(exp: ExportDirectory, name: string): ExportFunction | undefined {
  return exp.functions.find((f) => f.names.includes(name));
}

function slot(exp: ExportDirectory, index: number): ExportLookup {
  if (index < 0 || index >= exp.numberOfFunctions) return { kind: "error", status: STATUS.DRIVER_ORDINAL_NOT_FOUND };
  const ordinal = exp.ordinalBase + index;
  const f = exp.functions.find((x) => x.ordinal === ordinal);
  if (f?.forwarder) return { kind: "forwarder", target: f.forwarder, ordinal };
  // An empty slot (RVA 0) resolves to the image base, as the kernel's arithmetic does.
  return { kind: "rva", rva: f?.rva ?? 0, ordinal };
}

/**
 * Resolve an import by name: the hint first (name pointer table index), then a case-sensitive
 * binary search. Not found, or no export directory → 0xC0000263.
 */
export function lookupByName(exp: ExportDirectory | null, name: string, hint: number | null): ExportLookup {
  if (!exp) return { kind: "error", status: STATUS.DRIVER_ENTRYPOINT_NOT_FOUND };
  const names = exp.namePointerOrder;
  let found = hint !== null && hint < names.length && names[hint] === name;
  if (!found) found = searchNames(names, name) >= 0;
  if (!found) return { kind: "error", status: STATUS.DRIVER_ENTRYPOINT_NOT_FOUND };
  const f = functionNamed(exp, name);
  if (!f) return { kind: "error", status: STATUS.DRIVER_ORDINAL_NOT_FOUND };
  return slot(exp, f.ordinal - exp.ordinalBase);
}

/** Resolve an import by ordinal: index = ordinal − Base (16-bit), ≥ NumberOfFunctions → 0xC0000262. */
export function lookupByOrdinal(exp: ExportDirectory | null, ordinal: number): ExportLookup {
  if (!exp) return { kind: "error", status: STATUS.DRIVER_ENTRYPOINT_NOT_FOUND };
  const index = (ordinal - exp.ordinalBase) & 0xffff;
  return slot(exp, index);
}

/**
 * MiLocateExportName: the RVA of a named, non-forwarded export (used for DllInitialize and
 * DllUnload), or null.
 */
export function locateExport(image: PeImage | null, name: string): number | null {
  const exp = image?.exports;
  if (!exp) return null;
  if (searchNames(exp.namePointerOrder, name) < 0) return null;
  const f = functionNamed(exp, name);
  if (!f || f.forwarder || f.rva === null) return null;
  return f.rva;
}

/** Whether an image exports a name at all (forwarded or not): for MmGetSystemRoutineAddress warnings. */
export function exportsName(image: PeImage | null, name: string): boolean {
  return !!image?.exports?.functions.some((f) => f.names.includes(name));
}

/** Split a forwarder string "DLL.Name" / "DLL.#12" into its module part and target. */
export function parseForwarder(target: string): { dll: string; name: string | null; ordinal: number | null } | null {
  const dot = target.indexOf(".");
  if (dot <= 0) return null;
  const dll = target.slice(0, dot);
  const rest = target.slice(dot + 1);
  if (/^#\d+$/.test(rest)) return { dll, name: null, ordinal: Number(rest.slice(1)) };
  return { dll, name: rest, ordinal: null };
}
