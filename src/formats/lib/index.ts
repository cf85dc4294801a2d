/** Import libraries and `ar` archives (SPEC §3.3): reader and writer. Pure, no I/O. */
export * from "./types.js";
export { readArchive, writeArchive, ARCHIVE_MAGIC, type Archive, type ArchiveMember, type ArchiveSymbol, type NewArchiveMember } from "./archive.js";
export { readCoffObject, type CoffObject, type CoffSection, type CoffSymbol, type CoffRelocation } from "./coff.js";
export { readShortImport, writeShortImport, isShortImport, type ShortImport } from "./short-import.js";
export { readImportLibrary, analyzeImportLibrary } from "./read-import-library.js";
export { writeImportLibrary, planImports, isDecoratedName, type ImplibMachine, type WriteImportLibraryOptions, type PlannedImport, type ImportLibraryResult } from "./write-import-library.js";
export { plainImportLibrary, type PlainImportLibrary } from "./plain-implib.js";
export { setArchiveWasm } from "./wasm-archive.js";
