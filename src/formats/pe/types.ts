import type { ByteLoader } from "../binary.js";
/**
 * The model of a PE/COFF image as kmdll's reader exposes it (SPEC §3.1). This file is the
 * contract between the reader and every consumer (inspect, check, loader, emulator, scan):
 * change it only compatibly.
 *
 * Conventions: RVAs and file offsets are numbers; ImageBase and other 64-bit values are bigint.
 */

export type MachineName = "x86" | "x64" | "arm64";

export const MACHINE = { x86: 0x14c, x64: 0x8664, arm64: 0xaa64 } as const;

export interface CoffHeader {
  machine: number;
  numberOfSections: number;
  timeDateStamp: number;
  pointerToSymbolTable: number;
  numberOfSymbols: number;
  sizeOfOptionalHeader: number;
  characteristics: number;
}

export interface DataDirectory {
  /** Index 0..15 (EXPORT=0, IMPORT=1, RESOURCE=2, EXCEPTION=3, SECURITY=4, BASERELOC=5, DEBUG=6, ... TLS=9, LOAD_CONFIG=10, IAT=12, DELAY_IMPORT=13, CLR=14). */
  index: number;
  name: string;
  /** RVA, except SECURITY (index 4), which is a file offset. */
  virtualAddress: number;
  size: number;
}

export interface OptionalHeader {
  magic: 0x10b | 0x20b;
  /** true for PE32+ (magic 0x20b). */
  pe32plus: boolean;
  majorLinkerVersion: number;
  minorLinkerVersion: number;
  sizeOfCode: number;
  addressOfEntryPoint: number;
  baseOfCode: number;
  imageBase: bigint;
  sectionAlignment: number;
  fileAlignment: number;
  majorOperatingSystemVersion: number;
  minorOperatingSystemVersion: number;
  majorSubsystemVersion: number;
  minorSubsystemVersion: number;
  sizeOfImage: number;
  sizeOfHeaders: number;
  checkSum: number;
  subsystem: number;
  dllCharacteristics: number;
  sizeOfStackReserve: bigint;
  sizeOfStackCommit: bigint;
  sizeOfHeapReserve: bigint;
  sizeOfHeapCommit: bigint;
  numberOfRvaAndSizes: number;
  /** The file offset of the CheckSum field (needed to compute the checksum). */
  checkSumOffset: number;
}

export interface Section {
  /** Name as stored (up to 8 chars; a "/123" long name is resolved from the string table when possible). */
  name: string;
  virtualSize: number;
  virtualAddress: number;
  sizeOfRawData: number;
  pointerToRawData: number;
  characteristics: number;
}

export interface ExportFunction {
  ordinal: number;
  /** The first name, or null for an ordinal-only (NONAME) slot. */
  name: string | null;
  /** All names that point at this slot (usually 0 or 1). */
  names: string[];
  /** RVA of the code/data, or null when the slot is a forwarder or empty (RVA 0). */
  rva: number | null;
  /** "OTHERDLL.Name" or "OTHERDLL.#12" when the slot's RVA points inside the export directory. */
  forwarder: string | null;
}

export interface ExportDirectory {
  dllName: string;
  ordinalBase: number;
  timeDateStamp: number;
  numberOfFunctions: number;
  numberOfNames: number;
  /** Every non-empty function slot (RVA != 0), ordered by ordinal. */
  functions: ExportFunction[];
  /** Names in the name pointer table order (sorted, as the loader's binary search expects). */
  namePointerOrder: string[];
}

export interface ImportedFunction {
  /** Name for a by-name import, null for an ordinal import. */
  name: string | null;
  hint: number | null;
  ordinal: number | null;
  /** RVA of this function's IAT slot (the loader writes the resolved address here). */
  iatRva: number;
}

export interface ImportModule {
  dll: string;
  /** RVA of the Import Lookup Table (OriginalFirstThunk), or of the IAT when the ILT is 0. */
  iltRva: number;
  /** RVA of the Import Address Table (FirstThunk). */
  iatRva: number;
  functions: ImportedFunction[];
}

export interface DelayImportModule extends ImportModule {
  attributes: number;
  /** RVA of the module handle slot. */
  moduleHandleRva: number;
}

export interface Relocation {
  /** RVA patched by the fixup. */
  rva: number;
  /** IMAGE_REL_BASED_* type: 0 ABSOLUTE (padding), 3 HIGHLOW, 10 DIR64, ... */
  type: number;
}

export interface DebugInfo {
  type: number;
  /** CodeView RSDS PDB path, if present. */
  pdb: string | null;
  guid: string | null;
  age: number | null;
}

export interface RuntimeFunction {
  beginAddress: number;
  endAddress: number;
  unwindInfoAddress: number;
}

export interface PeWarning {
  structure: string;
  offset?: number;
  message: string;
}

export interface PeImage {
  /** Offset of "PE\0\0". */
  peOffset: number;
  coff: CoffHeader;
  optional: OptionalHeader;
  /** "x86" | "x64" | "arm64" or the raw machine number. */
  machine: MachineName | number;
  dataDirectories: DataDirectory[];
  sections: Section[];
  exports: ExportDirectory | null;
  imports: ImportModule[];
  delayImports: DelayImportModule[];
  /** Every base relocation entry except ABSOLUTE padding. */
  relocations: Relocation[];
  /** True when IMAGE_FILE_RELOCS_STRIPPED (0x0001) is set. */
  relocsStripped: boolean;
  debug: DebugInfo[];
  /** x64/ARM64 .pdata entries, sorted by beginAddress. */
  exceptionFunctions: RuntimeFunction[];
  tls: { callbacks: bigint[] } | null;
  loadConfig: { size: number; securityCookie: bigint | null } | null;
  /** The SECURITY directory is present (Authenticode signature attached). */
  signed: boolean;
  /** `computed` is worked out on first use (a pass over every byte of the file). */
  checksum: { stored: number; computed: number };
  /** Problems that did not stop the parse (partial results). */
  warnings: PeWarning[];
}

/** Options for parsePe. */
export interface ParsePeOptions {
  /** Stop after headers and sections (fast path for scans). Default false. */
  headersOnly?: boolean;
  /**
   * Parse each data directory (exports, imports, delay imports, relocations, debug, exceptions,
   * TLS, load config) on first access of its field instead of up front: a scan that looks at
   * the import and export tables of a large image never reads its relocations or .pdata. The
   * directory's warnings join `warnings` when it is parsed. Default false.
   */
  lazyDirectories?: boolean;
  /** Fills `bytes` on demand (the file is read piece by piece); see ByteLoader. */
  loader?: ByteLoader;
  /**
   * With lazyDirectories: the export directory of these same bytes as parseExportsOnce returned
   * it, taken instead of parsing the table again (a scan resolves imports against a module before
   * it analyzes the module itself).
   */
  exports?: { directory: ExportDirectory | null; stringBytes: number } | undefined;
}

export const IMAGE_SUBSYSTEM = { UNKNOWN: 0, NATIVE: 1, WINDOWS_GUI: 2, WINDOWS_CUI: 3, EFI_APPLICATION: 10 } as const;
export const IMAGE_SCN = {
  CNT_CODE: 0x20,
  CNT_INITIALIZED_DATA: 0x40,
  CNT_UNINITIALIZED_DATA: 0x80,
  MEM_DISCARDABLE: 0x02000000,
  MEM_NOT_PAGED: 0x08000000,
  MEM_SHARED: 0x10000000,
  MEM_EXECUTE: 0x20000000,
  MEM_READ: 0x40000000,
  MEM_WRITE: 0x80000000,
} as const;
