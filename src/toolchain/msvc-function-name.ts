/**
 * cl.exe treats `__FUNCTION__` as a string literal, so driver code concatenates it with the
 * literals after it: `DbgPrint(__FUNCTION__ ": failed 0x%x\n", status)`, usually inside a trace
 * macro. clang 14 makes it a predefined identifier (an array, like `__func__`), which cannot be
 * concatenated, and stops with "expected ')'".
 *
 * The repair works on the preprocessed file (the macros are expanded there): each `__FUNCTION__`
 * directly followed by a string literal, inside a function body, becomes the literal name of that
 * function (what cl.exe gives in C). The enclosing function is found by bracket depth: at file
 * scope, the last `identifier (` before a `{` that follows a `)` names the function whose body
 * that brace opens (attribute-like calls such as `__declspec(…)` are skipped). Pure text in, text
 * out; the compile steps are in msvc-fixups.ts.
 */

const NOT_A_NAME = new Set(["__attribute__", "__declspec", "__pragma", "_Pragma", "__asm__", "__asm", "asm", "__typeof__", "typeof", "sizeof", "_Alignas", "_Static_assert", "alignas", "static_assert", "decltype", "__builtin_offsetof"]);

/** Index after the string or character literal starting at `i` (a quote). */
function skipLiteral(text: string, i: number): number {
  const q = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== q && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
  return Math.min(j + 1, text.length);
}

const isIdStart = (c: string | undefined) => c !== undefined && /[A-Za-z_$]/.test(c);
const isId = (c: string | undefined) => c !== undefined && /[\w$]/.test(c);

/** Replace `__FUNCTION__ "…"` by `"name" "…"` in preprocessed C; returns the text and how many were replaced. */
export function nameFunctionLiterals(text: string): { text: string; replaced: number } {
  const n = text.length;
  let out = "";
  let copied = 0;
  let replaced = 0;
  let depth = 0;
  let paren = 0;
  let lastIdent = "";
  let candidate: string | null = null;
  let current: string | null = null;
  let lastSig = ""; // the last significant character ('a' for an identifier)
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      lineStart = true;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (lineStart && c === "#") {
      // A line marker (# 12 "file") or a #pragma the preprocessor kept.
      const e = text.indexOf("\n", i);
      i = e < 0 ? n : e;
      continue;
    }
    lineStart = false;
    if (c === '"' || c === "'") {
      i = skipLiteral(text, i);
      lastSig = c;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (isId(text[j])) j++;
      const id = text.slice(i, j);
      if ((id === "L" || id === "u" || id === "U" || id === "u8") && (text[j] === '"' || text[j] === "'")) {
        i = skipLiteral(text, j);
        lastSig = '"';
        continue;
      }
      if (id === "__FUNCTION__" && depth > 0 && current !== null) {
        let k = j;
        while (k < n && /\s/.test(text[k]!)) k++;
        if (text[k] === '"' || (/^(L|u8|u|U)"/.test(text.slice(k, k + 3)))) {
          out += text.slice(copied, i) + JSON.stringify(current);
          copied = j;
          replaced++;
        }
      }
      if (depth === 0) lastIdent = id;
      lastSig = "a";
      i = j;
      continue;
    }
    if (depth === 0) {
      if (c === "(") {
        if (paren === 0 && lastSig === "a" && !NOT_A_NAME.has(lastIdent)) candidate = lastIdent;
        paren++;
      } else if (c === ")") paren = Math.max(0, paren - 1);
      else if (c === ";" && paren === 0) candidate = null;
      else if (c === "{" && paren === 0) {
        current = lastSig === ")" ? candidate : null;
        depth = 1;
        lastSig = c;
        i++;
        continue;
      }
    } else if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) {
        current = null;
        candidate = null;
      }
    }
    lastSig = c;
    i++;
  }
  return { text: replaced ? out + text.slice(copied) : text, replaced };
}
