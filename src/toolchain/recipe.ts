/**
 * The compile and link command lines of SPEC §4 (pure). These are the flags the WDK's kernel
 * build needs, translated to clang + lld-link with mingw-w64's DDK headers and kernel libraries.
 */
import type { Arch } from "./sources.js";
import { KmdllError } from "../errors.js";

export interface ArchRecipe {
  triple: string;
  machine: string;
  /** Extra lld-link flags. */
  linkExtra: string[];
  /** Extra clang flags (after the base flags, so they win). */
  cflagsExtra: string[];
}

export const RECIPES: Record<Arch, ArchRecipe> = {
  x64: { triple: "x86_64-pc-windows-msvc", machine: "x64", linkExtra: [], cflagsExtra: [] },
  // x86: the msvc target, as cl.exe compiles for the WDK: 64-bit division calls ntoskrnl's
  // _alldiv/_aulldiv/_allrem/_aullrem, __try/__except uses frame-based SEH (_except_handler3),
  // stdcall names are decorated as mingw's and kmdll's import libraries expect. _X86_ as the
  // WDK's makefiles define it (mingw-w64's headers test it; only the gnu target predefines it).
  // No SafeSEH tables; no DWARF .eh_frame; the WDK's x86 driver base 0x10000 instead of the EXE default.
  x86: {
    triple: "i686-pc-windows-msvc",
    machine: "x86",
    linkExtra: ["/safeseh:no", "/base:0x10000"],
    cflagsExtra: ["-D_X86_=1", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables"],
  },
  // ARM64: the msvc target (AAPCS64 as Windows uses it, x18 reserved, .pdata/.xdata unwind data);
  // _ARM64_ as the WDK's makefiles define it. mingw-w64's DDK headers have no ARM64 branch:
  // data/include's shims supply it (kmdll/arm64-enter.h, armddk.h; docs/build.md, "ARM64").
  arm64: { triple: "aarch64-pc-windows-msvc", machine: "arm64", linkExtra: [], cflagsExtra: ["-D_ARM64_=1"] },
};

export interface CompileInput {
  arch: Arch;
  /** Source path relative to the compiler's working folder (the project folder). */
  source: string;
  object: string;
  depfile: string;
  /** Include folders (absolute or relative to the project folder). */
  includes: string[];
  sysInclude: string;
  ddkInclude: string;
  /** kmdll's compatibility headers (data/include), searched before mingw-w64's. */
  compatInclude: string;
  /** The case-insensitive include overlay (vfs.ts), if any. */
  vfsOverlay?: string;
  /** /FI files (absolute), included before the source. */
  forceIncludes?: string[];
  defines: string[];
  userFlags: string[];
  /** Prefix maps (from → to) so no absolute path of the build machine ends up in the output. */
  prefixMaps: [string, string][];
}

/** Base flags: -O2 freestanding kernel code, unwind tables kept, no CRT helpers, one section per function. */
export const BASE_CFLAGS = [
  "-fgnuc-version=4.2.1", "-O2", "-ffreestanding", "-fasynchronous-unwind-tables", "-fno-stack-protector",
  "-mno-stack-arg-probe", "-ffunction-sections", "-fdata-sections", "-fno-ident",
  // Objects without a build timestamp (the msvc target stamps them by default): static libraries
  // (DRIVER_LIBRARY) archive the objects and must be reproducible too.
  "-mno-incremental-linker-compatible",
  // C as cl.exe accepts it (docs/build.md, "MSVC C"): Microsoft extensions on every target
  // (__try/__except, anonymous structs, an empty __VA_ARGS__ swallowing its comma), tentative definitions shared across files (cl's
  // default), and no warning for `#include <Ntifs.h>` matched case-insensitively.
  "-fms-extensions", "-fms-compatibility", "-fcommon", "-Wno-nonportable-include-path",
  // `#a ## "." ## #b`: cl.exe leaves the two string literals side by side (concatenated later);
  // clang does the same in MS mode but calls it an error unless this warning is off.
  "-Wno-invalid-token-paste",
  // cl.exe's /kernel, which every WDK 8+ build passes, predefines _KERNEL_MODE=1 ("/kernel",
  // Microsoft Learn); headers shared by a driver and its user-mode tools test it.
  "-D_KERNEL_MODE=1",
];

export function compileArgs(c: CompileInput): string[] {
  const cxx = /\.(cpp|cc|cxx)$/.test(c.source) ? ["-fno-exceptions", "-fno-rtti"] : [];
  return [
    `--target=${RECIPES[c.arch].triple}`, ...BASE_CFLAGS, ...RECIPES[c.arch].cflagsExtra, ...cxx,
    ...c.prefixMaps.map(([from, to]) => `-ffile-prefix-map=${from}=${to}`),
    ...(c.vfsOverlay ? ["-ivfsoverlay", c.vfsOverlay] : []),
    ...c.includes.map((i) => `-I${i}`),
    "-isystem", c.compatInclude, "-isystem", c.ddkInclude, "-isystem", c.sysInclude,
    ...c.defines, ...(c.forceIncludes ?? []).flatMap((f) => ["-include", f]), ...c.userFlags,
    "-MD", "-MF", c.depfile,
    "-c", c.source, "-o", c.object,
  ];
}

export interface LinkInput {
  arch: Arch;
  out: string;
  /** Where lld-link's own import library goes (kmdll writes the real one from DLLDEF). */
  scratchImplib: string;
  objects: string[];
  libs: string[];
  kernelLibs: string[];
  def?: string;
  userFlags: string[];
  /** Entry point (default DriverEntry); null: a DLL without one (/noentry /dll). */
  entry?: string | null;
}

export function linkArgs(l: LinkInput): string[] {
  const r = RECIPES[l.arch];
  return [
    `/machine:${r.machine}`, "/driver", "/subsystem:native", ...(l.entry === null ? ["/noentry", "/dll"] : [`/entry:${l.entry ?? "DriverEntry"}`]), "/nodefaultlib", "/Brepro",
    "/opt:ref", `/implib:${l.scratchImplib}`, `/out:${l.out}`, ...r.linkExtra, ...l.objects, ...l.libs, ...l.kernelLibs,
    ...l.userFlags, ...(l.def ? [`/def:${l.def}`] : []),
  ];
}

/** Static library (DRIVER_LIBRARY) with llvm-lib: members named after the objects. */
export function libArgs(out: string, objects: string[], arch: Arch): string[] {
  return [`/machine:${RECIPES[arch].machine}`, `/out:${out}`, ...objects];
}

/** MASM (.asm) with llvm-ml, ml64/ml syntax. */
export function asmArgs(arch: Arch, source: string, object: string, includes: string[], defines: string[]): string[] {
  if (arch === "arm64") throw new KmdllError(`${source}: ARM64 assembly (armasm64 syntax) is not supported: llvm-ml assembles x86 and x64 MASM only`);
  return [arch === "x64" ? "-m64" : "-m32", "/c", ...includes.map((i) => `/I${i}`), ...defines.filter((d) => d.startsWith("-D")).map((d) => `/D${d.slice(2)}`), `/Fo${object}`, source];
}

/** Resources (.rc) with llvm-rc (which preprocesses with clang). */
export function rcArgs(source: string, res: string, includes: string[], defines: string[], codePage = 1252): string[] {
  // Code page 1252 (the Windows ANSI default): .rc files often carry © and ® in their strings;
  // 65001 for the UTF-8 copy of a UTF-16 file.
  return ["/nologo", "/C", String(codePage), ...includes.flatMap((i) => ["/I", i]), ...defines.filter((d) => /^-[DU]/.test(d)).map((d) => `/${d[1]}${d.slice(2)}`), "/fo", res, source];
}
