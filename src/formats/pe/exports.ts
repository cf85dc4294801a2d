import type { DataDirectory, ExportDirectory, ExportFunction } from "./types.js";
import type { RvaReader } from "./rva.js";
import type { Warnings } from "./warnings.js";

const S = "export directory";

/** EAT slots an import can reach: 16-bit ordinals (and 16-bit name-ordinal indices). */
export const MAX_EXPORT_SLOTS = 0x10000;
/** Names read from the export name table (several names may share a slot; real images have a few thousand). */
export const MAX_EXPORT_NAMES = 0x100000;

/** One EAT slot (every ExportFunction the parser makes comes from here: one object shape). */
function exportFunction(ordinal: number, name: string | null, names: string[], rva: number | null, forwarder: string | null): ExportFunction {
  return { ordinal, name, names, rva, forwarder };
}
// Give the fields their general representations now (rva null, then a number; name and forwarder
// null, then a string): the first table read would otherwise fix `rva` as a small integer and the
// first forwarder (rva null) would change the shape, throwing away the optimized code of the
// parser and of every rule reading exports.
exportFunction(0, null, [], null, null);
exportFunction(0, "", [], 1, "");

/**
 * An empty list of names of the same kind as a list of strings (slice keeps it): a literal `[]`
 * is a list of small integers to V8, and code optimized on `names` lists of one kind was thrown
 * away at the first unnamed slot.
 */
const NO_NAMES: string[] = [""].slice(0, 0);

/** Parse the export directory: every non-empty EAT slot with its names and forwarder. */
export function parseExports(r: RvaReader, dir: DataDirectory, w: Warnings): ExportDirectory | null {
  if (dir.virtualAddress === 0) return null;
  const d = dir.virtualAddress;
  r.map.need(d, 40, S);
  const timeDateStamp = r.u32(d + 4, S);
  const nameRva = r.u32(d + 12, S);
  const ordinalBase = r.u32(d + 16, S);
  const numberOfFunctions = r.u32(d + 20, S);
  const numberOfNames = r.u32(d + 24, S);
  const eat = r.u32(d + 28, S);
  const namesRva = r.u32(d + 32, S);
  const ordsRva = r.u32(d + 36, S);

  let dllName = "";
  if (nameRva !== 0) {
    try {
      dllName = r.cstring(nameRva, "export DLL name");
    } catch (e) {
      w.fromError(e);
    }
  }

  // Clamp the table counts to what the file actually holds (a count of 2^31 must not allocate).
  let nFun = numberOfFunctions;
  if (nFun > 0) {
    const fit = Math.floor(r.available(eat) / 4);
    if (fit < nFun) {
      w.add("export address table", `NumberOfFunctions is ${numberOfFunctions} but only ${fit} entries at RVA 0x${eat.toString(16)} are in the file`);
      nFun = fit;
    }
  }
  // An import names an ordinal in 16 bits, and the ordinal table indexes the EAT with 16 bits:
  // slots past index 65535 can be reached neither way. They are not read (10^7 entries would
  // only cost memory), with a warning.
  if (nFun > MAX_EXPORT_SLOTS) {
    w.add("export address table", `NumberOfFunctions is ${numberOfFunctions}: only the first ${MAX_EXPORT_SLOTS} entries can be imported (16-bit ordinals); the rest are not read`);
    nFun = MAX_EXPORT_SLOTS;
  }
  let nNames = numberOfNames;
  if (nNames > 0) {
    const fit = Math.min(Math.floor(r.available(namesRva) / 4), Math.floor(r.available(ordsRva) / 2));
    if (fit < nNames) {
      w.add("export name table", `NumberOfNames is ${numberOfNames} but only ${fit} name/ordinal entries are in the file`);
      nNames = fit;
    }
  }

  if (nNames > MAX_EXPORT_NAMES) {
    w.add("export name table", `NumberOfNames is ${numberOfNames}: only the first ${MAX_EXPORT_NAMES} names are read`);
    nNames = MAX_EXPORT_NAMES;
  }

  const b = r.view.bytes;
  // The tables are read in place when they lie in one section (the common case; see RvaReader.table).
  const ordsAt = r.table(ordsRva, nNames * 2);
  const namesAt = ordsAt === null ? null : r.table(namesRva, nNames * 4);
  // The names of each EAT slot that is read (an array indexed by slot: a Map of thousands of
  // numeric keys cost a hash entry per name).
  const names: (string[] | undefined)[] = new Array(nFun);
  const namePointerOrder: string[] = [];
  for (let i = 0; i < nNames; i++) {
    let idx: number;
    let nameRva: number;
    if (namesAt !== null) {
      const o = ordsAt! + i * 2;
      const n = namesAt + i * 4;
      idx = b[o]! | (b[o + 1]! << 8);
      nameRva = (b[n]! | (b[n + 1]! << 8) | (b[n + 2]! << 16) | (b[n + 3]! << 24)) >>> 0;
    } else {
      idx = r.u16(ordsRva + i * 2, "export ordinal table");
      nameRva = r.u32(namesRva + i * 4, "export name pointer table");
    }
    const name = r.tryCstring(nameRva, "export name", w, `name #${i}`);
    if (name === null) continue;
    namePointerOrder.push(name);
    if (idx >= numberOfFunctions) {
      w.add("export ordinal table", `name ${name} refers to function index ${idx}, beyond NumberOfFunctions ${numberOfFunctions}`);
      continue;
    }
    if (idx >= nFun) continue; // a slot not read (past the 16-bit limit or the file): its name is in namePointerOrder only
    const list = names[idx];
    if (list) list.push(name);
    else names[idx] = [name];
  }

  const functions: ExportFunction[] = [];
  const dirEnd = d + dir.size;
  const eatAt = r.table(eat, nFun * 4);
  for (let i = 0; i < nFun; i++) {
    const e = eatAt === null ? -1 : eatAt + i * 4;
    const rva = e < 0 ? r.u32(eat + i * 4, "export address table") : (b[e]! | (b[e + 1]! << 8) | (b[e + 2]! << 16) | (b[e + 3]! << 24)) >>> 0;
    if (rva === 0) continue;
    const ns = names[i] ?? NO_NAMES.slice();
    let forwarder: string | null = null;
    if (rva >= d && rva < dirEnd) {
      try {
        forwarder = r.cstring(rva, "export forwarder string");
      } catch (e) {
        w.fromError(e, `ordinal ${ordinalBase + i}`);
        forwarder = "";
      }
    }
    functions.push(exportFunction((ordinalBase + i) >>> 0, ns[0] ?? null, ns, forwarder === null ? rva : null, forwarder));
  }
  return { dllName, ordinalBase, timeDateStamp, numberOfFunctions, numberOfNames, functions, namePointerOrder };
}
