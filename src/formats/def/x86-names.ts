/**
 * x86 name binding of `.def` exports, as Microsoft's linker does it. Pure.
 *
 * On x86 the C compiler decorates names by calling convention (Microsoft, "Decorated names" and
 * "Argument passing and naming conventions"): cdecl `_F`, stdcall `_F@N`, fastcall `@F@N`
 * (N = bytes of arguments). A `.def` names routines undecorated (`C_Mul`, `DllInitialize`), and
 * link.exe binds such a name to `_C_Mul`, else to the stdcall `_C_Mul@8` or fastcall `@C_Mul@8`
 * the objects define; the export keeps the `.def` name (`C_Mul`), and the import library gets the
 * decorated symbol an importer's compiler references (`__imp__C_Mul@8`) with the import name type
 * UNDECORATE, so the importer's import table names `C_Mul`.
 *
 * These functions take the names the objects define (and the names `.drectve` sections export)
 * and return: the binding of each export, a `.def` lld-link reads the same way, and the `.def` the
 * import-library writer needs for the importers' decorated symbols.
 */
import type { DefExport, DefFile } from "./types.js";

export type X86Convention = "cdecl" | "stdcall" | "fastcall" | "decorated";

export interface X86Binding {
  /** Index into `def.exports`. */
  index: number;
  /** The `.def` entry name (the exported name). */
  export: string;
  /** The symbol the objects define that it binds to. */
  symbol: string;
  convention: X86Convention;
  /** Bytes of stack arguments (stdcall/fastcall `@N`), else null. */
  argBytes: number | null;
}

export interface X86BindResult {
  bindings: X86Binding[];
  /** Entries (not forwarders) whose name matched no defined symbol: the linker will report them. */
  unbound: string[];
}

const STDCALL = /^_(.+)@(\d+)$/;
const FASTCALL = /^@(.+)@(\d+)$/;

/** What a decorated symbol says: its undecorated name, convention and argument bytes. */
export function parseX86Symbol(symbol: string): { name: string; convention: X86Convention; argBytes: number | null } {
  let m = FASTCALL.exec(symbol);
  if (m) return { name: m[1]!, convention: "fastcall", argBytes: Number(m[2]) };
  m = STDCALL.exec(symbol);
  if (m) return { name: m[1]!, convention: "stdcall", argBytes: Number(m[2]) };
  if (symbol.startsWith("?")) return { name: symbol, convention: "decorated", argBytes: null };
  if (symbol.startsWith("_")) return { name: symbol.slice(1), convention: "cdecl", argBytes: null };
  return { name: symbol, convention: "decorated", argBytes: null };
}

/**
 * Bind each non-forwarder export of def to a defined symbol, the way link.exe looks a `.def`
 * name up on x86: a name that is already decorated (`?F@@...`, `@F@N`, or `F@N`, which gets the
 * leading `_`) is taken as written; an undecorated `F` is `_F` (cdecl), else the one `_F@N`
 * (stdcall), else the one `@F@N` (fastcall), else `F` itself (an assembler symbol).
 */
export function bindX86Exports(def: DefFile, defined: Iterable<string>): X86BindResult {
  const set = new Set(defined);
  // Undecorated name → decorated stdcall/fastcall symbols, in a stable order.
  const byName = new Map<string, string[]>();
  for (const s of [...set].sort()) {
    const p = parseX86Symbol(s);
    if (p.convention !== "stdcall" && p.convention !== "fastcall") continue;
    const list = byName.get(p.name) ?? [];
    list.push(s);
    byName.set(p.name, list);
  }
  const bindings: X86Binding[] = [];
  const unbound: string[] = [];
  def.exports.forEach((e, index) => {
    if (e.forward) return;
    const internal = e.internalName ?? e.name;
    const candidates: string[] = [];
    if (internal.startsWith("?") || internal.startsWith("@")) candidates.push(internal);
    else if (internal.includes("@")) candidates.push("_" + internal, internal);
    else {
      candidates.push("_" + internal);
      const decorated = byName.get(internal) ?? [];
      // stdcall before fastcall (sorted: "@" < "_", so order explicitly).
      candidates.push(...decorated.filter((s) => s.startsWith("_")), ...decorated.filter((s) => s.startsWith("@")), internal);
    }
    const symbol = candidates.find((c) => set.has(c));
    if (symbol === undefined) {
      unbound.push(e.name);
      return;
    }
    const p = parseX86Symbol(symbol);
    bindings.push({ index, export: e.name, symbol, convention: p.convention, argBytes: p.argBytes });
  });
  return { bindings, unbound };
}

/**
 * Bind forwarders (`ShimDouble = chainc.ChainC`) to the convention of the routine they forward
 * to, where an import library on the link line says it: `imports` maps "module!exportname"
 * (module without extension, lower case) to the importer's symbol (`_ChainC@4`). An x86
 * importer of the forwarder calls it as it calls the target (a forwarder is the same routine),
 * so its import library needs `_ShimDouble@4`; without one the name stays cdecl-style (`_ShimDouble`).
 */
