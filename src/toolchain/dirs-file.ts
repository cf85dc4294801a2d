/** WDK `dirs` files (pure): the subfolders to build, in order. */
import { parseMakeVars, suggest, type Diagnostic } from "./makevars.js";
import { BUILTIN_MACROS } from "./builtin-macros.js";
import type { Located } from "./sources.js";

const toSlash = (s: string) => s.replace(/\\/g, "/");

export interface DirEntry extends Located {
  dir: string;
  optional: boolean;
}

export interface ParsedDirs {
  dirs: DirEntry[];
  diagnostics: Diagnostic[];
}

/** Parse a WDK `dirs` file: DIRS (and OPTIONAL_DIRS) list subfolders in build order. */
export function parseDirs(text: string): ParsedDirs {
  const vars = parseMakeVars(text, { builtins: BUILTIN_MACROS });
  const diagnostics: Diagnostic[] = [...vars.diagnostics];
  const dirs: DirEntry[] = [];
  for (const a of vars.assignments) {
    if (a.name === "DIRS" || a.name === "OPTIONAL_DIRS" || vars.referenced.has(a.name)) continue;
    const s = suggest(a.name, ["DIRS", "OPTIONAL_DIRS"]);
    diagnostics.push({ severity: "warning", line: a.line, col: a.col, message: `unknown variable ${a.name} in a dirs file${s ? ` (did you mean ${s}?)` : ""}; ignored` });
  }
  for (const name of ["DIRS", "OPTIONAL_DIRS"]) {
    for (const t of vars.vars.get(name)?.tokens ?? []) {
      const p = toSlash(t.text).replace(/\/+$/, "");
      const parts = p.split("/");
      if (p.startsWith("/") || /^[A-Za-z]:/.test(p) || parts.includes("..") || parts.includes(".") || p === "" || p.includes("$(") || /[{}*?]/.test(p)) {
        diagnostics.push({ severity: "error", line: t.line, col: t.col, message: `${name}: '${t.text}' is not a subfolder name (no '..', '.', absolute paths, macros or wildcards)` });
        continue;
      }
      if (dirs.some((x) => x.dir === p)) {
        diagnostics.push({ severity: "warning", line: t.line, col: t.col, message: `'${p}' is listed twice` });
        continue;
      }
      dirs.push({ dir: p, optional: name === "OPTIONAL_DIRS", line: t.line, col: t.col });
    }
  }
  if (!vars.vars.has("DIRS") && !vars.vars.has("OPTIONAL_DIRS")) diagnostics.push({ severity: "error", line: 1, col: 1, message: "DIRS is missing (the subfolders to build, in order)" });
  return { dirs, diagnostics };
}
