import { FormatError } from "../../errors.js";
import type { PeWarning } from "./types.js";

/** Collects parse warnings, at most `perStructure` per structure (hostile files could produce millions). */
export class Warnings {
  readonly list: PeWarning[] = [];
  private readonly counts = new Map<string, number>();
  constructor(private readonly perStructure = 20) {}

  add(structure: string, message: string, offset?: number): void {
    const n = (this.counts.get(structure) ?? 0) + 1;
    this.counts.set(structure, n);
    if (n <= this.perStructure) {
      this.list.push(offset === undefined ? { structure, message } : { structure, offset, message });
    } else if (n === this.perStructure + 1) {
      this.list.push({ structure, message: "further warnings about this structure suppressed" });
    }
  }

  /** Turn a FormatError into a warning; rethrow anything else (a bug). */
  fromError(e: unknown, context?: string): void {
    if (e instanceof FormatError) {
      const msg = context ? `${context}: ${e.detail}` : e.detail;
      this.add(e.structure, msg, e.offset);
      return;
    }
    throw e;
  }
}
