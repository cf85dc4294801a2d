/**
 * The NMAKE-style variable files of the WDK `build` utility (`sources`, `dirs`): `NAME=value`
 * assignments, `\` line continuations, `#` comments, `$(NAME)` macros and `!directive` lines.
 * Pure: text in, assignments and positioned diagnostics out (`!include` goes through a callback).
 */
import { evaluateExpr, truthy } from "./nmake-expr.js";
import { logicalLines, type LogicalLine, type Pos } from "./nmake-lines.js";

/** "note": an NMAKE `!message`. */
export type Severity = "error" | "warning" | "note";

/** A problem at a position of a text file (1-based line and column). */
export interface Diagnostic {
  severity: Severity;
  message: string;
  line: number;
  col: number;
  /** The file, when the caller knows it (pure parsers leave it unset). */
  file?: string;
}

/** `file:line:col: severity: message`, the format compilers use. */
export function formatDiagnostic(d: Diagnostic, file = d.file ?? "<input>"): string {
  return `${file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

/** One whitespace-separated word of a value, after macro expansion, with where it was written. */
export interface Token {
  text: string;
  line: number;
  col: number;
  /** The `!include`d file it was written in (unset: the main file). */
  file?: string;
}

export interface Assignment {
  name: string;
  /** Position of the variable name. */
  line: number;
  col: number;
  /** The value after macro expansion, whitespace-normalised. */
  value: string;
  tokens: Token[];
  /** Last physical line of the assignment (after continuations). */
  endLine: number;
  /** The `!include`d file it was written in (unset: the main file). */
  file?: string;
}

export interface MakeVars {
  /** Every assignment in file order (a later one of the same name wins). */
  assignments: Assignment[];
  /** The final assignment of each name. */
  vars: Map<string, Assignment>;
  /** Names used as `$(NAME)` somewhere in the file. */
  referenced: Set<string>;
  diagnostics: Diagnostic[];
  /** Parsing stopped early (a runaway expansion or too many lines): the rest is not described. */
  aborted?: boolean;
}

export interface MakeVarsOptions {
  /** Macros provided by the build (e.g. `O`, `DDK_LIB_PATH`): left in the text as `$(NAME)`. */
  builtins?: ReadonlySet<string>;
  /** Macros with values set by the build environment (e.g. `_BUILDARCH`, `AMD64`); a file may redefine them. */
  defines?: ReadonlyMap<string, string>;
  /**
   * Reads an `!include`d file: the path as written (macros expanded), the including file (unset:
   * the main file). Returns its text and a canonical name (for cycle detection and positions),
   * `{ skip }` to ignore it with a warning, or `{ error }`. Without it `!include` is an error.
   */
  include?: (path: string, from: string | undefined) => { file: string; text: string } | { skip: string } | { error: string };
  /** Longest value a macro may expand to (default MAX_EXPANDED_LENGTH). */
  maxValue?: number;
  /** The main file's canonical name, as `include` names files: an `!include` of it is a cycle. */
  mainFile?: string;
}

const NAME_RE = /^[A-Za-z_0-9][A-Za-z0-9_]*$/;

/** Longest expansion of a value (1 MiB): a sources file's values are far shorter. */
export const MAX_EXPANDED_LENGTH = 1 << 20;
const MAX_INCLUDE_DEPTH = 16;
const MAX_LINES = 200_000;

/** One open `!if`: whether its current branch is taken, whether one was, whether `!else` was seen. */
interface Cond {
  active: boolean;
  taken: boolean;
  outerActive: boolean;
  sawElse: boolean;
  at: Pos;
  file: string | undefined;
}

const CONDITIONALS = new Set(["if", "ifdef", "ifndef", "else", "elseif", "elseifdef", "elseifndef", "endif"]);

/**
 * Parse a `sources`/`dirs`-style file: assignments, `$(NAME)` and `$(NAME:a=b)` macros, and the
 * NMAKE directives `!if`/`!ifdef`/`!ifndef`/`!else [if…]`/`!elseif`/`!endif` (evaluated),
 * `!include` (through options.include), `!message`, `!error`, `!undef`.
 */
export function parseMakeVars(text: string, options: MakeVarsOptions = {}): MakeVars {
  const builtins = options.builtins ?? new Set<string>();
  const maxValue = options.maxValue ?? MAX_EXPANDED_LENGTH;
  const assignments: Assignment[] = [];
  const vars = new Map<string, Assignment>();
  const referenced = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  let curFile: string | undefined;
  const diag = (severity: Severity, p: Pos, message: string) =>
    diagnostics.push({ severity, message, line: p.line, col: p.col, ...(curFile !== undefined ? { file: curFile } : {}) });

  if (text.includes("\u0000")) {
    diagnostics.push({ severity: "error", message: "binary data (NUL byte): not a text file", line: 1, col: 1 });
    return { assignments, vars, referenced, diagnostics };
  }
  /**
   * NMAKE expands macros when they are used, not when they are defined: a value may name a
   * macro defined later in the file (or in a later `!include`). Each variable keeps its words
   * unexpanded (with positions); `NAME=$(NAME) more` splices the previous words in at once (the
   * append idiom); values are expanded at the end, directives (`!if`, `!include`) at their line.
   */
  const raw = new Map<string, Token[]>();
  const memo = new Map<string, string>();
  let parsing = true;
  let overflow = false;
  const MAX_NESTING = 200;
  const stop = (p: Pos, message: string) => {
    if (!overflow) diag("error", p, message);
    overflow = true;
  };
  const valueOf = (name: string, p?: Pos, stack: string[] = []): string | undefined => {
    const words = raw.get(name);
    if (!words) return options.defines?.get(name);
    const known = parsing ? undefined : memo.get(name);
    if (known !== undefined) return known;
    const at = p ?? words[0] ?? { line: 1, col: 1 };
    if (stack.includes(name)) {
      stop(at, `macro $(${name}) refers to itself (${[...stack.slice(stack.indexOf(name)), name].map((n) => `$(${n})`).join(" → ")})`);
      return "";
    }
    if (stack.length >= MAX_NESTING) {
      stop(at, `macros nested more than ${MAX_NESTING} deep`);
      return "";
    }
    const v = words.map((w) => expand(w.text, w, { warn: false, keep: true, stack: [...stack, name] })).join(" ");
    if (!parsing) memo.set(name, v);
    return v;
  };

  interface ExpandOptions {
    /** Warn about undefined macros. */
    warn: boolean;
    /** Keep the build's symbolic macros (`$(O)`) as written. */
    keep: boolean;
    stack: string[];
  }
  /** Expand `$(NAME)` and `$(NAME:a=b)` in s (which starts at position p). */
  const expand = (s: string, p: Pos, o: ExpandOptions = { warn: false, keep: false, stack: [] }): string => {
    let out = "";
    for (let i = 0; i < s.length; i++) {
      if (overflow) return "";
      if (out.length > maxValue) {
        stop(p, `the value expands to more than ${maxValue} characters here (macros repeating each other?); parsing stops`);
        return "";
      }
      if (s[i] === "$" && s[i + 1] === "$") {
        out += "$";
        i++;
        continue;
      }
      if (s[i] !== "$" || s[i + 1] !== "(") {
        out += s[i];
        continue;
      }
      const close = s.indexOf(")", i + 2);
      const at = { line: p.line, col: p.col + i };
      if (close < 0) {
        diag("error", at, "unterminated macro reference: '$(' without ')'");
        return out;
      }
      const ref = s.slice(i + 2, close);
      i = close;
      const sub = /^([A-Za-z_0-9]+):(.+?)=(.*)$/.exec(ref);
      const name = sub ? sub[1]! : ref;
      if (!NAME_RE.test(name)) {
        diag("error", at, `invalid macro reference $(${ref})`);
        continue;
      }
      referenced.add(name);
      let v = valueOf(name, at, o.stack);
      if (v === undefined && builtins.has(name) && o.keep) v = `$(${name})`;
      if (v === undefined) {
        if (o.warn) diag("warning", at, `macro $(${name}) is not defined; it expands to nothing`);
        continue;
      }
      if (sub) v = v.split(sub[2]!).join(sub[3]!);
      if (out.length + v.length > maxValue) {
        stop(p, `the value expands to more than ${maxValue} characters here (macros repeating each other?); parsing stops`);
        return "";
      }
      out += v;
    }
    return out;
  };

  const conds: Cond[] = [];
  const active = () => conds.length === 0 || conds[conds.length - 1]!.active;
  const stack: string[] = options.mainFile !== undefined ? [options.mainFile] : [];
  let lines = 0;

  const evalCond = (kind: string, rest: string, p0: Pos): boolean => {
    const arg = rest.trim();
    if (kind === "ifdef" || kind === "ifndef") {
      const name = arg.split(/\s+/)[0] ?? "";
      if (!NAME_RE.test(name)) {
        diag("error", p0, `!${kind} needs a macro name`);
        return false;
      }
      const def = valueOf(name) !== undefined || builtins.has(name);
      return kind === "ifdef" ? def : !def;
    }
    const expanded = expand(arg, p0);
    try {
      return truthy(evaluateExpr(expanded, { defined: (n) => valueOf(n) !== undefined || builtins.has(n) }));
    } catch (e) {
      diag("error", p0, `!${kind}: cannot evaluate '${expanded.slice(0, 80)}': ${(e as Error).message}`);
      return false;
    }
  };

  const directive = (body: string, p0: Pos): void => {
    const m = /^!\s*([A-Za-z]*)\s*(.*)$/.exec(body)!;
    let word = m[1]!.toLowerCase();
    let rest = m[2]!;
    if (word === "else") {
      const more = /^(if|ifdef|ifndef)\b\s*(.*)$/i.exec(rest);
      if (more) {
        word = "else" + more[1]!.toLowerCase();
        rest = more[2]!;
      }
    }
    if (CONDITIONALS.has(word)) {
      if (word === "if" || word === "ifdef" || word === "ifndef") {
        const outer = active();
        const v = outer ? evalCond(word, rest, p0) : false;
        conds.push({ active: outer && v, taken: outer && v, outerActive: outer, sawElse: false, at: p0, file: curFile });
        return;
      }
      const top = conds[conds.length - 1];
      if (!top || top.file !== curFile) {
        diag("error", p0, `!${word} without a matching !if`);
        return;
      }
      if (word === "endif") {
        conds.pop();
        return;
      }
      if (top.sawElse) {
        diag("error", p0, `!${word} after !else`);
        return;
      }
      if (word === "else") {
        top.sawElse = true;
        top.active = top.outerActive && !top.taken;
      } else {
        const kind = word === "elseif" ? "if" : word.slice(4);
        const v = top.outerActive && !top.taken ? evalCond(kind, rest, p0) : false;
        top.active = v;
      }
      top.taken ||= top.active;
      return;
    }
    if (!active()) return;
    if (word === "include") {
      const undefinedRef = /\$\(([A-Za-z_0-9]+)\)/.exec(rest.replace(/\$\(([A-Za-z_0-9]+)\)/g, (m, n: string) => (valueOf(n) !== undefined ? "" : m)));
      if (undefinedRef) {
        diag("warning", p0, `!include ${rest.trim()}: $(${undefinedRef[1]}) is a macro of the WDK's build environment that kmdll does not define; not read`);
        return;
      }
      const arg = expand(rest.trim(), p0).trim();
      const path = arg.replace(/^"(.*)"$/, "$1").replace(/^<(.*)>$/, "$1");
      if (!options.include) {
        diag("error", p0, "'!include' is not supported here");
        return;
      }
      if (stack.length >= MAX_INCLUDE_DEPTH) {
        stop(p0, `!include nested more than ${MAX_INCLUDE_DEPTH} deep`);
        return;
      }
      const r = options.include(path, curFile);
      if ("error" in r) diag("error", p0, r.error);
      else if ("skip" in r) diag("warning", p0, r.skip);
      // A cycle stops the parse: what follows would be read again and again (and only add consequential errors).
      else if (stack.includes(r.file)) stop(p0, `!include cycle: ${[...stack.slice(stack.indexOf(r.file)), r.file].map((f) => f.split(/[\\/]/).pop()).join(" → ")}`);
      else {
        const saved = curFile;
        stack.push(r.file);
        curFile = r.file;
        run(r.text);
        curFile = saved;
        stack.pop();
      }
      return;
    }
    if (word === "message") return void diag("note", p0, expand(rest, p0).trim());
    if (word === "error") return void diag("error", p0, `!error ${expand(rest, p0).trim()}`);
    if (word === "undef") {
      const name = rest.trim();
      vars.delete(name);
      raw.delete(name);
      return;
    }
    diag("warning", p0, `'!${word}' directive is not supported; line ignored`);
  };

  const run = (src: string): void => {
    const depth = conds.length;
    for (const ll of logicalLines(src)) {
      if (overflow) return;
      if (++lines > MAX_LINES) {
        diag("error", ll.pos[0] ?? { line: 1, col: 1 }, `more than ${MAX_LINES} lines (with !include)`);
        overflow = true;
        return;
      }
      const first = ll.text.search(/\S/);
      if (first < 0) continue;
      const p0 = ll.pos[first]!;
      const body = ll.text.slice(first);
      if (body.startsWith("!")) {
        directive(body, p0);
        continue;
      }
      // `include file` without the `!`: build.exe and NMAKE read it as `!include` (OpenXT's sources files use it).
      if (/^include\s+[^=]+$/i.test(body)) {
        directive("!" + body, p0);
        continue;
      }
      if (!active()) continue;
      assign(ll, first, body, p0);
    }
    while (conds.length > depth) {
      const c = conds.pop()!;
      diagnostics.push({ severity: "error", message: "!if without !endif", line: c.at.line, col: c.at.col, ...(c.file !== undefined ? { file: c.file } : {}) });
    }
  };

  const assign = (ll: LogicalLine, first: number, body: string, p0: Pos): void => {
    const eq = body.indexOf("=");
    if (eq < 0) {
      diag("error", p0, `expected NAME=value, found '${body.trim().slice(0, 40)}'`);
      return;
    }
    let name = body.slice(0, eq).trim();
    if (/[+:?]$/.test(name) && NAME_RE.test(name.slice(0, -1).trim())) {
      const op = name.slice(-1);
      name = name.slice(0, -1).trim();
      diag("error", p0, `'${op}=' is not NMAKE syntax; write ${name}=$(${name}) value`);
      return;
    }
    if (!NAME_RE.test(name)) {
      diag("error", p0, `invalid variable name '${name.slice(0, 40)}' (expected NAME=value)`);
      return;
    }
    // The raw words, with positions; `$(NAME)` of the variable itself is replaced by its previous words.
    const valueStart = first + eq + 1;
    const words: Token[] = [];
    const re = /\S+/g;
    const rawText = ll.text.slice(valueStart);
    const prev = raw.get(name) ?? [];
    const self = `$(${name})`;
    let size = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(rawText))) {
      const p = ll.pos[valueStart + m.index]!;
      const here = { line: p.line, col: p.col, ...(curFile !== undefined ? { file: curFile } : {}) };
      if (m[0] === self) {
        if (!prev.length && !options.defines?.has(name)) referenced.add(name);
        for (const w of prev.length ? prev : options.defines?.get(name) ? [{ text: options.defines.get(name)!, ...here }] : []) words.push(w);
      } else if (m[0].includes(self)) {
        words.push({ text: m[0].split(self).join(prev.map((w) => w.text).join(" ") || (options.defines?.get(name) ?? "")), ...here });
      } else words.push({ text: m[0], ...here });
    }
    for (const w of words) size += w.text.length + 1;
    if (size > maxValue) {
      stop(p0, `$(${name}) expands to more than ${maxValue} characters here (a macro repeating itself?); parsing stops`);
      return;
    }
    raw.set(name, words);
    const a: Assignment = { name, line: p0.line, col: p0.col, value: "", tokens: [], endLine: ll.endLine, ...(curFile !== undefined ? { file: curFile } : {}) };
    assignments.push(a);
    vars.set(name, a);
  };

  run(text);
  // Expand each variable's final value, word by word (positions kept).
  parsing = false;
  for (const [name, a] of vars) {
    if (overflow) break;
    for (const w of raw.get(name) ?? []) {
      const saved = curFile;
      curFile = w.file;
      const expanded = expand(w.text, w, { warn: true, keep: true, stack: [name] });
      curFile = saved;
      for (const x of expanded.split(/\s+/)) if (x) a.tokens.push({ text: x, line: w.line, col: w.col, ...(w.file !== undefined ? { file: w.file } : {}) });
    }
    a.value = a.tokens.map((t) => t.text).join(" ");
  }
  return { assignments, vars, referenced, diagnostics, ...(overflow ? { aborted: true } : {}) };
}

export { editDistance, suggest } from "./suggest.js";
