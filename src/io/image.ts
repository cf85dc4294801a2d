import { inFile } from "../errors.js";
import { parsePe } from "../formats/pe/parse.js";
import type { ParsePeOptions, PeImage } from "../formats/pe/types.js";
import { ARCHIVE_MAGIC } from "../formats/lib/archive.js";
import { analyzeImportLibrary } from "../formats/lib/read-import-library.js";

/** A PE image read from disk: its path, raw bytes and parsed model. */
export interface LoadedImage {
  path: string;
  bytes: Uint8Array;
  image: PeImage;
}

export { readFileBytes, MAX_IMAGE_FILE, HEAD_BYTES, type ReadOptions } from "./file.js";
import { readFileBytes, type ReadOptions } from "./file.js";

/** ReadOptions.head for PE images: no MZ signature is refused at byte 0, like parsePe does. */
export const PE_HEAD: ReadOptions = {
  head: (head) => {
    if (head[0] !== 0x4d || head[1] !== 0x5a) parsePe(head);
  },
};

/** ReadOptions.head for import libraries: no archive signature is refused at byte 0. */
export const LIB_HEAD: ReadOptions = {
  head: (head) => {
    if (String.fromCharCode(...head.subarray(0, 8)) !== ARCHIVE_MAGIC) analyzeImportLibrary(head);
  },
};

/** Read and parse a PE image; format errors name the file. */
export function readImage(path: string, opts: ParsePeOptions = {}): LoadedImage {
  const bytes = inFile(path, () => readFileBytes(path, PE_HEAD));
  const image = inFile(path, () => parsePe(bytes, opts));
  return { path, bytes, image };
}
