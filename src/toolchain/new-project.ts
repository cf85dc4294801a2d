/**
 * `kmdll new`: write a template project into `<workspace>/<name>/` and list it in the
 * workspace's `dirs` file (created when missing), so `kmdll build <workspace>` builds every
 * project in order. Layout:
 *
 *   workspace/dirs          DIRS= foo bar
 *   workspace/foo/          export driver (foo.c foo.h foo.def sources README.md)
 *   workspace/bar/          driver importing foo (INCLUDES=..\foo, TARGETLIBS=$(O)\foo.lib)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { makeDirectoryInside, resolveInside, writeFileInside } from "../io/output.js";
import { join, resolve } from "node:path";
import { KmdllError } from "../errors.js";
import { parseMakeVars } from "./makevars.js";
import { BUILTIN_MACROS, parseDirs, parseSources } from "./sources.js";
import { kmdfDriverTemplate } from "./kmdf-template.js";
import { dirsFile, driverTemplate, exportDriverTemplate, exportedRoutine, nameProblem, type ImportSpec } from "./templates.js";

export type TemplateKind = "export-driver" | "driver" | "kmdf-driver";

export interface NewOptions {
  /** Workspace folder (default "."): the project goes to `<workspace>/<name>`. */
  workspace?: string;
  /** For "driver": the export driver (its TARGETNAME) to import one routine from. */
  imports?: string;
}

export interface NewResult {
  kind: TemplateKind;
  name: string;
  project: string;
  files: string[];
  /** The workspace's dirs file and its build order afterwards. */
  dirsFile: string;
  buildOrder: string[];
  imports?: ImportSpec;
}

function findExportDriver(workspace: string, name: string): { dir: string; folder: string; def?: string } | undefined {
  let entries: string[] = [];
  try {
    entries = readdirSync(workspace);
  } catch {
    return undefined;
  }
  // A folder named like the export driver first, then any folder whose TARGETNAME matches.
  const ordered = [...entries.filter((e) => e === name), ...entries.filter((e) => e !== name)];
  for (const e of ordered) {
    const dir = join(workspace, e);
    const src = join(dir, "sources");
    if (!existsSync(src) || !statSync(dir).isDirectory()) continue;
    const parsed = parseSources(readFileSync(src, "utf8"));
    const v = parsed.vars.vars;
    if (v.get("TARGETNAME")?.value !== name) continue;
    if (v.get("TARGETTYPE")?.value !== "EXPORT_DRIVER") throw new KmdllError(`--imports ${name}: ${src} is not an export driver (TARGETTYPE=${v.get("TARGETTYPE")?.value ?? "?"})`);
    const defRel = v.get("DLLDEF")?.value;
    return { dir, folder: e, ...(defRel ? { def: resolve(dir, defRel.replace(/\\/g, "/")) } : {}) };
  }
  return undefined;
}

/** The first routine a .def exports to importers (not PRIVATE, DATA or CONSTANT). */
function firstImportable(defText: string): string | undefined {
  let inExports = false;
  for (const raw of defText.split(/\r?\n/)) {
    const line = raw.replace(/;.*/, "").trim();
    if (!line) continue;
    const first = line.split(/\s+/)[0]!;
    if (/^(EXPORTS)$/.test(first)) {
      inExports = true;
      const rest = line.slice(first.length).trim();
      if (!rest) continue;
    } else if (/^(LIBRARY|NAME|HEAPSIZE|STACKSIZE|VERSION|SECTIONS|SEGMENTS|DESCRIPTION|STUB)$/.test(first)) {
      inExports = false;
      continue;
    }
    if (!inExports) continue;
    const words = line.replace(/^EXPORTS\s*/, "").split(/\s+/);
    if (words.some((w) => w === "PRIVATE" || w === "DATA" || w === "CONSTANT")) continue;
    const n = words[0]!.replace(/^"|"$/g, "").split("=")[0]!.split("@")[0]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && n !== "DllInitialize" && n !== "DllUnload") return n;
  }
  return undefined;
}

