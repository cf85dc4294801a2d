/**
 * Directory walking and PE detection for `kmdll scan` and `kmdll graph DIR`.
 * Files are found recursively; symbolic links are followed only when they point at a regular
 * file inside the root (never out of it, never into directories), so a scan cannot read
 * outside the directory it was given and cannot loop.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export interface WalkEntry {
  /** Absolute path (as reached through the root, not resolved). */
  path: string;
  /** Path relative to the root, with "/" separators. */
  rel: string;
  size: number;
}

export interface WalkSkip {
  rel: string;
  reason: string;
}

export interface WalkResult {
  files: WalkEntry[];
  skipped: WalkSkip[];
}

function toRel(root: string, p: string): string {
  return relative(root, p).split(sep).join("/");
}

function inside(realRoot: string, realTarget: string): boolean {
  return realTarget === realRoot || realTarget.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/** Every regular file under root (sorted by relative path). Unreadable directories are reported in `skipped`. */
export function walkFiles(root: string): WalkResult {
  const realRoot = realpathSync(root);
  const files: WalkEntry[] = [];
  const skipped: WalkSkip[] = [];
  const visit = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      skipped.push({ rel: toRel(root, dir) || ".", reason: `cannot read directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      return;
    }
    names.sort();
    for (const name of names) {
      const p = join(dir, name);
      const rel = toRel(root, p);
      let st;
      try {
        st = lstatSync(p);
      } catch (e) {
        skipped.push({ rel, reason: `cannot stat: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
        continue;
      }
      if (st.isDirectory()) visit(p);
      else if (st.isFile()) files.push({ path: p, rel, size: st.size });
      else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(p);
        } catch {
          skipped.push({ rel, reason: "dangling symbolic link" });
          continue;
        }
        if (!inside(realRoot, target)) {
          skipped.push({ rel, reason: "symbolic link out of the scanned directory (not followed)" });
          continue;
        }
        const tst = statSync(target);
        if (tst.isFile()) files.push({ path: p, rel, size: tst.size });
        else skipped.push({ rel, reason: tst.isDirectory() ? "symbolic link to a directory (not followed)" : "symbolic link to something that is not a regular file" });
      } else skipped.push({ rel, reason: "not a regular file (device, FIFO or socket)" });
    }
  };
  visit(root);
  return { files, skipped };
}

/**
 * Whether the file starts like a PE image: "MZ", and "PE\0\0" at the offset stored at 0x3C.
 * Reads at most a few bytes; errors (unreadable file) propagate.
 */
export function looksLikePe(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) < 64) return false;
    if (head[0] !== 0x4d || head[1] !== 0x5a) return false;
    const lfanew = head.readUInt32LE(0x3c);
    const sig = Buffer.alloc(4);
    if (readSync(fd, sig, 0, 4, lfanew) < 4) return false;
    return sig[0] === 0x50 && sig[1] === 0x45 && sig[2] === 0 && sig[3] === 0;
  } finally {
    closeSync(fd);
  }
}

/** Magic check on bytes in memory (`load` fills them on demand, as for a PartialFile). */
export function isPeBuffer(b: Uint8Array, load?: (offset: number, size: number) => void): boolean {
  load?.(0, 64);
  if (b.length < 64 || b[0] !== 0x4d || b[1] !== 0x5a) return false;
  const lfanew = (b[0x3c]! | (b[0x3d]! << 8) | (b[0x3e]! << 16) | (b[0x3f]! << 24)) >>> 0;
  if (lfanew + 4 <= b.length) load?.(lfanew, 4);
  return lfanew + 4 <= b.length && b[lfanew] === 0x50 && b[lfanew + 1] === 0x45 && b[lfanew + 2] === 0 && b[lfanew + 3] === 0;
}
