/**
 * Adapter between `kmdll scan` and the conformance rules of src/check: the single-image rules
 * run per file in the workers; the cross-image rules (missing-module, unresolved-import) are
 * decided by the scan itself against the other images of the scanned directory.
 */
import type { PeImage } from "../formats/pe/types.js";
import type { ScanFinding } from "./analyze.js";

/** Rules the scan computes itself from the dependency graph. */
export const CROSS_IMAGE_RULES = new Set(["missing-module", "unresolved-import"]);

export function imageChecks(_image: PeImage, _bytes: Uint8Array, _path: string): ScanFinding[] {
  return [];
}
