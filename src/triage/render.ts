/** Text of `kmdll triage`: one line per driver as it finishes, then the summary. Pure. */
import type { TriageResult, TriageSummary } from "./types.js";

const WIDTH = 15;

/** "pass             mydriver.sys  started and stopped, nothing leaked (0.4 s)". */
export function resultLine(r: TriageResult, shownPath: string): string {
  return `${r.class.padEnd(WIDTH)} ${shownPath}  ${r.reason}${r.companions?.length ? ` [with ${r.companions.join(", ")}]` : ""}${r.ms ? ` (${(r.ms / 1000).toFixed(1)} s${r.retried ? ", run again alone" : ""})` : ""}`;
}

/** The summary: counts per class (with the share of the drivers), then the reasons ranked by count. */
export function summaryText(s: TriageSummary, topReasons = 10): string {
  const lines: string[] = [];
  const pct = (n: number) => (s.drivers ? ` (${((100 * n) / s.drivers).toFixed(1)}%)` : "");
  lines.push(`${s.drivers} driver(s) in ${(s.ms / 1000).toFixed(1)} s${s.counts["not-a-driver"] ? `, ${s.counts["not-a-driver"]} file(s) not a driver image` : ""}${s.ignored ? `, ${s.ignored} other file(s) ignored` : ""}`);
  for (const [cls, n] of Object.entries(s.counts)) if (cls !== "not-a-driver") lines.push(`  ${cls.padEnd(WIDTH)} ${String(n).padStart(5)}${pct(n)}`);
  if (s.reasons.length > 0) {
    lines.push(`top reasons:`);
    for (const r of s.reasons.slice(0, topReasons)) lines.push(`  ${String(r.count).padStart(5)}  ${r.class.padEnd(WIDTH)} ${r.key}`);
    if (s.reasons.length > topReasons) lines.push(`  ... ${s.reasons.length - topReasons} more reason(s) (--json lists all)`);
  }
  lines.push(s.exitCode === 0 ? "triage: every driver passed or is refused by Windows too (exit 0)" : "triage: some drivers declined, faulted or hit a kmdll gap (exit 1)");
  return lines.join("\n") + "\n";
}
