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
  /**
   * While standard output is backed up (a slow reader of a long stream): a promise that
   * resolves once it has drained; null when writing more is fine. Absent: never backed up.
   */
  outBackedUp?(): Promise<void> | null;
}

export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

/** Print a value as one JSON document (bigints as hex strings). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? "0x" + v.toString(16) : v), 2) + "\n";
}
