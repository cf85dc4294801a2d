/**
 * The conformance checks of `kmdll scan`: every rule of src/check (SPEC §5) runs on each image,
 * with imported modules looked up the way the kernel would look them up if the scanned
 * directory were System32\drivers: by base name, case-insensitively, among the PE images found
 * anywhere under the directory (the first path in sorted order wins), then in the kernel export
 * database (ntoskrnl.exe, hal.dll, system export drivers).
 */
import { inFile } from "../errors.js";
import { parseExportsOnce, type ParsedExports } from "../formats/pe/parse.js";
import type { PeImage } from "../formats/pe/types.js";
import { PartialFile } from "../io/partial-file.js";
import { looksLikePe } from "./walk.js";
import { kernelModuleExportsFor } from "../nt/kernel-exports.js";
import { runChecks } from "../check/runner.js";
import { dbArch, imageExports, invalidModuleName, moduleExports } from "../check/io.js";
import type { Finding, ModuleLookup, ModuleResolver } from "../check/types.js";

/**
 * Lower-case base name → absolute paths of the files with that name under the scanned directory,
 * in path order. The first that is a PE image (by its magic, checked when first needed) is the
 * module the name resolves to.
 */
export type ScanIndex = ReadonlyMap<string, readonly string[]>;

/** Imported modules whose export tables a thread keeps. */
const MODULE_CACHE = 512;

/** Export directories a thread keeps for the analysis of their own file (see ScanModules.parsedExports). */
const PARSED_CACHE = 256;

/** Keep at most `max` entries in a map (the oldest go first). */
function bounded<K, V>(m: Map<K, V>, max: number): void {
  while (m.size >= max) m.delete(m.keys().next().value!);
}

/** Module lookups shared by every image a thread checks (keyed by architecture and name). */
export class ScanModules {
  private readonly cache = new Map<string, ModuleLookup>();
  private readonly pe = new Map<string, string | undefined>();
  /** Export directories read to resolve imports whose file this thread has not analyzed yet (reusable by that analysis). */
  private readonly parsed = new Map<string, ParsedExports>();
  constructor(
    readonly index: ScanIndex,
    readonly root: string,
  ) {}

  resolver(arch: string, selfPath: string): ModuleResolver {
    // The rules ask for ntoskrnl.exe / hal.dll once per imported name: remember this image's answers.
    const seen = new Map<string, ModuleLookup>();
    return {
      lookup: (dll) => {
        let r = seen.get(dll);
        if (!r) seen.set(dll, (r = this.lookup(dll, arch, selfPath)));
        return r;
      },
    };
  }

  /**
   * The export directory of the file at `path` if this thread read it to resolve an import (a
   * parse of the same bytes: the file's analysis takes it instead of parsing the table again).
   * Given once: the analysis of a file happens once.
   */
  parsedExports(path: string): ParsedExports | undefined {
    const p = this.parsed.get(path);
    if (p !== undefined) this.parsed.delete(path);
    return p;
  }

  private lookup(dll: string, arch: string, selfPath: string): ModuleLookup {
    const key = dll.toLowerCase();
    const path = this.pePath(key);
    // An image importing itself: the loader finds the module being loaded, not a file.
    const self = path !== undefined && path === selfPath;
    const ck = `${arch}\0${key}\0${self ? "self" : ""}`;
    let r = this.cache.get(ck);
    if (!r) {
      r = this.resolve(dll, key, arch, self ? undefined : path);
      // Bounded (a scan of millions of files imports many distinct modules): drop the oldest.
      bounded(this.cache, MODULE_CACHE);
      this.cache.set(ck, r);
    }
    return r;
  }

  /** The first PE image among the files named `key` (unreadable files are skipped). */
  private pePath(key: string): string | undefined {
    if (this.pe.has(key)) return this.pe.get(key);
    let found: string | undefined;
    for (const p of this.index.get(key) ?? []) {
      try {
        if (looksLikePe(p)) {
          found = p;
          break;
        }
      } catch {
        // unreadable: its own analysis reports it
      }
    }
    this.pe.set(key, found);
    return found;
  }

  private resolve(dll: string, key: string, arch: string, path: string | undefined): ModuleLookup {
    const bad = invalidModuleName(dll);
    if (bad) return { found: false, reason: "invalid-name", detail: bad };
    if (path !== undefined) {
      // Only the headers and the export table are read (see io/partial-file.ts).
      let file: PartialFile | undefined;
      try {
        file = PartialFile.open(path);
        const f = file;
        const { image, reusable } = inFile(path, () => parseExportsOnce(f.bytes, f.load));
        const exports = inFile(path, () => imageExports(dll, image, "root", path));
        if (reusable) {
          bounded(this.parsed, PARSED_CACHE);
          this.parsed.set(path, reusable);
        }
        return { found: true, exports };
      } catch (e) {
        return { found: false, reason: "unreadable", path, detail: e instanceof Error ? e.message : String(e) };
      } finally {
        file?.close();
      }
    }
    const list = kernelModuleExportsFor(key, arch);
    if (list) return { found: true, exports: moduleExports(key, "kernel-db", undefined, new Set(list.map((e) => e.name)), null, false) };
    return { found: false, reason: "not-found", searched: `${this.root} (the scanned directory) and the kernel export database` };
  }
}

/** Every rule of `kmdll check` on one image of the scan. `rel` is the name shown in locations. */
export function imageChecks(image: PeImage, bytes: Uint8Array, path: string, rel: string, modules: ScanModules, load?: (offset: number, size: number) => void): Finding[] {
  return runChecks({ file: rel, bytes, ...(load ? { load } : {}), image, modules: modules.resolver(dbArch(image), path) });
}
