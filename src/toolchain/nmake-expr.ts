/**
 * NMAKE `!if` expressions (pure): integers (decimal, 0x hex, 0 octal), "strings", `defined(NAME)`,
 * `exist(path)` (asked of the caller), unary `! ~ - +`, `* / % + - << >> < > <= >= == != & ^ |
 * && ||` and parentheses. Macros are expanded by the caller before evaluation; an empty
 * expression is 0 (so `!if $(AMD64)` is false where AMD64 is not defined, as in the WDK's x86
 * environment). Strings compare with `==`/`!=` only.
 */

export type ExprValue = number | string;

export interface ExprContext {
  defined(name: string): boolean;
  exist?(path: string): boolean;
}

export class ExprError extends Error {}

type Tok = { k: "num"; v: number } | { k: "str"; v: string } | { k: "op"; v: string } | { k: "id"; v: string };

const OPS = ["&&", "||", "<<", ">>", "<=", ">=", "==", "!=", "!", "~", "-", "+", "*", "/", "%", "<", ">", "&", "^", "|", "(", ")"];

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) throw new ExprError("unterminated string");
      out.push({ k: "str", v: s.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(s.slice(i));
    if (num) {
      const t = num[1]!;
      const v = /^0[xX]/.test(t) ? parseInt(t.slice(2), 16) : t.length > 1 && t.startsWith("0") ? parseInt(t, 8) : parseInt(t, 10);
      if (!Number.isFinite(v)) throw new ExprError(`bad number '${t}'`);
      out.push({ k: "num", v: v | 0 });
      i += t.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i));
    if (id) {
      out.push({ k: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected '${c}'`);
    out.push({ k: "op", v: op });
    i += op.length;
  }
  return out;
}

const BINARY: string[][] = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]];

/** Evaluate an expanded `!if` expression; throws ExprError with a short reason. */
export function evaluateExpr(text: string, ctx: ExprContext): ExprValue {
  const toks = lex(text);
  if (toks.length === 0) return 0;
  let p = 0;
  const peek = () => toks[p];
  const num = (v: ExprValue): number => {
    if (typeof v === "number") return v;
    throw new ExprError(`string "${v}" used as a number`);
  };
  const primary = (): ExprValue => {
    const t = toks[p++];
    if (!t) throw new ExprError("unexpected end of expression");
    if (t.k === "num" || t.k === "str") return t.v;
    if (t.k === "id") {
      const fn = t.v.toLowerCase();
      if (fn !== "defined" && fn !== "exist") throw new ExprError(`unexpected word '${t.v}' (strings must be quoted)`);
      const open = toks[p++];
      if (!open || open.k !== "op" || open.v !== "(") throw new ExprError(`${fn} needs (NAME)`);
      let arg = "";
      while (toks[p] && !(toks[p]!.k === "op" && toks[p]!.v === ")")) {
        const a = toks[p++]!;
        arg += a.k === "str" ? a.v : String(a.v);
      }
      if (!toks[p]) throw new ExprError("missing ')'");
      p++;
      if (fn === "defined") return ctx.defined(arg) ? 1 : 0;
      if (!ctx.exist) throw new ExprError("exist() is not supported here");
      return ctx.exist(arg) ? 1 : 0;
    }
    if (t.v === "(") {
      const v = binary(0);
      const close = toks[p++];
      if (!close || close.k !== "op" || close.v !== ")") throw new ExprError("missing ')'");
      return v;
    }
    if (t.v === "!") return num(primary()) ? 0 : 1;
    if (t.v === "~") return ~num(primary());
    if (t.v === "-") return -num(primary()) | 0;
    if (t.v === "+") return num(primary());
    throw new ExprError(`unexpected '${t.v}'`);
  };
  const binary = (level: number): ExprValue => {
    if (level >= BINARY.length) return primary();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (!t || t.k !== "op" || !BINARY[level]!.includes(t.v)) return left;
      p++;
      const right = binary(level + 1);
      left = apply(t.v, left, right);
    }
  };
  const apply = (op: string, a: ExprValue, b: ExprValue): ExprValue => {
    if (op === "==" || op === "!=") {
      const eq = typeof a === typeof b ? a === b : String(a) === String(b);
      return (op === "==") === eq ? 1 : 0;
    }
    const x = num(a);
    const y = num(b);
    switch (op) {
      case "||": return x || y ? 1 : 0;
      case "&&": return x && y ? 1 : 0;
      case "|": return x | y;
      case "^": return x ^ y;
      case "&": return x & y;
      case "<": return x < y ? 1 : 0;
      case ">": return x > y ? 1 : 0;
      case "<=": return x <= y ? 1 : 0;
      case ">=": return x >= y ? 1 : 0;
      case "<<": return x << y;
      case ">>": return x >> y;
      case "+": return (x + y) | 0;
      case "-": return (x - y) | 0;
      case "*": return Math.imul(x, y);
      case "/":
      case "%":
        if (y === 0) throw new ExprError("division by zero");
        return op === "/" ? (x / y) | 0 : x % y;
    }
    throw new ExprError(`unknown operator ${op}`);
  };
  const v = binary(0);
  if (p < toks.length) throw new ExprError(`unexpected '${String(toks[p]!.v)}' after the expression`);
  return v;
}

/** The truth of an `!if` value: a non-zero number or a non-empty string. */
export const truthy = (v: ExprValue): boolean => (typeof v === "number" ? v !== 0 : v !== "");
