/**
 * SARIF 2.1.0 rendering of `kmdll check` reports (OASIS Static Analysis Results Interchange
 * Format), for code-scanning dashboards. Pure. One run; one result per finding; binary
 * locations use byteOffset regions, .def locations startLine/startColumn; imports, exports,
 * sections and header fields are also given as logical locations.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckReport, Finding, FindingLocation, RuleInfo } from "../check/types.js";

export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";

/** A file path as a SARIF artifact URI (a URI reference): file:// for absolute paths, %-encoded relative otherwise. */
export function pathToUri(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path
    .split(/[\\/]/)
    .map((seg) => encodeURIComponent(seg))
    .join("/");
}

export interface SarifOptions {
  toolName?: string;
  toolVersion: string;
  /** Every rule (so consumers see the full rule set, not only those that fired). */
  rules: readonly RuleInfo[];
  informationUri?: string;
}

type Json = Record<string, unknown>;

/** PascalCase name of a rule id ("user-mode-import" → "UserModeImport"). */
function ruleName(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

function logicalLocation(loc: FindingLocation): Json | null {
  switch (loc.kind) {
    case "import":
      if (loc.symbol || loc.ordinal !== undefined) {
        const sym = loc.symbol ?? `#${loc.ordinal}`;
        return { name: sym, fullyQualifiedName: `${loc.module}!${sym}`, kind: "function" };
      }
      return loc.module ? { name: loc.module, kind: "module" } : null;
    case "export":
      return loc.symbol ? { name: loc.symbol, kind: "function" } : null;
    case "section":
      return loc.section ? { name: loc.section, kind: "element" } : null;
    case "header":
      return loc.field ? { name: loc.field, kind: "element" } : null;
    case "lib":
      return loc.symbol ? { name: loc.symbol, kind: "function" } : loc.module ? { name: loc.module, kind: "module" } : null;
    default:
      return null;
  }
}

/** Render check reports as one SARIF 2.1.0 log. */
export function renderSarif(reports: readonly CheckReport[], opts: SarifOptions): Json {
  const rules = opts.rules;
  const ruleIndex = new Map(rules.map((r, i) => [r.id as string, i]));
  const artifacts: Json[] = [];
  const artifactIndex = new Map<string, number>();
  const artifact = (file: string, target: boolean): number => {
    let i = artifactIndex.get(file);
    if (i === undefined) {
      i = artifacts.length;
      artifactIndex.set(file, i);
      artifacts.push({ location: { uri: pathToUri(file) }, ...(target ? { roles: ["analysisTarget"] } : {}) });
    }
    return i;
  };
  for (const r of reports) artifact(r.file, true);

  const results: Json[] = [];
  for (const report of reports) {
    for (const f of report.findings) results.push(result(f, report, ruleIndex, artifact));
  }

  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: opts.toolName ?? "kmdll",
            version: opts.toolVersion,
            semanticVersion: opts.toolVersion,
            ...(opts.informationUri ? { informationUri: opts.informationUri } : {}),
            rules: rules.map((r) => ({
              id: r.id,
              name: ruleName(r.id),
              shortDescription: { text: r.summary },
              fullDescription: { text: r.summary },
              help: { text: r.explain },
              defaultConfiguration: { level: r.severity },
              properties: { family: r.family },
            })),
          },
        },
        artifacts,
        results,
      },
    ],
  };
}

function result(f: Finding, report: CheckReport, ruleIndex: Map<string, number>, artifact: (file: string, target: boolean) => number): Json {
  const loc = f.location;
  const file = loc.file || report.file;
  const region: Json | null =
    loc.kind === "def"
      ? { startLine: Math.max(1, loc.line ?? 1), ...(loc.column ? { startColumn: Math.max(1, loc.column) } : {}) }
      : loc.offset !== undefined
        ? { byteOffset: loc.offset }
        : null;
  const physical: Json = { artifactLocation: { uri: pathToUri(file), index: artifact(file, file === report.file) }, ...(region ? { region } : {}) };
  const logical = logicalLocation(loc);
  const idx = ruleIndex.get(f.rule);
  return {
    ruleId: f.rule,
    ...(idx !== undefined ? { ruleIndex: idx } : {}),
    level: f.severity,
    message: { text: f.message },
    locations: [{ physicalLocation: physical, ...(logical ? { logicalLocations: [logical] } : {}) }],
  };
}
