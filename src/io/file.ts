/** Reading whole regular files with one-line errors (no parsing: cheap to load). */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { KmdllError } from "../errors.js";

/** Largest file read (Node buffers are limited to 2 GiB; PE images to 4 GiB). */
export const MAX_IMAGE_FILE = 0x7fff0000;

function why(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ENOENT") return "no such file";
  if (err.code === "EISDIR") return "is a directory";
  if (err.code === "EACCES" || err.code === "EPERM") return "permission denied";
  return err.code ?? err.message;
}

/** How many bytes `ReadOptions.head` sees before the rest of the file is read. */
export const HEAD_BYTES = 4096;

export interface ReadOptions {
  /**
   * Look at the first bytes (up to HEAD_BYTES) before the whole file is read, and throw when the
   * file is refused there: a 1 GiB file that is not a PE image is then rejected without reading it.
   */
  head?: (head: Uint8Array, size: number) => void;
  /** After `head`: true stops there (readFileBytes then returns the head bytes only). */
  stop?: () => boolean;
}

/**
 * Open a regular file for reading: stat before open (opening a FIFO for reading would block),
 * then fstat the descriptor; directories, devices, FIFOs and files over MAX_IMAGE_FILE are
 * refused with a one-line KmdllError. The caller closes `fd`.
 */
export function openRegularFile(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    const pre = statSync(path);
    if (pre.isDirectory()) throw new KmdllError(`${path}: cannot read file: is a directory`);
    if (!pre.isFile()) throw new KmdllError(`${path}: cannot read file: not a regular file`);
    fd = openSync(path, "r");
  } catch (e) {
    throw readError(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new KmdllError(`${path}: cannot read file: is a directory`);
    if (!st.isFile()) throw new KmdllError(`${path}: cannot read file: not a regular file`);
    if (st.size > MAX_IMAGE_FILE) throw new KmdllError(`${path}: cannot read file: too large (${st.size} bytes)`);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw readError(path, e);
  }
}

/** A file-system error as a one-line KmdllError naming the path (KmdllErrors pass through). */
export function readError(path: string, e: unknown): KmdllError {
  return e instanceof KmdllError ? e : new KmdllError(`${path}: cannot read file: ${why(e)}`);
}

/**
 * Read a regular file completely, turning file-system errors into a one-line KmdllError.
 * Devices, FIFOs and directories are refused (reading /dev/zero would never end).
 */
export function readFileBytes(path: string, opts: ReadOptions = {}): Uint8Array {
  const { fd, size } = openRegularFile(path);
  const st = { size };
  try {
    let got = 0;
    if (opts.head) {
      const head = new Uint8Array(Math.min(st.size, HEAD_BYTES));
      while (got < head.length) {
        const n = readSync(fd, head, got, head.length - got, got);
        if (n === 0) break;
        got += n;
      }
      opts.head(head.subarray(0, got), st.size);
      if (opts.stop?.()) return head.subarray(0, got);
      got = 0;
    }
    const out = new Uint8Array(st.size);
    while (got < out.length) {
      const n = readSync(fd, out, got, out.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === out.length ? out : out.subarray(0, got);
  } catch (e) {
    if (e instanceof KmdllError) throw e;
    throw new KmdllError(`${path}: cannot read file: ${why(e)}`);
  } finally {
    closeSync(fd);
  }
}
