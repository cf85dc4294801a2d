/**
 * Windows include semantics: header names are case-insensitive (`#include <Ntifs.h>`,
 * `"..\Common\Debug.h"`). kmdll writes a clang VFS overlay (`-ivfsoverlay`) with
 * `case-sensitive: false` that lists the headers of the tree being built and of the include
 * folders (compat layer, mingw-w64's DDK and SDK headers); clang then finds a header whatever
 * the case it is written in, and reports the file's real path (depfiles, messages).
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeDirectory } from "../io/dirs.js";
import { dirname } from "node:path";

interface VfsDir {
  type: "directory";
  name: string;
  contents: (VfsDir | VfsFile)[];
}
interface VfsFile {
  type: "file";
  name: string;
  "external-contents": string;
}

const SKIP = new Set([".git", ".svn", "node_modules", "out", "obj"]);
const HEADER = /\.(h|hh|hpp|hxx|inl|inc|ver|rh|rc2?|mc|idl|tlh)$/i;

/** Directory entries of dir (headers only, depth-limited); counts toward budget.left. */
function walk(dir: string, depth: number, budget: { left: number }, skipOutputs: boolean): VfsDir["contents"] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: VfsDir["contents"] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (budget.left <= 0) break;
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth <= 0 || (skipOutputs && SKIP.has(e.name.toLowerCase()))) continue;
      const contents = walk(full, depth - 1, budget, skipOutputs);
      if (contents.length) out.push({ type: "directory", name: e.name, contents });
    } else if ((e.isFile() || e.isSymbolicLink()) && HEADER.test(e.name)) {
      budget.left--;
      out.push({ type: "file", name: e.name, "external-contents": full });
    }
  }
  return out;
}

/**
 * Write the overlay for a build: the tree (its headers at any depth ≤ 12) and the system include
 * folders (two levels, e.g. psdk_inc/, sys/). Returns the overlay file's path.
 */
export function writeCaseInsensitiveOverlay(file: string, tree: string, systemDirs: readonly string[]): string {
  const budget = { left: 60000 };
  const roots: VfsDir[] = [{ type: "directory", name: tree, contents: walk(tree, 12, budget, true) }];
  for (const d of systemDirs) roots.push({ type: "directory", name: d, contents: walk(d, 2, budget, false) });
  makeDirectory(dirname(file));
  writeFileSync(file, JSON.stringify({ version: 0, "case-sensitive": "false", "use-external-names": true, fallthrough: true, roots }));
  return file;
}
