import { pdbPath } from "./parse.js";
import type { PeImage } from "./types.js";
import { hex } from "../../text/hex.js";

/** Names of IMAGE_FILE_* characteristics bits. */
export const FILE_CHARACTERISTICS: Record<number, string> = {
  0x0001: "RELOCS_STRIPPED", 0x0002: "EXECUTABLE_IMAGE", 0x0004: "LINE_NUMS_STRIPPED", 0x0008: "LOCAL_SYMS_STRIPPED",
  0x0010: "AGGRESSIVE_WS_TRIM", 0x0020: "LARGE_ADDRESS_AWARE", 0x0080: "BYTES_REVERSED_LO", 0x0100: "32BIT_MACHINE",
  0x0200: "DEBUG_STRIPPED", 0x0400: "REMOVABLE_RUN_FROM_SWAP", 0x0800: "NET_RUN_FROM_SWAP", 0x1000: "SYSTEM",
  0x2000: "DLL", 0x4000: "UP_SYSTEM_ONLY", 0x8000: "BYTES_REVERSED_HI",
};

/** Names of IMAGE_DLLCHARACTERISTICS_* bits. */
export const DLL_CHARACTERISTICS: Record<number, string> = {
  0x0020: "HIGH_ENTROPY_VA", 0x0040: "DYNAMIC_BASE", 0x0080: "FORCE_INTEGRITY", 0x0100: "NX_COMPAT",
  0x0200: "NO_ISOLATION", 0x0400: "NO_SEH", 0x0800: "NO_BIND", 0x1000: "APPCONTAINER", 0x2000: "WDM_DRIVER",
  0x4000: "GUARD_CF", 0x8000: "TERMINAL_SERVER_AWARE",
};

export const SUBSYSTEM_NAMES: Record<number, string> = {
  0: "unknown", 1: "native", 2: "windows-gui", 3: "windows-cui", 5: "os2-cui", 7: "posix-cui", 8: "native-windows",
  9: "windows-ce-gui", 10: "efi-application", 11: "efi-boot-service-driver", 12: "efi-runtime-driver", 13: "efi-rom",
  14: "xbox", 16: "windows-boot-application",
};

/** The names of the set bits of a flag word (unknown bits as hex). */
export function flagNames(value: number, names: Record<number, string>): string[] {
  const out: string[] = [];
  for (let bit = 1; bit <= 0x80000000 && bit > 0; bit *= 2) {
    if (value & bit) out.push(names[bit] ?? "0x" + bit.toString(16));
  }
  return out;
}

/** Section permission/content summary like "R-X code". */
export function sectionFlags(ch: number): string {
  const rwx = (ch & 0x40000000 ? "R" : "-") + (ch & 0x80000000 ? "W" : "-") + (ch & 0x20000000 ? "X" : "-");
  const kinds: string[] = [];
  if (ch & 0x20) kinds.push("code");
  if (ch & 0x40) kinds.push("data");
  if (ch & 0x80) kinds.push("bss");
  if (ch & 0x02000000) kinds.push("discardable");
  if (ch & 0x08000000) kinds.push("nonpaged");
  if (ch & 0x10000000) kinds.push("shared");
  return [rwx, ...kinds].join(" ");
}


/** The `kmdll inspect --json` document: a plain JSON-ready summary of an image (bigints as hex strings). */
export function imageSummary(image: PeImage, file?: string): Record<string, unknown> {
  const o = image.optional;
  const rsds = image.debug.find((d) => d.pdb !== null) ?? null;
  const importShape = (m: PeImage["imports"][number]) => ({
    dll: m.dll,
    iltRva: m.iltRva,
    iatRva: m.iatRva,
    functions: m.functions.map((f) => ({ name: f.name, hint: f.hint, ordinal: f.ordinal, iatRva: f.iatRva })),
  });
  return {
    ...(file !== undefined ? { file } : {}),
    format: o.pe32plus ? "PE32+" : "PE32",
    machine: image.machine,
    machineNumber: image.coff.machine,
    subsystem: o.subsystem,
    subsystemName: SUBSYSTEM_NAMES[o.subsystem] ?? null,
    characteristics: image.coff.characteristics,
    characteristicsFlags: flagNames(image.coff.characteristics, FILE_CHARACTERISTICS),
    dllCharacteristics: o.dllCharacteristics,
    dllCharacteristicsFlags: flagNames(o.dllCharacteristics, DLL_CHARACTERISTICS),
    imageBase: hex(o.imageBase),
    entryPoint: o.addressOfEntryPoint,
    sizeOfImage: o.sizeOfImage,
    sizeOfHeaders: o.sizeOfHeaders,
    sectionAlignment: o.sectionAlignment,
    fileAlignment: o.fileAlignment,
    linkerVersion: `${o.majorLinkerVersion}.${o.minorLinkerVersion}`,
    osVersion: `${o.majorOperatingSystemVersion}.${o.minorOperatingSystemVersion}`,
    subsystemVersion: `${o.majorSubsystemVersion}.${o.minorSubsystemVersion}`,
    timeDateStamp: image.coff.timeDateStamp,
    timestamp: new Date(image.coff.timeDateStamp * 1000).toISOString(),
    sections: image.sections.map((s) => ({
      name: s.name,
      virtualAddress: s.virtualAddress,
      virtualSize: s.virtualSize,
      rawSize: s.sizeOfRawData,
      rawPointer: s.pointerToRawData,
      characteristics: s.characteristics,
      flags: sectionFlags(s.characteristics),
    })),
    dataDirectories: image.dataDirectories
      .filter((d) => d.virtualAddress !== 0 || d.size !== 0)
      .map((d) => ({ index: d.index, name: d.name, virtualAddress: d.virtualAddress, size: d.size })),
    exports: image.exports && {
      dllName: image.exports.dllName,
      ordinalBase: image.exports.ordinalBase,
      timeDateStamp: image.exports.timeDateStamp,
      numberOfFunctions: image.exports.numberOfFunctions,
      numberOfNames: image.exports.numberOfNames,
      functions: image.exports.functions.map((f) => ({
        ordinal: f.ordinal,
        name: f.name,
        ...(f.names.length > 1 ? { names: f.names } : {}),
        rva: f.rva,
        forwarder: f.forwarder,
      })),
    },
    imports: image.imports.map(importShape),
    delayImports: image.delayImports.map((m) => ({ ...importShape(m), attributes: m.attributes, moduleHandleRva: m.moduleHandleRva })),
    relocations: image.relocations.length,
    relocsStripped: image.relocsStripped,
    pdb: pdbPath(image),
    pdbGuid: rsds?.guid ?? null,
    pdbAge: rsds?.age ?? null,
    debugTypes: image.debug.map((d) => d.type),
    exceptionFunctions: image.exceptionFunctions.length,
    tlsCallbacks: image.tls ? image.tls.callbacks.map((v) => hex(v)) : null,
    securityCookie: image.loadConfig?.securityCookie != null ? hex(image.loadConfig.securityCookie) : null,
    checksum: { stored: image.checksum.stored, computed: image.checksum.computed },
    signed: image.signed,
    warnings: image.warnings,
  };
}
