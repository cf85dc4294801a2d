/**
 * Loading projects from disk: a folder with a `sources` file is one project; a folder with a
 * `dirs` file lists subfolders to build in order (recursively). Paths written in these files
 * are resolved against the project folder and must stay inside the tree being built.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { readFileBytes } from "../io/file.js";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Diagnostic } from "./makevars.js";
import { dirname } from "node:path";
import { scannedFuncs } from "./wpp.js";
import { ARCH_DIRS, parseDirs, parseSources, type Arch, type LibRef, type PathRef, type SourcesProject } from "./sources.js";

export interface ProjectSource {
  /** As written in SOURCES (relative to the project folder, `/` separators). */
  rel: string;
  abs: string;
  ref: PathRef;
}

export interface Project {
  /** Absolute project folder. */
  dir: string;
  /** Absolute path of its `sources` file. */
  sourcesFile: string;
  spec: SourcesProject;
  sources: ProjectSource[];
  /** Absolute path of DLLDEF (EXPORT_DRIVER). */
  def?: string;
  /** Include folders: absolute paths, or "$(O)" for the output folder. */
  includes: string[];
  /** KMDLL_DEFLIBS, absolute. */
  defLibs: string[];
  /** .rc files, absolute. */
  resources: ProjectSource[];
  /** .mc message files, absolute. */
  messages: ProjectSource[];
  /** RUN_WPP: the trace functions the `.tmh` stubs define (from -func: and the -scan: headers). */
  wppFuncs?: string[];
  /** /FI files, absolute. */
  forceIncludes: string[];
  /** The files the sources file `!include`d (absolute), for the record. */
  included: string[];
}

export interface LoadResult<T> {
  value?: T;
  diagnostics: Diagnostic[];
  /** A user-mode project (TARGETTYPE=PROGRAM, LIBRARY, ...) that kmdll skips. */
  skipped?: boolean;
}

/** Whether p (absolute) is root or inside it. */
export function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
}

/** Resolve symlinks of the longest existing prefix (so a link cannot lead out of the tree). */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

const MAX_FILE = 4 * 1024 * 1024;

function readText(file: string, diagnostics: Diagnostic[]): string | undefined {
  try {
    const st = statSync(file);
    if (st.size > MAX_FILE) {
      diagnostics.push({ severity: "error", file, line: 1, col: 1, message: `file is too large (${st.size} bytes) for a ${file.endsWith("dirs") ? "dirs" : "sources"} file` });
      return undefined;
    }
    // readFileBytes refuses FIFOs, devices and directories (a `sources` FIFO would block for ever).
    return new TextDecoder("utf-8").decode(readFileBytes(file));
  } catch (e) {
    // readFileBytes' errors already say "PATH: cannot read file: why"; the diagnostic names the file itself.
    const why = (e as Error).message;
    diagnostics.push({ severity: "error", file, line: 1, col: 1, message: why.startsWith(`${file}: `) ? why.slice(file.length + 2) : `cannot read: ${why}` });
    return undefined;
  }
}

