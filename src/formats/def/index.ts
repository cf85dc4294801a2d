/** Module-definition (.def) files (SPEC §3.2): model, parser, canonical writer, derivation from an image. Pure. */
export * from "./types.js";
/** Older names (kept for callers inside kmdll; the package root exports these names from toolchain/kernel). */
export { formatDefDiagnostic as formatDiagnostic } from "./types.js";
export { parseDef, parseDefNumber, decodeDefBytes, hasErrors, DIRECTIVES, ATTRIBUTES, KEYWORDS, type ParseDefOptions } from "./parser.js";
export { writeDef, formatExport, quoteDefName, invalidDefName } from "./writer.js";
export { defFromImage, parseDefForwarder, ENTRY_POINTS_PRIVATE, type FromImageResult } from "./from-image.js";
