import { KmdllError } from "../errors.js";
/** What every command gets from the CLI shell: output streams and the exit code it sets. */
export interface CliContext {
  /** Write to standard output (a newline is not added). */
  out(text: string): void;
  /** Write to standard error (a newline is not added). */
  err(text: string): void;
  /** Set the process exit code: 0 success, 1 findings / failed scenario, 2 usage or input error. */
  setExit(code: number): void;
  /** Whether stdout is a terminal (progress bars, colour). */
  isTTY: boolean;
}

export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

/** Print a value as one JSON document (bigints as hex strings). */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? "0x" + v.toString(16) : v), 2) + "\n";
  } catch (e) {
    // V8 strings end at ~512 MB: a document larger than that is an input problem, not a crash.
    if (e instanceof RangeError) throw new KmdllError("the JSON document is too large to write (over V8's 512 MB string limit); leave out --json");
    throw e;
  }
}
