/** The .def parser's diagnostics list: positioned errors and warnings, capped. Pure. */
import type { DefDiagnostic, Position } from "./types.js";

const MAX_DIAGNOSTICS = 200;

export class Diagnostics {
  list: DefDiagnostic[] = [];
  private truncated = false;
  add(severity: "error" | "warning", at: Position, message: string): void {
    if (this.list.length >= MAX_DIAGNOSTICS) {
      if (!this.truncated) {
        this.truncated = true;
        this.list.push({ severity: "error", line: at.line, col: at.col, message: `too many diagnostics; stopping after ${MAX_DIAGNOSTICS}` });
      }
      return;
    }
    this.list.push({ severity, line: at.line, col: at.col, message });
  }
  error(at: Position, message: string): void {
    this.add("error", at, message);
  }
  warning(at: Position, message: string): void {
    this.add("warning", at, message);
  }
  get full(): boolean {
    return this.list.length >= MAX_DIAGNOSTICS;
  }
}