/** Add dir to the DIRS list of the workspace's dirs file (creating it); returns the build order. */
function addToDirs(workspace: string, dirs: string[]): string[] {
  const file = join(workspace, "dirs");
  // Written through a temporary file and a rename, never through a link leaving the workspace.
  const save = (text: string) => void writeFileInside(workspace, "dirs", text, file);
  const real = resolveInside(workspace, "dirs", file);
  if (!existsSync(real)) {
    save(dirsFile(dirs));
    return dirs;
  }
  const text = readFileSync(real, "utf8");
  const parsed = parseDirs(text);
  const errors = parsed.diagnostics.filter((d) => d.severity === "error" && !/DIRS is missing/.test(d.message));
  if (errors.length) throw new KmdllError(`${file}:${errors[0]!.line}:${errors[0]!.col}: ${errors[0]!.message}; fix it before adding projects`);
  const order = parsed.dirs.map((d) => d.dir);
  const add = dirs.filter((d) => !order.includes(d));
  if (add.length === 0) return order;
  const vars = parseMakeVars(text, { builtins: BUILTIN_MACROS });
  const a = vars.vars.get("DIRS");
  const lines = text.split(/\r?\n/);
  const nl = text.includes("\r\n") ? "\r\n" : "\n";
  if (!a) {
    const body = text.endsWith("\n") || text === "" ? text : text + nl;
    save(body + `DIRS= \\${nl}${add.map((d) => `    ${d}`).join(` \\${nl}`)}${nl}`);
  } else {
    const i = a.endLine - 1;
    const line = lines[i]!;
    const hash = line.indexOf("#");
    const code = (hash >= 0 ? line.slice(0, hash) : line).replace(/\s+$/, "");
    const comment = hash >= 0 ? " " + line.slice(hash) : "";
    lines[i] = (a.tokens.length ? `${code} \\` : `${code} \\`) + comment;
    lines.splice(i + 1, 0, add.map((d) => `    ${d}`).join(` \\${nl}`));
    save(lines.join(nl));
  }
  return [...order, ...add];
}

/** Create a project from a template. */
export function newProject(kind: TemplateKind, name: string, options: NewOptions = {}): NewResult {
  const problem = nameProblem(name);
  if (problem) throw new KmdllError(problem);
  const workspace = resolve(options.workspace ?? ".");
  if (existsSync(workspace) && !statSync(workspace).isDirectory()) throw new KmdllError(`${workspace} is not a folder`);
  if (existsSync(join(workspace, "sources"))) {
    throw new KmdllError(`${workspace} is itself a project (it has a sources file); create new projects in a workspace folder (one with a dirs file, or an empty one)`);
  }
  const project = join(workspace, name);
  // A project folder (or dirs file) that is a symbolic link leading elsewhere is refused here, before anything is written.
  const realProject = existsSync(workspace) ? resolveInside(workspace, name, project) : project;
  if (existsSync(workspace)) resolveInside(workspace, "dirs", join(workspace, "dirs"));
  if (existsSync(realProject) && (!statSync(realProject).isDirectory() || readdirSync(realProject).length > 0)) {
    throw new KmdllError(`${project} already exists and is not empty; choose another name or folder`);
  }
  let imports: ImportSpec | undefined;
  const order: string[] = [];
  if (kind === "driver" && options.imports !== undefined) {
    const ip = nameProblem(options.imports);
    if (ip) throw new KmdllError(`--imports: ${ip}`);
    if (options.imports === name) throw new KmdllError(`--imports: a driver cannot import itself (${name})`);
    const found = findExportDriver(workspace, options.imports);
    if (!found) {
      throw new KmdllError(`--imports ${options.imports}: no export driver with TARGETNAME=${options.imports} in ${workspace}; create it first with \`kmdll new export-driver ${options.imports}${options.workspace ? " " + options.workspace : ""}\``);
    }
    const header = join(found.dir, `${options.imports}.h`);
    const routine = exportedRoutine(options.imports);
    const isTemplate = existsSync(header) && readFileSync(header, "utf8").includes(`${options.imports.toUpperCase()}_API int ${routine}(int a, int b);`);
    if (isTemplate) imports = { name: options.imports, routine, includeDir: `../${found.folder}`, header: `${options.imports}.h`, templateSignature: true };
    else {
      const r = found.def && existsSync(found.def) ? firstImportable(readFileSync(found.def, "utf8")) : undefined;
      if (!r) throw new KmdllError(`--imports ${options.imports}: its .def exports no routine a driver can import (all PRIVATE or DATA)`);
      imports = { name: options.imports, routine: r, templateSignature: false };
    }
    order.push(found.folder);
  }
  order.push(name);
  const files = kind === "export-driver" ? exportDriverTemplate(name) : kind === "kmdf-driver" ? kmdfDriverTemplate(name) : driverTemplate(name, imports);
  makeDirectoryInside(workspace, name, project);
  for (const f of files) writeFileInside(workspace, join(name, f.path), f.text, join(project, f.path));
  const dirs = join(workspace, "dirs");
  const buildOrder = addToDirs(workspace, order);
  if (imports) {
    const a = buildOrder.indexOf(order[0]!);
    const b = buildOrder.indexOf(name);
    if (a > b) throw new KmdllError(`${dirs}: ${order[0]} is listed after ${name}; move it before (the export library must be built first)`);
  }
  return { kind, name, project, files: files.map((f) => join(project, f.path)), dirsFile: dirs, buildOrder, ...(imports ? { imports } : {}) };
}
