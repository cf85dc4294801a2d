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
  const v = new ByteView(bytes);
  const w = new Warnings();
  const h = parseHeaders(v, w);
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
    checksum: { stored: h.optional.checkSum, computed: computePeChecksum(bytes, h.optional.checkSumOffset) },
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
  // Each directory is parsed on its own: a broken one becomes a warning, the rest still parse.
  const guard = (name: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      w.fromError(e, name);
    }
  };
  guard("exports", () => void (image.exports = parseExports(r, dirs[DIR.EXPORT]!, w)));
  guard("imports", () => void (image.imports = parseImports(r, dirs[DIR.IMPORT]!, plus, w, budget)));
  guard("delay imports", () => void (image.delayImports = parseDelayImports(r, dirs[DIR.DELAY_IMPORT]!, plus, h.optional.imageBase, w, budget)));
  guard("base relocations", () => void (image.relocations = parseRelocations(r, dirs[DIR.BASERELOC]!, w)));
  guard("debug", () => void (image.debug = parseDebug(r, dirs[DIR.DEBUG]!, w)));
  guard("exceptions", () => void (image.exceptionFunctions = parseExceptions(r, dirs[DIR.EXCEPTION]!, h.coff.machine, w)));
  guard("TLS", () => void (image.tls = parseTls(r, dirs[DIR.TLS]!, plus, h.optional.imageBase, w)));
  guard("load config", () => void (image.loadConfig = parseLoadConfig(r, dirs[DIR.LOAD_CONFIG]!, plus)));
  return image;
}

/** The CodeView PDB path of an image (first RSDS debug entry), or null. */
export function pdbPath(image: PeImage): string | null {
  return image.debug.find((d) => d.pdb !== null)?.pdb ?? null;
}
