/**
 * A one-pass scanner for the plain form most .def files have — `LIBRARY name.ext` (or quoted), `EXPORTS`, one
 * export per line: `Name[=internal|=module.name] [@ordinal [NONAME]] [PRIVATE] [DATA|CONSTANT]`,
 * comments — into columns (no token or export objects), for `kmdll implib`'s fast path.
 *
 * It accepts a file only when the full parser (parser.ts) reads the same exports from it with no
 * diagnostic at all; anything else — quotes, commas, `==`, EXPORTAS, other statements, non-ASCII
 * or control characters, a name that looks like a directive, a repeated attribute, a duplicate
 * ordinal, DllInitialize/DllUnload not PRIVATE, two exports on one line, LIBRARY without an
 * extension — makes it return null, and the caller parses the file with `parseDef`, which
 * reports the diagnostics. Duplicate names are the one thing left to the caller (it sorts the
 * names anyway). test/implib-plain.test.ts checks the two agree. Pure.
 */
import { DIRECTIVES, KEYWORDS } from "./lexer.js";

/** What the scanner read: the LIBRARY name and, per export, its name, ordinal and attributes. */
export interface PlainDef {
  /** The LIBRARY name as written (it has an extension). */
  library: string;
  names: string[];
  /** The export's ordinal, 0 when it has none. */
  ordinals: Uint16Array;
  /** PLAIN_* bits. */
  flags: Uint8Array;
}

export const PLAIN_NONAME = 1;
export const PLAIN_PRIVATE = 2;
export const PLAIN_DATA = 4;
export const PLAIN_CONSTANT = 8;

/** Characters the plain form never has, even in comments: outside printable ASCII, tab, CR and LF. */
const NOT_PLAIN = /[^\t\n\r\x20-\x7e]/;
/** 1 for the characters that end a token: whitespace (after NOT_PLAIN: tab, CR, LF, space and controls), =, ;, comma, quote. One load per character, not five comparisons (the scan runs cold, interpreted). */
const STOP = new Uint8Array(128);
for (let c = 0; c <= 0x20; c++) STOP[c] = 1;
for (const c of "=;,\"") STOP[c.charCodeAt(0)] = 1;
/** Lengths of the directives (a name of another length cannot look like one). */
const DIRECTIVE_LENGTH = new Uint8Array(16);
for (const d of DIRECTIVES) DIRECTIVE_LENGTH[d.length] = 1;
/** LIBRARY names without an extension get a warning from the parser. */
const HAS_EXTENSION = /\.[^.\\/]*$/;

/** Names the parser warns about: a directive in another case. */
const LIKE_DIRECTIVE = new RegExp(`^(?:${[...DIRECTIVES].join("|")})$`, "i");

