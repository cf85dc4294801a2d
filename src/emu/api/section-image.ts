/**
 * Image sections (ZwCreateSection / MmCreateSection with SEC_IMAGE, api/section.ts): the file must
 * be a PE image — not starting with "MZ": STATUS_INVALID_IMAGE_NOT_MZ; a header or section table
 * the loader refuses: its status (STATUS_INVALID_IMAGE_FORMAT...) — and the section holds the
 * image as the loader lays it out: SizeOfImage bytes, the headers then each section's raw data at
 * its RVA, not relocated (views show the image as at its preferred base). Without a file:
 * STATUS_INVALID_FILE_FOR_SECTION (kmdll's choice of status; Learn names none). Views are copies like
 * any section's, and an image section never writes back to its file (image pages are
 * copy-on-write on Windows); per-section page rights within a view are not modelled (the view has
 * the protection it was mapped with).
 */
import { parsePe } from "../../formats/pe/index.js";
import { layoutImage } from "../image.js";
import { ImageLoadError } from "../../errors.js";

export const SEC_IMAGE = 0x1000000;
const STATUS_INVALID_IMAGE_NOT_MZ = 0xc000012f;
const STATUS_INVALID_IMAGE_FORMAT = 0xc000007b;

/** The laid-out image of a file's bytes, or the status image-section creation returns. */
export function imageSectionBytes(file: Uint8Array, name: string): Uint8Array | number {
  if (file.length < 2 || file[0] !== 0x4d || file[1] !== 0x5a) return STATUS_INVALID_IMAGE_NOT_MZ;
  try {
    const image = parsePe(file);
    return layoutImage(image, file, image.optional.imageBase, name);
  } catch (e) {
    return e instanceof ImageLoadError ? e.status : STATUS_INVALID_IMAGE_FORMAT;
  }
}
