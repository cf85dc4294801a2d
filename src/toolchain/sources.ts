/**
 * WDK `sources` and `dirs` files → typed project descriptions with positioned diagnostics.
 * Pure (no file system): the loader (project.ts) resolves paths and checks that files exist.
 *
 * Meanings (kept compatible with scripts/fixtures.mjs):
 *   TARGETNAME, TARGETTYPE (EXPORT_DRIVER | DRIVER | DRIVER_LIBRARY), DLLDEF, SOURCES, INCLUDES,
 *   C_DEFINES (-D/-U and /D//U forms), TARGETPATH,
 *   TARGETLIBS (and LINKLIBS): `$(O)\x.lib` = a library built earlier into the same output folder;
 *     `$(DDK_LIB_PATH)\x.lib` / `$(SDK_LIB_PATH)\x.lib` = mingw-w64's lib<x>.a for the arch;
 *     any other path = a file relative to the project folder;
 *   USER_C_FLAGS: extra clang flags appended after the defaults; LINKER_FLAGS: extra lld-link flags;
 *   KMDLL_ARCHES: which of "x64 x86 arm64" to build (default x64 and x86; ARM64 only when named);
 *   KMDLL_DEFLIBS: .def files in the project folder, each turned into an import library (kmdll's
 *     writer) and linked after TARGETLIBS (to import names no real import library provides).
 */
import { parseMakeVars, suggest, type Diagnostic, type MakeVars, type MakeVarsOptions, type Severity, type Token } from "./makevars.js";
import { translateClFlags } from "./clflags.js";
import { x86CallDefault } from "./call-convention.js";

export type TargetType = "EXPORT_DRIVER" | "DRIVER" | "DRIVER_LIBRARY";
export type Arch = "x64" | "x86" | "arm64";
/** The arches built by default (ARM64 is built when a project or `--arch` names it). */
export const ARCHES: readonly Arch[] = ["x64", "x86"];
/** Every arch kmdll builds for. */
export const ALL_ARCHES: readonly Arch[] = ["x64", "x86", "arm64"];

export { BUILTIN_MACROS } from "./builtin-macros.js";
import { BUILTIN_MACROS } from "./builtin-macros.js";
import { parseRunWpp, type WppSpec } from "./wpp.js";

/** Variables kmdll uses. */
export const SOURCES_VARIABLES: ReadonlySet<string> = new Set([
  "TARGETNAME", "TARGETTYPE", "DLLDEF", "SOURCES", "TARGETLIBS", "LINKLIBS", "INCLUDES", "C_DEFINES", "TARGETPATH",
  "USER_C_FLAGS", "LINKER_FLAGS", "KMDLL_ARCHES", "KMDLL_DEFLIBS", "AMD64_SOURCES", "I386_SOURCES", "386_SOURCES", "ARM64_SOURCES",
  "X86_SOURCES", "TARGETEXT", "DLLENTRY", "_NT_TARGET_VERSION", "MSC_WARNING_LEVEL", "MSC_OPTIMIZATION", "C_DEFINES", "RUN_WPP",
  "386_STDCALL",
]);

/** The macros the WDK build environment defines for an arch (free build, Windows 7 target by default). */
export function environmentMacros(arch: Arch): Map<string, string> {
  const m = new Map<string, string>([
    ["FREEBUILD", "1"], ["DDKBUILDENV", "fre"], ["_NT_TARGET_VERSION_WINXP", "0x501"], ["_NT_TARGET_VERSION_WS03", "0x502"],
    ["_NT_TARGET_VERSION_VISTA", "0x600"], ["_NT_TARGET_VERSION_LONGHORN", "0x600"], ["_NT_TARGET_VERSION_WIN7", "0x601"],
    ["_NT_TARGET_VERSION_WIN8", "0x602"], ["_NT_TARGET_VERSION_WINBLUE", "0x603"], ["_NT_TARGET_VERSION_WIN10", "0xA00"],
    ["LATEST_WIN32_WINNT_VERSION", "0x0601"], ["NTMAKEENV", ""],
  ]);
  if (arch === "x64") for (const [k, v] of [["_BUILDARCH", "AMD64"], ["AMD64", "1"], ["TARGET_DIRECTORY", "amd64"], ["BUILD_ALT_DIR", "fre_win7_AMD64"]]) m.set(k!, v!);
  else if (arch === "arm64") for (const [k, v] of [["_BUILDARCH", "arm64"], ["ARM64", "1"], ["TARGET_DIRECTORY", "arm64"], ["BUILD_ALT_DIR", "fre_win10_arm64"]]) m.set(k!, v!);
  else for (const [k, v] of [["_BUILDARCH", "x86"], ["386", "1"], ["I386", "1"], ["TARGET_DIRECTORY", "i386"], ["BUILD_ALT_DIR", "fre_win7_x86"]]) m.set(k!, v!);
  // makefile.def gives the other platforms' switches 0 (so `!if $(AMD64) || $(386)` works everywhere).
  for (const k of ["386", "AMD64", "IA64", "ARM", "ARM64"]) if (!m.has(k)) m.set(k, "0");
  return m;
}

