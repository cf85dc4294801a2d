/**
 * The model of `kmdll check` (SPEC §5): findings, their locations, the rules' metadata and what
 * a rule gets to look at. Rules are pure functions of a CheckInput; the file-system side (finding
 * modules under --root, reading the image, the .def and the .lib) lives in ./io.ts.
 */
import type { PeImage } from "../formats/pe/types.js";

export type Severity = "error" | "warning" | "note";

/** Stable rule ids (contracts: scripts and SARIF consumers match on them). */
export type RuleId =
  | "user-mode-import"
  | "compiler-helper-import"
  | "missing-dllinitialize"
  | "missing-dllunload"
  | "forwarded-entry-point"
  | "entry-point-in-import-library"
  | "subsystem-not-native"
  | "missing-module"
  | "unresolved-import"
  | "library-name"
  | "not-relocatable"
  | "writable-executable-section"
  | "section-alignment"
  | "delay-load-import"
  | "tls-directory"
  | "missing-driverentry"
  | "imports-entry-point"
  | "empty-import-descriptor";

/**
 * Where a finding points. `file` is the file the location is in (the image, the .def or the
 * .lib); the other fields say what inside it. `offset` is a byte offset in `file`.
 */
export interface FindingLocation {
  kind: "import" | "export" | "section" | "header" | "def" | "lib" | "file";
  file: string;
  /** Byte offset in `file` (header field, section header, IAT slot, export directory, library member). */
  offset?: number;
  /** 1-based line and column in a .def file. */
  line?: number;
  column?: number;
  /** The imported module (import), or the DLL an import library binds to (lib). */
  module?: string;
  /** Imported/exported name (or the .def/.lib entry). */
  symbol?: string;
  ordinal?: number;
  /** RVA in the image: the IAT slot of an import, the code of an export, the start of a section. */
  rva?: number;
  /** Section name (section findings). */
  section?: string;
  /** Header field, e.g. "OptionalHeader.Subsystem". */
  field?: string;
}

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** One or more sentences: what is wrong, what happens on Windows, and what to change. */
  message: string;
  location: FindingLocation;
}

/** What `kmdll check --json` prints for one image. */
export interface CheckReport {
  file: string;
  findings: Finding[];
}

export type RuleFamily = "imports" | "entry-points" | "image" | "naming";

/** The documentation of a rule (`kmdll check --explain RULE`, SARIF reportingDescriptor). */
export interface RuleInfo {
  id: RuleId;
  family: RuleFamily;
  /** Default severity (a rule may lower it for a particular case; documented in `explain`). */
  severity: Severity;
  /** One line. */
  summary: string;
  /** Several paragraphs: what Windows does, how to fix it, an example. Plain text. */
  explain: string;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** A .def file as the checks need it (adapted from the .def parser's model). */
export interface DefInput {
  file: string;
  /** LIBRARY/NAME statement: the name as written (null when absent) and its line. */
  library: { name: string | null; line: number; column?: number } | null;
  exports: DefExportInput[];
}

export interface DefExportInput {
  name: string;
  /** `=internal` or `=module.name` / `=module.#N` target, as written; null when absent. */
  target: string | null;
  private: boolean;
  data: boolean;
  noname: boolean;
  ordinal: number | null;
  line: number;
  column?: number;
}

/** An import library (.lib) as the checks need it: its rows and where each member starts. */
export interface LibInput {
  file: string;
  rows: LibRowInput[];
}

export interface LibRowInput {
  dll: string;
  symbol: string;
  importName: string | null;
  ordinal: number | null;
  memberOffset: number;
}

/** What an imported module exports, as far as kmdll knows. */
export interface ModuleExports {
  /** The module's file name as found ("ntoskrnl.exe", "mydriver.sys"). */
  name: string;
  /**
   * Where the knowledge comes from: "kernel-db" (data/kernel-exports.json), "root" (an image
   * in --root), "adjacent" (an image next to the checked one).
   */
  source: "kernel-db" | "root" | "adjacent";
  /** The file read, for root/adjacent modules. */
  path?: string;
  /** Exported names (case-sensitive). */
  names: ReadonlySet<string>;
  /** For images: the export directory's ordinal base and NumberOfFunctions; null when unknown (kernel-db) or no export directory. */
  ordinals: { base: number; count: number } | null;
  /** An image without an export directory (every import from it fails). */
  noExportDirectory?: boolean;
}

/** The result of looking up an imported module. */
export type ModuleLookup =
  | { found: true; exports: ModuleExports }
  | { found: false; reason: "not-found"; searched: string }
  | { found: false; reason: "invalid-name"; detail: string }
  | { found: false; reason: "unreadable"; path: string; detail: string };

/** Looks up imported modules the way the kernel would (SPEC §6): by base name, case-insensitive. */
export interface ModuleResolver {
  lookup(dll: string): ModuleLookup;
}

export interface CheckInput {
  /** The image path as shown in locations. */
  file: string;
  /** The file's bytes; when `load` is given they are filled on demand: call it before reading a range directly. */
  bytes: Uint8Array;
  load?: (offset: number, size: number) => void;
  image: PeImage;
  def?: DefInput;
  lib?: LibInput;
  modules: ModuleResolver;
}

/** A family of rules: a pure function of the input. */
export type RuleFunction = (input: CheckInput) => Finding[];
