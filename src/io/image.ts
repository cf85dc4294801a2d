import { readFileSync } from "node:fs";
import { KmdllError, inFile } from "../errors.js";
import { parsePe } from "../formats/pe/parse.js";
import type { ParsePeOptions, PeImage } from "../formats/pe/types.js";

/** A PE image read from disk: its path, raw bytes and parsed model. */
export interface LoadedImage {
  path: string;
  bytes: Uint8Array;
  image: PeImage;
}

/** Read a file, turning file-system errors into a one-line KmdllError. */
export function readFileBytes(path: string): Uint8Array {
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.code === "EACCES" ? "permission denied" : (err.code ?? err.message);
    throw new KmdllError(`${path}: cannot read file: ${why}`);
  }
}

/** Read and parse a PE image; format errors name the file. */
export function readImage(path: string, opts: ParsePeOptions = {}): LoadedImage {
  const bytes = readFileBytes(path);
  const image = inFile(path, () => parsePe(bytes, opts));
  return { path, bytes, image };
}
