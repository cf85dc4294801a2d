import { inFile } from "../errors.js";
import { readFileBytes } from "./file.js";
import { parsePe } from "../formats/pe/parse.js";
import type { ParsePeOptions, PeImage } from "../formats/pe/types.js";

/** A PE image read from disk: its path, raw bytes and parsed model. */
export interface LoadedImage {
  path: string;
  bytes: Uint8Array;
  image: PeImage;
}

export { readFileBytes, MAX_IMAGE_FILE } from "./file.js";

/** Read and parse a PE image; format errors name the file. */
export function readImage(path: string, opts: ParsePeOptions = {}): LoadedImage {
  const bytes = readFileBytes(path);
  const image = inFile(path, () => parsePe(bytes, opts));
  return { path, bytes, image };
}
