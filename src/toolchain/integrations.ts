/**
 * The two places where the build uses other parts of kmdll: the export library written from
 * DLLDEF (kmdll's own import-library writer) and the conformance check run on every image.
 * Each is one function so the build does not depend on how they are implemented.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { KmdllError } from "../errors.js";
import { RECIPES } from "./recipe.js";
import { runTool } from "./run.js";
import { which } from "./discover.js";
import type { Arch } from "./sources.js";

/** Identifies the import-library writer in cache keys (bump when its output changes). */
export const EXPORT_LIBRARY_WRITER = "llvm-dlltool-interim-1";

/** Write `<name>.lib` for an EXPORT_DRIVER from its DLLDEF (PRIVATE exports get no member). */
export async function writeExportLibrary(defFile: string, arch: Arch, outFile: string, cwd: string): Promise<void> {
  mkdirSync(dirname(outFile), { recursive: true });
  const dlltool = which(["llvm-dlltool", "llvm-dlltool-14"]);
  if (!dlltool) throw new KmdllError("missing llvm-dlltool: install with `sudo apt-get install llvm`");
  const r = await runTool(dlltool, ["-m", RECIPES[arch].dlltoolMachine, "-d", defFile, "-l", outFile, ...(arch === "x86" ? ["-k"] : [])], cwd);
  if (r.code !== 0) throw new KmdllError(`${defFile}: writing ${outFile} failed: ${r.stderr.trim()}`);
}

export interface BuildFinding {
  rule: string;
  severity: "error" | "warning" | "note";
  message: string;
  location?: unknown;
}

/**
 * Run `kmdll check` on a built image. root: the output folder (its export drivers count as
 * available). Returns undefined when the checker is not available.
 */
export async function checkBuiltImage(_image: string, _opts: { def?: string; lib?: string; root: string }): Promise<BuildFinding[] | undefined> {
  return undefined;
}
