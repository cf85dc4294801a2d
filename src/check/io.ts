/**
 * The file-system side of `kmdll check`: reading the image, the .def and the .lib, and finding
 * imported modules the way the kernel would — in --root's System32/drivers (case-insensitive,
 * like Windows) or next to the image — backed by the kernel export database. Never reads
 * outside the root (or the image's folder) because of a name found inside an image: names with a
 * path separator or ".." are rejected, and only entries listed in the folder are opened
 * (symbolic links the user placed in the root are followed).
 */
import { readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { KmdllError, inFile } from "../errors.js";
import { parseDef, hasErrors, formatDiagnostic } from "../formats/def/index.js";
import { analyzeImportLibrary } from "../formats/lib/index.js";
import { parsePe } from "../formats/pe/parse.js";
import type { ExportDirectory, PeImage } from "../formats/pe/types.js";
import { LIB_HEAD, PE_HEAD, readFileBytes, readImage } from "../io/image.js";
import { kernelModuleExportsFor } from "../nt/kernel-exports.js";
import { KERNEL_CORE_MODULES } from "./knowledge.js";
import { runChecks } from "./runner.js";
import type { CheckReport, DefInput, LibInput, ModuleExports, ModuleLookup, ModuleResolver } from "./types.js";

/** The kernel export database's architecture for an image ("x86", "arm64": x64's data plus ARM64's HAL IRQL routines, or "x64"). */
export function dbArch(image: PeImage): string {
  return image.machine === "x86" ? "x86" : image.machine === "arm64" ? "arm64" : "x64";
}

/** Why an import name must not be used as a file name, or null when it is a plain file name. */
export function invalidModuleName(name: string): string | null {
  if (name.length === 0) return "is empty";
  if (/[\\/]/.test(name)) return "contains a path separator";
  if (name.includes("..")) return 'contains ".."';
  if (/[\0:]/.test(name)) return "contains a NUL or ':' character";
  if (name === ".") return 'is "."';
  return null;
}

/** Exports of a parsed image, as the import rules need them. */
export function imageExports(name: string, image: PeImage, source: "root" | "adjacent", path: string): ModuleExports {
  return directoryExports(name, image.exports, source, path);
}

/** Exports of an image from its parsed export directory (null: it has none), as the import rules need them. */
export function directoryExports(name: string, exp: ExportDirectory | null, source: "root" | "adjacent", path: string): ModuleExports {
  if (!exp) return moduleExports(name, source, path, new Set(), null, true);
  const names = new Set<string>();
  for (const f of exp.functions) for (const n of f.names) names.add(n);
  for (const n of exp.namePointerOrder) names.add(n);
  return moduleExports(name, source, path, names, { base: exp.ordinalBase, count: exp.numberOfFunctions }, false);
}

/**
 * A ModuleExports (every one is made here, with every field, so that the rules reading them see
 * one object shape whatever the module's source: a second shape showing up later made V8 throw
 * away the import rules' optimized code).
 */
export function moduleExports(name: string, source: ModuleExports["source"], path: string | undefined, names: ReadonlySet<string>, ordinals: ModuleExports["ordinals"], noExportDirectory: boolean): ModuleExports {
  return { name, source, path, names, ordinals, noExportDirectory };
}

export interface ResolverOptions {
  /** A SystemRoot-like folder: modules are looked up in <root>/System32/drivers. */
  root?: string;
  /** Without a root: the folder to look in (the checked image's folder). */
  adjacentDir?: string;
  /** Kernel export database architecture ("x64" or "x86"). */
  arch: string;
  /** The checked image's own path: it is never "found" as its own import. */
  self?: string;
}

/**
 * Finds modules like the kernel: <root>/System32/drivers/<name> (each path component matched
 * case-insensitively), ntoskrnl.exe and hal.dll from <root>/System32 when present, else the
 * kernel export database (which also knows the system export drivers).
 */
export class FsModuleResolver implements ModuleResolver {
  private readonly opts: ResolverOptions;
  private readonly cache = new Map<string, ModuleLookup>();
  private readonly listings = new Map<string, Map<string, string>>();

  constructor(opts: ResolverOptions) {
    this.opts = opts;
  }

  /** Lower-case name → actual entry name, for a folder (empty when unreadable). */
  private listing(dir: string): Map<string, string> {
    let m = this.listings.get(dir);
    if (!m) {
      m = new Map();
      try {
        for (const e of readdirSync(dir)) {
          const k = e.toLowerCase();
          if (!m.has(k)) m.set(k, e);
        }
      } catch {
        // A missing or unreadable folder holds nothing.
      }
      this.listings.set(dir, m);
    }
    return m;
  }

  /** Resolve path components under base case-insensitively; null when one is missing. */
  private findCi(base: string, parts: string[]): string | null {
    let cur = base;
    for (const p of parts) {
      const actual = this.listing(cur).get(p.toLowerCase());
      if (actual === undefined) return null;
      cur = join(cur, actual);
    }
    return cur;
  }

  /** The folder drivers are looked up in, or null. */
  driversDir(): string | null {
    if (this.opts.root !== undefined) return this.findCi(this.opts.root, ["System32", "drivers"]);
    return this.opts.adjacentDir ?? null;
  }

  private describeSearch(): string {
    if (this.opts.root !== undefined) return `${join(this.opts.root, "System32", "drivers")} (--root)`;
    if (this.opts.adjacentDir !== undefined) return `${this.opts.adjacentDir} (the image's folder; give --root for a SystemRoot folder)`;
    return "the kernel export database";
  }

  private readModule(name: string, path: string, source: "root" | "adjacent"): ModuleLookup {
    try {
      if (!statSync(path).isFile()) return { found: false, reason: "unreadable", path, detail: "not a regular file" };
      const bytes = inFile(path, () => readFileBytes(path, PE_HEAD));
      const image = inFile(path, () => parsePe(bytes));
      return { found: true, exports: imageExports(name, image, source, path) };
    } catch (e) {
      return { found: false, reason: "unreadable", path, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  private fromDb(key: string): ModuleLookup | null {
    const cacheKey = this.opts.arch + "/" + key;
    let hit = dbCache.get(cacheKey);
    if (hit === undefined) {
      const list = kernelModuleExportsFor(key, this.opts.arch);
      hit = list ? { found: true, exports: moduleExports(key, "kernel-db", undefined, new Set(list.map((e) => e.name)), null, false) } : null;
      dbCache.set(cacheKey, hit);
    }
    return hit;
  }

  lookup(dll: string): ModuleLookup {
    const key = dll.toLowerCase();
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = this.resolve(dll, key);
    this.cache.set(key, r);
    return r;
  }

  private resolve(dll: string, key: string): ModuleLookup {
    const bad = invalidModuleName(dll);
    if (bad) return { found: false, reason: "invalid-name", detail: bad };
    const source = this.opts.root !== undefined ? "root" : "adjacent";
    if (KERNEL_CORE_MODULES.has(key)) {
      if (this.opts.root !== undefined) {
        const p = this.findCi(this.opts.root, ["System32", key]);
        if (p) return this.readModule(dll, p, "root");
      }
      return this.fromDb(key) ?? { found: false, reason: "not-found", searched: "the kernel export database (run npm run kernel-db)" };
    }
    const dir = this.driversDir();
    if (dir) {
      const actual = this.listing(dir).get(key);
      if (actual !== undefined) {
        const p = join(dir, actual);
        if (!(this.opts.self && safeRealpath(p) === safeRealpath(this.opts.self))) return this.readModule(actual, p, source);
      }
    }
    return this.fromDb(key) ?? { found: false, reason: "not-found", searched: this.describeSearch() };
  }
}

/** Database modules as lookups, shared by every resolver ("arch/module" → lookup or null). */
const dbCache = new Map<string, ModuleLookup | null>();

function safeRealpath(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** Read and parse a .def for the checks; syntax errors are input errors (exit 2). */
export function readDefInput(path: string): DefInput {
  // A binary file is refused from its first bytes (a NUL there), not read whole.
  let binary: ReturnType<typeof parseDef> | null = null;
  const bytes = readFileBytes(path, {
    head: (h) => {
      if (!(h[0] === 0xff && h[1] === 0xfe) && h.includes(0)) binary = parseDef(h, { requireLibrary: false });
    },
    stop: () => binary !== null,
  });
  const r = binary ?? parseDef(bytes, { requireLibrary: false });
  if (hasErrors(r)) {
    const first = r.diagnostics.find((d) => d.severity === "error")!;
    throw new KmdllError(formatDiagnostic(first, path));
  }
  const d = r.def;
  return {
    file: path,
    library: d.directive === "LIBRARY" || d.directive === "NAME" ? { name: d.name, line: r.directivePosition?.line ?? 1, ...(r.directivePosition ? { column: r.directivePosition.col } : {}) } : null,
    exports: d.exports.map((e, i) => {
      const pos = r.exportPositions[i];
      const target = e.forward ? `${e.forward.module}.${e.forward.name ?? "#" + e.forward.ordinal}` : e.internalName;
      return {
        name: e.name,
        target,
        private: e.private,
        data: e.data,
        noname: e.noname,
        ordinal: e.ordinal,
        line: pos?.line ?? 1,
        ...(pos ? { column: pos.col } : {}),
      };
    }),
  };
}

/** Read an import library for the checks. */
export function readLibInput(path: string): LibInput {
  const bytes = inFile(path, () => readFileBytes(path, LIB_HEAD));
  const info = inFile(path, () => analyzeImportLibrary(bytes));
  if (info.rows.length === 0 && info.otherMembers === 0) throw new KmdllError(`${path}: not an import library (no import members)`);
  return {
    file: path,
    rows: info.rows.map((r) => ({ dll: r.dll, symbol: r.symbol, importName: r.importName, ordinal: r.ordinal, memberOffset: r.memberOffset })),
  };
}

export interface CheckFileOptions {
  /** The driver's .def (enables the PRIVATE and LIBRARY checks on it). */
  def?: string;
  /** The driver's import library (.lib). */
  lib?: string;
  /** SystemRoot-like folder: imported modules are looked up in <root>/System32/drivers. */
  root?: string;
}

/** Check one image file: read everything, run every rule. Input problems throw KmdllError. */
export function checkFile(path: string, opts: CheckFileOptions = {}): CheckReport {
  if (opts.root !== undefined) {
    let ok = false;
    try {
      ok = statSync(opts.root).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) throw new KmdllError(`${opts.root}: --root is not a folder`);
  }
  const { bytes, image } = readImage(path);
  const def = opts.def !== undefined ? readDefInput(opts.def) : undefined;
  const lib = opts.lib !== undefined ? readLibInput(opts.lib) : undefined;
  const modules = new FsModuleResolver({
    arch: dbArch(image),
    self: path,
    ...(opts.root !== undefined ? { root: opts.root } : { adjacentDir: dirname(path) }),
  });
  const findings = runChecks({ file: path, bytes, image, modules, ...(def ? { def } : {}), ...(lib ? { lib } : {}) });
  return { file: path, findings };
}
