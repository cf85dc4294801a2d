export * from "./types.js";
export { parsePe, pdbPath } from "./parse.js";
export { rvaToOffset, readAtRva, RvaMap, RvaReader, sectionExtent } from "./rva.js";
export type { RvaLocation, RvaMapSource } from "./rva.js";
export { computePeChecksum } from "./checksum.js";
export { DIRECTORY_NAMES, DIR as IMAGE_DIRECTORY, machineName } from "./headers.js";
export { IMPORT_LIMITS } from "./imports.js";
export { imageSummary, flagNames, sectionFlags, FILE_CHARACTERISTICS, DLL_CHARACTERISTICS, SUBSYSTEM_NAMES } from "./summary.js";
