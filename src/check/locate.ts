/** Locations inside a PE image for findings: header fields, section headers, RVAs. Pure. */
import { RvaMap } from "../formats/pe/rva.js";
import type { PeImage } from "../formats/pe/types.js";
import type { CheckInput, FindingLocation } from "./types.js";
import { hex } from "../text/hex.js";

/** File offsets of header fields relative to the "PE\0\0" signature. */
const FIELD_OFFSETS: Record<string, number> = {
  "FileHeader.Characteristics": 4 + 18,
  "OptionalHeader.AddressOfEntryPoint": 24 + 16,
  "OptionalHeader.SectionAlignment": 24 + 32,
  "OptionalHeader.FileAlignment": 24 + 36,
  "OptionalHeader.Subsystem": 24 + 68,
  "OptionalHeader.DllCharacteristics": 24 + 70,
};

export function headerLocation(input: CheckInput, field: keyof typeof FIELD_OFFSETS | string): FindingLocation {
  const rel = FIELD_OFFSETS[field];
  return { kind: "header", file: input.file, field, ...(rel === undefined ? {} : { offset: input.image.peOffset + rel }) };
}

/** File offset of section header i. */
export function sectionHeaderOffset(image: PeImage, index: number): number {
  return image.peOffset + 24 + image.coff.sizeOfOptionalHeader + 40 * index;
}

/** Translates RVAs of one image to file offsets (cached per input). */
const maps = new WeakMap<PeImage, RvaMap>();
export function offsetOfRva(input: CheckInput, rva: number): number | undefined {
  let map = maps.get(input.image);
  if (!map) {
    map = new RvaMap(input.image, input.bytes.length);
    maps.set(input.image, map);
  }
  return map.offsetOf(rva) ?? undefined;
}

/** The location of the export directory (or the headers when the image has none). */
export function exportDirectoryLocation(input: CheckInput, symbol?: string): FindingLocation {
  const dir = input.image.dataDirectories[0];
  const offset = dir && dir.size > 0 ? offsetOfRva(input, dir.virtualAddress) : undefined;
  if (offset === undefined) return { kind: "file", file: input.file, ...(symbol ? { symbol } : {}) };
  return { kind: "export", file: input.file, offset, rva: dir!.virtualAddress, ...(symbol ? { symbol } : {}) };
}

/** Upper-case hex for check messages ("0xE0000020"); the formatter is src/text/hex.ts. */
export function hexUpper(n: number | bigint, width = 0): string {
  return hex(n, { upper: true, width });
}
