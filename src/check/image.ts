/**
 * Image-level rules: malformed-image, subsystem-not-native, not-relocatable, writable-executable-section,
 * section-alignment, tls-directory.
 */
import { IMAGE_SCN } from "../formats/pe/types.js";
import { imageSectionProblems } from "../formats/pe/validate.js";
import { headerLocation, hexUpper as hex, offsetOfRva, sectionHeaderOffset } from "./locate.js";
import type { CheckInput, Finding } from "./types.js";

const SUBSYSTEMS: Record<number, string> = {
  0: "UNKNOWN",
  1: "NATIVE",
  2: "WINDOWS_GUI",
  3: "WINDOWS_CUI",
  5: "OS2_CUI",
  7: "POSIX_CUI",
  8: "NATIVE_WINDOWS",
  9: "WINDOWS_CE_GUI",
  10: "EFI_APPLICATION",
  11: "EFI_BOOT_SERVICE_DRIVER",
  12: "EFI_RUNTIME_DRIVER",
  13: "EFI_ROM",
  14: "XBOX",
  16: "WINDOWS_BOOT_APPLICATION",
};

const PAGE = 0x1000;

/**
 * Looks for an absolute address of the image inside it (the thing base relocations fix up):
 * pointer-sized, aligned values within [ImageBase, ImageBase+SizeOfImage) in non-code sections,
 * and on x86 also `call/jmp [abs32]` and `push imm32` operands in code. Returns the file offset
 * of the first one, or null. A heuristic: used only when the image has no relocation data.
 */
export function findAbsoluteAddress(input: CheckInput): number | null {
  const img = input.image;
  const ptr = img.optional.pe32plus ? 8 : 4;
  const lo = img.optional.imageBase + BigInt(img.optional.sizeOfHeaders);
  const hi = img.optional.imageBase + BigInt(img.optional.sizeOfImage);
  const view = new DataView(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
  const inImage = (v: bigint) => v >= lo && v < hi;
  // Without a BigInt per value: a 64-bit value whose high half is outside [loHigh, hiHigh] is not
  // in the image (most are not); a 32-bit value (PE32: the bounds are below 2^34) compares as a number.
  const loHigh = Number(lo >> 32n);
  const hiHigh = Number((hi - 1n) >> 32n);
  const lo32 = Number(lo);
  const hi32 = Number(hi);
  const inImage32 = (v: number) => v >= lo32 && v < hi32;
  // Resources hold RVAs and raw data (bitmaps, strings), never addresses the loader fixes up.
  const rsrc = img.dataDirectories[2];
  const isResources = (s: (typeof img.sections)[number]) =>
    s.name === ".rsrc" || (rsrc !== undefined && rsrc.size > 0 && rsrc.virtualAddress >= s.virtualAddress && rsrc.virtualAddress < s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData));
  for (const s of img.sections) {
    if (isResources(s)) continue;
    const start = s.pointerToRawData;
    const size = Math.min(s.sizeOfRawData, s.virtualSize || s.sizeOfRawData, Math.max(0, input.bytes.length - start));
    if (size <= 0 || start <= 0) continue;
    input.load?.(start, size);
    const code = (s.characteristics & (IMAGE_SCN.MEM_EXECUTE | IMAGE_SCN.CNT_CODE)) !== 0;
    // Discardable data (DWARF .debug_*, .reloc) is not what runs; its addresses do not matter.
    if (!code && (s.characteristics & IMAGE_SCN.MEM_DISCARDABLE) !== 0) continue;
    if (!code) {
      for (let o = start; o + ptr <= start + size; o += ptr) {
        if (ptr === 8) {
          const high = view.getUint32(o + 4, true);
          if (high >= loHigh && high <= hiHigh && inImage(view.getBigUint64(o, true))) return o;
        } else if (inImage32(view.getUint32(o, true))) return o;
      }
    } else if (ptr === 4) {
      for (let o = start; o + 6 <= start + size; o++) {
        const b0 = input.bytes[o]!;
        const b1 = input.bytes[o + 1]!;
        if (b0 === 0xff && (b1 === 0x15 || b1 === 0x25) && inImage32(view.getUint32(o + 2, true))) return o + 2;
        if (b0 === 0x68 && inImage32(view.getUint32(o + 1, true))) return o + 1;
      }
    }
  }
  return null;
}

