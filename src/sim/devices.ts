/** Reading the device file of `kmdll sim --devices FILE` (format: docs/pnp.md; parser: src/emu/pnp/spec.ts). */
import { KmdllError } from "../errors.js";
import { readJsonFile } from "../io/json-file.js";
import { parseDeviceFile, type DeviceFile } from "../emu/pnp/index.js";

/** Read and check a device file; errors name the file and the field. */
export function readDeviceFile(path: string): DeviceFile {
  const { doc } = readJsonFile(path);
  try {
    return parseDeviceFile(doc);
  } catch (e) {
    throw new KmdllError(`${path}: ${(e as Error).message}`);
  }
}