/** The folder the WDK looks in for an arch's own sources (AMD64_SOURCES in amd64\). */
export const ARCH_DIRS: Record<Arch, string> = { x64: "amd64", x86: "i386", arm64: "arm64" };

/** WDK variables kmdll knows and ignores (with the reason). */
const IGNORED: Record<string, string> = {
  TARGET_DESTINATION: "", NTTARGETFILES: "", NTTARGETFILE0: "", NTTARGETFILE1: "", PRECOMPILED_INCLUDE: "",
  PRECOMPILED_PCH: "", PRECOMPILED_OBJ: "", PRECOMPILED_CXX: "", USE_MSVCRT: "", USE_LIBCMT: "", DRIVERTYPE: "",
  KMDF_VERSION_MAJOR: "", KMDF_VERSION_MINOR: "", UMDF_VERSION_MAJOR: "", BUFFER_OVERFLOW_CHECKS: "",
  ENABLE_EVENT_TRACING: "", DLLBASE: "", UMTYPE: "", UMBASE: "", NTDEBUG: "", NTDEBUGTYPE: "",
  USE_PDB: "", INF_NAME: "", MISCFILES: "", USECXX_FLAG: "", USE_NATIVE_EH: "", USE_STL: "",
  NO_BINPLACE: "", MSC_STDCALL: "", LINKER_STACKSIZE: "", SYNCHRONIZE_BLOCK: "", SYNCHRONIZE_DRAIN: "",
  PASS0_HEADERDIR: "", PASS0_SOURCEDIR: "", TARGET_DESTINATION_DIR: "", DRIVER_ALIGNMENT: "",
};

export interface Located {
  line: number;
  col: number;
  /** The `!include`d file it was written in (unset: the sources file). */
  inFile?: string;
}

/** A path as written (macros expanded, `\` turned into `/`), with its position. */
export interface PathRef extends Located {
  path: string;
  /** From AMD64_SOURCES/I386_SOURCES: looked up in the arch folder (amd64\\, i386\\) first. */
  archDir?: string;
}

export type LibRef =
  | (Located & { kind: "out"; file: string }) // $(O)\file
  | (Located & { kind: "kernel"; name: string }) // $(DDK_LIB_PATH)\name.lib → lib<name>.a
  | (Located & { kind: "file"; path: string }); // relative to the project

export interface SourcesProject {
  name: string;
  type: TargetType;
  def?: PathRef;
  sources: PathRef[];
  libs: LibRef[];
  /** Extra include folders (relative paths, or `$(O)` for the output folder). */
  includes: PathRef[];
  /** clang -D/-U arguments. */
  defines: string[];
  /** Output subfolder (TARGETPATH other than the WDK's default `obj`). */
  targetPath?: PathRef;
  userCFlags: string[];
  linkerFlags: string[];
  /** KMDLL_DEFLIBS: .def files linked as import libraries after TARGETLIBS. */
  defLibs: PathRef[];
  /** Arches this project builds for. */
  arches: Arch[];
  /** KMDLL_ARCHES was given (else `arches` is the default set, and `--arch arm64` builds the project too). */
  archesNamed?: boolean;
  /** .rc files (compiled with llvm-rc, linked as resources). */
  resources: PathRef[];
  /** .mc message files (compiled with windmc before the C sources: their .h and .rc go to the object folder). */
  messages: PathRef[];
  /** RUN_WPP: the sources include `<name>.tmh` stubs kmdll writes (wpp.ts). */
  wpp?: WppSpec;
  /** DLLDEF was not given: the WDK's default `$(TARGETNAME).def` (only used when it exists). */
  defDefaulted?: boolean;
  /** Output extension without the dot (TARGETEXT; default sys). */
  ext: string;
  /** Link entry point (DLLENTRY, default DriverEntry); null: /NOENTRY. */
  entry: string | null;
  /** /FI files from the cl options. */
  forceIncludes: PathRef[];
  /** _WIN32_WINNT, WINVER, NTDDI_VERSION from _NT_TARGET_VERSION (default Windows 7). */
  versionDefines: string[];
}

