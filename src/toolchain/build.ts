/**
 * `kmdll build`: compile each project's sources with clang, link with lld-link (SPEC §4), write
 * the export library of an EXPORT_DRIVER from its DLLDEF, archive a DRIVER_LIBRARY, and check
 * the result. Byte-reproducible; incremental (a step whose inputs, flags and toolchain did not
 * change is skipped).
 */
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { makeDirectory } from "../io/dirs.js";
import { copyFileInside } from "../io/output.js";
import { availableParallelism } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { KmdllError } from "../errors.js";
import { loadState, saveState, stampFile, hashText, upToDate, type BuildState, type FileStamp } from "./cache.js";
import { parseDepfile } from "./depfile.js";
import { discoverToolchain, type Toolchain } from "./discover.js";
import { checkBuiltImage, EXPORT_LIBRARY_WRITER, readDefOrThrow, writeExportLibrary, type BuildFinding } from "./integrations.js";
import type { Diagnostic } from "./makevars.js";
import { BuildInputError } from "./input-error.js";
import { loadTree, type Project } from "./project.js";
import { compileArgs, libArgs, linkArgs } from "./recipe.js";
import { planX86Link } from "./x86-exports.js";
import { mapLimit, rewritePositions, runTool } from "./run.js";
import { ARCHES, parseDirs, type Arch, type LibRef } from "./sources.js";

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

interface Ctx {
  tc: Toolchain;
  outRoot: string;
  objRoot: string;
  tree: string;
  jobs: number;
  force: boolean;
  check: boolean;
  onStep: (s: StepReport, p: ProjectResult) => void;
  /** Products built earlier in this run, per arch: lower-case file name → path. */
  products: Map<string, string>;
}

const objName = (rel: string) => rel.replace(/\.\.\//g, "up_").replace(/\//g, "_").replace(/\.[^.]+$/, "") + ".obj";

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
  const loaded = loadTree(tree, tree);
  if (!loaded.value) throw new BuildInputError(loaded.diagnostics);
  const projects = loaded.value;
  const arches = options.arches ?? ARCHES.filter((a) => projects.some((p) => p.spec.arches.includes(a)));
  
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
      const actx: Ctx = { ...ctx, products: new Map() };
      const results: ProjectResult[] = [];
      let failed = false;
      for (const p of projects) {
        const r: ProjectResult = { name: p.spec.name, type: p.spec.type, arch, dir: p.dir, status: "skipped", outputs: [], steps: [] };
        results.push(r);
        if (failed) {
          r.reason = "an earlier project failed";
          continue;
        }
        if (!selected(p)) {
          r.reason = "not selected";
          continue;
        }
        if (!p.spec.arches.includes(arch)) {
          r.reason = `KMDLL_ARCHES does not include ${arch}`;
          continue;
        }
        await buildProject(actx, p, arch, r);
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
      for (const o of r.outputs.filter((f) => f.endsWith(".sys"))) {
        copyFileInside(o, root, join("System32", "drivers", basename(o)));
        installed.push(join(root, "System32", "drivers", basename(o)));
      }
    }
  }
  return { ok: !failed, out: outRoot, diagnostics: loaded.diagnostics, projects: results, ...(installed ? { installed } : {}) };
}

