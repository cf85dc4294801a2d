/** The import-library model: what `kmdll lib list` prints and what the kernel export database is built from. */

/** IMPORT_OBJECT_CODE / DATA / CONST. */
export type ImportType = "code" | "data" | "const";

/**
 * How the imported name is derived from the symbol (IMPORT_OBJECT_NAME_TYPE):
 * "ordinal" (0) import by ordinal; "name" (1) the symbol as is; "noprefix" (2) without one
 * leading `?`, `@` or `_`; "undecorate" (3) also cut at the first `@`; "exportas" (4) a name
 * stored after the DLL name.
 */
export type ImportNameType = "ordinal" | "name" | "noprefix" | "undecorate" | "exportas";

export const IMPORT_TYPES: readonly ImportType[] = ["code", "data", "const"];
export const IMPORT_NAME_TYPES: readonly ImportNameType[] = ["ordinal", "name", "noprefix", "undecorate", "exportas"];

/** One import a library provides. */
export interface ImportLibraryRow {
  /** The DLL file name the import binds to, as stored ("mydriver.sys", "HAL.dll"). */
  dll: string;
  /** The linker symbol without the `__imp_` prefix, decorated as stored (`_KeSetEvent@12` on x86). */
  symbol: string;
  /** The name looked up in the DLL's export table; null for an ordinal import. */
  importName: string | null;
  /** The ordinal for an ordinal import; null otherwise. */
  ordinal: number | null;
  /** The hint stored with a by-name import (0 when none). */
  hint: number;
  type: ImportType;
  nameType: ImportNameType;
  /** "x64", "x86", "arm64", "arm", "arm64ec" or "0x...." for others. */
  machine: string;
  /**
   * "short": a short import member (Microsoft format); "long": a GNU dlltool COFF import
   * object; "alias": a weak-external alias onto another import of the library.
   */
  format: "short" | "long" | "alias";
  /** Offset of the member's archive header. */
  memberOffset: number;
}

export interface ImportLibraryInfo {
  rows: ImportLibraryRow[];
  /** Archive flavour: "coff" (two linker members), "gnu", "gnu64" or "none". */
  archiveKind: "coff" | "gnu" | "gnu64" | "none";
  /** Non-fatal findings (members that are not imports, unresolvable DLL names, ...). */
  warnings: string[];
  /** Number of members that are not import members (ordinary objects, head/tail objects). */
  otherMembers: number;
}

export function importMachineName(m: number): string {
  switch (m) {
    case 0x8664: return "x64";
    case 0x14c: return "x86";
    case 0xaa64: return "arm64";
    case 0x1c4: return "arm";
    case 0xa641: return "arm64ec";
    default: return "0x" + m.toString(16).padStart(4, "0");
  }
}

export const MACHINE_NUMBERS: Record<string, number> = { x64: 0x8664, x86: 0x14c, arm64: 0xaa64 };

/** The name a DLL export table is searched for, derived from a symbol by the name type (as the linker does). */
export function applyNameType(nameType: ImportNameType, symbol: string): string {
  const trim1 = (s: string) => (s.length > 0 && "?@_".includes(s[0]!) ? s.slice(1) : s);
  switch (nameType) {
    case "noprefix":
      return trim1(symbol);
    case "undecorate": {
      const t = trim1(symbol);
      const at = t.indexOf("@");
      return at < 0 ? t : t.slice(0, at);
    }
    default:
      return symbol;
  }
}
