/**
 * What `kmdll triage` runs: the driver images under the files and folders it is given, found as
 * a stream (a folder of thousands of files is never listed whole), and the companion drivers a
 * driver imports from its own folder.
 *
 * A file named on the command line is always tried (a file that is not a PE image is listed as
 * `not-a-driver` with the reason). Below a folder, a file is a driver image when its extension is
 * `.sys` (a `.sys` that is not a PE image is listed too) or when it is a PE image for the native
 * subsystem (kernel DLLs named `.dll`); anything else (user-mode programs and DLLs, .inf, .cat...)
 * is counted as ignored. Symbolic links are followed only to regular files inside the folder, as
 * `kmdll scan` does (src/scan/walk.ts).
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, extname, join, sep } from "node:path";
import { isKernelModule } from "../nt/kernel-modules.js";
import { isKnownSystemModule } from "../nt/system-modules.js";
import { kernelModuleExports } from "../nt/kernel-exports.js";
import { readImage } from "../io/image.js";

/** One file to triage, or one to list without running it. */
export type TriageInput = { kind: "driver"; path: string } | { kind: "not-a-driver"; path: string; reason: string } | { kind: "ignored"; path: string };

/** The facts of a file's first bytes that decide whether it is a driver image. */
export type Sniffed = { pe: true; subsystem: number; machine: number } | { pe: false; reason: string };

const IMAGE_SUBSYSTEM_NATIVE = 1;

/** Read the DOS and PE headers (the first 4 KiB at most, then the optional header's subsystem). */
export function sniffImage(path: string): Sniffed {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    return { pe: false, reason: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === 0) return { pe: false, reason: "not a PE image: the file is empty" };
    if (n < 0x40 || head[0] !== 0x4d || head[1] !== 0x5a) return { pe: false, reason: "not a PE image: no MZ signature" };
    const lfanew = head.readUInt32LE(0x3c);
    const pe = Buffer.alloc(0x60);
    const m = lfanew < 0x10000000 ? readSync(fd, pe, 0, pe.length, lfanew) : 0;
    if (m < 0x18 || pe.readUInt32LE(0) !== 0x4550) return { pe: false, reason: `not a PE image: no PE signature at e_lfanew 0x${lfanew.toString(16)}` };
    // IMAGE_FILE_HEADER.Machine at +4; the optional header starts at +0x18, Subsystem at +0x44 in both PE32 and PE32+.
    return { pe: true, machine: pe.readUInt16LE(4), subsystem: m >= 0x18 + 0x46 ? pe.readUInt16LE(0x18 + 0x44) : 0 };
  } finally {
    closeSync(fd);
  }
}

function classifyFile(path: string, named: boolean): TriageInput {
  const s = sniffImage(path);
  const sys = extname(path).toLowerCase() === ".sys";
  if (!s.pe) return named || sys ? { kind: "not-a-driver", path, reason: s.reason } : { kind: "ignored", path };
  if (named || sys || s.subsystem === IMAGE_SUBSYSTEM_NATIVE) return { kind: "driver", path };
  return { kind: "ignored", path };
}

function inside(realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/** Walk a folder depth first in name order, one directory listing at a time. */
function* walkFolder(root: string): Generator<TriageInput> {
  const realRoot = realpathSync(root);
  const stack: string[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      yield { kind: "not-a-driver", path: dir, reason: `cannot read the folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
      continue;
    }
    const subdirs: string[] = [];
    for (const name of names) {
      const p = join(dir, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) subdirs.push(p);
      else if (st.isFile()) yield classifyFile(p, false);
      else if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(p);
        } catch {
          continue;
        }
        if (inside(realRoot, real) && statSync(real).isFile()) yield classifyFile(p, false);
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

/** The inputs under the paths given, in order; a path that does not exist is an error for the caller (checked first). */
export function* triageInputs(paths: string[]): Generator<TriageInput> {
  for (const p of paths) {
    const st = statSync(p);
    if (st.isDirectory()) yield* walkFolder(p);
    else if (st.isFile()) yield classifyFile(p, true);
    else yield { kind: "not-a-driver", path: p, reason: "not a regular file (device, FIFO or socket)" };
  }
}

/**
 * Whether a module name is part of Windows: the kernel, a HAL, a system driver kmdll knows of, or
 * one whose exports kmdll's database lists (the modules kmdll emulates, pciidex.sys among them: an
 * ATA miniport importing an AtaPort* routine kmdll's pciidex.sys lacks is kmdll's gap, not a
 * companion driver's).
 */
export function isWindowsModule(dll: string): boolean {
  return isKernelModule(dll.toLowerCase()) || isKnownSystemModule(dll) || kernelModuleExports(dll) !== undefined;
}

/** Per-folder listings (lower-case name → file name), kept for the folders of the drivers being run. */
export class FolderIndex {
  private readonly listings = new Map<string, Map<string, string>>();

  private listing(dir: string): Map<string, string> {
    let l = this.listings.get(dir);
    if (!l) {
      l = new Map();
      try {
        for (const n of readdirSync(dir)) if (!l.has(n.toLowerCase())) l.set(n.toLowerCase(), n);
      } catch {
        /* unreadable: no companions */
      }
      // Bounded: the folders of the drivers in flight (a corpus walks one folder after another).
      if (this.listings.size >= 16) this.listings.delete(this.listings.keys().next().value!);
      this.listings.set(dir, l);
    }
    return l;
  }

  /**
   * The drivers `driver` imports, directly or through each other, that are files in its own folder
   * (case-insensitive, as Windows finds them in System32\drivers); Windows' own modules are not
   * taken from the folder (kmdll provides those it emulates). At most 32.
   */
  companions(driver: string): string[] {
    const dir = dirname(driver);
    const listing = this.listing(dir);
    const seen = new Set([basename(driver).toLowerCase()]);
    const out: string[] = [];
    const queue = [driver];
    while (queue.length > 0 && out.length < 32) {
      let imports: string[];
      try {
        imports = readImage(queue.shift()!).image.imports.map((d) => d.dll);
      } catch {
        continue;
      }
      for (const dll of imports) {
        const l = dll.toLowerCase();
        if (seen.has(l) || isWindowsModule(l)) continue;
        seen.add(l);
        const name = listing.get(l);
        if (name === undefined) continue;
        out.push(join(dir, name));
        queue.push(join(dir, name));
      }
    }
    return out;
  }
}
