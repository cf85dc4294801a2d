import { ByteView } from "../binary.js";
import { computePeChecksum } from "./checksum.js";
import { parseDebug, parseExceptions, parseLoadConfig, parseRelocations, parseTls } from "./directories.js";
import { parseExports } from "./exports.js";
import { DIR, parseHeaders, type Headers } from "./headers.js";
import { importBudget, parseDelayImports, parseImports, type ImportBudget } from "./imports.js";
import { RvaMap, RvaReader } from "./rva.js";
import type { ByteLoader } from "../binary.js";
import type { ExportDirectory, ParsePeOptions, PeImage } from "./types.js";
import { Warnings } from "./warnings.js";

/**
 * Parse a PE32/PE32+ image (SPEC §3.1). Pure: no I/O.
 *
 * Malformed headers (no MZ/PE signature, truncated COFF/optional header or section table) throw a
 * FormatError naming the structure and file offset. Problems inside data directories yield a
 * partial result with `warnings`. Every read is bounds-checked and every loop bounded.
 */
export function parsePe(bytes: Uint8Array, opts: ParsePeOptions = {}): PeImage {
  const v = new ByteView(bytes, opts.loader);
  const w = new Warnings();
  const h = parseHeaders(v, w);
  let computed: number | undefined;
  const checksum = {
    stored: h.optional.checkSum,
    get computed(): number {
      if (computed === undefined) {
        v.load(0, bytes.length);
        computed = computePeChecksum(bytes, h.optional.checkSumOffset);
      }
      return computed;
    },
  };
  const image: PeImage = {
    ...h,
    exports: null,
    imports: [],
    delayImports: [],
    relocations: [],
    relocsStripped: (h.coff.characteristics & 0x0001) !== 0,
    debug: [],
    exceptionFunctions: [],
    tls: null,
    loadConfig: null,
    signed: false,
    checksum,
    warnings: w.list,
  };
  const dirs = h.dataDirectories;
  const sec = dirs[DIR.SECURITY]!;
  if (sec.virtualAddress !== 0 && sec.size !== 0) {
    image.signed = true;
    if (!v.has(sec.virtualAddress, sec.size)) {
      w.add("security directory", `certificate table at file offset 0x${sec.virtualAddress.toString(16)} (+0x${sec.size.toString(16)}) runs past the end of the file`);
    }
  }
  if (opts.headersOnly) return image;

  const r = new RvaReader(v, new RvaMap(h, bytes.length));
  const ctx: DirectoryContext = { r, h, w, budget: importBudget(), exports: opts.exports };
  if (opts.lazyDirectories) return lazyImage(image, ctx);
  for (const field of DIRECTORY_FIELDS) image[field] = parseDirectory(ctx, field, image[field]) as never;
  return image;
}

/**
 * The export directory of an image as parseExportsOnce found it: a lazy parse of the same file
 * can take it instead of parsing the table again (ParsePeOptions.exports).
 */
export interface ParsedExports {
  directory: ExportDirectory | null;
  /** String bytes the parse took from the image's string budget (RvaReader.stringBudget). */
  stringBytes: number;
}

/**
 * Parse the headers and the export directory of an image (lazily: nothing else is read). Also
 * returns the export directory in the form a later lazy parse of the same bytes accepts
 * (ParsePeOptions.exports) when its parse gave no warning — so a scan that reads a module's
 * export table to resolve an import does not parse it again when it analyzes that module.
 */
export function parseExportsOnce(bytes: Uint8Array, loader?: ByteLoader): { image: PeImage; reusable: ParsedExports | null } {
  const image = parsePe(bytes, loader ? { lazyDirectories: true, loader } : { lazyDirectories: true });
  const ctx = (image as PeImage & { [LAZY]: DirectoryContext })[LAZY];
  const warned = image.warnings.length;
  const budget = ctx.r.stringBudget;
  const directory = image.exports;
  const reusable = image.warnings.length === warned ? { directory, stringBytes: budget - ctx.r.stringBudget } : null;
  return { image, reusable };
}

type DirectoryField = "exports" | "imports" | "delayImports" | "relocations" | "debug" | "exceptionFunctions" | "tls" | "loadConfig";

/** The data directories in the order an eager parse reads them. */
const DIRECTORY_FIELDS: readonly DirectoryField[] = ["exports", "imports", "delayImports", "relocations", "debug", "exceptionFunctions", "tls", "loadConfig"];

const DIRECTORY_LABEL: Record<DirectoryField, string> = {
  exports: "exports",
  imports: "imports",
  delayImports: "delay imports",
  relocations: "base relocations",
  debug: "debug",
  exceptionFunctions: "exceptions",
  tls: "TLS",
  loadConfig: "load config",
};

