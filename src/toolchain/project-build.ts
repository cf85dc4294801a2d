/**
 * One project for one arch: compile (C with clang, MASM with llvm-ml, resources with llvm-rc),
 * link with lld-link, write the export library (from the image's exports and the DLLDEF) or
 * archive a DRIVER_LIBRARY, then check the image. Incremental: a step whose record holds is skipped.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makeDirectory } from "../io/dirs.js";
import { loadState, saveState, stampFile, hashText, upToDate, type BuildState } from "./cache.js";
import { parseDepfile } from "./depfile.js";
import type { Toolchain } from "./discover.js";
import { BuildInputError } from "./input-error.js";
import { checkBuiltImage, EXPORT_LIBRARY_WRITER, readDefOrThrow, writeExportLibrary } from "./integrations.js";
import type { Project, ProjectSource } from "./project.js";
import { asmArgs, compileArgs, libArgs, linkArgs, rcArgs } from "./recipe.js";
import { mapLimit, rewritePositions, runTool } from "./run.js";
import { runClangWithFixups } from "./msvc-fixups.js";
import { planX86Link, readObjectNames, unprototypedStdcallAliases } from "./x86-exports.js";
import { tmhStub } from "./wpp.js";
import { masmCompat } from "./masm-compat.js";
import { SYSTEM_IMPORT_LIBRARIES, bindX86DefImports, conventionMismatchWarning, undefinedSymbols, writeKernelImportLibraries, type SystemModule } from "./kernel-implib.js";
import { ARCH_DIRS, type Arch, type LibRef } from "./sources.js";
import type { ProjectResult, StepKind, StepReport } from "./build.js";

/** kmdll's compatibility headers and library sources (shipped in data/). */
export const COMPAT_INCLUDE = fileURLToPath(new URL("../../../data/include", import.meta.url));
const LIB_SRC = fileURLToPath(new URL("../../../data/lib-src", import.meta.url));

/** WDK libraries mingw-w64 does not ship and kmdll does not need: what provides their contents. */
const NOT_NEEDED: Record<string, string> = {
  bufferoverflowk: "kmdll compiles without /GS stack cookies",
  bufferoverflowfastfailk: "kmdll compiles without /GS stack cookies",
  ntstrsafe: "mingw-w64's ntstrsafe.h defines its routines inline",
  wdmsec: "IoCreateDeviceSecure is not provided; link fails if it is called",
};
/** WDK libraries kmdll builds from data/lib-src (libcntpr: only the routines ntoskrnl does not export). */
const BUILT_HERE = new Set(["aux_klib", "libcntpr"]);
/** ntdll.lib, which WDK projects list in TARGETLIBS for its Rtl/Zw routines: linked after the kernel's libraries. */
const USER_MODE_LIBS = new Set(["ntdll"]);
/** The kernel libraries kmdll writes from its export database for every link (kernel-implib.ts). */
const KERNEL_IMPLIB_MODULES = new Set(["ntoskrnl", "hal"]);

export interface Ctx {
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
  /** The case-insensitive include overlay of this arch. */
  vfsOverlay?: string;
  /** kmdll's support library (support-lib.ts), linked after the project's libraries. */
  supportLib?: string;
}

/** A path as messages show it: relative to the working folder. */
const shown = (f: string) => relative(process.cwd(), f) || f;