export interface ParsedSources {
  /** Undefined when an error prevents describing the project (or it is skipped). */
  project?: SourcesProject;
  /** The TARGETTYPE of a user-mode (or other non-kernel) project, which kmdll skips. */
  skipped?: string;
  vars: MakeVars;
  diagnostics: Diagnostic[];
}

export const SOURCE_EXTENSIONS = [".c", ".cpp", ".cc", ".cxx", ".s", ".S", ".asm"];

/** WDK target types of user-mode programs and libraries (and the like) that kmdll does not build. */
const OTHER_TARGET_TYPES = new Set(["PROGRAM", "PROGLIB", "DYNLINK", "LIBRARY", "UMAPPL_NOLIB", "NOTARGET", "BOOTPGM", "GDI_DRIVER", "HAL"]);

export interface ParseSourcesOptions {
  /** The arch whose `!if` branches, *_SOURCES and environment macros apply (default x64). */
  arch?: Arch;
  include?: MakeVarsOptions["include"];
  /** Macros of the build environment given by the user (`kmdll build -D NAME=VALUE`), as NMAKE takes environment variables. */
  defines?: Readonly<Record<string, string>>;
  /** The sources file's canonical name (as `include` names files), for `!include` cycles through it. */
  file?: string;
}

const toSlash = (s: string) => s.replace(/\\/g, "/");

/** Whether a relative path written in a sources file is acceptable (not absolute, no drive). */
function pathProblem(p: string): string | undefined {
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "absolute paths are not allowed; use a path relative to the project folder";
  if (p.includes("$(")) return `unsupported macro in path '${p}'`;
  return undefined;
}

