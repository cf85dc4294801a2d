/**
 * MSVC C that clang rejects but cl.exe accepts, repaired without touching the user's files:
 * a prototype whose parameter list names only identifiers that are not types where it appears
 * (`extern BOOLEAN WvBusAddDev(IN WV_SP_DEV_T);` before WV_SP_DEV_T is declared). cl.exe reads it
 * as an old-style identifier list and declares the function without a prototype (warning C4131
 * level); clang stops ("a parameter list without types is only allowed in a function definition").
 *
 * When clang reports that error, kmdll writes a copy of the file with that parameter list emptied
 * (`WvBusAddDev()`: a declaration without a prototype, what cl.exe makes of it; line and column
 * numbers kept), maps the original path to the copy with a clang VFS overlay (messages and
 * depfiles still name the original), compiles again, and warns at the position. The rewrite is a
 * pure function; the I/O is in `runClangWithFixups`.
 *
 * Likewise a prototype whose parameter types differ from the definition's (`DriverEntry(PVOID,
 * PVOID);` then `DriverEntry(PDRIVER_OBJECT, PUNICODE_STRING)`, OpenXT's xenevtchn): cl.exe warns
 * (C4028), clang stops ("conflicting types"); the copy declares it without a prototype.
 *
 * Likewise `__declspec(inline)` (OpenXT's xscompat.h), which cl.exe takes for `__inline` and clang
 * rejects ("__declspec attributes must be an identifier"): the copy says `__inline`.
 *
 * Likewise a struct/union tag first declared in a prototype (`int f(struct S *p);` before any
 * `struct S`): cl.exe gives the tag file scope (warning C4115), clang prototype scope, so the
 * definition that follows "conflicts". When such a compile fails, kmdll declares the tags at file
 * scope first (`struct S;` in a header passed with -include) and compiles again.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { makeDirectory } from "../io/dirs.js";
import { runTool, type ToolRun } from "./run.js";
import { nameFunctionLiterals } from "./msvc-function-name.js";

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

const IDENT_LIST = /^(.+?):(\d+):(\d+): error: a parameter list without types is only allowed in a function definition$/gm;

/** The positions of clang's "parameter list without types" errors (paths resolved against cwd). */
export function identListErrors(stderr: string, cwd: string): SourcePosition[] {
  const seen = new Set<string>();
  const out: SourcePosition[] = [];
  for (const m of stderr.matchAll(IDENT_LIST)) {
    const file = isAbsolute(m[1]!) ? m[1]! : resolve(cwd, m[1]!);
    const key = `${file}:${m[2]}:${m[3]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, line: Number(m[2]), col: Number(m[3]) });
  }
  return out;
}

/** The string offset of (line, col), both 1-based, as a compiler diagnostic gives them; undefined past the last line. */
function offsetAt(text: string, line: number, col: number): number | undefined {
  let at = 0;
  for (let l = 1; l < line; l++) {
    at = text.indexOf("\n", at);
    if (at < 0) return undefined;
    at++;
  }
  return at + col - 1;
}

/**
 * Empty the parenthesised parameter list around (line, col) (1-based), keeping every newline so
 * positions after it do not move. Undefined when the position is not inside a parameter list.
 */
export function emptyParameterList(text: string, line: number, col: number): string | undefined {
  const at = offsetAt(text, line, col);
  if (at === undefined) return undefined;
  if (at >= text.length) return undefined;
  // Back to the '(' that opens the list (identifiers, whitespace, commas and comments only).
  let open = at - 1;
  while (open >= 0 && text[open] !== "(") {
    if (!/[\w\s,]/.test(text[open]!)) return undefined;
    open--;
  }
  let close = at;
  while (close < text.length && text[close] !== ")") {
    if (!/[\w\s,]/.test(text[close]!)) return undefined;
    close++;
  }
  if (open < 0 || close >= text.length) return undefined;
  const inner = text.slice(open + 1, close).replace(/[^\n]/g, " ");
  return text.slice(0, open + 1) + inner + text.slice(close);
}

/** A clang VFS overlay mapping each original file to its repaired copy (messages name the original). */
function overlayJson(map: ReadonlyMap<string, string>): string {
  const byDir = new Map<string, { type: "file"; name: string; "external-contents": string }[]>();
  for (const [orig, copy] of map) {
    const list = byDir.get(dirname(orig)) ?? [];
    list.push({ type: "file", name: basename(orig), "external-contents": copy });
    byDir.set(dirname(orig), list);
  }
  const roots = [...byDir].map(([name, contents]) => ({ type: "directory", name, contents }));
  return JSON.stringify({ version: 0, "case-sensitive": "false", "use-external-names": false, fallthrough: true, roots });
}

const PROTOTYPE_TAG = /^(.+?):(\d+):(\d+): warning: declaration of '(struct|union) (\w+)' will not be visible outside of this function \[-Wvisibility\]$/gm;

/** Tags clang says a prototype declares in prototype scope ("will not be visible outside of this function"). */
export function prototypeScopeTags(stderr: string, cwd: string): (SourcePosition & { tag: string })[] {
  const seen = new Set<string>();
  const out: (SourcePosition & { tag: string })[] = [];
  for (const m of stderr.matchAll(PROTOTYPE_TAG)) {
    const tag = `${m[4]} ${m[5]}`;
    if (seen.has(tag)) continue;
    seen.add(tag);
    out.push({ file: isAbsolute(m[1]!) ? m[1]! : resolve(cwd, m[1]!), line: Number(m[2]), col: Number(m[3]), tag });
  }
  return out;
}

const DECLSPEC_KEYWORD = /^(.+?):(\d+):(\d+): error: __declspec attributes must be an identifier or string literal$/gm;

/** The positions of clang's "__declspec attributes must be an identifier" errors (`__declspec(inline)`). */
export function declspecKeywordErrors(stderr: string, cwd: string): SourcePosition[] {
  return [...stderr.matchAll(DECLSPEC_KEYWORD)].map((m) => ({ file: isAbsolute(m[1]!) ? m[1]! : resolve(cwd, m[1]!), line: Number(m[2]), col: Number(m[3]) }));
}

/**
 * `__declspec(inline)` at (line, col) → `__inline`, padded with spaces so positions do not move
 * (cl.exe accepts the keyword as a declspec; clang does not). Undefined when it is not there.
 */
export function declspecInline(text: string, line: number, col: number): string | undefined {
  const at = offsetAt(text, line, col);
  if (at === undefined) return undefined;
  if (text.slice(at, at + 6) !== "inline") return undefined;
  const before = /_?_declspec\s*\(\s*$/.exec(text.slice(Math.max(0, at - 40), at));
  const after = /^\s*\)/.exec(text.slice(at + 6));
  if (!before || !after) return undefined;
  const start = at - before[0].length;
  const end = at + 6 + after[0].length;
  const span = text.slice(start, end);
  return text.slice(0, start) + "__inline" + span.slice(8).replace(/[^\n]/g, " ") + text.slice(end);
}

/** "conflicting types for 'f'" errors → the earlier declaration clang names in its note. */
export function conflictingPrototypes(stderr: string, cwd: string): (SourcePosition & { name: string })[] {
  const lines = stderr.split("\n");
  const out: (SourcePosition & { name: string })[] = [];
  lines.forEach((l, i) => {
    const e = /: error: conflicting types for '(\w+)'$/.exec(l);
    if (!e) return;
    for (const n of lines.slice(i + 1, i + 8)) {
      const m = /^(.+?):(\d+):(\d+): note: previous declaration is here$/.exec(n);
      if (!m) continue;
      out.push({ file: isAbsolute(m[1]!) ? m[1]! : resolve(cwd, m[1]!), line: Number(m[2]), col: Number(m[3]), name: e[1]! });
      break;
    }
  });
  return out;
}

/**
 * The prototype of `name` declared at (line, col) without its parameter types (`f();`, spaces
 * keeping positions), so a later definition with other (pointer) parameter types is compatible,
 * as cl.exe takes it (C4028, a warning). Undefined unless it is a declaration ending in `;`.
 */
export function emptyPrototypeAt(text: string, line: number, col: number, name: string): string | undefined {
  const at = offsetAt(text, line, col);
  if (at === undefined) return undefined;
  if (text.slice(at, at + name.length) !== name) return undefined;
  const open = /^\s*\(/.exec(text.slice(at + name.length));
  if (!open) return undefined;
  const start = at + name.length + open[0].length;
  let depth = 1;
  let end = start;
  for (; end < text.length && depth > 0; end++) {
    if (/[;{}]/.test(text[end]!)) return undefined;
    if (text[end] === "(") depth++;
    else if (text[end] === ")") depth--;
  }
  if (depth !== 0 || !/^\s*;/.test(text.slice(end))) return undefined;
  return text.slice(0, start) + text.slice(start, end - 1).replace(/[^\n]/g, " ") + text.slice(end - 1);
}

const MAX_ROUNDS = 16;

/**
 * Run clang; while it stops on identifier-list prototypes, repair them (copies under fixDir) and
 * run again. The warnings name each repaired position (once per `warned` set); other errors are
 * returned as they are.
 */
export async function runClangWithFixups(clang: string, args: readonly string[], cwd: string, fixDir: string, warned: Set<string> = new Set()): Promise<ToolRun> {
  let run = await runTool(clang, [...args], cwd);
  const texts = new Map<string, string>(); // original file → repaired text
  const tags = new Set<string>(); // declared at file scope
  const warnings: string[] = [];
  let extra: string[] = [];
  for (let round = 0; round < MAX_ROUNDS && run.code !== 0; round++) {
    const errors = identListErrors(run.stderr, cwd);
    let changed = false;
    for (const t of prototypeScopeTags(run.stderr, cwd)) {
      if (tags.has(t.tag)) continue;
      tags.add(t.tag);
      changed = true;
      warnings.push(`${t.file}:${t.line}:${t.col}: warning: cl.exe gives '${t.tag}', first declared in this prototype, file scope; kmdll declared it at file scope before the source\n`);
    }
    const repair = (at: { file: string; line: number; col: number }, fix: (text: string) => string | undefined, why: string): void => {
      let text = texts.get(at.file);
      if (text === undefined) {
        try {
          text = readFileSync(at.file, "latin1");
        } catch {
          return;
        }
      }
      const fixed = fix(text);
      if (fixed === undefined || fixed === text) return;
      texts.set(at.file, fixed);
      changed = true;
      warnings.push(`${at.file}:${at.line}:${at.col}: warning: ${why}\n`);
    };
    for (const e of conflictingPrototypes(run.stderr, cwd)) {
      repair(e, (text) => emptyPrototypeAt(text, e.line, e.col, e.name), `cl.exe accepts a definition of '${e.name}' whose parameter types differ from this prototype (C4028); kmdll compiled this declaration without a prototype`);
    }
    for (const e of declspecKeywordErrors(run.stderr, cwd)) {
      repair(e, (text) => declspecInline(text, e.line, e.col), "cl.exe accepts __declspec(inline); kmdll compiled it as __inline");
    }
    for (const e of errors) {
      repair(e, (text) => emptyParameterList(text, e.line, e.col), "cl.exe reads this parameter list as an old-style identifier list (no type of that name is declared here); kmdll compiled the declaration without a prototype, as cl.exe does");
    }
    if (!changed) break;
    makeDirectory(fixDir);
    extra = [];
    if (tags.size) {
      const header = join(fixDir, "file-scope-tags.h");
      writeFileSync(header, [...tags].map((t) => `${t};\n`).join(""));
      extra.push("-include", header);
    }
    const copies = new Map<string, string>();
    let n = 0;
    for (const [file, text] of texts) {
      const copy = join(fixDir, `${n++}-${basename(file)}`);
      writeFileSync(copy, text, "latin1");
      copies.set(file, copy);
    }
    if (copies.size) {
      const overlay = join(fixDir, "overlay.json");
      writeFileSync(overlay, overlayJson(copies));
      extra.push("-ivfsoverlay", overlay);
    }
    run = await runTool(clang, [...extra, ...args], cwd);
  }
  if (run.code !== 0 && /: error: /.test(run.stderr)) {
    const named = await compileWithFunctionNames(clang, [...extra, ...args], cwd, fixDir);
    if (named) {
      run = named.run;
      warnings.push(named.warning);
    }
  }
  // Each repaired position is reported once per project (`warned`), not once per file including it.
  const fresh = warnings.filter((w) => !warned.has(w));
  for (const w of fresh) warned.add(w);
  return fresh.length ? { ...run, stderr: fresh.join("") + run.stderr } : run;
}

/**
 * MSVC's `__FUNCTION__ "literal"` concatenation (msvc-function-name.ts): preprocess the file as
 * the compile would (same flags; the depfile is written by this step), give each such
 * `__FUNCTION__` its function's name, and compile the preprocessed text. Undefined when the file
 * has no such use (the original result stands).
 */
async function compileWithFunctionNames(clang: string, args: readonly string[], cwd: string, fixDir: string): Promise<{ run: ToolRun; warning: string } | undefined> {
  const c = args.indexOf("-c");
  const o = args.indexOf("-o");
  if (c < 0 || o < 0 || c + 1 >= args.length || o + 1 >= args.length) return undefined;
  const source = args[c + 1]!;
  makeDirectory(fixDir);
  const pre = join(fixDir, `${basename(source)}.i`);
  const pp = [...args];
  pp[c] = "-E";
  pp[o + 1] = pre;
  const e = await runTool(clang, pp, cwd);
  if (e.code !== 0) return undefined;
  const named = nameFunctionLiterals(readFileSync(pre, "latin1"));
  if (named.replaced === 0) return undefined;
  writeFileSync(pre, named.text, "latin1");
  // The preprocessed text has the forced includes in it already, and its dependencies were recorded by -E.
  const cc: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-include" || a === "-MF" || a === "-MT") {
      i++;
      continue;
    }
    if (a === "-MD" || a === "-MMD") continue;
    if (i === c + 1) cc.push("-x", /\.(cpp|cc|cxx)$/i.test(source) ? "c++-cpp-output" : "cpp-output", pre);
    else cc.push(a);
  }
  const run = await runTool(clang, [...cc, "-Wno-unused-command-line-argument"], cwd);
  const file = isAbsolute(source) ? source : resolve(cwd, source);
  return {
    run,
    warning: `${file}:1:1: warning: cl.exe concatenates __FUNCTION__ with the string literals after it (clang 14 cannot); kmdll compiled the preprocessed file with the name of the enclosing function as a literal in ${named.replaced} place(s)\n`,
  };
}
