/**
 * Every file kmdll writes goes through here. Two kinds of destination:
 *
 * - A file the user named (`-o`, `--html`): `writeOutputFile` refuses to write onto one of the
 *   command's own inputs (same file by any spelling, symbolic link or hard link: compared by
 *   device and inode), and refuses to replace an existing PE image or library with an output of
 *   another kind unless `--force` asked for it.
 * - Files below a target folder (`build --install ROOT`, `kmdll new WORKSPACE`): names come from
 *   inputs (TARGETNAME, the project name), so every component is checked: a symbolic link may be
 *   followed only while it stays inside the folder. `writeFileInside` / `copyFileInside` write to
 *   a temporary file in the checked folder and rename it into place, so the last component is
 *   replaced, never written through.
 *
 * Errors are one-line KmdllErrors (exit 2).
 */
import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { KmdllError } from "../errors.js";
import { makeDirectory } from "./dirs.js";

/** What a command writes: an existing file of another binary kind is replaced only with --force. */
export type OutputKind = "text" | "import-library" | "image";

export interface OutputRules {
  /** The command's input files: the output must be none of them. */
  inputs?: readonly string[];
  /** What the command writes (default "text"). */
  kind?: OutputKind;
  /** The user asked to replace an existing file of another kind (`--force`). */
  force?: boolean;
  /** How the output is named in messages, e.g. "-o" or "--html". */
  option?: string;
}

function errno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such directory";
  if (code === "EISDIR") return "is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a component of the path is not a directory";
  return code ?? String((e as Error).message ?? e);
}

function sameFile(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** The binary kind of an existing file, from its first bytes (null: text or unknown). */
function sniffKind(path: string): OutputKind | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const head = new Uint8Array(8);
    const n = readSync(fd, head, 0, 8, 0);
    const text = String.fromCharCode(...head.subarray(0, n));
    if (text.startsWith("MZ")) return "image";
    if (text === "!<arch>\n" || text.startsWith("!<thin>")) return "import-library";
    return null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const KIND_NAME: Record<OutputKind, string> = { text: "text file", "import-library": "library", image: "PE image" };

/**
 * Check that `path` may be written by a command with these inputs: it is not one of them, and
 * an existing PE image or library is not replaced by another kind of file without `force`.
 */
export function checkOutputPath(path: string, rules: OutputRules = {}): void {
  const label = rules.option ? `${rules.option} ${path}` : path;
  let out;
  try {
    out = statSync(path);
  } catch {
    return; // does not exist (yet): cannot be an input; write errors are reported by the writer
  }
  for (const input of rules.inputs ?? []) {
    let st;
    try {
      st = statSync(input);
    } catch {
      continue;
    }
    if (sameFile(out, st)) {
      throw new KmdllError(`${label}: refusing to overwrite the input ${input}${resolve(input) === resolve(path) ? "" : " (the same file)"}; write somewhere else`);
    }
  }
  if (out.isDirectory()) throw new KmdllError(`${label}: cannot write file: is a directory`);
  const kind = rules.kind ?? "text";
  const existing = sniffKind(path);
  if (existing && existing !== kind && !rules.force) {
    throw new KmdllError(`${label}: exists and is a ${KIND_NAME[existing]}, not a ${KIND_NAME[kind]}; use --force to replace it`);
  }
}

/** Numbers the temporary files of this process. */
let tmpCounter = 0;

/**
 * Write a file the user named, after `checkOutputPath`. An existing regular file is replaced as
 * llvm-dlltool and lld do: the bytes go to a temporary file beside it (through a symbolic link: beside
 * its target), which is renamed over it with the old file's permission bits. Readers never see a
 * half-written file, and kmdll does not wait, as truncating in place does, for the old contents
 * still being written back to disk (a build writing the same library again). Devices, FIFOs and
 * files with other hard links are written in place, as is any file whose folder refuses the
 * temporary file.
 */
export function writeOutputFile(path: string, data: string | Uint8Array, rules: OutputRules = {}): void {
  checkOutputPath(path, rules);
  try {
    if (!replaceByRename(path, data)) writeFileSync(path, data);
  } catch (e) {
    throw new KmdllError(`${rules.option ? `${rules.option} ${path}` : path}: cannot write file: ${errno(e)}`);
  }
}

/** Replace an existing regular file with one link through a renamed temporary file; false when that does not apply. */
function replaceByRename(path: string, data: string | Uint8Array): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isFile() || st.nlink !== 1) return false;
  // One realpath(3) call (the JavaScript realpathSync stats every component).
  const real = realpathSync.native(path);
  const tmp = join(dirname(real), `.${basename(real)}.kmdll-${process.pid}-${tmpCounter++}.tmp`);
  try {
    writeFileSync(tmp, data, { flag: "wx", mode: st.mode & 0o7777 });
    chmodSync(tmp, st.mode & 0o7777); // the mode given at creation is reduced by the umask
    renameSync(tmp, real);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

/** Whether `real` (a real path) is `realRoot` or below it. */
export function isInside(realRoot: string, real: string): boolean {
  if (real === realRoot) return true;
  return real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
}

/**
 * The real path of `rel` below the folder `root`, checking every existing component: a symbolic
 * link is followed only when its target stays inside the root; a dangling link is refused (writing
 * would create its target, wherever it points). Components that do not exist yet are appended
 * unchanged. `what` names the destination in messages.
 */
export function resolveInside(root: string, rel: string, what = rel): string {
  if (isAbsolute(rel)) throw new KmdllError(`${what}: must be a path inside ${root}`);
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (e) {
    throw new KmdllError(`${root}: cannot use the folder: ${errno(e)}`);
  }
  let cur = realRoot;
  let missing = false;
  for (const part of rel.split(/[\\/]+/)) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw new KmdllError(`${what}: '..' is not allowed (must stay inside ${root})`);
    const next = join(cur, part);
    if (missing) {
      cur = next;
      continue;
    }
    let st;
    try {
      st = lstatSync(next);
    } catch {
      missing = true;
      cur = next;
      continue;
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(next);
      } catch {
        let to = "?";
        try {
          to = readlinkSync(next);
        } catch {
          /* keep "?" */
        }
        throw new KmdllError(`${join(root, relative(realRoot, next))}: is a symbolic link to ${to}, which does not exist; refusing to write through it`);
      }
      if (!isInside(realRoot, target)) {
        throw new KmdllError(`${join(root, relative(realRoot, next))}: is a symbolic link leading outside ${root} (to ${target}); refusing to write through it`);
      }
      cur = target;
    } else cur = next;
  }
  return cur;
}

