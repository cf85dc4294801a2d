/**
 * Import library reader: the Microsoft short-import format (lib /DEF, llvm-dlltool, lld-link
 * /implib, kmdll implib) and the long-format COFF import objects GNU dlltool writes (Debian's
 * mingw-w64 `lib*.a`). Yields one row per import. Pure.
 *
 * GNU long format, per DLL: a head object defining `_head_<lib>` in `.idata$2` (import
 * descriptor, relocation at +12 to `<lib>_iname`), a tail object defining `<lib>_iname` in
 * `.idata$7` (the DLL name), and per export an object with `.idata$7` (relocation to the head
 * symbol), `.idata$5` (IAT slot, defines `__imp_X`), `.idata$4` (ILT slot: relocation to the
 * hint/name in `.idata$6`, or the ordinal with the high bit set), and for code a `.text` jump
 * thunk defining `X`.
 */
import { FormatError } from "../../errors.js";
import { byteString, displayName, quoteBytes } from "./text.js";
import { readArchive, type Archive, type ArchiveMember } from "./archive.js";
import {
  readCoffObject,
  looksLikeCoffObject,
  IMAGE_SCN_CNT_CODE,
  IMAGE_SYM_CLASS_EXTERNAL,
  IMAGE_SYM_CLASS_WEAK_EXTERNAL,
  type CoffObject,
  type CoffSymbol,
} from "./coff.js";
import { hasImportSignature, readShortImport } from "./short-import.js";
import { applyNameType, importMachineName, type ImportLibraryInfo, type ImportLibraryRow, type ImportNameType } from "./types.js";

const IMP = "__imp_";

interface ParsedObject {
  member: ArchiveMember;
  index: number;
  coff: CoffObject;
}

interface Definition {
  obj: ParsedObject;
  symbol: CoffSymbol;
}

function is64(machine: number): boolean {
  return machine === 0x8664 || machine === 0xaa64 || machine === 0xa641 || machine === 0xa64e;
}

function isDefinedExternal(s: CoffSymbol | undefined): s is CoffSymbol {
  return !!s && s.storageClass === IMAGE_SYM_CLASS_EXTERNAL && s.section > 0;
}

/** Symbols a COFF member defines for the archive symbol table (externals in a section, commons, weak externals). */
function definedNames(coff: CoffObject): Set<string> {
  const out = new Set<string>();
  for (const s of coff.symbols) {
    if (!s) continue;
    if (s.storageClass === IMAGE_SYM_CLASS_EXTERNAL && (s.section > 0 || s.section === -1 || (s.section === 0 && s.value > 0))) out.add(s.name);
    if (s.storageClass === IMAGE_SYM_CLASS_WEAK_EXTERNAL) out.add(s.name);
  }
  return out;
}

/** Infer the name type a short import would use for (symbol → importName). */
function inferNameType(symbol: string, importName: string): ImportNameType {
  if (importName === symbol) return "name";
  if (applyNameType("noprefix", symbol) === importName) return "noprefix";
  if (applyNameType("undecorate", symbol) === importName) return "undecorate";
  return "exportas";
}

/** Read every import of an import library. Throws FormatError for malformed archives. */
export function readImportLibrary(bytes: Uint8Array): ImportLibraryRow[] {
  return analyzeImportLibrary(bytes).rows;
}

