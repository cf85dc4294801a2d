/** Module-definition (.def) files (SPEC §3.2): model, parser, canonical writer, derivation from an image. Pure. */
export * from "./types.js";
export { parseDef, parseDefNumber, decodeDefBytes, hasErrors, DIRECTIVES, ATTRIBUTES, KEYWORDS, type ParseDefOptions } from "./parser.js";
export { writeDef, formatExport, quoteDefName, invalidDefName } from "./writer.js";
export { defFromImage, parseForwarder, ENTRY_POINTS_PRIVATE, type FromImageResult } from "./from-image.js";
