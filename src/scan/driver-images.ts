/**
 * The driver images a simulation can load, summarised for the import graph: the given files
 * (`sim --install`), or the PE images of a root's System32/drivers (the whole root when it has
 * none). Malformed images are left out (the simulation reports them itself).
 */
import { basename, join } from "node:path";
import { existsSync } from "node:fs";
import { readImage } from "../io/image.js";
import { summarizeImage, type ModuleSummary } from "../graph/model.js";
import { looksLikePe, walkFiles } from "./walk.js";

export interface DriverImageSource {
  /** Directory standing for \SystemRoot. */
  root?: string;
  /** Driver files installed into a temporary root (used instead of `root`). */
  install?: readonly string[];
}

export function driverImageSummaries(o: DriverImageSource): ModuleSummary[] {
  const files: string[] = [];
  if (o.install) files.push(...o.install);
  else if (o.root && existsSync(o.root)) {
    const drivers = join(o.root, "System32", "drivers");
    for (const f of walkFiles(existsSync(drivers) ? drivers : o.root).files) {
      try {
        if (looksLikePe(f.path)) files.push(f.path);
      } catch {
        /* unreadable: not drawn */
      }
    }
  }
  const out: ModuleSummary[] = [];
  for (const f of files) {
    try {
      out.push(summarizeImage(readImage(f).image, f, basename(f)));
    } catch {
      /* malformed images are reported by the simulation itself */
    }
  }
  return out;
}
