/**
 * The HTML report of a simulation (`kmdll sim --html FILE`): the trace's events plus the import
 * graph of the driver images the simulation could load (the root's PE images, or the installed
 * files). Reads the images; the caller writes the result.
 */
import { basename, join } from "node:path";
import { existsSync } from "node:fs";
import type { TraceEvent } from "../events.js";
import { readImage } from "../io/image.js";
import { kernelModuleExports } from "../nt/kernel-exports.js";
import { looksLikePe, walkFiles } from "../scan/walk.js";
import { buildGraph, summarizeImage, type ModuleSummary } from "./graph.js";
import { renderHtmlReport } from "./html.js";

export interface SimHtmlOptions {
  /** Directory standing for \SystemRoot (its PE images are drawn). */
  root?: string;
  /** Driver files installed into a temporary root (drawn instead of a root). */
  install?: string[];
  title?: string;
  /** Draw at most this many images; beyond it, only modules the trace loaded (default 60). */
  maxImages?: number;
}

function summaries(o: SimHtmlOptions): ModuleSummary[] {
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

/** Build the self-contained HTML report of a simulation run. */
export async function renderSimHtmlReport(events: readonly TraceEvent[], o: SimHtmlOptions = {}): Promise<string> {
  let mods = summaries(o);
  const max = o.maxImages ?? 60;
  if (mods.length > max) {
    const loaded = new Set(events.flatMap((e) => (e.event === "load" ? [e.module.toLowerCase()] : [])));
    mods = mods.filter((m) => loaded.has(m.name.toLowerCase()));
  }
  const graph = mods.length ? buildGraph(mods, { knownExports: kernelModuleExports }) : undefined;
  return renderHtmlReport({ events, ...(graph ? { graph } : {}), title: o.title ?? "kmdll sim" });
}