export function imageRules(input: CheckInput): Finding[] {
  const out: Finding[] = [];
  const img = input.image;
  const opt = img.optional;

  // Image-section creation comes first: a malformed layout is refused before anything else matters.
  for (const p of imageSectionProblems(img, input.bytes.length)) {
    out.push({
      rule: "malformed-image",
      severity: "error",
      message: `${p.message}: Windows refuses to create an image section for this file (STATUS_INVALID_IMAGE_FORMAT, 0xC000007B), so the driver never loads and none of its code runs. ${p.message.includes("truncated") ? "The file is cut short (an incomplete download or copy): get the complete file." : "Relink it with a standard linker (lld-link, link.exe) and do not post-process the headers."}`,
      location:
        p.section !== undefined
          ? { kind: "section", file: input.file, section: img.sections[p.section]!.name, offset: sectionHeaderOffset(img, p.section), rva: img.sections[p.section]!.virtualAddress }
          : headerLocation(input, p.field),
    });
  }

  if (opt.subsystem !== 1) {
    const name = SUBSYSTEMS[opt.subsystem] ?? "unknown";
    out.push({
      rule: "subsystem-not-native",
      severity: "error",
      message: `the subsystem is ${name} (${opt.subsystem}); a kernel-mode driver must be NATIVE (1). Link with /subsystem:native (lld-link/link; /driver alone does not change it) or -Wl,--subsystem,native (GNU ld); the WDK sets it for TARGETTYPE=DRIVER and EXPORT_DRIVER.`,
      location: headerLocation(input, "OptionalHeader.Subsystem"),
    });
  }

  const relocDir = img.dataDirectories[5];
  if (img.relocsStripped) {
    out.push({
      rule: "not-relocatable",
      severity: "error",
      message: `relocations are stripped (IMAGE_FILE_RELOCS_STRIPPED is set): the kernel always loads a driver at an address it chooses and refuses an image it cannot relocate. Link without /fixed (lld-link/link: /fixed:no, the default for /driver; GNU ld: --dynamicbase, no --disable-reloc-section).`,
      location: headerLocation(input, "FileHeader.Characteristics"),
    });
  } else if ((!relocDir || relocDir.size === 0) && img.relocations.length === 0) {
    const at = findAbsoluteAddress(input);
    if (at !== null) {
      out.push({
        rule: "not-relocatable",
        severity: "error",
        message: `the image has no base relocations but holds absolute addresses of itself (the first at file offset ${hex(at)}): the kernel loads drivers at an address of its choosing, so these addresses would point into nothing. Link with relocations (lld-link/link: /fixed:no, /dynamicbase; GNU ld: --dynamicbase, no --disable-reloc-section).`,
        location: { kind: "file", file: input.file, offset: at },
      });
    }
  }

  img.sections.forEach((s, i) => {
    const w = (s.characteristics & IMAGE_SCN.MEM_WRITE) !== 0;
    const x = (s.characteristics & IMAGE_SCN.MEM_EXECUTE) !== 0;
    if (w && x) {
      out.push({
        rule: "writable-executable-section",
        severity: "error",
        message: `section ${s.name} is both writable and executable (characteristics ${hex(s.characteristics >>> 0, 8)}): HVCI (memory integrity, on by default on Windows 11) refuses to load the driver. Keep code read-only and data non-executable: remove /section:${s.name},RWE (or /section:${s.name},ERW), #pragma section(..., execute, write) and /MERGE of a data section into a code section.`,
        location: { kind: "section", file: input.file, section: s.name, offset: sectionHeaderOffset(img, i), rva: s.virtualAddress },
      });
    }
  });

  if (opt.sectionAlignment % PAGE !== 0) {
    const bad = img.sections.filter((s) => s.virtualAddress % PAGE !== 0).map((s) => s.name);
    out.push({
      rule: "section-alignment",
      severity: "error",
      message: `SectionAlignment is ${hex(opt.sectionAlignment)}, not a multiple of the page size (0x1000)${bad.length ? ` (sections ${bad.join(", ")} do not start on a page)` : ""}: HVCI needs each section on its own pages to give it its own protection, and refuses the driver. Remove /align:${opt.sectionAlignment} (lld-link/link default to 0x1000; GNU ld: --section-alignment=0x1000).`,
      location: headerLocation(input, "OptionalHeader.SectionAlignment"),
    });
  }

  if (img.tls) {
    const dir = img.dataDirectories[9];
    const offset = dir ? offsetOfRva(input, dir.virtualAddress) : undefined;
    out.push({
      rule: "tls-directory",
      severity: "warning",
      message: `the image has a TLS directory${img.tls.callbacks.length ? ` with ${img.tls.callbacks.length} callback(s)` : ""}: the kernel loader does not process TLS for drivers, so __declspec(thread)/thread_local variables are not per-thread and TLS callbacks never run. Remove thread-local variables (keep per-thread state in a context you pass, or in a lookaside list keyed by thread).`,
      location: { kind: "header", file: input.file, field: "DataDirectory[TLS]", ...(dir ? { rva: dir.virtualAddress } : {}), ...(offset === undefined ? {} : { offset }) },
    });
  }
  return out;
}
