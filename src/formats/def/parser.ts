/**
 * Module-definition (.def) parser: the union of Microsoft's grammar and LLVM's extensions
 * (SPEC §3.2), with positioned diagnostics. Token-based like LLVM's parser (an export's
 * attributes may span lines), but keywords are only recognised unquoted. Pure.
 */
import {
  emptyDef,
  newExport,
  type DefDiagnostic,
  type DefExport,
  type DefFile,
  type DefParseResult,
  type DefComment,
  type DefSizes,
  type DefStatementLines,
  type Position,
} from "./types.js";
import { Diagnostics } from "./diagnostics.js";
import { decodeDefBytes } from "./decode.js";
import { describe, lex, IGNORED, DIRECTIVES, ATTRIBUTES, KEYWORDS, type Token } from "./lexer.js";
export { DIRECTIVES, ATTRIBUTES, KEYWORDS } from "./lexer.js";
export { decodeDefBytes } from "./decode.js";

/** The longest directive name (upper-casing never shortens a string: a longer name is no directive). */
const DIRECTIVE_MAX = Math.max(...[...DIRECTIVES].map((d) => d.length));

/** Parse a number: decimal or 0x-hex. Returns null when not a number. */
export function parseDefNumber(s: string): number | null {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) n = parseInt(s.slice(2), 16);
  else if (/^[0-9]+$/.test(s)) n = parseInt(s, 10);
  else return null;
  return Number.isSafeInteger(n) ? n : null;
}

export interface ParseDefOptions {
  /** Warn when there is no LIBRARY/NAME statement (default true). */
  requireLibrary?: boolean;
}

