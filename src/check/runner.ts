/** Runs every rule family over one image and orders the findings. Pure. */
import { entryPointRules } from "./entry-points.js";
import { imageRules } from "./image.js";
import { importRules } from "./imports.js";
import { namingRules } from "./naming.js";
import type { CheckInput, Finding, RuleFunction, Severity } from "./types.js";

/** The rule families, in report order. */
export const RULE_FAMILIES: readonly RuleFunction[] = [imageRules, importRules, entryPointRules, namingRules];

/** Severities in report order. */
const SEVERITY_ORDER: readonly Severity[] = ["error", "warning", "note"];

/** All findings for an image (only malformed-image ones when it cannot be mapped): errors first, then warnings and notes, each group in rule-family order. */
export function runChecks(input: CheckInput): Finding[] {
  // A file the kernel cannot even map as an image: its directories are unreliable (truncated,
  // overlapping), so the other rules would only add noise.
  // (The image rules run once: the rules are pure, and the first family is imageRules.)
  const image = imageRules(input);
  const malformed = image.filter((f) => f.rule === "malformed-image");
  if (malformed.length) return malformed;
  const all: Finding[] = [];
  for (const rules of RULE_FAMILIES) for (const f of rules === imageRules ? image : rules(input)) all.push(f);
  // Errors, then warnings, then notes, each in the order the families found them (what a stable
  // sort by severity gives, without a wrapper object per finding and a comparator reading findings of
  // a dozen shapes).
  const out: Finding[] = [];
  for (const severity of SEVERITY_ORDER) for (const f of all) if (f.severity === severity) out.push(f);
  return out;
}

/** True when any finding has severity "error" (the CLI then exits with 1). */
export function hasErrorFindings(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}
