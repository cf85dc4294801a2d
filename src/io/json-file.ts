/**
 * JSON input files a user names on the command line (`sim` scenarios, `--devices`, `--machine`):
 * read with readFileBytes (one-line errors for missing files, directories, devices and FIFOs —
 * opening a FIFO or reading /dev/zero would never end), refused above MAX_JSON_FILE, decoded as
 * UTF-8 (TextDecoder drops the byte order mark Windows editors write) and parsed.
 */
import { KmdllError } from "../errors.js";
import { readFileBytes } from "./file.js";

/** Larger than any scenario, device or machine file a person writes. */
export const MAX_JSON_FILE = 16 << 20;

/** The parsed document and its text (for line numbers in later errors); `path: invalid JSON: …` on a syntax error. */
export function readJsonFile(path: string): { doc: unknown; text: string } {
  const bytes = readFileBytes(path, {
    head: (_h, size) => {
      if (size > MAX_JSON_FILE) throw new KmdllError(`${path}: ${size} bytes is too large for a JSON input file (at most ${MAX_JSON_FILE})`);
    },
  });
  const text = new TextDecoder("utf-8").decode(bytes);
  try {
    return { doc: JSON.parse(text) as unknown, text };
  } catch (e) {
    throw new KmdllError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
}
