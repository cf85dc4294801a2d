/**
 * Files a scenario step names for its input bytes (`@FILE`, "inputFile", "dataFile"): read only
 * from below the scenario's folder (the current folder for command-line steps). Absolute names,
 * `..` and symbolic links leading out of the folder are refused with a one-line error.
 */
import { KmdllError } from "../errors.js";
import { readFileBytes } from "./file.js";
import { resolveInside } from "./output.js";

/** A reader of step inputs confined to `base`, refusing files larger than `maxBytes`. */
export function inputReaderInside(base: string, maxBytes: number): (name: string, what: string) => Uint8Array {
  return (name, what) => {
    if (!name) throw new KmdllError(`${what}: empty file name`);
    let real: string;
    try {
      real = resolveInside(base, name, name);
    } catch (e) {
      throw new KmdllError(`${what}: ${e instanceof Error ? e.message : String(e)} (input files must be inside ${base})`);
    }
    try {
      return readFileBytes(real, {
        head: (_h, size) => {
          if (size > maxBytes) throw new KmdllError(`${name}: ${size} bytes is more than a step may send (${maxBytes})`);
        },
      });
    } catch (e) {
      throw new KmdllError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}
