import { relative } from "node:path";
import { KmdllError } from "../errors.js";
import { formatDiagnostic, type Diagnostic } from "./makevars.js";

/** Bad `sources`/`dirs`/`.def` input: carries the positioned diagnostics (exit 2). */
export class BuildInputError extends KmdllError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[], cwd: string = process.cwd()) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    super(errors.map((d) => formatDiagnostic(d, d.file ? relative(cwd, d.file) || d.file : undefined)).join("\n"));
    this.name = "BuildInputError";
    this.diagnostics = diagnostics;
  }
}
