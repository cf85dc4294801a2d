// What clang computes for C constant expressions over examples/include/kmdfmin.h (sizeof/offsetof
// of the KMDF structures), on x64, x86 and ARM64: the independent side of the WDF layout tests.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoPath, tool } from "./helpers.js";

export const KMDF_ARCHES = [["x64", "x86_64-pc-windows-msvc", 8], ["x86", "i686-pc-windows-msvc", 4]] as const;

/** The values of `items` (C expressions) as clang compiles them for `arch`, in order; `dir` is a scratch folder; `header` one of examples/include's. */
export function kmdfConstants(dir: string, items: string[], arch: "x64" | "x86" | "arm64", header = "kmdfmin.h"): number[] {
  const triple = { x64: "x86_64-pc-windows-msvc", x86: "i686-pc-windows-msvc", arm64: "aarch64-pc-windows-msvc" }[arch];
  // ARM64 builds read the x86-64 sysroot's headers, as kmdll build does (src/toolchain/discover.ts).
  const sys = arch === "x86" ? "/usr/i686-w64-mingw32" : "/usr/x86_64-w64-mingw32";
  const defines = { x64: [], x86: ["-D_X86_=1"], arm64: ["-D_ARM64_=1"] }[arch];
  writeFileSync(join(dir, "l.c"), `#include "${header}"\n#include <stddef.h>\nconst unsigned long long kmdll_wdf[] = {\n${items.map((i) => `  (unsigned long long)${i},`).join("\n")}\n};\n`);
  tool("clang", [`--target=${triple}`, "-fgnuc-version=4.2.1", "-ffreestanding", "-fms-extensions", "-w", "-S", "-O0", ...defines,
    "-I", repoPath("examples", "include"), "-isystem", repoPath("data", "include"), "-isystem", `${sys}/include/ddk`, "-isystem", `${sys}/include`, "-o", join(dir, `${arch}.s`), join(dir, "l.c")]);
  const asm = readFileSync(join(dir, `${arch}.s`), "utf8");
  // x86/x64 assembly lists the values as .quad, ARM64's as .xword.
  return [...asm.slice(asm.search(/^_?kmdll_wdf:/m)).matchAll(/^\s*\.(?:quad|xword)\s+(\d+)/gm)].map((m) => Number(m[1]));
}
