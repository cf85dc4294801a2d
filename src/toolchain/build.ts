/**
 * `kmdll build`: compile each project's sources with clang, link with lld-link (SPEC §4), write
 * the export library of an EXPORT_DRIVER from its DLLDEF, archive a DRIVER_LIBRARY, and check
 * the result. Byte-reproducible; incremental (a step whose inputs, flags and toolchain did not
 * change is skipped).
 */
import { copyFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { makeDirectory } from "../io/dirs.js";
import { copyFileInside } from "../io/output.js";
import { availableParallelism } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { KmdllError } from "../errors.js";
import type { FileStamp } from "./cache.js";
import { discoverToolchain } from "./discover.js";
import type { BuildFinding } from "./integrations.js";
import type { Diagnostic } from "./makevars.js";
import { BuildInputError } from "./input-error.js";
import { inside, loadTree, type LoadResult, type Project } from "./project.js";
import { buildProject, COMPAT_INCLUDE, type Ctx } from "./project-build.js";
import { ALL_ARCHES, parseDirs, type Arch } from "./sources.js";
import { supportLibrary } from "./support-lib.js";
import { writeCaseInsensitiveOverlay } from "./vfs.js";

export { BuildInputError };

export interface BuildOptions {
  /** Arches to build (default: each project's KMDLL_ARCHES, x64 and x86). */
  arches?: Arch[];
  /** Output folder (default `<workspace>/out`, see findWorkspace); products go to `<out>/<arch>/`. */
  out?: string;
  /** Intermediate files and build state (default `<out>/obj`). */
  obj?: string;
  /** Only these project folders (relative to dir, `/` separators) and the projects under them; the others are skipped. */
  only?: string[];
  /** Run `check` on each image (default true). */
  check?: boolean;
  /**
   * Also copy the built .sys files into `<install>/System32/drivers/` (a SystemRoot for
   * `kmdll sim --root` and `kmdll check --root`). Needs exactly one arch.
   */
  install?: string;
  /** Rebuild everything, ignoring the incremental state. */
  force?: boolean;
  /** Parallel compiler processes (default: available cores). */
  jobs?: number;
  env?: NodeJS.ProcessEnv;
  /** Progress: called after each step. */
  onStep?: (step: StepReport, project: ProjectResult) => void;
  /**
   * The folder no path written in the sources files may leave (default: the workspace). A
   * project whose INCLUDES reach `..\\..\\common\\include` of its repository is built with the
   * repository as its tree.
   */
  tree?: string;
  /** Macros of the build environment (NMAKE reads environment variables as macros), e.g. a project's own `COMMON_DIR`. */
  defines?: Record<string, string>;
  /** Go on with the other projects after one fails (its dependents fail or are skipped). */
  keepGoing?: boolean;
  /** Windows include semantics (case-insensitive header names; default true). */
  caseInsensitiveIncludes?: boolean;
}

export type StepKind = "compile" | "link" | "archive" | "export-library";

export interface StepReport {
  kind: StepKind;
  /** The input (source file) or output it produced. */
  file: string;
  status: "ran" | "up-to-date" | "failed";
}

export interface ProjectResult {
  name: string;
  type: Project["spec"]["type"];
  arch: Arch;
  dir: string;
  status: "built" | "up-to-date" | "failed" | "skipped";
  /** Products (absolute paths). */
  outputs: string[];
  steps: StepReport[];
  /** The tools' messages when a step failed (positions relative to the working folder). */
  errors?: string;
  /** `check` findings; undefined when not run. */
  findings?: BuildFinding[];
  /** Why it was skipped. */
  reason?: string;
}

export interface BuildResult {
  ok: boolean;
  out: string;
  /** Warnings from the sources/dirs files. */
  diagnostics: Diagnostic[];
  projects: ProjectResult[];
  /** Drivers copied by `install`. */
  installed?: string[];
}

/** Build the project or `dirs` tree in dir. */
export async function build(dir: string, options: BuildOptions = {}): Promise<BuildResult> {
  try {
    return await buildTree(dir, options);
  } catch (e) {
    // File-system failures (an --out that is a file, no permission, disk full) are the user's to fix.
    const err = e as NodeJS.ErrnoException;
    if (!(e instanceof KmdllError) && err && typeof err.code === "string" && typeof err.syscall === "string") {
      throw new KmdllError(`${err.path ?? dir}: ${err.syscall} failed: ${err.code} (${err.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "")})`);
    }
    throw e;
  }
}

async function buildTree(dir: string, options: BuildOptions): Promise<BuildResult> {
  // A project inside a workspace (listed by its parent's dirs file) is built as part of it:
  // paths may reach its siblings, $(O) is the workspace's output folder, only it is built.
  const requested = resolve(dir);
  if (!existsSync(requested) || !statSync(requested).isDirectory()) throw new KmdllError(`${dir}: no such folder`);
  const tree = findWorkspace(requested);
  const subset = tree === requested ? undefined : relative(tree, requested).replace(/\\/g, "/");
  // The tree is read once per arch: `!if` branches, *_SOURCES and environment macros differ.
  const candidates = options.arches ?? [...ALL_ARCHES];
  const loadedBy = new Map<Arch, LoadResult<Project[]>>();
  const boundary = options.tree !== undefined ? resolve(options.tree) : tree;
  if (!inside(boundary, tree)) throw new KmdllError(`--tree ${options.tree}: ${dir} is not inside it`);
  for (const a of candidates) loadedBy.set(a, loadTree(tree, boundary, a, options.defines ?? {}));
  const allDiagnostics: Diagnostic[] = [];
  const seenDiag = new Set<string>();
  for (const l of loadedBy.values()) {
    for (const d of l.diagnostics) {
      const k = `${d.file}:${d.line}:${d.col}:${d.severity}:${d.message}`;
      if (!seenDiag.has(k)) {
        seenDiag.add(k);
        allDiagnostics.push(d);
      }
    }
  }
  if ([...loadedBy.values()].some((l) => !l.value)) throw new BuildInputError(allDiagnostics);
  const loaded = { value: loadedBy.get(candidates[0]!)!.value!, diagnostics: allDiagnostics };
  const projectsOf = (a: Arch) => loadedBy.get(a)!.value!;
  const projects = loaded.value;
  const arches = options.arches ?? ALL_ARCHES.filter((a) => projectsOf(a).some((p) => p.spec.arches.includes(a)));
  if (options.install !== undefined && arches.length !== 1) {
    throw new KmdllError(`--install: a SystemRoot holds drivers of one arch; choose one with --arch (building ${arches.join(", ")})`);
  }
  const tc = discoverToolchain(arches, options.env ? { env: options.env } : {});
  const outRoot = resolve(options.out ?? join(tree, "out"));
  const ctx: Ctx = {
    tc,
    outRoot,
    objRoot: resolve(options.obj ?? join(outRoot, "obj")),
    tree,
    jobs: Math.max(1, Math.ceil((options.jobs ?? availableParallelism()) / Math.max(1, arches.length))),
    force: options.force ?? false,
    check: options.check ?? true,
    onStep: options.onStep ?? (() => {}),
    products: new Map(),
  };
  const relOf = (p: Project) => relative(tree, p.dir).replace(/\\/g, "/");
  const onlyList = options.only ? options.only.map((o) => (subset ? `${subset}/` : "") + o.replace(/\\/g, "/").replace(/\/+$/, "")) : subset ? [subset] : undefined;
  const selected = (p: Project) => !onlyList || onlyList.some((o) => relOf(p) === o || relOf(p).startsWith(o + "/"));
  if (onlyList) {
    const unknown = onlyList.filter((o) => !projects.some((p) => relOf(p) === o || relOf(p).startsWith(o + "/")));
    if (unknown.length) throw new KmdllError(`not a project of ${tree}: ${unknown.join(", ")} (projects: ${projects.map(relOf).join(" ")})`);
  }
  // Arches are independent: build them side by side; projects of one arch in dirs order.
  const perArch = await Promise.all(
    arches.map(async (arch) => {
      const sr = tc.sysroots[arch]!;
      makeDirectory(join(outRoot, arch));
      const vfsOverlay = options.caseInsensitiveIncludes === false ? undefined : writeCaseInsensitiveOverlay(join(ctx.objRoot, arch, "case-insensitive-includes.json"), boundary, [COMPAT_INCLUDE, sr.include]);
      const supportLib = await supportLibrary({ ...ctx, products: new Map() }, arch);
      const actx: Ctx = { ...ctx, products: new Map(), ...(vfsOverlay ? { vfsOverlay } : {}), supportLib };
      const results: ProjectResult[] = [];
      let failed = false;
      for (const p of projectsOf(arch)) {
        const r: ProjectResult = { name: p.spec.name, type: p.spec.type, arch, dir: p.dir, status: "skipped", outputs: [], steps: [] };
        results.push(r);
        if (failed && !options.keepGoing) {
          r.reason = "an earlier project failed";
          continue;
        }
        if (!selected(p)) {
          r.reason = "not selected";
          continue;
        }
        // A project that names no arches builds for any arch --arch asks for (ARM64 included).
        if (!p.spec.arches.includes(arch) && (p.spec.archesNamed || !options.arches)) {
          r.reason = `KMDLL_ARCHES does not include ${arch}`;
          continue;
        }
        try {
          await buildProject(actx, p, arch, r);
        } catch (e) {
          // With --keep-going, a project's input error (a missing library, a bad .def) fails that project only.
          if (!(options.keepGoing && e instanceof BuildInputError)) throw e;
          r.status = "failed";
          r.errors = (r.errors ?? "") + e.message + "\n";
        }
        if (r.status === "failed") failed = true;
      }
      return { results, failed };
    }),
  );
  const results = perArch.flatMap((a) => a.results);
  const failed = perArch.some((a) => a.failed);
  let installed: string[] | undefined;
  if (!failed && options.install !== undefined) {
    // Never through a symbolic link that leaves the root (src/io/output.ts).
    const root = resolve(options.install);
    installed = [];
    for (const r of results) {
      for (const o of r.outputs.filter((f) => /\.(sys|dll)$/i.test(f))) {
        copyFileInside(o, root, join("System32", "drivers", basename(o)));
        installed.push(join(root, "System32", "drivers", basename(o)));
      }
    }
  }
  return { ok: !failed, out: outRoot, diagnostics: loaded.diagnostics, projects: results, ...(installed ? { installed } : {}) };
}

/**
 * The folder a build of dir works in: dir itself, or — when dir is listed by its parent's `dirs`
 * file (recursively) — the topmost such parent.
 */
export function findWorkspace(dir: string): string {
  let cur = resolve(dir);
  for (;;) {
    const parent = dirname(cur);
    if (parent === cur) return cur;
    const dirsFile = join(parent, "dirs");
    if (!existsSync(dirsFile)) return cur;
    let listed = false;
    try {
      listed = parseDirs(readFileSync(dirsFile, "utf8")).dirs.some((d) => resolve(parent, d.dir) === cur);
    } catch {
      listed = false;
    }
    if (!listed) return cur;
    cur = parent;
  }
}

/** Products of a finished build, relative to from (for messages). */
export function describeOutputs(r: ProjectResult, from: string = process.cwd()): string[] {
  return r.outputs.map((o) => relative(from, o) || o);
}

/** The stamps type, re-exported for users of the state file. */
export type { FileStamp };
