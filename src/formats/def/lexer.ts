/**
 * The .def lexer: words, quoted strings, '=', '==' and ',' with their positions; comments (';' to
 * the end of the line) skipped. Keywords are recognised by the parser, and only unquoted. Pure.
 */
import type { Position } from "./types.js";
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

/** Whether a word is a keyword; most names fail the length/first-letter test without a lookup. */
export function isKeyword(w: string): boolean {
  const c = w.charCodeAt(0);
  return w.length >= 4 && w.length <= 11 && c >= 0x41 && c <= 0x5a && KEYWORDS.has(w);
}

/** Every token of a text (see Lexer). */
export function lex(text: string, diags: Diagnostics): Token[] {
  const lexer = new Lexer(text, diags);
  const toks: Token[] = [];
  for (let t = lexer.next(); ; t = lexer.next()) {
    toks.push(t);
    if (t.kind === "eof") return toks;
  }
}

/**
 * Streaming tokenizer: one token of look-ahead, produced on demand (a large .def does not keep
 * an array of every token alive). After the end, `next` keeps returning the eof token.
 */
export class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private ahead: Token | null = null;
  private eof: Token | null = null;
  constructor(
    private readonly text: string,
    private readonly diags: Diagnostics,
  ) {}

  peek(): Token {
    return (this.ahead ??= this.scan());
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.ahead = null;
    return t;
  }

  private pos(at: number): Position {
    return { line: this.line, col: at - this.lineStart + 1 };
  }

  private scan(): Token {
    const text = this.text;
    const diags = this.diags;
    let i = this.i;
    while (i < text.length && !diags.full) {
      const code = text.charCodeAt(i);
      if (code === 0x0a) {
        i++;
        this.line++;
        this.lineStart = i;
        continue;
      }
      if (code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0b || code === 0x0c) {
        i++;
        continue;
      }
      if (code < 0x20 || code === 0x7f) {
        diags.error(this.pos(i), `unexpected control character U+${code.toString(16).padStart(4, "0").toUpperCase()}`);
        i++;
        continue;
      }
      if (code === 0x3b /* ; */) {
        while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
        continue;
      }
      const col = i - this.lineStart + 1;
      if (code === 0x3d /* = */) {
        const eqeq = text.charCodeAt(i + 1) === 0x3d;
        this.i = i + (eqeq ? 2 : 1);
        return eqeq ? { kind: "eqeq", text: "==", line: this.line, col } : { kind: "eq", text: "=", line: this.line, col };
      }
      if (code === 0x2c /* , */) {
        this.i = i + 1;
        return { kind: "comma", text: ",", line: this.line, col };
      }
      if (code === 0x22 /* " */) {
        let j = i + 1;
        while (j < text.length && text[j] !== '"' && text[j] !== "\n") j++;
        if (j >= text.length || text[j] === "\n") {
          diags.error({ line: this.line, col }, "unterminated quoted name (quotes must close on the same line)");
          this.i = j;
          return { kind: "string", text: text.slice(i + 1, j).replace(/\r$/, ""), line: this.line, col };
        }
        this.i = j + 1;
        return { kind: "string", text: text.slice(i + 1, j), line: this.line, col };
      }
      const start = i;
      for (; i < text.length; i++) {
        const k = text.charCodeAt(i);
        // Words end at = , ; " whitespace and control characters.
        if (k <= 0x20 || k === 0x7f || k === 0x3d || k === 0x2c || k === 0x3b || k === 0x22) break;
      }
      const tok: Token = { kind: "word", text: text.slice(start, i), line: this.line, col };
      if (text.charCodeAt(i) === 0x22) {
        diags.error(this.pos(i), `quote inside the name ${JSON.stringify(text.slice(start, i))} (quote the whole name, or separate it with a space)`);
        // Skip the rest of this malformed word.
        i++;
        while (i < text.length && !isSpace(text[i]!) && text[i] !== '"') i++;
        if (text[i] === '"') i++;
      }
      this.i = i;
      return tok;
    }
    this.i = i;
    return (this.eof ??= { kind: "eof", text: "end of file", line: this.line, col: text.length - this.lineStart + 1 });
  }
}

export function describe(t: Token): string {
  if (t.kind === "eof") return "end of file";
  if (t.kind === "string") return `"${t.text}"`;
  return `'${t.text}'`;
}