export function bindX86Forwarders(def: DefFile, imports: ReadonlyMap<string, string>): X86Binding[] {
  const out: X86Binding[] = [];
  def.exports.forEach((e, index) => {
    const f = e.forward;
    if (!f || f.name === null) return;
    const symbol = imports.get(`${f.module.replace(/\.[^.]*$/, "").toLowerCase()}!${f.name}`);
    if (symbol === undefined) return;
    const p = parseX86Symbol(symbol);
    if (p.convention !== "stdcall" && p.convention !== "fastcall") return;
    out.push({ index, export: e.name, symbol, convention: p.convention, argBytes: p.argBytes });
  });
  return out;
}

/** An lld-link `/export:` argument for a forwarder (lld-link 14 mangles `.def` forwarders on x86). */
export function forwarderExportArg(e: DefExport): string {
  const f = e.forward!;
  let arg = `/export:${e.name}=${f.module}.${f.name ?? "#" + f.ordinal}`;
  if (e.ordinal !== null) arg += `,@${e.ordinal}${e.noname ? ",NONAME" : ""}`;
  if (e.private) arg += ",PRIVATE";
  if (e.data) arg += ",DATA";
  return arg;
}

/**
 * The `.def` to give lld-link on x86 and the `/export:` arguments to add, so that it links what
 * link.exe links:
 * - an export bound to a symbol lld-link would not find from the `.def` name (it treats any name
 *   containing `@` as decorated and adds no `_`) gets that symbol as its internal name;
 * - forwarders leave the `.def` and become `/export:NAME=MODULE.ROUTINE` arguments, because
 *   lld-link 14 writes a `.def` forwarder on x86 with a leading underscore (`_HAL.KfRaiseIrql`),
 *   a forwarder the kernel cannot resolve. The command-line form is written as given.
 */
export function x86LinkerDef(def: DefFile, bound: X86Binding[]): { def: DefFile; exportArgs: string[] } {
  const byIndex = new Map(bound.map((b) => [b.index, b]));
  const exports: DefExport[] = [];
  const exportArgs: string[] = [];
  def.exports.forEach((e, i) => {
    if (e.forward) {
      exportArgs.push(forwarderExportArg(e));
      return;
    }
    const b = byIndex.get(i);
    if (b && (b.symbol.includes("@") || b.symbol.startsWith("?")) && b.symbol !== e.internalName) exports.push({ ...e, internalName: b.symbol });
    else exports.push(e);
  });
  return { def: { ...def, exports }, exportArgs };
}

/**
 * The `.def` the import-library writer needs on x86: an export bound to a stdcall or fastcall
 * routine is imported under the symbol an importer's compiler references (`_NAME@N` /
 * `@NAME@N`, NAME being the exported name) with the exported name as import name, so
 * `DECLSPEC_IMPORT` callers link (`__imp__C_Mul@8`) and bind to the undecorated export (`C_Mul`).
 * Entries with their own `==importname` or `EXPORTAS` are left as written.
 */
export function x86ImportDef(def: DefFile, bound: X86Binding[]): DefFile {
  const byIndex = new Map(bound.map((b) => [b.index, b]));
  return {
    ...def,
    exports: def.exports.map((e, i) => {
      const b = byIndex.get(i);
      if (!b || e.private || e.importName !== null || e.exportAs !== null || e.data || e.constant) return e;
      if (b.convention === "stdcall") return { ...e, name: `${e.name}@${b.argBytes}`, importName: e.name };
      if (b.convention === "fastcall") return { ...e, name: `@${e.name}@${b.argBytes}`, importName: e.name };
      return e;
    }),
  };
}

/**
 * `.drectve` exports of GNU-target objects (`-export:"C_Mul@8"`) name the symbol without the
 * x86 `_`, which lld-link reads only in MinGW mode: `<root>: undefined symbol: C_Mul@8`.
 * Returns `/alternatename:C_Mul@8=_C_Mul@8` for each such name whose `_` form is defined.
 */
export function x86DirectiveAliases(directiveExports: Iterable<string>, defined: Iterable<string>): string[] {
  const set = new Set(defined);
  const out = new Set<string>();
  for (const name of directiveExports) {
    if (set.has(name) || name.startsWith("_") || name.startsWith("?") || name.startsWith("@")) continue;
    if (set.has("_" + name)) out.add(`/alternatename:${name}=_${name}`);
  }
  return [...out].sort();
}

/** The export names in a `.drectve` text (`/EXPORT:x`, `-export:"x",data`). */
export function directiveExportNames(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\s)[-/]export:("([^"]*)"|[^\s,]+)/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const raw = m[2] ?? m[1]!;
    // `/EXPORT:name=internal` exports name bound to internal: the symbol is internal.
    const eq = raw.indexOf("=");
    out.push(eq >= 0 ? raw.slice(eq + 1) : raw);
  }
  return out;
}