/** Load the project in dir (which has a `sources` file); tree is the folder paths may not leave. */
export function loadProject(dir: string, tree: string = dir, arch: Arch = "x64", defines: Readonly<Record<string, string>> = {}): LoadResult<Project> {
  const absDir = resolve(dir);
  const treeReal = real(resolve(tree));
  const sourcesFile = join(absDir, "sources");
  const diagnostics: Diagnostic[] = [];
  const text = readText(sourcesFile, diagnostics);
  if (text === undefined) return { diagnostics };
  const included: string[] = [];
  // `!include`: relative to the including file's folder, then the project folder; never outside the tree.
  const include = (path: string, from: string | undefined) => {
    const p = path.replace(/\\/g, "/");
    if (p.includes("$(") || p === "") return { skip: `!include '${path}' names a file of the WDK's build environment; not read` };
    if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return { error: `!include '${path}': absolute paths are not allowed` };
    const candidates = [resolve(from ? dirname(from) : absDir, p), resolve(absDir, p)];
    const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
    const abs = found ?? candidates[0]!;
    if (!inside(treeReal, real(abs)) && !inside(resolve(tree), abs)) return { error: `!include '${path}' leads outside the project tree ${tree}` };
    if (!inside(treeReal, real(abs))) return { error: `!include '${path}' leads outside the project tree through a symbolic link` };
    if (!found) return { error: `!include '${path}': file not found` };
    const sub: Diagnostic[] = [];
    const t = readText(found, sub);
    if (t === undefined) return { error: sub[0]?.message ?? `cannot read ${path}` };
    included.push(found);
    return { file: found, text: t };
  };
  const parsed = parseSources(text, { arch, include, defines, file: sourcesFile });
  for (const d of parsed.diagnostics) diagnostics.push({ ...d, file: d.file ?? sourcesFile });
  const spec = parsed.project;
  if (!spec) return { diagnostics, ...(parsed.skipped ? { skipped: true } : {}) };

  const err = (at: PathRef | LibRef, message: string) => diagnostics.push({ severity: "error", file: at.inFile ?? sourcesFile, line: at.line, col: at.col, message });
  /** Resolve a path written in the sources file; undefined (with a diagnostic) if it escapes the tree. */
  const resolveIn = (ref: PathRef, what: string, p: string = ref.path): string | undefined => {
    const abs = resolve(absDir, p);
    if (!inside(treeReal, real(abs)) && !inside(resolve(tree), abs)) {
      err(ref, `${what} '${p}' is outside the project tree ${tree}; kmdll reads only files inside the folder being built`);
      return undefined;
    }
    if (!inside(treeReal, real(abs))) {
      err(ref, `${what} '${p}' leads outside the project tree through a symbolic link`);
      return undefined;
    }
    return abs;
  };

  // The WDK looks for a source in the project folder and in the arch's folder (amd64\\, i386\\);
  // AMD64_SOURCES/I386_SOURCES in the arch folder first.
  const isFile = (f: string) => existsSync(f) && statSync(f).isFile();
  const locate = (s: PathRef, what: string, out: ProjectSource[]) => {
    const rels = s.archDir ? [`${s.archDir}/${s.path}`, s.path] : [s.path, `${ARCH_DIRS[arch]}/${s.path}`];
    const rel = rels.find((r) => isFile(resolve(absDir, r))) ?? s.path;
    const abs = resolveIn(s, what, rel);
    if (!abs) return;
    if (!isFile(abs)) err(s, `${what} '${s.path}' not found in ${absDir}`);
    else out.push({ rel, abs, ref: s });
  };
  const sources: ProjectSource[] = [];
  for (const s of spec.sources) locate(s, "source file", sources);
  const resources: ProjectSource[] = [];
  for (const s of spec.resources) locate(s, "resource file", resources);
  const messages: ProjectSource[] = [];
  for (const s of spec.messages) locate(s, "message file", messages);
  let wppFuncs: string[] | undefined;
  if (spec.wpp) {
    wppFuncs = [...spec.wpp.funcs];
    for (const sc of spec.wpp.scans) {
      const abs = resolveIn(sc, "RUN_WPP -scan: file");
      const t = abs && isFile(abs) ? readText(abs, diagnostics) : undefined;
      if (abs && t === undefined) err(sc, `RUN_WPP: -scan: file '${sc.path}' not found in ${absDir}`);
      for (const f of t !== undefined ? scannedFuncs(t) : []) if (!wppFuncs.includes(f)) wppFuncs.push(f);
    }
  }
  let def: string | undefined;
  if (spec.def) {
    def = resolveIn(spec.def, "DLLDEF");
    if (def && !isFile(def)) {
      err(spec.def, spec.defDefaulted ? `TARGETTYPE=EXPORT_DRIVER without DLLDEF: the default ${spec.def.path} is not in ${absDir} (set DLLDEF=<name>.def)` : `DLLDEF file '${spec.def.path}' not found in ${absDir}`);
      def = undefined;
    }
  }
  const forceIncludes: string[] = [];
  for (const f of spec.forceIncludes) {
    const abs = resolveIn(f, "/FI file");
    if (abs && isFile(abs)) forceIncludes.push(abs);
    else if (abs) err(f, `/FI file '${f.path}' not found in ${absDir}`);
  }
  const includes: string[] = [];
  for (const i of spec.includes) {
    if (i.path === "$(O)") {
      includes.push("$(O)");
      continue;
    }
    const abs = resolveIn(i, "include folder");
    if (!abs) continue;
    if (!existsSync(abs) || !statSync(abs).isDirectory()) diagnostics.push({ severity: "warning", file: i.inFile ?? sourcesFile, line: i.line, col: i.col, message: `include folder '${i.path}' does not exist` });
    includes.push(abs);
  }
  const defLibs: string[] = [];
  for (const l of spec.defLibs) {
    const abs = resolveIn(l, "KMDLL_DEFLIBS file");
    if (!abs) continue;
    if (!existsSync(abs) || !statSync(abs).isFile()) err(l, `KMDLL_DEFLIBS file '${l.path}' not found in ${absDir}`);
    else defLibs.push(abs);
  }
  for (const l of spec.libs) if (l.kind === "file") resolveIn({ path: l.path, line: l.line, col: l.col }, "library");

  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  return { value: { dir: absDir, sourcesFile, spec, sources, ...(def ? { def } : {}), includes, defLibs, resources, messages, ...(wppFuncs ? { wppFuncs } : {}), forceIncludes, included }, diagnostics };
}