/** Parse and interpret a `sources` file. */
export function parseSources(text: string, options: ParseSourcesOptions = {}): ParsedSources {
  const arch = options.arch ?? "x64";
  const vars = parseMakeVars(text, { builtins: BUILTIN_MACROS, defines: new Map([...environmentMacros(arch), ...Object.entries(options.defines ?? {})]), ...(options.include ? { include: options.include } : {}), ...(options.file !== undefined ? { mainFile: options.file } : {}) });
  const diagnostics: Diagnostic[] = [...vars.diagnostics];
  if (vars.aborted) return { vars, diagnostics };
  const d = (severity: Severity, at: Located | Token, message: string) => {
    const file = "text" in at ? at.file : at.inFile;
    diagnostics.push({ severity, message, line: at.line, col: at.col, ...(file !== undefined ? { file } : {}) });
  };
  const v = vars.vars;
  const tokens = (name: string): Token[] => v.get(name)?.tokens ?? [];

  for (const a of vars.assignments) {
    if (SOURCES_VARIABLES.has(a.name) || vars.referenced.has(a.name)) continue;
    if (a.name in IGNORED) {
      d("warning", a, `${a.name} is not supported by kmdll and is ignored${IGNORED[a.name] ? ": " + IGNORED[a.name] : ""}`);
      continue;
    }
    const s = suggest(a.name, SOURCES_VARIABLES);
    d("warning", a, `unknown variable ${a.name}${s ? ` (did you mean ${s}?)` : ""}; ignored`);
  }

  const single = (name: string): Token | undefined => {
    const a = v.get(name);
    if (!a) return undefined;
    if (a.tokens.length === 0) {
      d("error", a, `${name} is empty`);
      return undefined;
    }
    if (a.tokens.length > 1) d("error", a.tokens[1]!, `${name} takes one value; unexpected '${a.tokens[1]!.text}'`);
    return a.tokens[0];
  };

  // TARGETNAME
  const nameTok = single("TARGETNAME");
  let name: string | undefined;
  if (!v.has("TARGETNAME")) d("error", { line: 1, col: 1 }, "TARGETNAME is missing (the name of the .sys/.lib to build)");
  else if (nameTok) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(nameTok.text) || nameTok.text.includes("..")) {
      d("error", nameTok, `invalid TARGETNAME '${nameTok.text}': use letters, digits, '_', '-' and '.', no path separators`);
    } else if (/\.(sys|lib|dll)$/i.test(nameTok.text)) {
      d("error", nameTok, `TARGETNAME '${nameTok.text}' must not include the extension; kmdll adds .sys/.lib`);
    } else name = nameTok.text;
  }

  // TARGETTYPE
  const typeTok = single("TARGETTYPE");
  let type: TargetType | undefined;
  if (!v.has("TARGETTYPE")) d("error", { line: 1, col: 1 }, "TARGETTYPE is missing (EXPORT_DRIVER, DRIVER or DRIVER_LIBRARY)");
  else if (typeTok) {
    if (typeTok.text === "EXPORT_DRIVER" || typeTok.text === "DRIVER" || typeTok.text === "DRIVER_LIBRARY") type = typeTok.text;
    // A miniport/miniclass (.sys over a port or class driver's library): a driver image like DRIVER.
    else if (typeTok.text.toUpperCase() === "MINIPORT") type = "DRIVER";
    else if (OTHER_TARGET_TYPES.has(typeTok.text.toUpperCase())) {
      // A user-mode program or library in the same tree: not kmdll's to build, not an error.
      d("warning", typeTok, `TARGETTYPE=${typeTok.text} is not a kernel-mode target; kmdll skips this project`);
      return { vars, diagnostics, skipped: typeTok.text };
    } else {
      const s = suggest(typeTok.text, ["EXPORT_DRIVER", "DRIVER", "DRIVER_LIBRARY"]);
      d("error", typeTok, `unknown TARGETTYPE '${typeTok.text}'${s ? ` (did you mean ${s}?)` : ""}; kmdll builds EXPORT_DRIVER, DRIVER and DRIVER_LIBRARY`);
    }
  }

  // DLLDEF
  let def: PathRef | undefined;
  const defTok = single("DLLDEF");
  if (defTok) {
    const p = toSlash(defTok.text);
    const problem = pathProblem(p);
    if (problem) d("error", defTok, `DLLDEF: ${problem}`);
    else def = { path: p, line: defTok.line, col: defTok.col };
  }
  let defDefaulted = false;
  if (type === "EXPORT_DRIVER" && !v.has("DLLDEF") && name) {
    // The WDK's default: $(TARGETNAME).def in the project folder (the loader checks it exists).
    const at = v.get("TARGETTYPE")!;
    def = { path: `${name}.def`, line: at.line, col: at.col, ...(at.file !== undefined ? { inFile: at.file } : {}) };
    defDefaulted = true;
  }
  if (type && type !== "EXPORT_DRIVER" && def) {
    d("warning", defTok!, `DLLDEF is used only with TARGETTYPE=EXPORT_DRIVER; ignored for ${type}`);
    def = undefined;
  }

  // SOURCES
  const sources: PathRef[] = [];
  const resources: PathRef[] = [];
  const messages: PathRef[] = [];
  const archVars = arch === "x64" ? ["AMD64_SOURCES"] : arch === "arm64" ? ["ARM64_SOURCES"] : ["I386_SOURCES", "386_SOURCES", "X86_SOURCES"];
  const sourceTokens = [...tokens("SOURCES").map((t) => ({ t, archDir: undefined as string | undefined })), ...archVars.flatMap((n) => tokens(n).map((t) => ({ t, archDir: ARCH_DIRS[arch] as string | undefined })))];
  if (sourceTokens.length === 0) d("error", v.get("SOURCES") ?? { line: 1, col: 1 }, "SOURCES is missing or empty (the .c files to compile)");
  for (const { t, archDir } of sourceTokens) {
    const p = toSlash(t.text);
    const problem = pathProblem(p);
    if (problem) {
      d("error", t, `SOURCES: ${problem}`);
      continue;
    }
    const ext = /\.[^./]+$/.exec(p)?.[0] ?? "";
    const at = { line: t.line, col: t.col, ...(t.file !== undefined ? { inFile: t.file } : {}), ...(archDir ? { archDir } : {}) };
    if (/^\.(rc|mc)$/i.test(ext)) {
      (/^\.rc$/i.test(ext) ? resources : messages).push({ path: p, ...at });
      continue;
    }
    if (!SOURCE_EXTENSIONS.includes(ext.toLowerCase() === ".asm" ? ".asm" : ext)) {
      d("error", t, `cannot compile '${p}': kmdll compiles ${SOURCE_EXTENSIONS.join(" ")}, .rc and .mc files`);
      continue;
    }
    if (sources.some((s) => s.path === p)) {
      d("warning", t, `'${p}' is listed twice in SOURCES`);
      continue;
    }
    sources.push({ path: p, ...at });
  }

  // TARGETLIBS / LINKLIBS
  const libs: LibRef[] = [];
  for (const t of [...tokens("TARGETLIBS"), ...tokens("LINKLIBS")]) {
    const p = toSlash(t.text).replace(/\/{2,}/g, "/");
    const kernel = /^\$\((?:DDK_LIB_PATH|SDK_LIB_PATH|CRT_LIB_PATH|IFSKIT_LIB_PATH|WDM_LIB_PATH|DDK_LIB_DEST)\)(?:\/\*)?\/([^/]+)\.lib$/i.exec(p);
    // A library another project of the tree builds, named through its object folder
    // (`$(OBJ_PATH)\$(O)\x.lib`, `..\x\$(O)\x.lib`, `..\x\obj$(BUILD_ALT_DIR)\*\x.lib`): kmdll puts every product in $(O).
    const out = /(?:^|\/)(?:\$\(O\)|\*)\/([^/]+)$/.exec(p);
    if (kernel) libs.push({ kind: "kernel", name: kernel[1]!.toLowerCase(), line: t.line, col: t.col, ...(t.file !== undefined ? { inFile: t.file } : {}) });
    else if (out) {
      if (!/\.(lib|a)$/i.test(out[1]!)) d("error", t, `TARGETLIBS: '${p}' is not a library (.lib)`);
      else libs.push({ kind: "out", file: out[1]!, line: t.line, col: t.col, ...(t.file !== undefined ? { inFile: t.file } : {}) });
    } else {
      const problem = pathProblem(p);
      if (problem) d("error", t, `TARGETLIBS: ${problem}`);
      else libs.push({ kind: "file", path: p, line: t.line, col: t.col });
    }
  }
  if (type === "DRIVER_LIBRARY" && libs.length) d("warning", v.get("TARGETLIBS") ?? v.get("LINKLIBS")!, "TARGETLIBS is not used by a DRIVER_LIBRARY (a static library is not linked); list it in the driver that links this library");

  // INCLUDES (';' or whitespace separated)
  const includes: PathRef[] = [];
  for (const t of tokens("INCLUDES")) {
    let col = t.col;
    for (const part of t.text.split(";")) {
      const p = toSlash(part);
      const at = { line: t.line, col };
      col += part.length + 1;
      if (!p) continue;
      if (/^\$\((?:DDK_INC_PATH|SDK_INC_PATH|CRT_INC_PATH|WDM_INC_PATH|IFSKIT_INC_PATH)\)/.test(p)) continue; // always on the include path
      // A folder of the WDK installation ($(BASEDIR) is its root): its headers are mingw-w64's here.
      if (/^\$\(BASEDIR\)(?:\/|$)/.test(p)) {
        if (!/^\$\(BASEDIR\)\/inc(?:\/[^/]+)?\/?$/i.test(p)) d("warning", at, `INCLUDES: '${p}' is a folder of the WDK installation, which kmdll does not have (mingw-w64's headers stand for the WDK's); ignored`);
        continue;
      }
      if (p === "$(O)" || p === "$(OBJ_PATH)/$(O)") {
        includes.push({ path: "$(O)", ...at });
        continue;
      }
      const problem = pathProblem(p);
      // An absolute folder (often `$(TOPDIR)\inc` with TOPDIR unset, i.e. `\inc`): cl.exe passes over
      // a folder that does not exist; kmdll never reads outside the tree, so it is left out too.
      if (problem && /^(\/|[A-Za-z]:)/.test(p)) d("warning", at, `INCLUDES: '${part}' is an absolute folder; kmdll reads only inside the tree and leaves it out`);
      else if (problem) d("error", at, `INCLUDES: ${problem}`);
      else includes.push({ path: p.replace(/\/+$/, "") || ".", ...at });
    }
  }

  // C_DEFINES, USER_C_FLAGS, MSC_WARNING_LEVEL, MSC_OPTIMIZATION: cl options, translated.
  const cl = (n: string) => translateClFlags(tokens(n), arch);
  const cdefs = cl("C_DEFINES");
  const defines = cdefs.args;
  // x86: stdcall by default (i386mk.inc's MSC_CALL_TYPE), after MSC_WARNING_LEVEL, before MSC_OPTIMIZATION and USER_C_FLAGS.
  const callDefault = arch === "x86" ? x86CallDefault(v.get("386_STDCALL")?.tokens[0]?.text ?? options.defines?.["386_STDCALL"]) : undefined;
  if (callDefault?.warning) d("warning", v.get("386_STDCALL")?.tokens[0] ?? v.get("386_STDCALL") ?? { line: 1, col: 1 }, callDefault.warning);
  const user = [cl("MSC_WARNING_LEVEL"), { args: callDefault?.args ?? [], includes: [], forceIncludes: [], warnings: [] }, cl("MSC_OPTIMIZATION"), cl("USER_C_FLAGS")];
  const forceIncludes: PathRef[] = [];
  for (const tr of [cdefs, ...user]) {
    for (const w of tr.warnings) d("warning", w.at, w.message);
    for (const i of tr.includes) {
      const problem = pathProblem(toSlash(i.text));
      if (problem) d("error", i, `/I: ${problem}`);
      else includes.push({ path: toSlash(i.text).replace(/\/+$/, "") || ".", line: i.line, col: i.col, ...(i.file !== undefined ? { inFile: i.file } : {}) });
    }
    for (const f of tr.forceIncludes) forceIncludes.push({ path: toSlash(f.text), line: f.line, col: f.col, ...(f.file !== undefined ? { inFile: f.file } : {}) });
  }
  // _NT_TARGET_VERSION: the Windows version the headers describe (default Windows 7).
  // Set in the file, or in the build environment (setenv.bat sets it per target OS: `-D _NT_TARGET_VERSION=0x502`).
  const envNtv = options.defines?.["_NT_TARGET_VERSION"];
  const ntv = v.get("_NT_TARGET_VERSION")?.tokens[0] ?? (envNtv !== undefined ? { text: envNtv.trim(), line: 1, col: 1 } : undefined);
  const ntVersion = ntv ? Number(ntv.text) : 0x601;
  if (ntv && (!Number.isInteger(ntVersion) || ntVersion < 0x400 || ntVersion > 0xfff)) d("warning", ntv, `_NT_TARGET_VERSION '${ntv.text}' is not a version like 0x601; using 0x601`);
  const winnt = Number.isInteger(ntVersion) && ntVersion >= 0x400 && ntVersion <= 0xfff ? ntVersion : 0x601;
  const hex = (n: number, w: number) => "0x" + n.toString(16).toUpperCase().padStart(w, "0");
  // Only when the file sets it: otherwise mingw-w64's header defaults apply (as before).
  // The WDK's per-platform defines besides _AMD64_/_X86_ (amd64mk.inc, i386mk.inc): `#ifdef AMD64` code (OpenXT).
  const platform = arch === "x64" ? ["-DAMD64=1"] : arch === "x86" ? ["-Di386=1", ...(callDefault?.defines ?? [])] : [];
  const versionDefines = [...platform, ...(ntv ? [`-D_WIN32_WINNT=${hex(winnt, 4)}`, `-DWINVER=${hex(winnt, 4)}`, `-DNTDDI_VERSION=${hex(winnt * 0x10000, 8)}`] : [])];

  // TARGETEXT, DLLENTRY
  const extTok = single("TARGETEXT");
  let ext = "sys";
  if (extTok) {
    if (/^(sys|dll)$/i.test(extTok.text)) ext = extTok.text.toLowerCase();
    else d("error", extTok, `TARGETEXT '${extTok.text}': a kernel-mode image is a .sys or a .dll`);
  }
  let entry: string | null = "DriverEntry";
  const entryTok = single("DLLENTRY");
  if (entryTok) {
    if (/^[A-Za-z_][A-Za-z0-9_@]*$/.test(entryTok.text)) entry = entryTok.text;
    else d("error", entryTok, `DLLENTRY '${entryTok.text}' is not a routine name`);
  }

  // TARGETPATH
  let targetPath: PathRef | undefined;
  const tpTok = single("TARGETPATH");
  if (tpTok) {
    const p = toSlash(tpTok.text).replace(/\/+$/, "");
    const problem = pathProblem(p);
    if (problem) d("error", tpTok, `TARGETPATH: ${problem}`);
    // A shared output folder of the tree (`TARGETPATH=$(TOPDIR)\build`, `..\..\bin`): kmdll keeps every
    // project's outputs in --out/<arch>, where the TARGETLIBS naming that folder find them by name.
    else if (p.split("/").includes("..")) d("warning", tpTok, `TARGETPATH '${tpTok.text}' is outside the project folder; kmdll keeps the outputs in --out/<arch> (libraries that other projects name there are found by name)`);
    else if (p !== "obj" && p !== "." && p !== "") targetPath = { path: p, line: tpTok.line, col: tpTok.col };
  }

  // KMDLL_ARCHES
  let arches: Arch[] = [...ARCHES];
  if (v.has("KMDLL_ARCHES")) {
    arches = [];
    for (const t of tokens("KMDLL_ARCHES")) {
      const a = t.text.toLowerCase() === "amd64" ? "x64" : t.text.toLowerCase() === "i386" ? "x86" : t.text;
      if (a === "x64" || a === "x86" || a === "arm64") {
        if (!arches.includes(a)) arches.push(a);
      } else d("error", t, `KMDLL_ARCHES: unknown arch '${t.text}' (x64, x86 or arm64)`);
    }
    if (arches.length === 0 && !diagnostics.some((x) => x.severity === "error")) d("error", v.get("KMDLL_ARCHES")!, "KMDLL_ARCHES is empty");
  }

  const defLibs: PathRef[] = [];
  for (const t of tokens("KMDLL_DEFLIBS")) {
    const p = toSlash(t.text);
    const problem = pathProblem(p);
    if (problem) d("error", t, `KMDLL_DEFLIBS: ${problem}`);
    else if (!/\.def$/i.test(p)) d("error", t, `KMDLL_DEFLIBS: '${p}' is not a .def file`);
    else defLibs.push({ path: p, line: t.line, col: t.col });
  }

  const userCFlags = user.flatMap((u) => u.args);
  const linkerFlags = tokens("LINKER_FLAGS").map((t) => t.text);
  if (linkerFlags.some((f) => /^[/-]noentry$/i.test(f))) entry = null;

  const ok = !diagnostics.some((x) => x.severity === "error");
  const project: SourcesProject | undefined =
    ok && name && type
      ? {
          name, type, ...(def ? { def } : {}), ...(defDefaulted ? { defDefaulted } : {}), sources, libs, includes, defines, ...(targetPath ? { targetPath } : {}),
          userCFlags, linkerFlags, defLibs, arches, ...(v.has("KMDLL_ARCHES") ? { archesNamed: true } : {}), resources, messages, ext, entry, forceIncludes, versionDefines,
          ...(v.has("RUN_WPP") ? { wpp: parseRunWpp(tokens("RUN_WPP")) } : {}),
        }
      : undefined;
  return { ...(project ? { project } : {}), vars, diagnostics };
}

export { parseDirs, type DirEntry, type ParsedDirs } from "./dirs-file.js";
