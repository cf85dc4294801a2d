/**
 * ZwQuerySystemInformation(SystemProcessInformation)'s layouts (src/emu/api/process-info.ts,
 * PROCESS_INFO_LAYOUT) against what clang's offsetof gives over mingw-w64's winternl.h for x64
 * (x86_64-w64-mingw32) and x86 (i686-w64-mingw32): the independent side of the layout table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { tool } from "./helpers.js";
import { PROCESS_INFO_LAYOUT } from "../src/emu/api/process-info.js";

const P = "SYSTEM_PROCESS_INFORMATION";
const T = "SYSTEM_THREAD_INFORMATION";
/** Each layout field and the C expression giving it (EXT: SYSTEM_EXTENDED_THREAD_INFORMATION, winternl.h's thread entry and seven pointers, padded to its 8-byte alignment). */
const ITEMS: [keyof typeof PROCESS_INFO_LAYOUT.x64, string][] = [
  ["entry", `sizeof(${P})`],
  ["imageBuffer", `offsetof(${P}, ImageName.Buffer)`],
  ["basePriority", `offsetof(${P}, BasePriority)`],
  ["pid", `offsetof(${P}, UniqueProcessId)`],
  ["parent", `offsetof(${P}, InheritedFromUniqueProcessId)`],
  ["session", `offsetof(${P}, SessionId)`],
  ["thread", `sizeof(${T})`],
  ["extendedThread", "sizeof(EXT)"],
  ["tStart", `offsetof(${T}, StartAddress)`],
  ["tClientId", `offsetof(${T}, ClientId)`],
  ["tPriority", `offsetof(${T}, Priority)`],
  ["tBasePriority", `offsetof(${T}, BasePriority)`],
  ["tState", `offsetof(${T}, ThreadState)`],
  ["tWaitReason", `offsetof(${T}, WaitReason)`],
];

for (const [arch, triple] of [["x64", "x86_64-w64-mingw32"], ["x86", "i686-w64-mingw32"]] as const) {
  test(`SYSTEM_PROCESS_INFORMATION / SYSTEM_THREAD_INFORMATION (${arch}): the emulator's offsets are clang's over mingw-w64's winternl.h`, () => {
    const dir = mkdtempSync(join(tmpdir(), "kmdll-spi-"));
    try {
      writeFileSync(join(dir, "l.c"), `#include <windows.h>\n#include <winternl.h>\n#include <stddef.h>\ntypedef struct { ${T} t; PVOID StackBase, StackLimit, Win32StartAddress, TebBase; ULONG_PTR r[3]; } EXT;\nconst unsigned long long v[] = {\n${ITEMS.map(([, e]) => `  (unsigned long long)(${e}),`).join("\n")}\n};\n`);
      tool("clang", [`--target=${triple}`, "-w", "-S", "-O0", "-o", join(dir, "l.s"), join(dir, "l.c")]);
      const asm = readFileSync(join(dir, "l.s"), "utf8");
      const got = [...asm.slice(asm.search(/^_?v:/m)).matchAll(/^\s*\.quad\s+(\d+)/gm)].map((m) => Number(m[1]));
      assert.equal(got.length, ITEMS.length);
      const layout = PROCESS_INFO_LAYOUT[arch];
      assert.deepEqual(Object.fromEntries(ITEMS.map(([k], i) => [k, got[i]])), Object.fromEntries(ITEMS.map(([k]) => [k, layout[k]])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
