/**
 * The PE reader against llvm-readobj (an independent implementation) on every fixture and on every
 * PE file Debian's wine64 ships (hundreds of real images nobody here wrote): machine, subsystem,
 * section names, exports (ordinals, names, RVAs, forwarders) and imports (DLLs, names with hints,
 * ordinals) must agree.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoPath } from "./helpers.js";
import { compareWithReadobj, runReadobj } from "./pe-readobj.js";

const WINE_DIRS = ["/usr/lib/x86_64-linux-gnu/wine/x86_64-windows", "/usr/lib/x86_64-linux-gnu/wine/i386-windows"];

function listFiles(dir: string, filter: (name: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(filter)
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .sort();
}

function fixtureFiles(): string[] {
  return ["x64", "x86"].flatMap((a) => listFiles(repoPath("test", "fixtures", a), (n) => /\.(sys|dll|exe)$/i.test(n)));
}

function check(files: string[]): { compared: number; diffs: string[] } {
  const ro = runReadobj(files);
  const diffs: string[] = [];
  for (const f of files) {
    const r = ro.get(f);
    if (!r) {
      diffs.push(`${f}: no llvm-readobj output`);
      continue;
    }
    diffs.push(...compareWithReadobj(f, r));
  }
  return { compared: files.length, diffs };
}

test("fixtures agree with llvm-readobj", () => {
  const files = fixtureFiles();
  assert.ok(files.length >= 4, "fixtures present");
  const { diffs } = check(files);
  assert.deepEqual(diffs.slice(0, 30), []);
});

test("every wine PE (x86_64-windows, i386-windows) agrees with llvm-readobj", () => {
  const files = WINE_DIRS.flatMap((d) => listFiles(d));
  assert.ok(files.length >= 500, `the wine64 PE corpus is installed (found ${files.length} files)`);
  const { diffs } = check(files);
  assert.deepEqual(diffs.slice(0, 30), [], `${diffs.length} differences`);
});
