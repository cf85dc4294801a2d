import { ByteView } from "../binary.js";
import { computePeChecksum } from "./checksum.js";
import { parseDebug, parseExceptions, parseLoadConfig, parseRelocations, parseTls } from "./directories.js";
import { parseExports } from "./exports.js";
import { DIR, parseHeaders } from "./headers.js";
import { importBudget, parseDelayImports, parseImports } from "./imports.js";
import { RvaMap, RvaReader } from "./rva.js";
import type { ParsePeOptions, PeImage } from "./types.js";
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
  const plus = h.optional.pe32plus;
  const budget = importBudget();
  // Each directory is parsed on its own: a broken one becomes a warning (and its empty value), the rest still parse.
  const directory = <K extends DirectoryField>(field: K, name: string, parse: () => PeImage[K]): void => {
    const empty = image[field];
    const run = (): PeImage[K] => {
      try {
        return parse();
      } catch (e) {
        w.fromError(e, name);
        return empty;
      }
    };
    if (!opts.lazyDirectories) {
      image[field] = run();
      return;
    }
    const settle = (value: PeImage[K]): PeImage[K] => {
      Object.defineProperty(image, field, { value, writable: true, enumerable: true, configurable: true });
      return value;
    };
    Object.defineProperty(image, field, { enumerable: true, configurable: true, get: () => settle(run()), set: (x: PeImage[K]) => void settle(x) });
  };
  directory("exports", "exports", () => parseExports(r, dirs[DIR.EXPORT]!, w));
  directory("imports", "imports", () => parseImports(r, dirs[DIR.IMPORT]!, plus, w, budget));
  directory("delayImports", "delay imports", () => parseDelayImports(r, dirs[DIR.DELAY_IMPORT]!, plus, h.optional.imageBase, w, budget));
  directory("relocations", "base relocations", () => parseRelocations(r, dirs[DIR.BASERELOC]!, w));
  directory("debug", "debug", () => parseDebug(r, dirs[DIR.DEBUG]!, w));
  directory("exceptionFunctions", "exceptions", () => parseExceptions(r, dirs[DIR.EXCEPTION]!, h.coff.machine, w));
  directory("tls", "TLS", () => parseTls(r, dirs[DIR.TLS]!, plus, h.optional.imageBase, w));
  directory("loadConfig", "load config", () => parseLoadConfig(r, dirs[DIR.LOAD_CONFIG]!, plus));
  return image;
}

type DirectoryField = "exports" | "imports" | "delayImports" | "relocations" | "debug" | "exceptionFunctions" | "tls" | "loadConfig";

/** The CodeView PDB path of an image (first RSDS debug entry), or null. */
export function pdbPath(image: PeImage): string | null {
  return image.debug.find((d) => d.pdb !== null)?.pdb ?? null;
}