/** The plain .def form in columns, or null when the file is anything else (then use parseDef). */
export function scanPlainDef(text: string): PlainDef | null {
  if (NOT_PLAIN.test(text)) return null;
  const n = text.length;
  const names: string[] = [];
  // Every export takes at least two characters (a name and a line end or space).
  const ordinals = new Uint16Array((n >> 1) + 1);
  const flags = new Uint8Array((n >> 1) + 1);
  const usedOrdinal = new Uint8Array(65536);
  let library: string | null = null;
  let inExports = false;
  let line = 1;
  /** The current export (-1: none yet), the line of its last token, and what the last token was. */
  let cur = -1;
  let curLine = 0;
  let afterName = false;
  let afterOrdinal = false;
  let i = 0;
  for (;;) {
    // Whitespace and comments.
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        line++;
        i++;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d) i++;
      else if (c === 0x3b) {
        i = text.indexOf("\n", i);
        if (i < 0) i = n;
      } else break;
    }
    if (i >= n) break;
    const start = i;
    const first = text.charCodeAt(i);
    // Quotes and commas are not plain.
    if (first === 0x22 || first === 0x2c) return null;
    if (first === 0x3d) {
      // `=internal` or `=module.name` right after the export's name (`==` is not plain).
      if (!afterName || text.charCodeAt(i + 1) === 0x3d) return null;
      afterName = false;
      i++;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 0x0a) {
          line++;
          i++;
        } else if (c === 0x20 || c === 0x09 || c === 0x0d) i++;
        else break;
      }
      const ws = i;
      for (; i < n; i++) {
        const k = text.charCodeAt(i);
        if (k <= 0x20 || k === 0x3d || k === 0x3b || k === 0x2c || k === 0x22) break;
      }
      if (i === ws || (i < n && (text.charCodeAt(i) === 0x22 || text.charCodeAt(i) === 0x2c))) return null;
      const target = text.slice(ws, i);
      if (KEYWORDS.has(target)) return null;
      const dot = target.indexOf(".");
      // A forwarder needs a module and a name; `module.#N` is left to the parser.
      if (dot >= 0 && (dot === 0 || dot === target.length - 1 || target.charCodeAt(dot + 1) === 0x23)) return null;
      curLine = line;
      continue;
    }
    while (i < n && STOP[text.charCodeAt(i)] === 0) i++;
    const len = i - start;
    const c0 = text.charCodeAt(start);
    afterName = false;
    if (c0 === 0x40 && len > 1 && text.charCodeAt(start + 1) >= 0x30 && text.charCodeAt(start + 1) <= 0x39) {
      // @ordinal: decimal 1..65535, once per export, unique.
      if (cur < 0 || ordinals[cur] !== 0 || len > 6) return null;
      let v = 0;
      for (let k = start + 1; k < i; k++) {
        const d = text.charCodeAt(k) - 0x30;
        if (d < 0 || d > 9) return null;
        v = v * 10 + d;
      }
      if (v < 1 || v > 65535 || usedOrdinal[v] !== 0) return null;
      usedOrdinal[v] = 1;
      ordinals[cur] = v;
      curLine = line;
      afterOrdinal = true;
      continue;
    }
    const wasAfterOrdinal = afterOrdinal;
    afterOrdinal = false;
    // Keywords are upper-case words of 4 to 11 letters.
    const last = text.charCodeAt(i - 1);
    if (c0 >= 0x41 && c0 <= 0x5a && last >= 0x41 && last <= 0x5a && len >= 4 && len <= 11) {
      const w = text.slice(start, i);
      if (KEYWORDS.has(w)) {
        let bit = 0;
        if (w === "EXPORTS") {
          if (library === null) return null;
          inExports = true;
          continue;
        } else if (w === "LIBRARY") {
          if (library !== null || inExports) return null;
          // The name: the next word, on the same line, with an extension.
          while (i < n && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
          if (text.charCodeAt(i) === 0x22) {
            // A quoted name (gendef writes them): closed on the same line.
            const close = text.indexOf('"', i + 1);
            const eol = text.indexOf("\n", i + 1);
            if (close < 0 || (eol >= 0 && eol < close)) return null;
            library = text.slice(i + 1, close);
            i = close + 1;
          } else {
            const ns = i;
            for (; i < n; i++) {
              const k = text.charCodeAt(i);
              if (k <= 0x20 || k === 0x3d || k === 0x3b || k === 0x2c || k === 0x22) break;
            }
            library = text.slice(ns, i);
            if (KEYWORDS.has(library)) return null;
          }
          if (i < n && (text.charCodeAt(i) === 0x22 || text.charCodeAt(i) === 0x2c)) return null;
          if (library === "" || !HAS_EXTENSION.test(library)) return null;
          continue;
        } else if (w === "NONAME") {
          if (!wasAfterOrdinal) return null;
          bit = PLAIN_NONAME;
        } else if (w === "PRIVATE") bit = PLAIN_PRIVATE;
        else if (w === "DATA") bit = PLAIN_DATA;
        else if (w === "CONSTANT") bit = PLAIN_CONSTANT;
        else return null;
        if (cur < 0) return null;
        const f = flags[cur]!;
        if ((f & bit) !== 0) return null;
        flags[cur] = f | bit;
        curLine = line;
        continue;
      }
    }
    // An export's name.
    if (!inExports || (cur >= 0 && curLine === line) || (c0 === 0x40 && len === 1)) return null;
    if (cur >= 0 && !finish(names[cur]!, flags[cur]!, ordinals[cur]!)) return null;
    const name = text.slice(start, i);
    // Names like a lower-case directive get a warning.
    if (len <= 11 && DIRECTIVE_LENGTH[len] === 1 && LIKE_DIRECTIVE.test(name)) return null;
    cur = names.length;
    names.push(name);
    curLine = line;
    afterName = true;
  }
  if (library === null || (cur >= 0 && !finish(names[cur]!, flags[cur]!, ordinals[cur]!))) return null;
  // (Duplicate names are errors: the caller checks, with the sort it needs anyway.)
  return { library, names, ordinals: ordinals.subarray(0, names.length), flags: flags.subarray(0, names.length) };
}

/** The checks the parser makes when an export ends (false: it would report something). */
function finish(name: string, f: number, ordinal: number): boolean {
  if ((f & PLAIN_DATA) !== 0 && (f & PLAIN_CONSTANT) !== 0) return false;
  if ((f & PLAIN_NONAME) !== 0 && ordinal === 0) return false;
  if ((name === "DllInitialize" || name === "DllUnload") && (f & PLAIN_PRIVATE) === 0) return false;
  return true;
}