/** Parse a .def file (text or raw bytes). Never throws: problems become diagnostics. */
export function parseDef(input: string | Uint8Array, opts: ParseDefOptions = {}): DefParseResult {
  const diags = new Diagnostics();
  const def: DefFile = emptyDef();
  const exportPositions: Position[] = [];
  let directivePosition: Position | null = null;
  const comments: DefComment[] = [];
  const statementLines: DefStatementLines = {};
  const text = typeof input === "string" ? input : decodeDefBytes(input, diags);
  if (text === null) return { def, diagnostics: diags.list, exportPositions, directivePosition, comments, statementLines };
  if (typeof input === "string" && input.includes("\0")) {
    const at = input.indexOf("\0");
    const before = input.slice(0, at);
    const line = before.split("\n").length;
    diags.error({ line, col: at - before.lastIndexOf("\n") }, "NUL character: this is not a text .def file");
    return { def, diagnostics: diags.list, exportPositions, directivePosition, comments, statementLines };
  }

  const toks = lex(text, diags, comments);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p < toks.length - 1 ? p++ : p]!;
  const isWord = (t: Token, w?: string) => t.kind === "word" && (w === undefined || t.text === w);
  const isDirective = (t: Token) => t.kind === "word" && DIRECTIVES.has(t.text);
  const isName = (t: Token) => t.kind === "string" || (t.kind === "word" && !KEYWORDS.has(t.text));
  let sawOther = false; // any statement other than LIBRARY/NAME seen
  const exportByName = new Map<string, Position>();
  const exportByOrdinal = new Map<number, { name: string; at: Position }>();

  /** Skip to the next directive keyword (error recovery). */
  const recover = () => {
    while (peek().kind !== "eof" && !isDirective(peek())) next();
  };
  const numberToken = (what: string, max: number): number | null => {
    const t = next();
    if (t.kind !== "word") {
      diags.error(t, `expected ${what}, found ${describe(t)}`);
      return null;
    }
    const n = parseDefNumber(t.text);
    if (n === null) {
      diags.error(t, `${what} must be a decimal or 0x-hex number, found '${t.text}'`);
      return null;
    }
    if (n > max) {
      diags.error(t, `${what} ${t.text} is too large (maximum ${max})`);
      return null;
    }
    return n;
  };
  const sizes = (kw: string): DefSizes | null => {
    const reserve = numberToken(`${kw} reserve size`, Number.MAX_SAFE_INTEGER);
    if (reserve === null) return null;
    let commit: number | null = null;
    if (peek().kind === "comma") {
      next();
      commit = numberToken(`${kw} commit size`, Number.MAX_SAFE_INTEGER);
      if (commit === null) return null;
    }
    if (commit !== null && commit > reserve) diags.warning(toks[p - 1]!, `${kw} commit size ${commit} exceeds the reserve size ${reserve}`);
    return { reserve, commit };
  };

  const parseExport = (first: Token): void => {
    const e: DefExport = newExport(first.text);
    if (first.text === "") diags.error(first, "empty export name");
    let lastTok = first;
    // =internal | =module.name | =module.#ordinal
    if (peek().kind === "eq") {
      const eq = next();
      const t = next();
      lastTok = t;
      if (!isName(t) || t.text === "") {
        diags.error(t.kind === "eof" ? eq : t, `expected an internal name or module.name after '=', found ${describe(t)}`);
      } else {
        const dot = t.text.indexOf(".");
        if (dot < 0) e.internalName = t.text;
        else {
          const module = t.text.slice(0, dot);
          const rest = t.text.slice(dot + 1);
          if (module === "" || rest === "") diags.error(t, `forwarder '${t.text}' must be module.name or module.#ordinal`);
          else if (rest.startsWith("#")) {
            const n = parseDefNumber(rest.slice(1));
            if (n === null || n < 1 || n > 65535) diags.error(t, `forwarder ordinal '${rest}' must be #1..#65535`);
            else e.forward = { module, name: null, ordinal: n };
          } else e.forward = { module, name: rest, ordinal: null };
        }
      }
    }
    const flag = (t: Token, key: "private" | "data" | "constant") => {
      if (e[key]) diags.warning(t, `${t.text} repeated`);
      e[key] = true;
    };
    for (;;) {
      const t = peek();
      if (t.kind === "word" && t.text.startsWith("@")) {
        let numTok: Token = t;
        let digits = t.text.slice(1);
        if (digits === "") {
          next();
          numTok = next();
          if (numTok.kind !== "word") {
            diags.error(numTok, `expected an ordinal after '@', found ${describe(numTok)}`);
            break;
          }
          digits = numTok.text;
        } else if (!/^[0-9]/.test(digits)) {
          break; // "@name": the next export (fastcall-decorated)
        } else {
          next();
        }
        lastTok = numTok;
        const n = parseDefNumber(digits);
        if (n === null) diags.error(numTok, `bad ordinal '${digits}' (expected a decimal or 0x-hex number)`);
        else if (n < 1 || n > 65535) diags.error(numTok, `ordinal ${digits} is out of range (1..65535)`);
        else {
          if (e.ordinal !== null) diags.error(numTok, `export '${e.name}' has more than one ordinal`);
          e.ordinal = n;
          const prev = exportByOrdinal.get(n);
          if (prev) diags.error(numTok, `duplicate ordinal @${n}: already used by '${prev.name}' at ${prev.at.line}:${prev.at.col}`);
          else exportByOrdinal.set(n, { name: e.name, at: numTok });
        }
        if (isWord(peek(), "NONAME")) {
          lastTok = next();
          e.noname = true;
        }
        continue;
      }
      if (isWord(t, "NONAME")) {
        next();
        lastTok = t;
        diags.error(t, "NONAME must follow @ordinal");
        continue;
      }
      if (isWord(t, "PRIVATE")) { lastTok = next(); flag(t, "private"); continue; }
      if (isWord(t, "DATA")) { lastTok = next(); flag(t, "data"); continue; }
      if (isWord(t, "CONSTANT")) { lastTok = next(); flag(t, "constant"); continue; }
      if (t.kind === "eqeq" || isWord(t, "EXPORTAS")) {
        next();
        const v = next();
        lastTok = v;
        const what = t.kind === "eqeq" ? "'=='" : "EXPORTAS";
        if (!isName(v) || v.text === "") {
          diags.error(v.kind === "eof" ? t : v, `expected a name after ${what}, found ${describe(v)}`);
          continue;
        }
        if (t.kind === "eqeq") {
          if (e.importName !== null) diags.warning(t, "'==' repeated");
          e.importName = v.text;
        } else {
          if (e.exportAs !== null) diags.warning(t, "EXPORTAS repeated");
          e.exportAs = v.text;
        }
        continue;
      }
      if (t.kind === "eq") {
        next();
        diags.error(t, `unexpected '=' (the '=internal' part must directly follow the export name)`);
        continue;
      }
      if (t.kind === "comma") {
        next();
        diags.error(t, "unexpected ','");
        continue;
      }
      if (t.kind === "word" && t.text !== "" && !KEYWORDS.has(t.text) && t.line === lastTok.line && /^[A-Z]+$/.test(t.text)) {
        diags.warning(t, `'${t.text}' starts a new export on the same line as '${e.name}'; a misspelt keyword? (PRIVATE, DATA, CONSTANT, NONAME, EXPORTAS)`);
      }
      break;
    }
    if (e.data && e.constant) diags.error(first, `export '${e.name}' is both DATA and CONSTANT`);
    if (e.noname && e.ordinal === null) diags.error(first, `export '${e.name}' is NONAME without an ordinal`);
    const dup = exportByName.get(e.name);
    if (dup) diags.error(first, `duplicate export '${e.name}' (first defined at ${dup.line}:${dup.col})`);
    else exportByName.set(e.name, first);
    // Names longer than every directive need no upper-case copy.
    const upper = first.kind === "word" && e.name.length <= DIRECTIVE_MAX ? e.name.toUpperCase() : null;
    if (upper !== null && e.name !== upper && DIRECTIVES.has(upper)) {
      diags.warning(first, `export '${e.name}' looks like the directive ${upper} (keywords are upper case; quote the name to silence this)`);
    }
    if ((e.name === "DllInitialize" || e.name === "DllUnload") && !e.private) {
      diags.warning(first, `${e.name} should be PRIVATE: importers must not link to an export driver's ${e.name === "DllInitialize" ? "initialization" : "unload"} routine`);
    }
    def.exports.push(e);
    exportPositions.push({ line: first.line, col: first.col });
  };

  while (peek().kind !== "eof" && !diags.full) {
    const t = next();
    if (t.kind !== "word" || !DIRECTIVES.has(t.text)) {
      if (t.kind === "word" && DIRECTIVES.has(t.text.toUpperCase())) {
        diags.error(t, `unknown directive '${t.text}' (keywords are upper case: ${t.text.toUpperCase()})`);
      } else if (t.kind === "word" && ATTRIBUTES.has(t.text)) {
        diags.error(t, `${t.text} outside an EXPORTS entry`);
      } else {
        diags.error(t, t.kind === "word" ? `unknown directive '${t.text}'` : `expected a directive (LIBRARY, EXPORTS, ...), found ${describe(t)}`);
      }
      recover();
      continue;
    }
    switch (t.text) {
      case "LIBRARY":
      case "NAME": {
        if (def.directive !== null) {
          diags.error(t, `second ${t.text} statement (${def.directive} already given at ${directivePosition!.line}:${directivePosition!.col})`);
          recover();
          break;
        }
        if (sawOther) diags.error(t, `${t.text} must come before all other statements`);
        def.directive = t.text;
        directivePosition = { line: t.line, col: t.col };
        if (isName(peek()) && peek().line === t.line) {
          const n = next();
          if (n.text === "") diags.error(n, `empty ${t.text} name`);
          def.name = n.text;
        }
        if (isWord(peek(), "BASE")) {
          const b = next();
          if (peek().kind !== "eq") {
            diags.error(peek(), `expected '=' after BASE, found ${describe(peek())}`);
            recover();
            break;
          }
          next();
          def.base = numberToken("BASE address", Number.MAX_SAFE_INTEGER);
          if (def.base === null) recover();
          void b;
        }
        break;
      }
      case "EXPORTS":
        statementLines.exports ??= t.line;
        sawOther = true;
        while (isName(peek()) || (peek().kind === "word" && ATTRIBUTES.has(peek().text)) || peek().kind === "eq" || peek().kind === "eqeq" || peek().kind === "comma") {
          const n = next();
          if (!isName(n)) {
            diags.error(n, n.kind === "word" ? `expected an export name, found keyword ${n.text} (quote it to use it as a name)` : `expected an export name, found ${describe(n)}`);
            continue;
          }
          parseExport(n);
          if (diags.full) break;
        }
        break;
      case "HEAPSIZE":
      case "STACKSIZE": {
        sawOther = true;
        const s = sizes(t.text);
        if (s === null) recover();
        else if (t.text === "HEAPSIZE") {
          def.heapSize = s;
          statementLines.heapSize = t.line;
        } else {
          def.stackSize = s;
          statementLines.stackSize = t.line;
        }
        break;
      }
      case "VERSION": {
        sawOther = true;
        const v = next();
        const m = v.kind === "word" ? /^([0-9]+)(?:\.([0-9]+))?$/.exec(v.text) : null;
        if (!m) {
          diags.error(v, `VERSION must be major[.minor] (decimal), found ${describe(v)}`);
          recover();
          break;
        }
        const major = Number(m[1]);
        const minor = m[2] === undefined ? null : Number(m[2]);
        if (major > 65535 || (minor !== null && minor > 65535)) {
          diags.error(v, `VERSION ${v.text}: parts must be at most 65535`);
          break;
        }
        def.version = { major, minor };
        statementLines.version = t.line;
        break;
      }
      default: {
        // SECTIONS, SEGMENTS, DESCRIPTION, STUB: parsed and ignored.
        sawOther = true;
        if (IGNORED.has(t.text)) {
          diags.warning(t, `${t.text} is ignored (it has no effect on kernel-mode images or import libraries)`);
          if (t.text === "DESCRIPTION" || t.text === "STUB") {
            if (peek().kind === "string" || (peek().kind === "word" && !DIRECTIVES.has(peek().text))) next();
            else diags.error(peek(), `expected a ${t.text === "STUB" ? "file name" : "quoted description"} after ${t.text}, found ${describe(peek())}`);
          } else {
            recover();
          }
        }
      }
    }
  }

  if (def.directive === null && opts.requireLibrary !== false) {
    diags.warning({ line: 1, col: 1 }, "no LIBRARY statement: an import library needs the DLL name (add 'LIBRARY name.sys' or pass --dll)");
  } else if (def.directive === "LIBRARY" && def.name !== null && def.name !== "" && !/\.[^.\\/]*$/.test(def.name)) {
    diags.warning(directivePosition!, `LIBRARY '${def.name}' has no extension: importers will import '${def.name}.dll' and the kernel will look for that file; an export driver needs 'LIBRARY ${def.name}.sys'`);
  } else if (def.directive === "LIBRARY" && def.name === null) {
    diags.warning(directivePosition!, "LIBRARY without a name: an import library needs the DLL name (or pass --dll)");
  }
  const diagnostics = diags.list.map((d, k) => ({ d, k })).sort((a, b) => a.d.line - b.d.line || a.d.col - b.d.col || a.k - b.k).map((x) => x.d);
  return { def, diagnostics, exportPositions, directivePosition, comments, statementLines };
}

/** Whether any diagnostic is an error. */
export function hasErrors(r: { diagnostics: DefDiagnostic[] }): boolean {
  return r.diagnostics.some((d) => d.severity === "error");
}
