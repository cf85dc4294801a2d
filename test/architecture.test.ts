/**
 * Architecture facts checked on the source tree (issue 17):
 *   - the import graph between the top-level parts of src/ (folders, and the shared files at the
 *     root such as events.ts / executor.ts) has no cycle;
 *   - no source file in the emulator / kernel model / NT folders grows past ~400 lines, except
 *     generated data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { repoPath } from "./helpers.js";

const SRC = repoPath("src");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Relative module specifiers of a TypeScript file: import/export ... from "x", import("x"), import "x". */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

/** The top-level part of src/ a file belongs to: its folder, or the root file's own name. */
function partOf(file: string): string {
  const rel = relative(SRC, file).split(sep);
  return rel.length === 1 ? rel[0]! : rel[0]! + "/";
}

/** Edges between parts (from → to → one example "file → import"). src/index.ts, the library barrel, sits above everything. */
function partGraph(): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const f of sources(SRC)) {
    if (relative(SRC, f) === "index.ts") continue;
    const from = partOf(f);
    for (const s of specifiers(readFileSync(f, "utf8"))) {
      const target = resolve(dirname(f), s.replace(/\.js$/, ".ts"));
      if (!target.startsWith(SRC + sep)) continue;
      const to = partOf(target);
      if (to === from) continue;
      if (!g.has(from)) g.set(from, new Map());
      if (!g.get(from)!.has(to)) g.get(from)!.set(to, `${relative(SRC, f)} → ${s}`);
    }
  }
  return g;
}

/** Strongly connected components with more than one node (Tarjan). */
export function cycles(g: Map<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const nodes = new Set<string>([...g.keys(), ...[...g.values()].flatMap((v) => [...v])]);
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out;
}

/** Known cycles being removed (none left: report/ ↔ scan/ went when the graph model moved to src/graph). */
const ALLOWED_CYCLES: string[][] = [];

test("the cycle finder finds a cycle and ignores a DAG", () => {
  assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]])), [["a", "b", "c"]]);
  assert.deepEqual(cycles(new Map([["a", ["b", "c"]], ["b", ["c"]]])), []);
  assert.deepEqual(specifiers(`import type { A } from "../emu/x.js";\nexport * from "./y.js";\nconst m = await import("../z.js");\nimport "./side.js";\nimport { q } from "node:fs";`), [
    "../emu/x.js",
    "./y.js",
    "../z.js",
    "./side.js",
  ]);
});

test("no import cycle between the top-level folders of src/", () => {
  const g = partGraph();
  // The graph is real: the layers this test is about are there and connected the intended way.
  assert.ok(g.get("sim/")?.has("kernel/") && g.get("sim/")?.has("emu/"), "src/sim wires src/kernel and src/emu");
  assert.ok(!g.get("emu/")?.has("kernel/"), `src/emu imports src/kernel (${g.get("emu/")?.get("kernel/")})`);
  assert.ok(!g.get("kernel/")?.has("emu/"), `src/kernel imports src/emu (${g.get("kernel/")?.get("emu/")})`);
  assert.ok(g.get("report/")?.has("graph/") && g.get("scan/")?.has("graph/"), "the graph model sits below report and scan");
  assert.ok(!g.get("scan/")?.has("report/") && !g.get("report/")?.has("scan/"), `report and scan are independent (${g.get("scan/")?.get("report/") ?? g.get("report/")?.get("scan/")})`);
  const allowed = new Set(ALLOWED_CYCLES.map((c) => [...c].sort().join(" ")));
  const bad = cycles(new Map([...g].map(([k, v]) => [k, [...v.keys()]]))).filter((c) => !allowed.has(c.join(" ")));
  const explain = (c: string[]) =>
    c.map((from) => c.filter((to) => g.get(from)?.has(to)).map((to) => `  ${from} → ${to}: ${g.get(from)!.get(to)}`).join("\n")).join("\n");
  assert.deepEqual(bad, [], `import cycles between folders of src/:\n${bad.map(explain).join("\n\n")}`);
});

/** Files this limit covers (every folder of src/), and generated files it does not. */
const SIZE_CHECKED = readdirSync(SRC).filter((d) => statSync(join(SRC, d)).isDirectory());
const GENERATED = new Set(["nt/layouts.ts"]);
const MAX_LINES = 420;

test(`no source file in src/{${SIZE_CHECKED.join(",")}} is longer than ${MAX_LINES} lines (generated data excepted)`, () => {
  const long: string[] = [];
  for (const dir of SIZE_CHECKED) {
    for (const f of sources(join(SRC, dir))) {
      const rel = relative(SRC, f).split(sep).join("/");
      if (GENERATED.has(rel)) continue;
      const lines = readFileSync(f, "utf8").split("\n").length;
      if (lines > MAX_LINES) long.push(`src/${rel}: ${lines} lines`);
    }
  }
  assert.deepEqual(long, [], "split these files by job");
});

test("renderers and pure layers take data, not paths: src/{formats,graph,report,text} do no file I/O", () => {
  const io: string[] = [];
  for (const dir of ["formats", "graph", "report", "text"]) {
    for (const f of sources(join(SRC, dir))) {
      const text = readFileSync(f, "utf8");
      if (/from\s*["']node:(fs|fs\/promises|child_process|worker_threads)["']/.test(text) || /from\s*["'](\.\.\/)+(io|scan)\//.test(text)) io.push(relative(SRC, f));
    }
  }
  assert.deepEqual(io, []);
});
