/**
 * Is an image mappable as an image section? The checks the Windows memory manager makes when it
 * creates an image section for a file (MiCreateImageFileMap in the WRK, PeFmtCreateSection in
 * ReactOS) before anything of it runs: alignments, header size, section order/overlap/gaps, raw
 * data inside the file, SizeOfImage covering the sections. Each failure is what Windows returns
 * for it: STATUS_INVALID_IMAGE_FORMAT (0xC000007B).
 *
 * Pure: takes the parsed headers and the file size; no I/O. Used by the loaders (before mapping),
 * by `kmdll check` (rule malformed-image) and by `kmdll scan` (errors).
 */
import type { PeImage, Section } from "./types.js";

/** STATUS_INVALID_IMAGE_FORMAT (ntstatus.h). */
export const INVALID_IMAGE_FORMAT = 0xc000007b;

export interface ImageProblem {
  /** NTSTATUS the kernel returns for it. */
  status: number;
  /** What is wrong, in words ("section .data: raw data 0x600+0x200 runs past the end of the file (size 0x700)"). */
  message: string;
  /** The header field or section at fault, for locations. */
  field: string;
  /** Index of the section at fault, when it is one. */
  section?: number;
}

const SECTION_HEADER = 40;
const hex = (n: number) => "0x" + (n >>> 0).toString(16);
const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * The problems that make the kernel refuse to create an image section for this file, in header
 * order (the first is the one a loader reports). Empty when the image maps.
 */
export function imageSectionProblems(image: PeImage, fileSize: number): ImageProblem[] {
  const out: ImageProblem[] = [];
  const bad = (field: string, message: string, section?: number) =>
    out.push({ status: INVALID_IMAGE_FORMAT, field, message, ...(section !== undefined ? { section } : {}) });
  const o = image.optional;
  const sa = o.sectionAlignment >>> 0;
  const fa = o.fileAlignment >>> 0;
  if (!isPow2(sa)) bad("OptionalHeader.SectionAlignment", `SectionAlignment ${hex(sa)} is not a power of two`);
  if (!isPow2(fa)) bad("OptionalHeader.FileAlignment", `FileAlignment ${hex(fa)} is not a power of two`);
  if (out.length) return out; // nothing below can be computed
  if (fa > sa) bad("OptionalHeader.FileAlignment", `FileAlignment ${hex(fa)} is larger than SectionAlignment ${hex(sa)}`);
  // Below a page, the file layout is the memory layout (each section at its file offset).
  const small = sa < 0x1000;
  if (small && fa !== sa) bad("OptionalHeader.FileAlignment", `SectionAlignment ${hex(sa)} is below the page size, so FileAlignment must equal it (it is ${hex(fa)})`);
  if (o.sizeOfImage === 0) bad("OptionalHeader.SizeOfImage", "SizeOfImage is 0");
  const tableEnd = image.peOffset + 4 + 20 + image.coff.sizeOfOptionalHeader + image.coff.numberOfSections * SECTION_HEADER;
  if (o.sizeOfHeaders > fileSize) bad("OptionalHeader.SizeOfHeaders", `SizeOfHeaders ${hex(o.sizeOfHeaders)} runs past the end of the file (size ${hex(fileSize)})`);
  if (o.sizeOfHeaders < tableEnd) bad("OptionalHeader.SizeOfHeaders", `SizeOfHeaders ${hex(o.sizeOfHeaders)} does not cover the headers and section table (they end at ${hex(tableEnd)})`);
  if (o.sizeOfHeaders > o.sizeOfImage) bad("OptionalHeader.SizeOfHeaders", `SizeOfHeaders ${hex(o.sizeOfHeaders)} is larger than SizeOfImage ${hex(o.sizeOfImage)}`);
  // Sections: in ascending order, each aligned and starting where the previous one ends (rounded
  // to SectionAlignment), raw data inside the file.
  // (The headers are not checked against the first section: synthetic images with huge section
  // tables put SizeOfHeaders past it, and the loaders here map them; the rest must follow.)
  let next = image.sections.length ? Math.min(alignUp(o.sizeOfHeaders, sa), image.sections[0]!.virtualAddress >>> 0) : alignUp(o.sizeOfHeaders, sa);
  // The section's name and field are made only for a problem (this runs for every image a scan reads).
  const sectionName = (i: number, s: Section) => `section ${i + 1} (${s.name || "unnamed"})`;
  for (let i = 0; i < image.sections.length; i++) {
    const s = image.sections[i]!;
    const va = s.virtualAddress >>> 0;
    const vsize = s.virtualSize !== 0 ? s.virtualSize >>> 0 : s.sizeOfRawData >>> 0;
    if (va % sa !== 0) bad(`SectionHeader[${i}]`, `${sectionName(i, s)}: VirtualAddress ${hex(va)} is not aligned to SectionAlignment ${hex(sa)}`, i);
    else if (va < next) bad(`SectionHeader[${i}]`, `${sectionName(i, s)}: VirtualAddress ${hex(va)} overlaps ${i === 0 ? "the headers" : "the previous section"} (which end${i === 0 ? "" : "s"} at ${hex(next)})`, i);
    else if (va > next) bad(`SectionHeader[${i}]`, `${sectionName(i, s)}: VirtualAddress ${hex(va)} leaves a gap after ${i === 0 ? "the headers" : "the previous section"} (expected ${hex(next)})`, i);
    if (s.sizeOfRawData > 0) {
      const end = s.pointerToRawData + s.sizeOfRawData;
      if (end > fileSize)
        bad(`SectionHeader[${i}]`, `${sectionName(i, s)}: raw data ${hex(s.pointerToRawData)}+${hex(s.sizeOfRawData)} runs past the end of the file (size ${hex(fileSize)}): the file is truncated`, i);
      if (small && s.pointerToRawData !== va) bad(`SectionHeader[${i}]`, `${sectionName(i, s)}: with SectionAlignment below a page its raw data must sit at its VirtualAddress ${hex(va)} (it is at ${hex(s.pointerToRawData)})`, i);
    }
    next = Math.max(next, alignUp(va + vsize, sa));
  }
  if (o.sizeOfImage !== 0 && alignUp(o.sizeOfImage, sa) < next)
    bad("OptionalHeader.SizeOfImage", `SizeOfImage ${hex(o.sizeOfImage)} does not cover the sections (they end at ${hex(next)})`);
  return out;
}

/** One line for the first problem: "truncated or malformed image: <message> (STATUS_INVALID_IMAGE_FORMAT)". */
export function describeImageProblem(p: ImageProblem): string {
  return `${p.message} (STATUS_INVALID_IMAGE_FORMAT, 0xC000007B)`;
}
