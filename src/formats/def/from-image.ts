/**
 * Derive a .def model from a PE image's export table (SPEC §3.2 `def from-image`): every
 * named export keeps its ordinal, ordinal-only slots become NONAME entries, forwarders stay
 * forwarders, exports in non-executable sections are DATA, and DllInitialize/DllUnload are
 * PRIVATE (importers must never link to them). Pure: takes the parsed image.
 */
import type { PeImage } from "../pe/types.js";
import { IMAGE_SCN } from "../pe/types.js";
import { emptyDef, newExport, type DefExport, type DefFile, type DefForwarder } from "./types.js";
import { invalidDefName } from "./writer.js";

export const ENTRY_POINTS_PRIVATE = new Set(["DllInitialize", "DllUnload"]);

export interface FromImageResult {
  def: DefFile;
  warnings: string[];
}

/** Split a forwarder string "MODULE.Name" / "MODULE.#12" at its first dot. */
export function parseDefForwarder(s: string): DefForwarder | null {
  const dot = s.indexOf(".");
  if (dot <= 0 || dot === s.length - 1) return null;
  const module = s.slice(0, dot);
  const rest = s.slice(dot + 1);
  if (rest.startsWith("#")) {
    const n = /^#([0-9]+)$/.exec(rest);
    if (!n) return null;
    const ord = Number(n[1]);
    return ord >= 1 && ord <= 65535 ? { module, name: null, ordinal: ord } : null;
  }
  return { module, name: rest, ordinal: null };
}

export function defFromImage(image: PeImage, fallbackName?: string): FromImageResult {
  const def = emptyDef();
  const warnings: string[] = [];
  def.directive = "LIBRARY";
  const ed = image.exports;
  def.name = ed && ed.dllName && !invalidDefName(ed.dllName) ? ed.dllName : (fallbackName ?? null);
  if (!ed) {
    warnings.push("the image has no export table");
    return { def, warnings };
  }
  if (!ed.dllName || invalidDefName(ed.dllName)) warnings.push(`the export directory has ${ed.dllName ? `an unusable DLL name ${JSON.stringify(ed.dllName)}` : "no DLL name"}` + (fallbackName ? `; using '${fallbackName}'` : ""));
  const isData = (rva: number | null): boolean => {
    if (rva === null) return false;
    const s = image.sections.find((x) => rva >= x.virtualAddress && rva < x.virtualAddress + Math.max(x.virtualSize, x.sizeOfRawData));
    return !!s && (s.characteristics & IMAGE_SCN.MEM_EXECUTE) === 0 && (s.characteristics & IMAGE_SCN.CNT_CODE) === 0;
  };
  const used = new Set<string>();
  for (const f of ed.functions) for (const n of f.names) used.add(n);
  const exports: DefExport[] = [];
  const written = new Set<string>();
  for (const f of [...ed.functions].sort((a, b) => a.ordinal - b.ordinal)) {
    if (f.ordinal < 1 || f.ordinal > 65535) {
      warnings.push(`ordinal ${f.ordinal} is outside 1..65535; skipped`);
      continue;
    }
    let forward: DefForwarder | null = null;
    if (f.forwarder !== null) {
      forward = parseDefForwarder(f.forwarder);
      if (forward && invalidDefName(f.forwarder)) forward = null;
      if (!forward) warnings.push(`ordinal ${f.ordinal}: forwarder ${JSON.stringify(f.forwarder)} is not MODULE.Name or MODULE.#N; written as a plain export`);
    }
    const data = forward === null && isData(f.rva);
    const names: string[] = [];
    for (const n of f.names) {
      // A name the table lists twice (for this slot or another) is written once: a .def cannot repeat a name.
      if (written.has(n)) {
        warnings.push(`ordinal ${f.ordinal}: export name ${JSON.stringify(n)} already used ${names.includes(n) ? "by this ordinal" : "by another ordinal"}; left out`);
        continue;
      }
      const bad = invalidDefName(n);
      if (bad) {
        warnings.push(`ordinal ${f.ordinal}: export name ${JSON.stringify(n)} ${bad}; left out`);
        continue;
      }
      written.add(n);
      names.push(n);
    }
    if (names.length === 0) {
      // Ordinal-only slot (or no name a .def can express): a NONAME entry keeps the ordinal.
      let name = `Ordinal_${f.ordinal}`;
      for (let k = 2; used.has(name); k++) name = `Ordinal_${f.ordinal}_${k}`;
      used.add(name);
      exports.push(newExport(name, { ordinal: f.ordinal, noname: true, forward, data }));
      continue;
    }
    names.forEach((name, k) => {
      const priv = ENTRY_POINTS_PRIVATE.has(name);
      if (k === 0) exports.push(newExport(name, { ordinal: f.ordinal, forward, data, private: priv }));
      // A second name for the same slot: an alias of the first (one ordinal per entry in a .def).
      else exports.push(newExport(name, forward ? { forward, data, private: priv } : { internalName: names[0]!.includes(".") ? null : names[0]!, data, private: priv }));
    });
  }
  def.exports = exports;
  return { def, warnings };
}