/** `mkdir -p root/rel`, never through a symbolic link leaving the root; returns the real path. */
export function makeDirectoryInside(root: string, rel: string, what = join(root, rel)): string {
  makeDirectory(root);
  const real = resolveInside(root, rel, what);
  const realRoot = realpathSync(root);
  let cur = realRoot;
  for (const part of relative(realRoot, real).split(sep)) {
    if (part === "") continue;
    cur = join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      st = null;
    }
    if (st) {
      if (!st.isDirectory()) throw new KmdllError(`${what}: cannot create the folder: ${cur} is not a folder`);
      continue;
    }
    try {
      mkdirSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && lstatSync(cur).isDirectory()) continue;
      throw new KmdllError(`${what}: cannot create the folder: ${errno(e)}`);
    }
  }
  return real;
}


/** Write bytes as `dir/name` through a temporary file in dir and a rename (dir is a checked real path). */
function replaceIn(dir: string, name: string, write: (tmp: string) => void, what: string): void {
  const tmp = join(dir, `.${name}.kmdll-${process.pid}-${tmpCounter++}.tmp`);
  try {
    write(tmp);
    renameSync(tmp, join(dir, name));
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof KmdllError) throw e;
    throw new KmdllError(`${what}: cannot write file: ${errno(e)}`);
  }
}

/** Resolve `root/rel` for writing: its folder must exist inside the root; the file is not a folder. */
function destinationInside(root: string, rel: string, what: string): { dir: string; name: string; real: string } {
  const real = resolveInside(root, rel, what);
  const dir = dirname(real);
  const name = basename(real);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new KmdllError(`${what}: cannot write file: no such directory`);
  }
  if (!st.isDirectory()) throw new KmdllError(`${what}: cannot write file: ${dir} is not a folder`);
  const existing = statSync(real, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new KmdllError(`${what}: cannot write file: is a directory`);
  return { dir, name, real };
}

/** Write `root/rel` (folders are created), never through a symbolic link leaving the root. Returns the real path written. */
export function writeFileInside(root: string, rel: string, data: string | Uint8Array, what = join(root, rel)): string {
  makeDirectoryInside(root, dirname(rel), what);
  const d = destinationInside(root, rel, what);
  replaceIn(d.dir, d.name, (tmp) => writeFileSync(tmp, data, { flag: "wx" }), what);
  return d.real;
}

/** Copy `source` to `root/rel` like writeFileInside; copying a file onto itself does nothing. */
export function copyFileInside(source: string, root: string, rel: string, what = join(root, rel)): string {
  makeDirectoryInside(root, dirname(rel), what);
  const d = destinationInside(root, rel, what);
  const src = statSync(source);
  const dst = statSync(d.real, { throwIfNoEntry: false });
  if (dst && sameFile(src, dst)) return d.real;
  replaceIn(d.dir, d.name, (tmp) => copyFileSync(source, tmp, constants.COPYFILE_EXCL), what);
  return d.real;
}
