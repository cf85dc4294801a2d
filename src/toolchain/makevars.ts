/**
 * The NMAKE-style variable files of the WDK `build` utility (`sources`, `dirs`): `NAME=value`
 * assignments, `\` line continuations, `#` comments, `$(NAME)` macros and `!directive` lines.
 * Pure: text in, assignments and positioned diagnostics out.
 */

export type Severity = "error" | "warning";

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
}

export interface MakeVars {
  /** Every assignment in file order (a later one of the same name wins). */
  assignments: Assignment[];
  /** The final assignment of each name. */
  vars: Map<string, Assignment>;
  /** Names used as `$(NAME)` somewhere in the file. */
  referenced: Set<string>;
  diagnostics: Diagnostic[];
}

export interface MakeVarsOptions {
  /** Macros provided by the build (e.g. `O`, `DDK_LIB_PATH`): left in the text as `$(NAME)`. */
  builtins?: ReadonlySet<string>;
}

interface Pos {
  line: number;
  col: number;
}

interface LogicalLine {
  text: string;
  pos: Pos[]; // position of each character of text
  endLine: number;
}

/** Strip comments, join continuations; keep each character's original position. */
function logicalLines(text: string): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const out: LogicalLine[] = [];
  let cur: LogicalLine | null = null;
  physical.forEach((raw, i) => {
    const lineNo = i + 1;
    // A `#` starts a comment unless escaped as `^#` (NMAKE).
    let body = "";
    const cols: number[] = [];
    for (let c = 0; c < raw.length; c++) {
      if (raw[c] === "^" && raw[c + 1] === "#") {
        body += "#";
        cols.push(c + 1);
        c++;
        continue;
      }
      if (raw[c] === "#") break;
      body += raw[c];
      cols.push(c + 1);
    }
    let trimmedEnd = body.length;
    while (trimmedEnd > 0 && /\s/.test(body[trimmedEnd - 1]!)) trimmedEnd--;
    const continues = trimmedEnd > 0 && body[trimmedEnd - 1] === "\\";
    const keep = continues ? trimmedEnd - 1 : body.length;
    if (!cur) cur = { text: "", pos: [], endLine: lineNo };
    else {
      cur.text += " ";
      cur.pos.push({ line: lineNo, col: 1 });
    }
    for (let c = 0; c < keep; c++) {
      cur.text += body[c];
      cur.pos.push({ line: lineNo, col: cols[c]! });
    }
    cur.endLine = lineNo;
    if (!continues) {
      out.push(cur);
      cur = null;
    }
  });
  if (cur) out.push(cur);
  return out;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Longest expansion of one word of a value (1 MiB): a sources file's values are far shorter. */
export const MAX_EXPANDED_LENGTH = 1 << 20;

/** Parse a `sources`/`dirs`-style file. */
export function parseMakeVars(text: string, options: MakeVarsOptions = {}): MakeVars {
  const builtins = options.builtins ?? new Set<string>();
  const assignments: Assignment[] = [];
  const vars = new Map<string, Assignment>();
  const referenced = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const diag = (severity: Severity, p: Pos, message: string) => diagnostics.push({ severity, message, line: p.line, col: p.col });

  if (text.includes("\u0000")) {
    diagnostics.push({ severity: "error", message: "binary data (NUL byte): not a text file", line: 1, col: 1 });
    return { assignments, vars, referenced, diagnostics };
  }

  /** Expand `$(NAME)` in s (which starts at position p). */
  const expand = (s: string, p: Pos): string => {
    let out = "";
    for (let i = 0; i < s.length; i++) {
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
      const name = s.slice(i + 2, close);
      i = close;
      if (!NAME_RE.test(name)) {
        diag("error", at, `invalid macro reference $(${name}): macro substitutions are not supported`);
        continue;
      }
      referenced.add(name);
      const v = vars.get(name);
      if (v && out.length + v.value.length > MAX_EXPANDED_LENGTH) {
        // Macros that each repeat the previous one ($(A)$(A)) double at every line: stop here.
        diag("error", at, `$(${name}) expands to more than ${MAX_EXPANDED_LENGTH} characters here (macros repeating each other?); the value is cut`);
        return out;
      }
      if (v) out += v.value;
      else if (builtins.has(name)) out += `$(${name})`;
      else diag("warning", at, `macro $(${name}) is not defined before this line; it expands to nothing`);
    }
    return out;
  };

  for (const ll of logicalLines(text)) {
    const first = ll.text.search(/\S/);
    if (first < 0) continue;
    const p0 = ll.pos[first]!;
    const body = ll.text.slice(first);
    if (body.startsWith("!")) {
      const word = /^!\s*([A-Za-z]*)/.exec(body)![1]!.toLowerCase();
      const msg =
        word === "include"
          ? "'!include' is not supported: the included file is not read"
          : ["if", "ifdef", "ifndef", "else", "elseif", "elseifdef", "elseifndef", "endif", "else if"].includes(word)
            ? `'!${word}' is not evaluated: kmdll ignores conditional directives, so assignments in every branch apply`
            : `'!${word}' directive is not supported; line ignored`;
      diag("warning", p0, msg);
      continue;
    }
    const eq = body.indexOf("=");
    if (eq < 0) {
      diag("error", p0, `expected NAME=value, found '${body.trim().slice(0, 40)}'`);
      continue;
    }
    let name = body.slice(0, eq).trim();
    if (/[+:?]$/.test(name) && NAME_RE.test(name.slice(0, -1).trim())) {
      const op = name.slice(-1);
      name = name.slice(0, -1).trim();
      diag("error", p0, `'${op}=' is not NMAKE syntax; write ${name}=$(${name}) value`);
      continue;
    }
    if (!NAME_RE.test(name)) {
      diag("error", p0, `invalid variable name '${name.slice(0, 40)}' (expected NAME=value)`);
      continue;
    }
    // Tokenise the raw value, expanding macros per word.
    const valueStart = first + eq + 1;
    const tokens: Token[] = [];
    const re = /\S+/g;
    const raw = ll.text.slice(valueStart);
    let m: RegExpExecArray | null;
    while ((m = re.exec(raw))) {
      const p = ll.pos[valueStart + m.index]!;
      const expanded = expand(m[0], p);
      for (const w of expanded.split(/\s+/)) if (w) tokens.push({ text: w, line: p.line, col: p.col });
    }
    const a: Assignment = { name, line: p0.line, col: p0.col, value: tokens.map((t) => t.text).join(" "), tokens, endLine: ll.endLine };
    assignments.push(a);
    vars.set(name, a);
  }
  return { assignments, vars, referenced, diagnostics };
}

/** Levenshtein distance (for "did you mean" hints). */
export function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The closest of candidates to name (case-insensitive, distance ≤ 2), if any. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const dist = editDistance(name.toUpperCase(), c.toUpperCase());
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return best;
}