export function analyzeImportLibrary(bytes: Uint8Array): ImportLibraryInfo {
  const archive: Archive = readArchive(bytes);
  const rows: ImportLibraryRow[] = [];
  const warnings: string[] = [];
  const objects: ParsedObject[] = [];
  const memberDefines: (Set<string> | null)[] = new Array(archive.members.length).fill(null);
  const globalDefs = new Map<string, Definition>();
  let otherMembers = 0;

  archive.members.forEach((m, index) => {
    const where = (e: unknown) => {
      if (e instanceof FormatError) {
        const off = e.offset === undefined ? m.dataOffset : m.dataOffset + e.offset;
        return new FormatError(`archive member "${m.name}" (header at 0x${m.headerOffset.toString(16)}): ${e.structure}`, e.detail, off);
      }
      return e;
    };
    if (hasImportSignature(m.data)) {
      const version = m.data.length >= 6 ? m.data[4]! | (m.data[5]! << 8) : 0;
      if (version !== 0) {
        otherMembers++;
        warnings.push(`member "${m.name}" at 0x${m.headerOffset.toString(16)} is an anonymous/bigobj object (version ${version}); skipped`);
        return;
      }
      let imp;
      try {
        imp = readShortImport(m.data);
      } catch (e) {
        throw where(e);
      }
      const names = new Set<string>([IMP + imp.symbol]);
      if (imp.type !== "data") names.add(imp.symbol);
      memberDefines[index] = names;
      const importName = imp.nameType === "ordinal" ? null : imp.nameType === "exportas" ? imp.exportAs : applyNameType(imp.nameType, imp.symbol);
      rows.push({
        dll: displayName(imp.dll),
        symbol: displayName(imp.symbol),
        importName: importName === null ? null : displayName(importName),
        ordinal: imp.nameType === "ordinal" ? imp.ordinalHint : null,
        hint: imp.nameType === "ordinal" ? 0 : imp.ordinalHint,
        type: imp.type,
        nameType: imp.nameType,
        machine: importMachineName(imp.machine),
        format: "short",
        memberOffset: m.headerOffset,
      });
      return;
    }
    if (!looksLikeCoffObject(m.data)) {
      otherMembers++;
      warnings.push(`member "${m.name}" at 0x${m.headerOffset.toString(16)} is neither a short import nor a COFF object; skipped`);
      return;
    }
    let coff: CoffObject;
    try {
      coff = readCoffObject(m.data);
    } catch (e) {
      throw where(e);
    }
    const obj: ParsedObject = { member: m, index, coff };
    objects.push(obj);
    memberDefines[index] = definedNames(coff);
    for (const s of coff.symbols) {
      if (isDefinedExternal(s) && !globalDefs.has(s.name)) globalDefs.set(s.name, { obj, symbol: s });
    }
  });

  // The archive symbol table must not lie about which member defines what.
  if (archive.symbols) {
    for (const s of archive.symbols) {
      const defs = memberDefines[s.member];
      if (defs && !defs.has(s.name)) {
        const m = archive.members[s.member]!;
        throw new FormatError("archive symbol table", `lists ${quoteBytes(s.name)} in member "${m.name}" at 0x${m.headerOffset.toString(16)}, which does not define it`);
      }
    }
  }

  const dllCache = new Map<string, string | null>();
  const sectionOf = (coff: CoffObject, n: number) => coff.sections[n - 1];

  /** The bytes of the section a symbol lives in and the offset of the symbol inside them. */
  const locate = (obj: ParsedObject, sym: CoffSymbol): { obj: ParsedObject; data: Uint8Array; at: number; section: number } | null => {
    if (sym.section > 0) {
      const sec = sectionOf(obj.coff, sym.section);
      if (!sec) return null;
      return { obj, data: sec.data, at: sym.value, section: sym.section };
    }
    if (sym.section === 0 && sym.storageClass === IMAGE_SYM_CLASS_EXTERNAL) {
      const d = globalDefs.get(sym.name);
      if (!d) return null;
      return locate(d.obj, d.symbol);
    }
    return null;
  };
  const cstringAt = (data: Uint8Array, at: number): string | null => {
    if (at < 0 || at >= data.length) return null;
    const z = data.indexOf(0, at);
    return byteString(data, at, z < 0 ? data.length : z);
  };
  /** The symbol a relocation at `offset` in the given section targets. */
  const relocTarget = (obj: ParsedObject, section: number, offset: number): CoffSymbol | null => {
    const sec = sectionOf(obj.coff, section);
    const r = sec?.relocations.find((x) => x.virtualAddress === offset);
    return r ? (obj.coff.symbols[r.symbolIndex] ?? null) : null;
  };
  const dllOfHead = (head: string): string | null => {
    if (dllCache.has(head)) return dllCache.get(head)!;
    let dll: string | null = null;
    const d = globalDefs.get(head);
    if (d) {
      const loc = locate(d.obj, d.symbol);
      if (loc) {
        const target = relocTarget(loc.obj, loc.section, loc.at + 12);
        const nameLoc = target ? locate(loc.obj, target) : null;
        if (nameLoc) dll = cstringAt(nameLoc.data, nameLoc.at);
      }
    }
    dllCache.set(head, dll);
    return dll;
  };

  const aliases: { obj: ParsedObject; weak: CoffSymbol; target: string }[] = [];
  for (const obj of objects) {
    const { coff, member } = obj;
    const imps = coff.symbols.filter((s): s is CoffSymbol => isDefinedExternal(s) && s.name.startsWith(IMP) && sectionOf(coff, s.section)?.name === ".idata$5");
    for (const s of coff.symbols) {
      if (s && s.storageClass === IMAGE_SYM_CLASS_WEAK_EXTERNAL && s.aux.length >= 4) {
        const tagIndex = s.aux[0]! | (s.aux[1]! << 8) | (s.aux[2]! << 16) | (s.aux[3]! << 24);
        const t = coff.symbols[tagIndex];
        if (t && s.name.startsWith(IMP)) aliases.push({ obj, weak: s, target: t.name });
      }
    }
    if (imps.length === 0) {
      otherMembers++;
      continue;
    }
    const wordSize = is64(coff.machine) ? 8 : 4;
    // DLL name via the .idata$7 relocation to the head object's symbol.
    let dll: string | null = null;
    const i7 = coff.sections.find((x) => x.name === ".idata$7");
    const headSym = i7 && i7.relocations.length > 0 ? coff.symbols[i7.relocations[0]!.symbolIndex] : undefined;
    if (headSym) dll = dllOfHead(headSym.name);
    if (dll === null) warnings.push(`member "${member.name}" at 0x${member.headerOffset.toString(16)}: cannot resolve the DLL name (head symbol ${headSym ? JSON.stringify(headSym.name) : "missing"})`);
    // Import name or ordinal from the ILT slot (.idata$4), else the IAT slot.
    const slotSec = coff.sections.find((x) => x.name === ".idata$4") ?? coff.sections.find((x) => x.name === ".idata$5")!;
    let importName: string | null = null;
    let ordinal: number | null = null;
    let hint = 0;
    const nameSym = relocTarget(obj, slotSec.number, 0);
    if (nameSym) {
      const loc = locate(obj, nameSym);
      if (loc && loc.at + 2 <= loc.data.length) {
        hint = loc.data[loc.at]! | (loc.data[loc.at + 1]! << 8);
        importName = cstringAt(loc.data, loc.at + 2);
      }
    } else if (slotSec.data.length >= wordSize) {
      const hi = slotSec.data[wordSize - 1]! & 0x80;
      if (hi) ordinal = slotSec.data[0]! | (slotSec.data[1]! << 8);
    }
    if (importName === null && ordinal === null) {
      warnings.push(`member "${member.name}" at 0x${member.headerOffset.toString(16)}: import slot holds neither a name nor an ordinal`);
    }
    const thunk = coff.symbols.some((s) => isDefinedExternal(s) && !s.name.startsWith(IMP) && !s.name.startsWith("_imp_") && ((sectionOf(coff, s.section)?.characteristics ?? 0) & IMAGE_SCN_CNT_CODE) !== 0);
    const otherDef = coff.symbols.some((s) => isDefinedExternal(s) && !s.name.startsWith(IMP) && !s.name.startsWith("_imp_") && sectionOf(coff, s.section)?.name === ".idata$5");
    for (const s of imps) {
      const symbol = s.name.slice(IMP.length);
      rows.push({
        dll: displayName(dll ?? ""),
        symbol: displayName(symbol),
        importName: importName === null ? null : displayName(importName),
        ordinal,
        hint,
        type: thunk ? "code" : otherDef ? "const" : "data",
        nameType: importName === null ? "ordinal" : inferNameType(symbol, importName),
        machine: importMachineName(coff.machine),
        format: "long",
        memberOffset: member.headerOffset,
      });
    }
  }

  // Weak-external aliases (`==` in llvm-dlltool): __imp_A → __imp_B where B is imported here.
  if (aliases.length) {
    const bySymbol = new Map(rows.map((r) => [r.symbol, r] as const));
    for (const a of aliases) {
      const target = bySymbol.get(displayName(a.target.startsWith(IMP) ? a.target.slice(IMP.length) : a.target));
      if (!target) {
        warnings.push(`member "${a.obj.member.name}" at 0x${a.obj.member.headerOffset.toString(16)}: alias ${a.weak.name} → ${a.target}, which this library does not import`);
        continue;
      }
      rows.push({ ...target, symbol: displayName(a.weak.name.slice(IMP.length)), format: "alias", memberOffset: a.obj.member.headerOffset });
    }
  }
  return { rows, archiveKind: archive.kind, warnings, otherMembers };
}