/** What parsing a data directory needs (shared by the directories of one image: the import budget spans imports and delay imports). */
interface DirectoryContext {
  r: RvaReader;
  h: Headers;
  w: Warnings;
  budget: ImportBudget;
  /** The export directory parsed before (ParsePeOptions.exports). */
  exports?: ParsedExports | undefined;
}

/** One data directory; a broken one becomes a warning and its empty value (the rest still parse). */
function parseDirectory<K extends DirectoryField>(c: DirectoryContext, field: K, empty: PeImage[K]): PeImage[K] {
  const { r, h, w } = c;
  const dirs = h.dataDirectories;
  const plus = h.optional.pe32plus;
  try {
    switch (field) {
      case "exports": {
        const known = c.exports;
        // The same parse done before from the same bytes: its value, with the string budget it used.
        if (known !== undefined && r.stringBudget > known.stringBytes) {
          r.stringBudget -= known.stringBytes;
          return known.directory as PeImage[K];
        }
        return parseExports(r, dirs[DIR.EXPORT]!, w) as PeImage[K];
      }
      case "imports":
        return parseImports(r, dirs[DIR.IMPORT]!, plus, w, c.budget) as PeImage[K];
      case "delayImports":
        return parseDelayImports(r, dirs[DIR.DELAY_IMPORT]!, plus, h.optional.imageBase, w, c.budget) as PeImage[K];
      case "relocations":
        return parseRelocations(r, dirs[DIR.BASERELOC]!, w) as PeImage[K];
      case "debug":
        return parseDebug(r, dirs[DIR.DEBUG]!, w) as PeImage[K];
      case "exceptionFunctions":
        return parseExceptions(r, dirs[DIR.EXCEPTION]!, h.coff.machine, w) as PeImage[K];
      case "tls":
        return parseTls(r, dirs[DIR.TLS]!, plus, h.optional.imageBase, w) as PeImage[K];
      default:
        return parseLoadConfig(r, dirs[DIR.LOAD_CONFIG]!, plus) as PeImage[K];
    }
  } catch (e) {
    w.fromError(e, DIRECTORY_LABEL[field]);
    return empty;
  }
}

/** Where a lazy image keeps what its directories are parsed from (not enumerable, not copied by a spread). */
const LAZY = Symbol("kmdll.lazyDirectories");

/**
 * The prototype of every lazily parsed image: one getter per data directory, which parses it on
 * first access and keeps the value as an own data property. Every lazy image has the same
 * prototype and starts with the same own properties, so code reading images sees a few object
 * shapes, not one per image (per-image accessor closures gave every image its own shape, which
 * kept V8 deoptimizing and recompiling the parser's and the rules' code).
 */
const LAZY_IMAGE: object = (() => {
  const proto = {};
  for (const field of DIRECTORY_FIELDS) {
    Object.defineProperty(proto, field, {
      configurable: true,
      enumerable: false,
      get(this: PeImage & { [LAZY]: DirectoryContext }) {
        const value = parseDirectory(this[LAZY], field, EMPTY[field]);
        Object.defineProperty(this, field, { value, writable: true, enumerable: true, configurable: true });
        return value;
      },
      set(this: PeImage, value: unknown) {
        Object.defineProperty(this, field, { value, writable: true, enumerable: true, configurable: true });
      },
    });
  }
  return proto;
})();

/** A directory's value when it is absent or broken (fresh arrays: callers may push to them). */
const EMPTY = {
  get exports() {
    return null;
  },
  get imports() {
    return [];
  },
  get delayImports() {
    return [];
  },
  get relocations() {
    return [];
  },
  get debug() {
    return [];
  },
  get exceptionFunctions() {
    return [];
  },
  get tls() {
    return null;
  },
  get loadConfig() {
    return null;
  },
} as Pick<PeImage, DirectoryField>;

/** The image with its directories parsed on first access (see LAZY_IMAGE). */
function lazyImage(eager: PeImage, ctx: DirectoryContext): PeImage {
  const image = Object.create(LAZY_IMAGE) as PeImage & { [LAZY]: DirectoryContext };
  image.peOffset = eager.peOffset;
  image.coff = eager.coff;
  image.optional = eager.optional;
  image.machine = eager.machine;
  image.dataDirectories = eager.dataDirectories;
  image.sections = eager.sections;
  image.relocsStripped = eager.relocsStripped;
  image.signed = eager.signed;
  image.checksum = eager.checksum;
  image.warnings = eager.warnings;
  Object.defineProperty(image, LAZY, { value: ctx, enumerable: false });
  return image;
}


/** The CodeView PDB path of an image (first RSDS debug entry), or null. */
export function pdbPath(image: PeImage): string | null {
  return image.debug.find((d) => d.pdb !== null)?.pdb ?? null;
}
