/**
 * Short import members (Microsoft "PE Format" § "Import Library Format"): a 20-byte
 * IMPORT_OBJECT_HEADER followed by `symbol\0dll\0[exportas\0]`. Pure.
 */
import { ByteView } from "../binary.js";
import { byteString } from "./text.js";
import { FormatError } from "../../errors.js";
import { IMPORT_NAME_TYPES, IMPORT_TYPES, type ImportNameType, type ImportType } from "./types.js";

export interface ShortImport {
  machine: number;
  timeDateStamp: number;
  /** Ordinal (for an ordinal import) or hint. */
  ordinalHint: number;
  type: ImportType;
  nameType: ImportNameType;
  symbol: string;
  dll: string;
  /** The export name for name type "exportas", else null. */
  exportAs: string | null;
}

/** Whether member data starts with the short-import signature (Sig1 0, Sig2 0xFFFF, Version 0). */
export function isShortImport(data: Uint8Array): boolean {
  return data.length >= 6 && data[0] === 0 && data[1] === 0 && data[2] === 0xff && data[3] === 0xff && data[4] === 0 && data[5] === 0;
}

/** Whether member data starts with Sig1 0, Sig2 0xFFFF (short import, or an anonymous/bigobj object when Version ≥ 1). */
export function hasImportSignature(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0 && data[1] === 0 && data[2] === 0xff && data[3] === 0xff;
}

export function readShortImport(data: Uint8Array): ShortImport {
  const v = new ByteView(data);
  const s = "short import header";
  v.need(0, 20, s);
  if (v.u16(0, s) !== 0 || v.u16(2, s) !== 0xffff) throw new FormatError(s, "signature is not 0x0000 0xFFFF", 0);
  const version = v.u16(4, s);
  if (version !== 0) throw new FormatError(s, `version ${version} (only 0 is defined)`, 4);
  const machine = v.u16(6, s);
  const timeDateStamp = v.u32(8, s);
  const sizeOfData = v.u32(12, s);
  const ordinalHint = v.u16(16, s);
  const typeInfo = v.u16(18, s);
  if (20 + sizeOfData > data.length) throw new FormatError(s, `SizeOfData ${sizeOfData} runs past the ${data.length}-byte member`, 12);
  const t = typeInfo & 3;
  const nt = (typeInfo >> 2) & 7;
  if (t > 2) throw new FormatError(s, `import type ${t} is not CODE (0), DATA (1) or CONST (2)`, 18);
  if (nt > 4) throw new FormatError(s, `name type ${nt} is not defined (0..4)`, 18);
  const body = data.subarray(20, 20 + sizeOfData);
  const strings: string[] = [];
  let p = 0;
  while (p < body.length && strings.length < 3) {
    const z = body.indexOf(0, p);
    if (z < 0) throw new FormatError("short import names", "name is not NUL-terminated within SizeOfData", 20 + p);
    strings.push(byteString(body, p, z));
    p = z + 1;
  }
  if (strings.length < 2) throw new FormatError("short import names", "needs a symbol name and a DLL name", 20);
  const symbol = strings[0]!;
  const dll = strings[1]!;
  if (symbol === "") throw new FormatError("short import names", "empty symbol name", 20);
  if (dll === "") throw new FormatError("short import names", "empty DLL name", 20 + symbol.length + 1);
  const nameType = IMPORT_NAME_TYPES[nt]!;
  let exportAs: string | null = null;
  if (nameType === "exportas") {
    if (strings.length < 3 || strings[2] === "") throw new FormatError("short import names", "name type EXPORTAS without an export name after the DLL name", 20 + symbol.length + dll.length + 2);
    exportAs = strings[2]!;
  }
  return { machine, timeDateStamp, ordinalHint, type: IMPORT_TYPES[t]!, nameType, symbol, dll, exportAs };
}

/** Bytes a short import member takes. */
export function shortImportSize(imp: Pick<ShortImport, "symbol" | "dll" | "exportAs">): number {
  return 20 + imp.symbol.length + 1 + imp.dll.length + 1 + (imp.exportAs ? imp.exportAs.length + 1 : 0);
}

/** Encode a short import at `at` in a zero-filled buffer (names are Latin-1 code units). */
export function encodeShortImportInto(out: Uint8Array, at: number, imp: Omit<ShortImport, "timeDateStamp"> & { timeDateStamp?: number }): void {
  const size = shortImportSize(imp) - 20;
  const le16 = (o: number, v: number) => {
    out[at + o] = v & 0xff;
    out[at + o + 1] = (v >>> 8) & 0xff;
  };
  const le32 = (o: number, v: number) => {
    le16(o, v & 0xffff);
    le16(o + 2, (v >>> 16) & 0xffff);
  };
  le16(0, 0);
  le16(2, 0xffff);
  le16(4, 0);
  le16(6, imp.machine);
  le32(8, imp.timeDateStamp ?? 0);
  le32(12, size);
  le16(16, imp.ordinalHint);
  le16(18, (IMPORT_NAME_TYPES.indexOf(imp.nameType) << 2) | IMPORT_TYPES.indexOf(imp.type));
  let p = at + 20;
  const putz = (str: string) => {
    for (let i = 0; i < str.length; i++) out[p++] = str.charCodeAt(i) & 0xff;
    out[p++] = 0;
  };
  putz(imp.symbol);
  putz(imp.dll);
  if (imp.exportAs) putz(imp.exportAs);
}

export function writeShortImport(imp: Omit<ShortImport, "timeDateStamp"> & { timeDateStamp?: number }): Uint8Array {
  const out = new Uint8Array(shortImportSize(imp));
  encodeShortImportInto(out, 0, imp);
  return out;
}
