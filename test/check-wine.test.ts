/**
 * Debian wine64's .sys files run drivers in user mode: they import ntdll, kernel32, ucrtbase and
 * friends. `kmdll check` must report every such user-mode import as user-mode-import. The list of
 * imported DLLs comes from llvm-readobj where it can parse the file, and from llvm-objdump's
 * private headers otherwise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { checkFile } from "../src/check/io.js";
import { KmdllError } from "../src/errors.js";
import { tool } from "./helpers.js";

const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const USER_MODE = /^(ntdll|kernel32|kernelbase|user32|gdi32|advapi32|win32u|ucrtbase|msvcrt|ws2_32|iphlpapi|ole32|oleaut32|rpcrt4|setupapi|shell32|shlwapi|winhttp|crypt32|bcrypt|secur32|dnsapi)\.dll$/i;

/** Imported DLL names, from an independent tool. */
function importedDlls(path: string): string[] {
  const r = tool("llvm-readobj", ["--coff-imports", path], { allowFail: true });
  if (r.status === 0) return [...r.stdout.matchAll(/^\s*Name: (\S+)$/gm)].filter((m) => !/^\s+Name: .*\(/.test(m[0])).map((m) => m[1]!);
  const o = tool("llvm-objdump", ["-p", path], { allowFail: true }).stdout;
  return [...o.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]!);
}

const files = existsSync(WINE) ? readdirSync(WINE).filter((f) => f.endsWith(".sys")).sort() : [];

test("wine64 .sys corpus is present", { skip: files.length ? false : "wine64 not installed" }, () => {
  assert.ok(files.length >= 5);
});

for (const f of files) {
  test(`wine ${f}: every user-mode import is a user-mode-import error`, () => {
    const path = join(WINE, f);
    const dlls = importedDlls(path);
    const userMode = dlls.filter((d) => USER_MODE.test(d));
    const report = checkFile(path);
    const reported = new Set(report.findings.filter((x) => x.rule === "user-mode-import").map((x) => x.location.module!.toLowerCase()));
    if (dlls.length) assert.ok(userMode.length > 0, `${f} imports user-mode DLLs (${dlls.join(", ")})`);
    for (const d of userMode) assert.ok(reported.has(d.toLowerCase()), `${d} reported (got ${[...reported].join(", ")})`);
    // Nothing is reported as user-mode that is a kernel module.
    for (const d of reported) assert.ok(!/^(ntoskrnl\.exe|hal\.dll)$|\.sys$/.test(d), `${d} is not user-mode`);
    for (const x of report.findings.filter((x) => x.rule === "user-mode-import")) assert.equal(x.severity, "error");
  });
}

test("every wine64 PE file (DLLs, EXEs, drivers): check completes with findings or a clean input error", { skip: existsSync(WINE) ? false : "wine64 not installed" }, () => {
  let checked = 0;
  for (const f of readdirSync(WINE)) {
    try {
      const r = checkFile(join(WINE, f));
      for (const x of r.findings) assert.ok(x.rule && x.message && x.location.file);
      checked++;
    } catch (e) {
      assert.ok(e instanceof KmdllError, `${f}: ${(e as Error).stack}`);
    }
  }
  assert.ok(checked > 100);
});