async function buildProject(ctx: Ctx, p: Project, arch: Arch, r: ProjectResult): Promise<void> {
  const sr = ctx.tc.sysroots[arch]!;
  const O = join(ctx.outRoot, arch);
  const outDir = p.spec.targetPath ? join(O, p.spec.targetPath.path) : O;
  const objDir = join(ctx.objRoot, arch, p.spec.name);
  makeDirectory(outDir);
  makeDirectory(objDir);
  const stateFile = join(objDir, "kmdll-state.json");
  const state: BuildState = ctx.force ? { version: 1, steps: {} } : loadState(stateFile);
  const step = (kind: StepKind, file: string, status: StepReport["status"]) => {
    const s = { kind, file, status };
    r.steps.push(s);
    ctx.onStep(s, r);
  };
  const fail = (text: string) => {
    r.status = "failed";
    r.errors = (r.errors ?? "") + text;
  };

  // Compile.
  const includes = p.includes.map((i) => (i === "$(O)" ? O : i));
  const objects = await mapLimit(p.sources, ctx.jobs, async (s) => {
    const object = join(objDir, objName(s.rel));
    const depfile = object.replace(/\.obj$/, ".d");
    const args = compileArgs({
      arch, source: s.rel, object, depfile, includes, sysInclude: sr.include, ddkInclude: sr.ddkInclude,
      defines: p.spec.defines, userFlags: p.spec.userCFlags, prefixMaps: [[ctx.tree, "."], [ctx.outRoot, "out"]],
    });
    const key = hashText(ctx.tc.version, ctx.tc.clang, p.dir, JSON.stringify(args));
    const id = `compile:${s.rel}`;
    if (upToDate(state.steps[id], key)) {
      step("compile", s.abs, "up-to-date");
      return object;
    }
    delete state.steps[id];
    const run = await runTool(ctx.tc.clang, args, p.dir);
    if (run.code !== 0 || !existsSync(object)) {
      step("compile", s.abs, "failed");
      fail(rewritePositions(run.stderr || run.stdout || `clang exited with ${run.code}\n`, p.dir));
      return undefined;
    }
    if (run.stderr) r.errors = (r.errors ?? "") + rewritePositions(run.stderr, p.dir); // warnings
    const deps = existsSync(depfile) ? parseDepfile(readFileSync(depfile, "utf8")).map((d) => resolve(p.dir, d)) : [s.abs];
    state.steps[id] = { key, inputs: deps.filter((d) => existsSync(d)).map(stampFile), outputs: [stampFile(object)] };
    step("compile", s.abs, "ran");
    return object;
  });
  if (r.status === "failed" || objects.some((o) => !o)) {
    r.status = "failed";
    saveState(stateFile, state);
    return;
  }
  const objs = objects as string[];
  let ran = false;

  if (p.spec.type === "DRIVER_LIBRARY") {
    const out = join(outDir, `${p.spec.name}.lib`);
    const rel = objs.map((o) => basename(o));
    const args = libArgs(out, rel, arch);
    const key = hashText(ctx.tc.version, ctx.tc.llvmLib, JSON.stringify(args));
    if (upToDate(state.steps.archive, key)) step("archive", out, "up-to-date");
    else {
      rmSync(out, { force: true });
      const run = await runTool(ctx.tc.llvmLib, args, objDir);
      if (run.code !== 0) {
        step("archive", out, "failed");
        fail(run.stderr || run.stdout);
        saveState(stateFile, state);
        return;
      }
      state.steps.archive = { key, inputs: objs.map(stampFile), outputs: [stampFile(out)] };
      step("archive", out, "ran");
      ran = true;
    }
    r.outputs.push(out);
    ctx.products.set(basename(out).toLowerCase(), out);
  } else {
    // A broken .def is an input error with positions (before lld-link trips over it).
    for (const d of [...(p.def ? [p.def] : []), ...p.defLibs]) readDefOrThrow(d);
    const libs = p.spec.libs.map((l) => resolveLib(ctx, p, arch, l, O));
    for (const d of p.defLibs) {
      const lib = join(objDir, basename(d).replace(/\.def$/i, "") + ".deflib.lib");
      const id = `deflib:${d}`;
      const key = hashText(EXPORT_LIBRARY_WRITER, arch, d);
      if (upToDate(state.steps[id], key)) step("export-library", lib, "up-to-date");
      else {
        delete state.steps[id];
        try {
          writeExportLibrary(d, arch, lib);
        } catch (e) {
          if (e instanceof BuildInputError) throw e;
          step("export-library", lib, "failed");
          fail(`${(e as Error).message}\n`);
          saveState(stateFile, state);
          return;
        }
        state.steps[id] = { key, inputs: [stampFile(d)], outputs: [stampFile(lib)] };
        step("export-library", lib, "ran");
      }
      libs.push(lib);
    }
    const sys = join(outDir, `${p.spec.name}.sys`);
    // x86: the DLLDEF's undecorated names bound to the objects' stdcall/fastcall symbols.
    const x86 = arch === "x86" ? planX86Link([...objs, ...libs], p.def ? readDefOrThrow(p.def).def : undefined, join(objDir, "lld-link.def")) : undefined;
    const linkDef = x86?.linkerDef ?? p.def;
    const args = linkArgs({
      arch, out: sys, scratchImplib: join(objDir, "lld-link-implib.lib"), objects: objs, libs,
      kernelLibs: [join(sr.lib, "libntoskrnl.a"), join(sr.lib, "libhal.a")], ...(linkDef ? { def: linkDef } : {}),
      userFlags: [...(x86?.args ?? []), ...p.spec.linkerFlags],
    });
    const key = hashText(ctx.tc.version, ctx.tc.lldLink, JSON.stringify(args));
    if (upToDate(state.steps.link, key)) step("link", sys, "up-to-date");
    else {
      delete state.steps.link;
      rmSync(sys, { force: true });
      const run = await runTool(ctx.tc.lldLink, args, p.dir);
      if (run.code !== 0 || !existsSync(sys)) {
        step("link", sys, "failed");
        fail(rewritePositions(run.stderr || run.stdout || `lld-link exited with ${run.code}\n`, p.dir));
        rmSync(sys, { force: true });
        saveState(stateFile, state);
        return;
      }
      if (run.stderr) r.errors = (r.errors ?? "") + rewritePositions(run.stderr, p.dir);
      const inputs = [...objs, ...libs, ...(p.def ? [p.def] : []), ...(x86?.linkerDef ? [x86.linkerDef] : [])];
      state.steps.link = { key, inputs: inputs.map(stampFile), outputs: [stampFile(sys)] };
      step("link", sys, "ran");
      ran = true;
    }
    r.outputs.push(sys);
    ctx.products.set(basename(sys).toLowerCase(), sys);
    // A SystemRoot of this build's drivers, for check's module lookups.
    const stage = join(ctx.objRoot, arch, "systemroot", "System32", "drivers");
    makeDirectory(stage);
    copyFileSync(sys, join(stage, basename(sys)));

    if (p.spec.type === "EXPORT_DRIVER" && p.def) {
      const lib = join(outDir, `${p.spec.name}.lib`);
      const key = hashText(EXPORT_LIBRARY_WRITER, arch, p.def, JSON.stringify(x86?.bindings ?? []));
      if (upToDate(state.steps["export-library"], key)) step("export-library", lib, "up-to-date");
      else {
        delete state.steps["export-library"];
        try {
          const warnings = writeExportLibrary(p.def, arch, lib, x86?.importDef);
          if (warnings.length) r.errors = (r.errors ?? "") + warnings.join("\n") + "\n";
        } catch (e) {
          if (e instanceof BuildInputError) throw e;
          step("export-library", lib, "failed");
          fail(`${(e as Error).message}\n`);
          saveState(stateFile, state);
          return;
        }
        state.steps["export-library"] = { key, inputs: [stampFile(p.def)], outputs: [stampFile(lib)] };
        step("export-library", lib, "ran");
        ran = true;
      }
      r.outputs.push(lib);
      ctx.products.set(basename(lib).toLowerCase(), lib);
    }
    if (ctx.check) {
      const findings = await checkBuiltImage(sys, {
        root: join(ctx.objRoot, arch, "systemroot"),
        ...(p.def ? { def: p.def } : {}),
        ...(p.spec.type === "EXPORT_DRIVER" ? { lib: join(outDir, `${p.spec.name}.lib`) } : {}),
      });
      if (findings) r.findings = findings;
    }
  }
  saveState(stateFile, state);
  r.status = ran || r.steps.some((s) => s.status === "ran") ? "built" : "up-to-date";
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

/** TARGETLIBS entry → the file to link; a missing library is an input error (exit 2). */
function resolveLib(ctx: Ctx, p: Project, arch: Arch, l: LibRef, O: string): string {
  const bad = (message: string): never => {
    throw new BuildInputError([{ severity: "error", file: p.sourcesFile, line: l.line, col: l.col, message }]);
  };
  if (l.kind === "kernel") {
    const f = join(ctx.tc.sysroots[arch]!.lib, `lib${l.name}.a`);
    if (!existsSync(f)) bad(`TARGETLIBS: no kernel library ${l.name}.lib for ${arch} (mingw-w64 has no ${f})`);
    return f;
  }
  if (l.kind === "out") {
    const f = ctx.products.get(l.file.toLowerCase()) ?? join(O, l.file);
    if (!existsSync(f)) bad(`TARGETLIBS: $(O)\\${l.file} has not been built for ${arch} in ${O}: build the project that produces it first (list it before ${basename(p.dir)} in the dirs file)`);
    return f;
  }
  const f = resolve(p.dir, l.path);
  if (!existsSync(f)) bad(`TARGETLIBS: library '${l.path}' not found`);
  return f;
}

/** Products of a finished build, relative to from (for messages). */
export function describeOutputs(r: ProjectResult, from: string = process.cwd()): string[] {
  return r.outputs.map((o) => relative(from, o) || o);
}

/** The stamps type, re-exported for users of the state file. */
export type { FileStamp };
