/**
 * The HTML report of a simulation (`kmdll sim --html FILE`): the trace's events plus the import
 * graph of the driver images the simulation could load. Takes data, not paths: the caller
 * summarises the images (src/scan/driver-images.ts) and writes the result.
 */
import type { TraceEvent } from "../events.js";
import { kernelModuleExports } from "../nt/kernel-exports.js";
import { buildGraph, type ModuleSummary } from "../graph/model.js";
import { renderHtmlReport } from "./html.js";

export interface SimHtmlOptions {
  /** The driver images to draw (summaries of the root's or the installed images). */
  modules?: readonly ModuleSummary[];
  title?: string;
  /** Draw at most this many images; beyond it, only modules the trace loaded (default 60). */
  maxImages?: number;
  /** Events seen by kind when `events` is a capped record (EventLog.counts). */
  counts?: Readonly<Record<string, number>>;
}

/** Build the self-contained HTML report of a simulation run. */
export async function renderSimHtmlReport(events: readonly TraceEvent[], o: SimHtmlOptions = {}): Promise<string> {
  let mods = [...(o.modules ?? [])];
  const max = o.maxImages ?? 60;
  if (mods.length > max) {
    const loaded = new Set(events.flatMap((e) => (e.event === "load" ? [e.module.toLowerCase()] : [])));
    mods = mods.filter((m) => loaded.has(m.name.toLowerCase()));
  }
  const graph = mods.length ? buildGraph(mods, { knownExports: kernelModuleExports }) : undefined;
  return renderHtmlReport({ events, ...(graph ? { graph } : {}), title: o.title ?? "kmdll sim", ...(o.counts ? { counts: o.counts } : {}) });
}
