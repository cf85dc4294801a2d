/** What every command gets from the CLI shell: output streams and the exit code it sets. */
import { KmdllError } from "../errors.js";
import { jsonText } from "../text/terminal.js";

/** A styled piece of terminal output (coloured when colour is on). */
export interface Styled {
  style: "error" | "warning" | "note" | "ok" | "dim" | "bold";
  text: string;
}

export interface CliContext {
  /**
   * Write text to standard output (a newline is not added). Inside `run`, every text goes
   * through the output sanitiser (src/text/terminal.ts): control characters from inputs or
   * driver output are shown escaped (`\x1b`).
   */
  out(text: string): void;
  /**
   * Write bytes to standard output as they are, done with them when it returns (the caller may
   * reuse the buffer). Not sanitised: for text already safe (JSON from writeJsonBytes). Optional.
   */
  outBytes?(bytes: Uint8Array): void;
  /** Write to standard error (a newline is not added); sanitised like `out`. */
  err(text: string): void;
  /**
   * Write pieces of text to standard output, styled pieces coloured when `color` is set (the
   * only way kmdll's own escape sequences reach the terminal; every text is still sanitised).
   * Optional for contexts built outside `run`, which supplies it.
   */
  outStyled?(parts: readonly (string | Styled)[]): void;
  /**
   * Print a value as one JSON document (`toJson`): like `out(toJson(value))` without passing the
   * text through the sanitiser a second time (jsonText already escapes what it would). Optional
   * for contexts built outside `run`; use `printJson`. `line`: one line without indentation
   * (NDJSON).
   */
  outJson?(value: unknown, line?: boolean): void;
  /** Set the process exit code: 0 success, 1 findings / failed scenario, 2 usage or input error. */
  setExit(code: number): void;
  /** Whether stdout is a terminal (progress bars, colour). */
  isTTY: boolean;
  /**
   * While standard output is backed up (a slow reader of a long stream): a promise that
   * resolves once it has drained; null when writing more is fine. Absent: never backed up.
   */
  outBackedUp?(): Promise<void> | null;
  /** Colour text output (a terminal, and neither NO_COLOR nor --no-color); set by `run` when left out. */
  color?: boolean;
}

export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

/** Write a value as one JSON document to the context's standard output (see CliContext.outJson). */
export function printJson(ctx: CliContext, value: unknown, line = false): void {
  if (ctx.outJson) ctx.outJson(value, line);
  else ctx.out(line ? jsonLine(value) : toJson(value));
}

/** One JSON document on one line (NDJSON), exact and inert on a terminal like toJson. */
export function jsonLine(value: unknown): string {
  return jsonText(value) + "\n";
}

/** Print a value as one JSON document (bigints as hex strings; exact, and inert on a terminal). */
export function toJson(value: unknown): string {
  return toJsonDocument(value) + "\n";
}

/**
 * toJson's text without its final newline. A writer of a large document writes the newline on
 * its own: the text and "\n" joined are a string of two pieces, which encoding it as UTF-8 first
 * copies into one (a `scan --json` report is 8.8 MB of two-byte text).
 */
export function toJsonDocument(value: unknown): string {
  try {
    return jsonText(value, 2);
  } catch (e) {
    // V8 strings end at ~512 MB: a document larger than that is an input problem, not a crash.
    if (e instanceof RangeError) throw new KmdllError("the JSON document is too large to write (over V8's 512 MB string limit); leave out --json");
    throw e;
  }
}
