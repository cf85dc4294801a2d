/** Text rendering of `kmdll check` findings (compiler-style lines). Pure. */
import type { CheckReport, Finding, FindingLocation, Severity } from "../check/types.js";

const hex = (n: number): string => "0x" + n.toString(16);

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

export interface TextOptions {
  /** Colour severities (ANSI), e.g. when stdout is a terminal. */
  color?: boolean;
}

const COLORS: Record<Severity, string> = { error: "\x1b[31m", warning: "\x1b[33m", note: "\x1b[36m" };

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

/** One report as text: a line per finding (+ its location), then a summary line. */
export function renderFindingsText(report: CheckReport, opts: TextOptions = {}): string {
  const L: string[] = [];
  for (const f of report.findings) {
    const sev = opts.color ? `${COLORS[f.severity]}${f.severity}\x1b[0m` : f.severity;
    L.push(`${prefix(report, f)}: ${sev}: [${f.rule}] ${f.message}`);
    if (f.location.kind !== "def") L.push(`    at ${describeLocation(f.location)}`);
  }
  const c = countBySeverity(report.findings);
  L.push(report.findings.length === 0 ? `${report.file}: no findings` : `${report.file}: ${plural(c.error, "error")}, ${plural(c.warning, "warning")}, ${plural(c.note, "note")}`);
  return L.join("\n") + "\n";
}
