/**
 * Canonical .def writer: one statement per line, one export per line, attributes in a fixed
 * order, names quoted only when they must be. `parseDef(writeDef(m)).def` equals `m` for every
 * valid model. Pure.
 */
import { KmdllError } from "../../errors.js";
import { KEYWORDS } from "./parser.js";
import type { DefComment, DefExport, DefFile, DefParseResult, DefSizes } from "./types.js";

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

/** One output line of the canonical form and the source line it came from (when known). */
interface Item {
  text: string;
  indent: string;
  line?: number | undefined;
}

function items(def: DefFile, layout?: DefParseResult): Item[] {
  const out: Item[] = [];
  const directive = def.directive ?? (def.name !== null || def.base !== null ? "LIBRARY" : null);
  if (directive) {
    let l = directive;
    if (def.name !== null) l += " " + quoteDefName(def.name);
    // Decimal: LLVM's .def parser (lld-link, llvm-dlltool) reads only decimal numbers.
    if (def.base !== null) l += ` BASE=${def.base}`;
    out.push({ text: l, indent: "", line: layout?.directivePosition?.line });
  }
  const at = layout?.statementLines;
  if (def.heapSize) out.push({ text: sizes("HEAPSIZE", def.heapSize), indent: "", line: at?.heapSize });
  if (def.stackSize) out.push({ text: sizes("STACKSIZE", def.stackSize), indent: "", line: at?.stackSize });
  if (def.version) out.push({ text: `VERSION ${def.version.major}${def.version.minor === null ? "" : "." + def.version.minor}`, indent: "", line: at?.version });
  if (def.exports.length > 0) {
    out.push({ text: "EXPORTS", indent: "", line: at?.exports });
    def.exports.forEach((e, i) => out.push({ text: formatExport(e), indent: "  ", line: layout?.exportPositions[i]?.line }));
  }
  return out;
}

/**
 * Write a model as a canonical .def file. With `layout` (the parse result the model came from),
 * its comments are kept: a comment on the line of a statement or export stays at the end of that
 * line; a comment on its own line goes before the statement or export that followed it (the file's
 * last comments stay at the end).
 */
export function writeDef(def: DefFile, layout?: DefParseResult): string {
  const list = items(def, layout);
  const before = new Map<Item | null, DefComment[]>();
  const after = new Map<Item, DefComment[]>();
  const push = <K>(m: Map<K, DefComment[]>, k: K, c: DefComment) => void (m.get(k) ?? m.set(k, []).get(k)!).push(c);
  const onLine = new Map<number, Item>(); // the last item written from each source line
  for (const it of list) if (it.line !== undefined) onLine.set(it.line, it);
  const byLine = list.filter((it) => it.line !== undefined).sort((a, b) => a.line! - b.line!);
  for (const c of layout?.comments ?? []) {
    const owner = c.trailing ? onLine.get(c.line) : undefined;
    if (owner) {
      push(after, owner, c);
      continue;
    }
    // The first item (by source line) that followed the comment: binary search.
    let lo = 0;
    let hi = byLine.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byLine[mid]!.line! > c.line) hi = mid;
      else lo = mid + 1;
    }
    push(before, byLine[lo] ?? null, c);
  }
  const lines: string[] = [];
  for (const it of list) {
    for (const c of before.get(it) ?? []) lines.push(`${it.indent};${c.text}`);
    lines.push(it.indent + it.text + (after.get(it) ?? []).map((c) => ` ;${c.text}`).join(""));
  }
  for (const c of before.get(null) ?? []) lines.push(`;${c.text}`);
  return lines.length ? lines.join("\n") + "\n" : "\n";
}
