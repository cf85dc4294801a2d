/**
 * Error types shared by every layer. Anything the user did wrong (bad input file, bad flag)
 * is a KmdllError: the CLI prints its message on one line and exits with its exitCode (2).
 * Any other exception is a bug in kmdll.
 */
export class KmdllError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = "KmdllError";
    this.exitCode = exitCode;
  }
}

/**
 * A documented limit of the emulator was reached (mapped memory regions, loaded modules): the
 * input is valid but too large for kmdll; the loader reports it like a failed allocation.
 */
export class ResourceLimitError extends KmdllError {
  constructor(message: string) {
    super(message);
    this.name = "ResourceLimitError";
  }
}

/** A malformed or truncated input file; names the file (when known), the structure and the offset. */
export class FormatError extends KmdllError {
  readonly structure: string;
  readonly detail: string;
  readonly offset: number | undefined;
  readonly file: string | undefined;
  constructor(structure: string, detail: string, offset?: number, file?: string) {
    const where = offset === undefined ? "" : ` at offset 0x${offset.toString(16)}`;
    super(`${file ? file + ": " : ""}${structure}${where}: ${detail}`);
    this.name = "FormatError";
    this.structure = structure;
    this.detail = detail;
    this.offset = offset;
    this.file = file;
  }
  /** The same error, naming the file (pure parsers do not know it). */
  withFile(file: string): FormatError {
    return new FormatError(this.structure, this.detail, this.offset, file);
  }
}

/** Run a pure parser and attach the file name to any FormatError it throws. */
export function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FormatError && !e.file) throw e.withFile(file);
    throw e;
  }
}