/**
 * The projects under dir in build order: dir itself if it has a `sources` file, else the
 * folders its `dirs` file lists (recursively). tree: the folder no path may leave (default dir).
 */
export function loadTree(dir: string, tree: string = dir, arch: Arch = "x64", defines: Readonly<Record<string, string>> = {}): LoadResult<Project[]> {
  const diagnostics: Diagnostic[] = [];
  const projects: Project[] = [];
  const seen = new Set<string>();
  const skipped: Diagnostic[] = [];
  const treeAbs = resolve(tree);

  const visit = (d: string): void => {
    const key = real(d);
    if (seen.has(key)) {
      diagnostics.push({ severity: "error", file: join(d, "dirs"), line: 1, col: 1, message: `${d} is reached twice (a dirs cycle or a repeated folder)` });
      return;
    }
    seen.add(key);
    const dirsFile = join(d, "dirs");
    if (existsSync(dirsFile)) {
      const text = readText(dirsFile, diagnostics);
      if (text === undefined) return;
      const parsed = parseDirs(text);
      for (const x of parsed.diagnostics) diagnostics.push({ ...x, file: dirsFile });
      if (parsed.diagnostics.some((x) => x.severity === "error")) return;
      for (const e of parsed.dirs) {
        const sub = join(d, e.dir);
        if (!inside(real(treeAbs), real(sub))) {
          diagnostics.push({ severity: "error", file: dirsFile, line: e.line, col: e.col, message: `'${e.dir}' leads outside the tree through a symbolic link` });
          continue;
        }
        if (!existsSync(sub) || !statSync(sub).isDirectory()) {
          if (!e.optional) diagnostics.push({ severity: "error", file: dirsFile, line: e.line, col: e.col, message: `folder '${e.dir}' not found in ${d}` });
          continue;
        }
        if (!existsSync(join(sub, "sources")) && !existsSync(join(sub, "dirs"))) {
          diagnostics.push({ severity: "error", file: dirsFile, line: e.line, col: e.col, message: `folder '${e.dir}' has neither a sources nor a dirs file` });
          continue;
        }
        visit(sub);
      }
      // A folder with both files: its subfolders first, then its own project (the WDK's order).
      if (!existsSync(join(d, "sources"))) return;
    }
    if (existsSync(join(d, "sources"))) {
      const r = loadProject(d, treeAbs, arch, defines);
      diagnostics.push(...r.diagnostics);
      if (r.skipped) skipped.push(r.diagnostics[r.diagnostics.length - 1]!);
      if (r.value) projects.push(r.value);
      return;
    }
    diagnostics.push({ severity: "error", file: join(d, "sources"), line: 1, col: 1, message: `no sources or dirs file in ${d}` });
  };

  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    diagnostics.push({ severity: "error", file: abs, line: 1, col: 1, message: "not a folder" });
    return { diagnostics };
  }
  visit(abs);
  // Only user-mode projects: nothing kmdll can build is an input error.
  if (projects.length === 0 && skipped.length) {
    for (const w of skipped) {
      diagnostics.splice(diagnostics.indexOf(w), 1, { ...w, severity: "error", message: w.message.replace(/; kmdll skips this project$/, "; kmdll builds EXPORT_DRIVER, DRIVER and DRIVER_LIBRARY (nothing to build)") });
    }
  }
  // Two projects with the same output name would overwrite each other.
  const byName = new Map<string, Project>();
  for (const p of projects) {
    const k = `${p.spec.targetPath?.path ?? ""}/${p.spec.name}`.toLowerCase();
    const prev = byName.get(k);
    if (prev) diagnostics.push({ severity: "error", file: p.sourcesFile, line: 1, col: 1, message: `TARGETNAME ${p.spec.name} is also built by ${prev.sourcesFile}; outputs would collide` });
    byName.set(k, p);
  }
  if (diagnostics.some((x) => x.severity === "error")) return { diagnostics };
  return { value: projects, diagnostics };
}