const objName = (rel: string) => rel.replace(/\.\.\//g, "up_").replace(/\//g, "_").replace(/\.[^.]+$/, "") + ".obj";

export async function buildProject(ctx: Ctx, p: Project, arch: Arch, r: ProjectResult): Promise<void> {
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
  const note = (text: string) => {
    r.errors = (r.errors ?? "") + text;
  };

  // Generated headers (windmc's .h and .rc, WPP's .tmh stubs) go to the object folder, which is on the include path as the WDK's $(O) is.
  // The WDK compiles with `/I<arch> /I.` ahead of INCLUDES (amd64mk.inc, i386mk.inc: GLOBAL_C_FLAGS): a
  // source in amd64\ or i386\ finds the project's headers (OpenXT's i386\asmstubs.c includes "hvm.h").
  const archDir = join(p.dir, ARCH_DIRS[arch]);
  const includes = [...(existsSync(archDir) ? [archDir] : []), p.dir, ...p.includes.map((i) => (i === "$(O)" ? O : i)), ...(p.messages.length || p.wppFuncs ? [objDir] : [])];
  for (const s of p.wppFuncs ? p.sources : []) {
    // Unchanged text keeps the file (its time stamp is in the objects' dependency records).
    const tmh = join(objDir, basename(s.rel).replace(/\.[^.]+$/, "") + ".tmh");
    const text = tmhStub(s.rel, p.wppFuncs!);
    if (!existsSync(tmh) || readFileSync(tmh, "utf8") !== text) writeFileSync(tmh, text);
  }
  const cflags = {
    arch, includes, sysInclude: sr.include, ddkInclude: sr.ddkInclude, compatInclude: COMPAT_INCLUDE,
    ...(ctx.vfsOverlay ? { vfsOverlay: ctx.vfsOverlay } : {}), forceIncludes: p.forceIncludes,
    defines: [...p.spec.versionDefines, ...p.spec.defines], userFlags: p.spec.userCFlags, prefixMaps: [[ctx.tree, "."], [ctx.outRoot, "out"]] as [string, string][],
  };
  const fixupsWarned = new Set<string>();
  /** Run one compiler-like step (cached); returns the output or undefined on failure. */
  const compileStep = async (id: string, input: string, output: string, tool: string | undefined, toolName: string, args: string[], cwd: string, depfile?: string): Promise<string | undefined> => {
    if (!tool) {
      step("compile", input, "failed");
      fail(`${input}: ${toolName} is not installed: install with \`sudo apt-get install ${toolName === "windmc" ? "binutils-mingw-w64-x86-64" : "llvm"}\`\n`);
      return undefined;
    }
    const key = hashText(ctx.tc.version, tool, cwd, JSON.stringify(args));
    if (upToDate(state.steps[id], key)) {
      step("compile", input, "up-to-date");
      return output;
    }
    delete state.steps[id];
    const run = toolName === "clang" ? await runClangWithFixups(tool, args, cwd, join(objDir, "msvc-fixups", basename(input)), fixupsWarned) : await runTool(tool, args, cwd);
    if (run.code !== 0 || !existsSync(output)) {
      step("compile", input, "failed");
      fail(rewritePositions(run.stderr || run.stdout || `${toolName} exited with ${run.code}\n`, cwd));
      return undefined;
    }
    if (run.stderr) note(rewritePositions(run.stderr, cwd)); // warnings
    const deps = depfile && existsSync(depfile) ? parseDepfile(readFileSync(depfile, "utf8")).map((d) => resolve(cwd, d)) : [input];
    state.steps[id] = { key, inputs: deps.filter((d) => existsSync(d)).map(stampFile), outputs: [stampFile(output)] };
    step("compile", input, "ran");
    return output;
  };
  const compileSource = (s: ProjectSource): Promise<string | undefined> => {
    const object = join(objDir, objName(s.rel));
    if (/\.asm$/i.test(s.rel)) {
      const fixed = masmCompat(readFileSync(s.abs, "latin1"), arch);
      if (!fixed) return compileStep(`compile:${s.rel}`, s.abs, object, ctx.tc.llvmMl, "llvm-ml", asmArgs(arch, s.rel, object, includes, p.spec.defines), p.dir);
      const copy = object.replace(/\.obj$/, ".asm");
      writeFileSync(copy, fixed.text, "latin1");
      note(fixed.fixes.map((f) => `${shown(s.abs)}:${f.line}:1: warning: ${f.what === "extrn" ? "llvm-ml does not know EXTRN (MASM's synonym of EXTERN); kmdll assembled a copy that says EXTERN" : "llvm-ml 14 addresses an external symbol absolutely here, ml64 relative to RIP; kmdll assembled a copy that says [rip + …]"}\n`).join(""));
      return compileStep(`compile:${s.rel}`, s.abs, object, ctx.tc.llvmMl, "llvm-ml", asmArgs(arch, copy, object, [dirname(s.abs), ...includes], p.spec.defines), p.dir);
    }
    const depfile = object.replace(/\.obj$/, ".d");
    const args = compileArgs({ ...cflags, source: s.rel, object, depfile });
    return compileStep(`compile:${s.rel}`, s.abs, object, ctx.tc.clang, "clang", args, p.dir, depfile);
  };
  const compileResource = (s: ProjectSource): Promise<string | undefined> => {
    const res = join(objDir, objName(s.rel).replace(/\.obj$/, ".res"));
    // rc.exe looks for a quoted #include "first in the current directory" (Learn, "Searching for
    // Files"), and build.exe/MSBuild run it in the project folder: a .rc shared between projects
    // (..\resources\version.rc) finds each project's own version.h there.
    const incs = [p.dir, ...includes, COMPAT_INCLUDE, sr.ddkInclude, sr.include];
    const defs = [...p.spec.defines, arch === "x64" ? "-D_AMD64_" : arch === "arm64" ? "-D_ARM64_" : "-D_X86_"];
    // Visual Studio writes .rc files in UTF-16 (BOM FF FE), which llvm-rc 14 does not read: it
    // compiles a UTF-8 copy (code page 65001), with the original's folder next on the include path.
    const text = readFileSync(s.abs);
    if (text[0] === 0xff && text[1] === 0xfe) {
      const copy = join(objDir, objName(s.rel).replace(/\.obj$/, ".utf8.rc"));
      writeFileSync(copy, text.subarray(2).toString("utf16le"), "utf8");
      return compileStep(`rc:${s.rel}`, s.abs, res, ctx.tc.llvmRc, "llvm-rc", rcArgs(copy, res, [p.dir, dirname(s.abs), ...incs.slice(1)], defs, 65001), p.dir);
    }
    return compileStep(`rc:${s.rel}`, s.abs, res, ctx.tc.llvmRc, "llvm-rc", rcArgs(s.rel, res, incs, defs), p.dir);
  };

  // Message files first: the C sources include the headers windmc writes.
  for (const m of p.messages) {
    const header = join(objDir, basename(m.rel).replace(/\.[^.]+$/, "") + ".h");
    if (!(await compileStep(`mc:${m.rel}`, m.abs, header, ctx.tc.windmc, "windmc", ["-h", objDir, "-r", objDir, m.rel], p.dir))) return;
  }
  const objects = await mapLimit([...p.sources.map((s) => () => compileSource(s)), ...p.resources.map((s) => () => compileResource(s))], ctx.jobs, (f) => f());
  // Report the compile steps in SOURCES order (they finish in any order).
  const order = [...p.sources, ...p.resources].map((s) => s.abs);
  const compiles = r.steps.filter((x) => x.kind === "compile").sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file));
  r.steps = [...compiles, ...r.steps.filter((x) => x.kind !== "compile")];
  if (r.status === "failed" || objects.some((o) => !o)) {
    r.status = "failed";
    saveState(stateFile, state);
    return;
  }
  const objs = objects as string[];
  let ran = false;

  if (p.spec.type === "DRIVER_LIBRARY") {
    const out = join(outDir, `${p.spec.name}.lib`);
    const args = libArgs(out, objs.filter((o) => o.endsWith(".obj")).map((o) => basename(o)), arch);
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
    saveState(stateFile, state);
    r.status = ran || r.steps.some((s) => s.status === "ran") ? "built" : "up-to-date";
    return;
  }

  // A broken .def is an input error with positions (before lld-link trips over it).
  for (const d of [...(p.def ? [p.def] : []), ...p.defLibs]) readDefOrThrow(d);
  const libs: string[] = [];
  const systemLibs: SystemModule[] = [];
  // A user-mode DLL's import library (TARGETLIBS=$(DDK_LIB_PATH)\ntdll.lib, OpenXT's xenutil): the WDK
  // links ntoskrnl.lib ahead of TARGETLIBS (makefile.new: MACHINE_TARGETLIBS=$(TARGETLIB) $(TARGETLIBS)),
  // so what ntoskrnl.exe also exports binds there; kmdll links these after the kernel's libraries.
  const userModeLibs: string[] = [];
  for (const l of p.spec.libs) {
    if (l.kind === "kernel" && USER_MODE_LIBS.has(l.name) && sr.mingwLibs) {
      userModeLibs.push(resolveLib(ctx, p, arch, l, O));
      continue;
    }
    if (l.kind === "kernel" && SYSTEM_IMPORT_LIBRARIES[l.name] && !existsSync(join(sr.lib, `lib${l.name}.a`))) {
      systemLibs.push(SYSTEM_IMPORT_LIBRARIES[l.name]!);
      continue;
    }
    if (l.kind === "kernel" && NOT_NEEDED[l.name]) {
      note(`${shown(l.inFile ?? p.sourcesFile)}:${l.line}:${l.col}: warning: TARGETLIBS: ${l.name}.lib is not linked (${NOT_NEEDED[l.name]})\n`);
      continue;
    }
    // ARM64 (no mingw-w64 libraries): ntoskrnl.lib and hal.lib are kmdll's own (kernel-implib.ts).
    if (l.kind === "kernel" && !sr.mingwLibs && KERNEL_IMPLIB_MODULES.has(l.name)) continue;
    if (l.kind === "kernel" && BUILT_HERE.has(l.name) && (!sr.mingwLibs || !existsSync(join(sr.lib, `lib${l.name}.a`)))) {
      const src = join(LIB_SRC, `${l.name}.c`);
      const object = join(objDir, `kmdll-${l.name}.obj`);
      const args = compileArgs({ ...cflags, includes: [], forceIncludes: [], userFlags: [], source: src, object, depfile: object.replace(/\.obj$/, ".d") });
      const o = await compileStep(`compile:kmdll-${l.name}`, src, object, ctx.tc.clang, "clang", args, objDir, object.replace(/\.obj$/, ".d"));
      if (!o) {
        saveState(stateFile, state);
        return;
      }
      libs.push(o);
      continue;
    }
    libs.push(resolveLib(ctx, p, arch, l, O));
  }
  // x86: undecorated .def names bound to the decorated symbols the objects import (kernel-implib.ts).
  const referenced = arch === "x86" && p.defLibs.length ? undefinedSymbols([...objs.filter((o) => o.endsWith(".obj")), ...libs]) : [];
  for (const d of p.defLibs) {
    const lib = join(objDir, basename(d).replace(/\.def$/i, "") + ".deflib.lib");
    const id = `deflib:${d}`;
    const model = arch === "x86" ? bindX86DefImports(readDefOrThrow(d).def, referenced) : undefined;
    const key = hashText(EXPORT_LIBRARY_WRITER, arch, d, model ? JSON.stringify(model.exports.map((e) => e.name)) : "");
    if (upToDate(state.steps[id], key)) step("export-library", lib, "up-to-date");
    else {
      delete state.steps[id];
      try {
        writeExportLibrary(d, arch, lib, model ? { model } : {});
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
  const sys = join(outDir, `${p.spec.name}.${p.spec.ext}`);
  // x86: the DLLDEF's undecorated names bound to the objects' stdcall/fastcall symbols.
  const x86 = arch === "x86" ? planX86Link([...objs.filter((o) => o.endsWith(".obj")), ...libs], p.def ? readDefOrThrow(p.def).def : undefined, join(objDir, "lld-link.def")) : undefined;
  // x86: calls through a stdcall declaration without a prototype (`_F@0`) bound to the routine's `_F@N` (x86-exports.ts).
  const linked = [...objs.filter((o) => o.endsWith(".obj")), ...libs];
  const linkedNames = arch === "x86" ? readObjectNames(linked) : undefined;
  const unprototyped = linkedNames ? unprototypedStdcallAliases(undefinedSymbols(linked), [...linkedNames.defined, ...linkedNames.imports.values()]) : [];
  for (const a of unprototyped) note(`${shown(sys)}: warning: ${a.from} is a call through a stdcall declaration without a prototype (clang decorates it @0; cl.exe by the arguments passed); bound to ${a.to}, which the objects or libraries define\n`);
  const linkDef = x86?.linkerDef ?? p.def;
  // ntoskrnl/hal imports mingw-w64's libraries lack (or decorate otherwise), from the kernel
  // export database, with the symbols the objects need (kernel-implib.ts); after mingw-w64's.
  const kernelImports = writeKernelImportLibraries([...objs.filter((o) => o.endsWith(".obj")), ...libs], arch, (m) => join(objDir, `kmdll-${m.replace(/\.[^.]+$/, "")}.lib`), systemLibs);
  const kernelImplibs = kernelImports.paths;
  // x86: a kernel routine called with another convention than its export's (kernel-implib.ts), by
  // the source whose object references it (or the library), as a warning: the link goes on.
  const sourceOf = new Map(p.sources.map((s) => [join(objDir, objName(s.rel)), s.abs]));
  for (const m of kernelImports.mismatches) note(conventionMismatchWarning(m, sourceOf, shown, shown(sys)));
  const args = linkArgs({
    arch, out: sys, scratchImplib: join(objDir, "lld-link-implib.lib"), objects: objs, libs,
    kernelLibs: [...(ctx.supportLib ? [ctx.supportLib] : []), ...(sr.mingwLibs ? [join(sr.lib, "libntoskrnl.a"), join(sr.lib, "libhal.a")] : []), ...kernelImplibs, ...userModeLibs],
    ...(linkDef ? { def: linkDef } : {}),
    userFlags: [...(x86?.args ?? []), ...unprototyped.map((a) => `/alternatename:${a.from}=${a.to}`), ...linkerFlags(p, note)],
    entry: p.spec.entry,
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
    if (run.stderr) note(rewritePositions(run.stderr, p.dir));
    const inputs = [...objs, ...libs, ...kernelImplibs, ...(p.def ? [p.def] : []), ...(x86?.linkerDef ? [x86.linkerDef] : [])];
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
    const key = hashText(EXPORT_LIBRARY_WRITER, arch, p.def, sys, JSON.stringify(x86?.bindings ?? []));
    if (upToDate(state.steps["export-library"], key)) step("export-library", lib, "up-to-date");
    else {
      delete state.steps["export-library"];
      try {
        const warnings = writeExportLibrary(p.def, arch, lib, { image: sys, ...(x86?.importDef ? { model: x86.importDef } : {}) });
        if (warnings.length) note(warnings.join("\n") + "\n");
      } catch (e) {
        if (e instanceof BuildInputError) throw e;
        step("export-library", lib, "failed");
        fail(`${(e as Error).message}\n`);
        saveState(stateFile, state);
        return;
      }
      state.steps["export-library"] = { key, inputs: [stampFile(p.def), stampFile(sys)], outputs: [stampFile(lib)] };
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
      ...(p.spec.type === "EXPORT_DRIVER" && p.def ? { lib: join(outDir, `${p.spec.name}.lib`) } : {}),
    });
    if (findings) r.findings = findings;
  }
  saveState(stateFile, state);
  r.status = ran || r.steps.some((s) => s.status === "ran") ? "built" : "up-to-date";
}

/** TARGETLIBS entry → the file to link; a missing library is an input error (exit 2). */
function resolveLib(ctx: Ctx, p: Project, arch: Arch, l: LibRef, O: string): string {
  const bad = (message: string): never => {
    throw new BuildInputError([{ severity: "error", file: l.inFile ?? p.sourcesFile, line: l.line, col: l.col, message }]);
  };
  if (l.kind === "kernel") {
    const sr = ctx.tc.sysroots[arch]!;
    const f = join(sr.lib, `lib${l.name}.a`);
    // A library another project of this build published there (PASS1_PUBLISH={…=$(DDK_LIB_PATH)\x.lib}: tape.lib for the tape miniclass drivers).
    const built = sr.mingwLibs && existsSync(f) ? undefined : ctx.products.get(`${l.name}.lib`);
    if (built) return built;
    if (!sr.mingwLibs) bad(`TARGETLIBS: no kernel library ${l.name}.lib for ${arch} (Debian's mingw-w64 has no ${arch} libraries; kmdll writes only ntoskrnl.lib and hal.lib for it)`);
    if (!existsSync(f)) bad(`TARGETLIBS: no kernel library ${l.name}.lib for ${arch} (mingw-w64 has no ${f})`);
    return f;
  }
  if (l.kind === "out") {
    const f = ctx.products.get(l.file.toLowerCase()) ?? join(O, l.file);
    if (!existsSync(f)) bad(`TARGETLIBS: $(O)\\${l.file} has not been built for ${arch} in ${O}: build the project that produces it first (list it before ${basename(p.dir)} in the dirs file)`);
    return f;
  }
  const f = resolve(p.dir, l.path);
  if (existsSync(f)) return f;
  // Not in the tree: the WDK would find it in another project's output folder (TARGETPATH=. puts
  // `x.lib` in that project's `amd64\`, e.g. `..\x\amd64\x.lib`), which kmdll keeps in $(O).
  const built = ctx.products.get(basename(l.path).toLowerCase());
  if (built && existsSync(built)) return built;
  return bad(`TARGETLIBS: library '${l.path}' not found (nor built by an earlier project of the tree)`);
}

/**
 * LINKER_FLAGS for lld-link: link.exe options that only concern link.exe's own outputs (PDB,
 * incremental state, LTCG progress, manifests) are dropped silently; /NOENTRY and /DLL are
 * the recipe's (DLLENTRY); `/SECTION:x,!d` (lld-link has no `!` negation) is dropped with a warning.
 * Options that change the image are kept: /INTEGRITYCHECK sets IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY,
 * without which PsSetCreateProcessNotifyRoutineEx and ObRegisterCallbacks return STATUS_ACCESS_DENIED.
 */
function linkerFlags(p: Project, note: (text: string) => void): string[] {
  return p.spec.linkerFlags.filter((f) => {
    if (/^[/-](noentry|dll|ltcg(:.*)?|incremental(:.*)?|pdb:.*|debug(:.*)?|release|manifest(:.*)?|nologo|map(:.*)?|debugtype:.*|pdbaltpath:.*|ignore:.*|wx(:no)?|cetcompat(:no)?|guard:.*)$/i.test(f)) return false;
    if (/^[/-]section:[^,]*,.*!/i.test(f)) {
      note(`${shown(p.sourcesFile)}: warning: LINKER_FLAGS: '${f}' is not supported by lld-link (no '!' attributes); ignored\n`);
      return false;
    }
    return true;
  });
}
