/**
 * ntoskrnl's SeExports data export points at a SE_EXPORTS structure with the well-known SIDs
 * (WDK drivers built with wdmsec.lib read SeExports->SeLocalSystemSid in DriverEntry). Offsets are
 * checked against the DDK header through the compiler (offsetof in mingw-w64's ntifs.h).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Emulator } from "../src/emu/emulator.js";

/** x64 offsets of some SE_EXPORTS fields (what the emulator's structure must match). */
const SE_EXPORTS_OFFSETS = { SeNullSid: 0xb8, SeLocalSystemSid: 0x108, SeAliasAdminsSid: 0x110, SeAnonymousLogonSid: 0x160, SeUndockPrivilege: 0x168, SeIUserSid: 0x1d0, size: 0x208 } as const;
import { tool } from "./helpers.js";

const FIELDS = Object.keys(SE_EXPORTS_OFFSETS).filter((k) => k !== "size");

test("SE_EXPORTS offsets agree with the DDK header (clang, offsetof)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-se-"));
  try {
    const c = join(dir, "se.c");
    writeFileSync(c, `#include <ntifs.h>\n#include <stddef.h>\nunsigned long long offs[] = { ${FIELDS.map((f) => `offsetof(SE_EXPORTS, ${f})`).join(", ")}, sizeof(SE_EXPORTS) };\n`);
    const asm = tool("clang", ["--target=x86_64-pc-windows-msvc", "-fgnuc-version=4.2.1", "-ffreestanding", "-isystem", "/usr/x86_64-w64-mingw32/include/ddk", "-isystem", "/usr/x86_64-w64-mingw32/include", "-S", "-o", "-", c]).stdout;
    const values = [...asm.slice(asm.indexOf("offs:")).matchAll(/\.quad\s+(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(values, [...FIELDS.map((f) => SE_EXPORTS_OFFSETS[f as keyof typeof SE_EXPORTS_OFFSETS]), SE_EXPORTS_OFFSETS.size]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SeExports in guest memory: SeLocalSystemSid is S-1-5-18, SeAliasAdminsSid S-1-5-32-544, SeWorldSid S-1-1-0", () => {
  const emu = new Emulator();
  try {
    const slot = emu.kernelExport("ntoskrnl.exe", "SeExports", null)!;
    const se = emu.mem.u64(slot);
    assert.notEqual(se, 0n);
    const sid = (p: bigint) => {
      const n = emu.mem.u8(p + 1n);
      const auth = emu.mem.u8(p + 7n);
      return `S-${emu.mem.u8(p)}-${auth}` + Array.from({ length: n }, (_, i) => `-${emu.mem.u32(p + 8n + BigInt(4 * i))}`).join("");
    };
    assert.equal(sid(emu.mem.u64(se + BigInt(SE_EXPORTS_OFFSETS.SeLocalSystemSid))), "S-1-5-18");
    assert.equal(sid(emu.mem.u64(se + BigInt(SE_EXPORTS_OFFSETS.SeAliasAdminsSid))), "S-1-5-32-544");
    assert.equal(sid(emu.mem.u64(se + 0xc0n)), "S-1-1-0");
    assert.equal(emu.mem.u32(se), 2, "SeCreateTokenPrivilege = SE_CREATE_TOKEN_PRIVILEGE (2)");
    assert.equal(emu.mem.u32(se + BigInt(SE_EXPORTS_OFFSETS.SeUndockPrivilege)), 25);
  } finally {
    emu.close();
  }
});
