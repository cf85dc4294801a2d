/**
 * README and docs/ are complete inside the repository (and the package, which ships them): every
 * link points at a file of the repository that exists, none leaves it (no ../ outside the
 * checkout, no web page standing in for a document we should have), and the README links the
 * design document.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { REPO } from "./helpers.js";

const docs = [join(REPO, "README.md"), ...readdirSync(join(REPO, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(REPO, "docs", f))];

test("README and docs/*.md link only to files inside the repository that exist", () => {
  const bad: string[] = [];
  for (const file of docs) {
    const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
    for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      const where = `${relative(REPO, file)}: ${target}`;
      if (/^[a-z]+:/i.test(target)) {
        bad.push(`${where} (leaves the repository)`);
        continue;
      }
      if (target.startsWith("#")) continue;
      const path = resolve(dirname(file), target.replace(/#.*$/, ""));
      if (!path.startsWith(REPO + sep)) bad.push(`${where} (outside the repository)`);
      else if (!existsSync(path)) bad.push(`${where} (no such file)`);
    }
  }
  assert.deepEqual(bad, []);
});

test("README links the design document, which describes the folders of src/", () => {
  assert.match(readFileSync(join(REPO, "README.md"), "utf8"), /\]\(docs\/design\.md\)/);
  const design = readFileSync(join(REPO, "docs", "design.md"), "utf8");
  for (const d of readdirSync(join(REPO, "src"), { withFileTypes: true })) {
    if (d.isDirectory()) assert.ok(design.includes(`src/${d.name}/`), `docs/design.md describes src/${d.name}/`);
  }
});

test("the design document and README list every trace event kind of src/events.ts", () => {
  const kinds = [...readFileSync(join(REPO, "src", "events.ts"), "utf8").matchAll(/\{ event: "([a-z-]+)"/g)].map((m) => m[1]!);
  assert.ok(kinds.length >= 15, kinds.join(","));
  for (const doc of ["docs/design.md", "README.md"]) {
    const text = readFileSync(join(REPO, doc), "utf8");
    const missing = kinds.filter((k) => !text.includes(`\`${k}\``));
    assert.deepEqual(missing, [], `${doc} does not name these event kinds`);
  }
});
