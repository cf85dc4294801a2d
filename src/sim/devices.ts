/** Reading the device file of `kmdll sim --devices FILE` (format: docs/pnp.md; parser: src/emu/pnp/spec.ts). */
import { KmdllError } from "../errors.js";
import { readFileBytes } from "../io/image.js";
import { parseDeviceFile, type DeviceFile } from "../emu/pnp/index.js";

/** Read and check a device file; errors name the file and the field. */
export function readDeviceFile(path: string): DeviceFile {
  let text = new TextDecoder("utf-8").decode(readFileBytes(path));
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new KmdllError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
  try {
    return parseDeviceFile(doc);
  } catch (e) {
    throw new KmdllError(`${path}: ${(e as Error).message}`);
  }
}
