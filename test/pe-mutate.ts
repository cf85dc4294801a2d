/** Test helper: locate structures of a real fixture image and mutate copies of it. */
import { readFileSync } from "node:fs";
import { parsePe, rvaToOffset, type PeImage } from "../src/formats/pe/index.js";

export interface Layout {
  bytes: Uint8Array;
  image: PeImage;
  pe: number;
  coff: number;
  opt: number;
  dataDirs: number;
  sectionTable: number;
  /** File offset of data directory i's RVA field. */
  dirField(i: number): number;
  /** File offset of an RVA. */
  off(rva: number): number;
}

export function layout(path: string): Layout {
  const bytes = new Uint8Array(readFileSync(path));
  const image = parsePe(bytes);
  const pe = image.peOffset;
  const opt = pe + 24;
  const dataDirs = opt + (image.optional.pe32plus ? 112 : 96);
  return {
    bytes,
    image,
    pe,
    coff: pe + 4,
    opt,
    dataDirs,
    sectionTable: opt + image.coff.sizeOfOptionalHeader,
    dirField: (i) => dataDirs + i * 8,
    off: (rva) => {
      const o = rvaToOffset(image, rva, 1, bytes.length);
      if (o === null) throw new Error(`RVA 0x${rva.toString(16)} not in file`);
      return o;
    },
  };
}

/** A mutated copy. */
export function mutate(bytes: Uint8Array, fn: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = bytes.slice();
  fn(b, new DataView(b.buffer, b.byteOffset, b.byteLength));
  return b;
}
