/**
 * The .def lexer: words, quoted strings, '=', '==' and ',' with their positions; comments (';' to
 * the end of the line) are not tokens, but collected with their positions for `kmdll def fmt`. Keywords are recognised by the parser, and only unquoted. Pure.
 */
import type { DefComment, Position } from "./types.js";
import type { Diagnostics } from "./diagnostics.js";

export type TokKind = "word" | "string" | "eq" | "eqeq" | "comma" | "eof";

export interface Token extends Position {
  kind: TokKind;
  text: string;
}

/** Statements that may start a line at the top level. */
export const DIRECTIVES = new Set(["LIBRARY", "NAME", "EXPORTS", "HEAPSIZE", "STACKSIZE", "VERSION", "SECTIONS", "SEGMENTS", "DESCRIPTION", "STUB"]);
/** Keywords inside an export entry or a statement. */
export const ATTRIBUTES = new Set(["NONAME", "PRIVATE", "DATA", "CONSTANT", "EXPORTAS", "BASE"]);
/** Every reserved word: names equal to one of these must be quoted. */
export const KEYWORDS = new Set([...DIRECTIVES, ...ATTRIBUTES]);
export const IGNORED = new Set(["SECTIONS", "SEGMENTS", "DESCRIPTION", "STUB"]);

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\v" || c === "\f";
}

export function lex(text: string, diags: Diagnostics, comments: DefComment[] = []): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (at: number): Position => ({ line, col: at - lineStart + 1 });
  while (i < text.length && !diags.full) {
    const c = text[i]!;
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    const code = c.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) {
      diags.error(pos(i), `unexpected control character U+${code.toString(16).padStart(4, "0").toUpperCase()}`);
      i++;
      continue;
    }
    if (c === ";") {
      const start = i;
      while (i < text.length && text[i] !== "\n") i++;
      const last = toks[toks.length - 1];
      comments.push({ line, col: start - lineStart + 1, text: text.slice(start + 1, i).replace(/\r$/, ""), trailing: last !== undefined && last.line === line });
      continue;
    }
    if (c === "=") {
      if (text[i + 1] === "=") {
        toks.push({ kind: "eqeq", text: "==", line, col: i - lineStart + 1 });
        i += 2;
      } else {
        toks.push({ kind: "eq", text: "=", line, col: i - lineStart + 1 });
        i++;
      }
      continue;
    }
    if (c === ",") {
      toks.push({ kind: "comma", text: ",", line, col: i - lineStart + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      const start = pos(i);
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== "\n") j++;
      if (j >= text.length || text[j] === "\n") {
        diags.error(start, "unterminated quoted name (quotes must close on the same line)");
        toks.push({ kind: "string", text: text.slice(i + 1, j).replace(/\r$/, ""), line: start.line, col: start.col });
        i = j;
        continue;
      }
      toks.push({ kind: "string", text: text.slice(i + 1, j), line: start.line, col: start.col });
      i = j + 1;
      continue;
    }
    const start = i;
    for (; i < text.length; i++) {
      const k = text.charCodeAt(i);
      // Words end at = , ; " whitespace and control characters.
      if (k <= 0x20 || k === 0x7f || k === 0x3d || k === 0x2c || k === 0x3b || k === 0x22) break;
    }
    toks.push({ kind: "word", text: text.slice(start, i), line, col: start - lineStart + 1 });
    if (text[i] === '"') {
      diags.error(pos(i), `quote inside the name ${JSON.stringify(text.slice(start, i))} (quote the whole name, or separate it with a space)`);
      // Skip the rest of this malformed word.
      i++;
      while (i < text.length && !isSpace(text[i]!) && text[i] !== '"') i++;
      if (text[i] === '"') i++;
    }
  }
  const last = { line, col: text.length - lineStart + 1 };
  toks.push({ kind: "eof", text: "end of file", line: last.line, col: last.col });
  return toks;
}

export function describe(t: Token): string {
  if (t.kind === "eof") return "end of file";
  if (t.kind === "string") return `"${t.text}"`;
  return `'${t.text}'`;
}
