/** Text rendering of `kmdll check` findings (compiler-style lines). Pure. */
import type { CheckReport, Finding, FindingLocation, Severity } from "../check/types.js";
import { hex } from "../text/hex.js";

/** "import msvcrt.dll!malloc (IAT RVA 0x2040, file offset 0x840)" and the like. */
export function describeLocation(loc: FindingLocation): string {
  const at: string[] = [];
  if (loc.rva !== undefined) at.push(`RVA ${hex(loc.rva)}`);
  if (loc.offset !== undefined) at.push(`file offset ${hex(loc.offset)}`);
  const where = at.length ? ` (${at.join(", ")})` : "";
  switch (loc.kind) {
    case "import": {
      const what = loc.symbol ?? (loc.ordinal !== undefined ? `#${loc.ordinal}` : null);
      return `import ${loc.module ?? "?"}${what ? "!" + what : ""}${where}`;
    }
    case "export":
      return `export ${loc.symbol ?? (loc.ordinal !== undefined ? "#" + loc.ordinal : "directory")}${where}`;
    case "section":
      return `section ${loc.section ?? "?"} header${where}`;
    case "header":
      return `${loc.field ?? "header"}${where}`;
    case "def":
      return `${loc.file}:${loc.line ?? 1}${loc.column ? ":" + loc.column : ""}${loc.symbol ? ` (${loc.symbol})` : ""}`;
    case "lib":
      return `${loc.file} member at ${hex(loc.offset ?? 0)}${loc.symbol ? ` (${loc.symbol})` : loc.module ? ` (${loc.module})` : ""}`;
    case "file":
      return `${loc.file}${where}`;
  }
}

/** The prefix of a finding line: the file, with line:col for .def locations. */
function prefix(report: CheckReport, f: Finding): string {
  const l = f.location;
  if (l.kind === "def" || l.kind === "lib") return l.kind === "def" ? `${l.file}:${l.line ?? 1}:${l.column ?? 1}` : l.file;
  return report.file;
}

/** A piece of the findings text: plain text, or a severity word (which a terminal may colour). */
export type FindingsPart = string | { severity: Severity };

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

/** One report as pieces: a line per finding (+ its location), then a summary line. */
export function findingsTextParts(report: CheckReport): FindingsPart[] {
  const P: FindingsPart[] = [];
  for (const f of report.findings) {
    P.push(`${prefix(report, f)}: `, { severity: f.severity }, `: [${f.rule}] ${f.message}\n`);
    if (f.location.kind !== "def") P.push(`    at ${describeLocation(f.location)}\n`);
  }
  const c = countBySeverity(report.findings);
  P.push(report.findings.length === 0 ? `${report.file}: no findings\n` : `${report.file}: ${plural(c.error, "error")}, ${plural(c.warning, "warning")}, ${plural(c.note, "note")}\n`);
  return P;
}

/** One report as plain text (the CLI colours the severities through its output sanitiser). */
export function renderFindingsText(report: CheckReport): string {
  return findingsTextParts(report)
    .map((p) => (typeof p === "string" ? p : p.severity))
    .join("");
}
