/**
 * Issue 15, "every example scenario passes on x86 with the x64 expectations": every example of
 * examples/dirs is built for x86 (and its tests run on both arches: test/arch-compare.ts), or is
 * listed in X64_ONLY_EXAMPLES with a reason that docs/emulator.md's "x86" section gives too. The
 * scenario files of examples/scenarios are enumerated by test/x86-emulation.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { repoPath } from "./helpers.js";
import { X64_ONLY_EXAMPLES } from "./arch-compare.js";

/** The example folders of examples/dirs, in build order. */
function exampleDirs(): string[] {
  const text = readFileSync(repoPath("examples", "dirs"), "utf8").replace(/#.*$/gm, "");
  const m = /DIRS\s*=([\s\S]*)/.exec(text);
  return m ? m[1]!.replace(/\\\s*\n/g, " ").split(/\s+/).filter(Boolean) : [];
}

/** The arches an example's sources ask for (every KMDLL_ARCHES line; default x64 x86, as kmdll build). */
function archesOf(dir: string): Set<string> {
  const src = readFileSync(repoPath("examples", dir, "sources"), "utf8");
  const lines = [...src.matchAll(/^\s*KMDLL_ARCHES\s*=\s*(.*)$/gm)].map((m) => m[1]!.trim());
  return new Set(lines.length ? lines.flatMap((l) => l.split(/\s+/)) : ["x64", "x86"]);
}

/** docs/emulator.md's paragraph listing the x64-only examples. */
function docParagraph(): string {
  const doc = readFileSync(repoPath("docs", "emulator.md"), "utf8");
  const at = doc.indexOf("Examples still built for x64 only");
  assert.ok(at >= 0, "docs/emulator.md has the x64-only paragraph");
  return doc.slice(at, doc.indexOf("\n\n", at));
}

test("every example is built for x86, or is x64 only for a reason listed here and in docs/emulator.md", () => {
  const dirs = exampleDirs();
  assert.ok(dirs.length >= 90, `${dirs.length} examples in examples/dirs`);
  const para = docParagraph();
  const named = (d: string) => para.includes("`" + d + "`") || para.includes("`" + d.replace(/-[^-]*$/, "") + "-*`");
  const x64Only = dirs.filter((d) => existsSync(repoPath("examples", d, "sources")) && !archesOf(d).has("x86"));
  for (const d of x64Only) {
    assert.ok(X64_ONLY_EXAMPLES.has(d), `examples/${d} is built for x64 only without a reason in test/arch-compare.ts X64_ONLY_EXAMPLES`);
    assert.ok(named(d), `examples/${d} is x64 only but docs/emulator.md's x64-only paragraph does not name it`);
  }
  // The list names only real examples (a renamed one would leave a stale reason behind).
  for (const d of X64_ONLY_EXAMPLES.keys()) assert.ok(dirs.includes(d), `X64_ONLY_EXAMPLES names ${d}, which is not in examples/dirs`);
});
