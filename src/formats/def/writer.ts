/**
 * Canonical .def writer: one statement per line, one export per line, attributes in a fixed
 * order, names quoted only when they must be. `parseDef(writeDef(m)).def` equals `m` for every
 * valid model. Pure.
 */
import { KmdllError } from "../../errors.js";
import { KEYWORDS } from "./parser.js";
import type { DefExport, DefFile, DefSizes } from "./types.js";

/** Why a name cannot be written to a .def file, or null when it can. */
export function invalidDefName(s: string): string | null {
  if (s === "") return "empty name";
  if (s.includes('"')) return "contains a double quote (a .def file cannot express it)";
  if (s.includes("\n") || s.includes("\r")) return "contains a line break";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)) return "contains a control character";
  return null;
}

/** Quote a name when it contains a separator, is a keyword, or would read as an ordinal. */
export function quoteDefName(s: string): string {
  const bad = invalidDefName(s);
  if (bad) throw new KmdllError(`cannot write .def name ${JSON.stringify(s)}: ${bad}`);
  if (KEYWORDS.has(s) || /[=,;\s]/.test(s) || /^@([0-9]|$)/.test(s)) return `"${s}"`;
  return s;
}

function sizes(kw: string, s: DefSizes): string {
  return `${kw} ${s.reserve}${s.commit === null ? "" : "," + s.commit}`;
}

/** One EXPORTS entry in canonical form (without indentation). */
export function formatExport(e: DefExport): string {
  let out = quoteDefName(e.name);
  if (e.forward) {
    if (e.forward.module.includes(".")) throw new KmdllError(`cannot write forwarder module ${JSON.stringify(e.forward.module)}: it contains '.'`);
    out += "=" + quoteDefName(`${e.forward.module}.${e.forward.name ?? "#" + e.forward.ordinal}`);
  } else if (e.internalName !== null) {
    if (e.internalName.includes(".")) throw new KmdllError(`cannot write internal name ${JSON.stringify(e.internalName)}: a '.' makes it a forwarder`);
    out += "=" + quoteDefName(e.internalName);
  }
  if (e.ordinal !== null) out += ` @${e.ordinal}${e.noname ? " NONAME" : ""}`;
  if (e.private) out += " PRIVATE";
  if (e.data) out += " DATA";
  if (e.constant) out += " CONSTANT";
  if (e.importName !== null) out += ` ==${quoteDefName(e.importName)}`;
  if (e.exportAs !== null) out += ` EXPORTAS ${quoteDefName(e.exportAs)}`;
  return out;
}

/** Write a model as a canonical .def file. */
export function writeDef(def: DefFile): string {
  const lines: string[] = [];
  const directive = def.directive ?? (def.name !== null || def.base !== null ? "LIBRARY" : null);
  if (directive) {
    let l = directive;
    if (def.name !== null) l += " " + quoteDefName(def.name);
    // Decimal: LLVM's .def parser (lld-link, llvm-dlltool) reads only decimal numbers.
    if (def.base !== null) l += ` BASE=${def.base}`;
    lines.push(l);
  }
  if (def.heapSize) lines.push(sizes("HEAPSIZE", def.heapSize));
  if (def.stackSize) lines.push(sizes("STACKSIZE", def.stackSize));
  if (def.version) lines.push(`VERSION ${def.version.major}${def.version.minor === null ? "" : "." + def.version.minor}`);
  if (def.exports.length > 0) {
    lines.push("EXPORTS");
    for (const e of def.exports) lines.push("  " + formatExport(e));
  }
  return lines.join("\n") + "\n";
}
