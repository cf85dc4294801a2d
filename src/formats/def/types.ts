/** The module-definition (.def) model (SPEC §3.2). */

/** `=module.name` or `=module.#ordinal`: the export is forwarded to another module. */
export interface DefForwarder {
  /** Module name without extension, as the loader resolves it ("HAL", "ntoskrnl"). Contains no '.'. */
  module: string;
  /** Exported name in that module, or null for a by-ordinal forwarder. */
  name: string | null;
  /** Ordinal in that module for `module.#N`, else null. */
  ordinal: number | null;
}

export interface DefExport {
  /** The entry name: the name exported (and the import library's symbol). */
  name: string;
  /** `=internal`: the name of the function inside the module (no '.'), or null. */
  internalName: string | null;
  /** `=module.name` / `=module.#N`, or null. */
  forward: DefForwarder | null;
  /** `@ordinal` (1..65535), or null. */
  ordinal: number | null;
  /** `NONAME`: exported by ordinal only (requires an ordinal). */
  noname: boolean;
  /** `PRIVATE`: exported, but not put in the import library. */
  private: boolean;
  /** `DATA`: a variable (import library provides only `__imp_`). */
  data: boolean;
  /** `CONSTANT`: a constant (import type CONST). */
  constant: boolean;
  /** `==importname`: the name the import library binds to, or null. */
  importName: string | null;
  /** `EXPORTAS name`: the name to export under / import (name type EXPORTAS), or null. */
  exportAs: string | null;
}

export interface DefSizes {
  reserve: number;
  commit: number | null;
}

export interface DefFile {
  /** Which statement named the module: LIBRARY (a DLL), NAME (an executable), or none. */
  directive: "LIBRARY" | "NAME" | null;
  /** The module name as written (may lack an extension), or null. */
  name: string | null;
  /** `BASE=address`, or null. */
  base: number | null;
  heapSize: DefSizes | null;
  stackSize: DefSizes | null;
  version: { major: number; minor: number | null } | null;
  exports: DefExport[];
}

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

export interface DefDiagnostic extends Position {
  severity: "error" | "warning";
  message: string;
}

/** A `;` comment, kept so that `kmdll def fmt` can write it back. */
export interface DefComment extends Position {
  /** The text after ';' up to the end of the line (without a trailing CR). */
  text: string;
  /** Whether a token comes before it on the same line (a trailing comment). */
  trailing: boolean;
}

/** Where statements other than exports were written (the line of their keyword). */
export interface DefStatementLines {
  heapSize?: number;
  stackSize?: number;
  version?: number;
  exports?: number;
}

export interface DefParseResult {
  /** The model (best effort when there are errors). */
  def: DefFile;
  diagnostics: DefDiagnostic[];
  /** Where each export's name was written, parallel to `def.exports`. */
  exportPositions: Position[];
  /** Where LIBRARY/NAME was written, or null. */
  directivePosition: Position | null;
  /** Every comment, in file order. */
  comments: DefComment[];
  /** Lines of the HEAPSIZE, STACKSIZE, VERSION and (first) EXPORTS keywords. */
  statementLines: DefStatementLines;
}

export function emptyDef(): DefFile {
  return { directive: null, name: null, base: null, heapSize: null, stackSize: null, version: null, exports: [] };
}

export function newExport(name: string, fields?: Partial<DefExport>): DefExport {
  const e: DefExport = {
    name,
    internalName: null,
    forward: null,
    ordinal: null,
    noname: false,
    private: false,
    data: false,
    constant: false,
    importName: null,
    exportAs: null,
  };
  return fields ? Object.assign(e, fields) : e;
}

/** `file:line:col: error: message`, the format compilers use. */
export function formatDefDiagnostic(d: DefDiagnostic, file: string): string {
  return `${file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

/** The DLL name importers bind to: the LIBRARY/NAME name, with ".dll"/".exe" appended when it has no extension (as link, lib and llvm-dlltool do). */
export function moduleFileName(def: DefFile): string | null {
  if (def.name === null || def.name === "") return null;
  const base = def.name.replace(/^.*[\\/]/, "");
  if (/\.[^.]*$/.test(base)) return base;
  return base + (def.directive === "NAME" ? ".exe" : ".dll");
}
