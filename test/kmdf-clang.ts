// What clang computes for C constant expressions over examples/include/kmdfmin.h (sizeof/offsetof
// of the KMDF structures), on x64 and x86: the independent side of the WDF layout tests.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoPath, tool } from "./helpers.js";

export const KMDF_ARCHES = [["x64", "x86_64-pc-windows-msvc", 8], ["x86", "i686-pc-windows-msvc", 4]] as const;

/** The values of `items` (C expressions) as clang compiles them for `arch`, in order; `dir` is a scratch folder. */
export function kmdfConstants(dir: string, items: string[], arch: "x64" | "x86"): number[] {
  const triple = arch === "x64" ? "x86_64-pc-windows-msvc" : "i686-pc-windows-msvc";
  const sys = arch === "x64" ? "/usr/x86_64-w64-mingw32" : "/usr/i686-w64-mingw32";
  writeFileSync(join(dir, "l.c"), `#include "kmdfmin.h"\n#include <stddef.h>\nconst unsigned long long kmdll_wdf[] = {\n${items.map((i) => `  (unsigned long long)${i},`).join("\n")}\n};\n`);
  tool("clang", [`--target=${triple}`, "-fgnuc-version=4.2.1", "-ffreestanding", "-fms-extensions", "-w", "-S", "-O0", ...(arch === "x86" ? ["-D_X86_=1"] : []),
    "-I", repoPath("examples", "include"), "-isystem", repoPath("data", "include"), "-isystem", `${sys}/include/ddk`, "-isystem", `${sys}/include`, "-o", join(dir, `${arch}.s`), join(dir, "l.c")]);
  const asm = readFileSync(join(dir, `${arch}.s`), "utf8");
  return [...asm.slice(asm.search(/^_?kmdll_wdf:/m)).matchAll(/^\s*\.quad\s+(\d+)/gm)].map((m) => Number(m[1]));
}
