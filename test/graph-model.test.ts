/**
 * The import graph model and its DOT/Mermaid/SVG renderers, on the real example drivers,
 * cross-checked against llvm-readobj's import/export tables and rendered by real Graphviz
 * (WebAssembly build).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "./helpers.js";
import { readobj } from "./scan-readobj.js";
import { readImage } from "../src/io/image.js";
import { buildGraph, focusGraph, graphView, summarizeImage, type DepGraph } from "../src/graph/model.js";
import { renderDot, dotQuote } from "../src/report/dot.js";
import { renderMermaid } from "../src/report/mermaid.js";
import { chooseEngine, dotToSvg, renderSvg } from "../src/report/svg.js";

const summary = (path: string, name?: string) => summarizeImage(readImage(path).image, path, name);

/** Node ids Graphviz drew (the <title> of each node group). */
function svgNodeTitles(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.replace(/&#45;/g, "-").matchAll(/<g id="node-[^"]*" class="node[^"]*">\s*<title>([^<]*)<\/title>/g)) out.push(m[1]!.replace(/&amp;/g, "&"));
  return out.sort();
}

for (const arch of ["x64", "x86"] as const) {
  test(`graph of mydriver.sys + client.sys (${arch}) matches llvm-readobj`, () => {
    const files = [fixture(arch, "mydriver.sys"), fixture(arch, "client.sys")];
    const g = buildGraph(files.map((f) => summary(f)));
    const ro = readobj(files);
    // Every import descriptor llvm-readobj lists is an edge with the same names, in order.
    for (const f of files) {
      const from = f.slice(f.lastIndexOf("/") + 1);
      const expected = ro.get(f)!;
      assert.ok(expected, `llvm-readobj read ${f}`);
      const edges = g.edges.filter((e) => e.from === from);
      assert.deepEqual(edges.map((e) => e.dll.toLowerCase()).sort(), [...expected.imports.keys()].map((d) => d.toLowerCase()).sort());
      for (const e of edges) assert.deepEqual(e.names, expected.imports.get(e.dll), `${from} → ${e.dll}`);
    }
    const kinds = Object.fromEntries(g.nodes.map((n) => [n.id, n.kind]));
    const myExports = ro.get(files[0]!)!.exportNames;
    assert.ok(myExports.includes("DllInitialize") && myExports.includes("LoadPrinterDriver"));
    assert.equal(kinds["mydriver.sys"], "export-driver");
    assert.equal(kinds["client.sys"], "driver");
    assert.equal(kinds["ntoskrnl.exe"], "kernel");
    // client's import of LoadPrinterDriver resolves against mydriver's export table.
    const e = g.edges.find((x) => x.from === "client.sys" && x.to === "mydriver.sys")!;
    assert.equal(e.resolved, true);
    assert.deepEqual(e.unresolved, []);
    assert.ok(myExports.includes(e.names[0]!));
  });
}

test("an imported module that is not given is 'missing'; names a given module does not export are unresolved", () => {
  const client = fixture("x64", "client.sys");
  const alone = buildGraph([summary(client)]);
  const missing = alone.nodes.find((n) => n.id === "mydriver.sys")!;
  assert.equal(missing.kind, "missing");
  assert.equal(missing.external, true);
  const edge = alone.edges.find((x) => x.to === "mydriver.sys")!;
  assert.equal(edge.resolved, false);

  // A "mydriver.sys" that exports nothing (a copy of client.sys under that name).
  const dir = mkdtempSync(join(tmpdir(), "kmdll-graph-"));
  try {
    copyFileSync(client, join(dir, "client.sys"));
    copyFileSync(client, join(dir, "mydriver.sys"));
    const g = buildGraph([summary(join(dir, "client.sys")), summary(join(dir, "mydriver.sys"))]);
    const ro = readobj([join(dir, "client.sys")]).get(join(dir, "client.sys"))!;
    const e = g.edges.find((x) => x.from === "client.sys" && x.to === "mydriver.sys")!;
    assert.equal(e.resolved, true);
    assert.deepEqual(e.unresolved, ro.imports.get("mydriver.sys"));
    // Not imported successfully and exports nothing: a standard driver, not an export driver.
    assert.equal(g.nodes.find((n) => n.id === "mydriver.sys")!.kind, "driver");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("import matching is case-insensitive; known exports decide kinds and resolution of modules not given", () => {
  const g = buildGraph([summary(fixture("x64", "client.sys"), "CLIENT.SYS")], {
    knownExports: (m) => (m === "mydriver.sys" ? [{ name: "SomethingElse" }] : undefined),
  });
  assert.ok(g.nodes.some((n) => n.id === "client.sys" && n.name === "CLIENT.SYS"));
  const md = g.nodes.find((n) => n.id === "mydriver.sys")!;
  assert.equal(md.kind, "export-driver");
  assert.equal(md.external, true);
  const e = g.edges.find((x) => x.to === "mydriver.sys")!;
  assert.equal(e.resolved, true);
  assert.deepEqual(e.unresolved, e.names);
});

test("kernel view: collapse merges ntoskrnl/hal into one node, expand keeps them, hide drops them", () => {
  const base = buildGraph([summary(fixture("x64", "mydriver.sys")), summary(fixture("x64", "client.sys"))]);
  // Add a hal.dll import to exercise the merge of two kernel modules.
  const withHal: DepGraph = {
    nodes: [...base.nodes, { id: "hal.dll", name: "hal.dll", kind: "kernel", external: true }],
    edges: [...base.edges, { from: "client.sys", to: "hal.dll", dll: "HAL.dll", names: ["KeGetCurrentIrql"], unresolved: [], resolved: false, delay: false }],
  };
  const c = graphView(withHal, { kernel: "collapse" });
  assert.deepEqual(c.nodes.filter((n) => n.kind === "kernel").map((n) => n.id), ["kernel"]);
  assert.deepEqual(c.nodes.find((n) => n.id === "kernel")!.members, ["ntoskrnl.exe", "hal.dll"]);
  const ck = c.edges.find((e) => e.from === "client.sys" && e.to === "kernel")!;
  const clientNt = base.edges.find((e) => e.from === "client.sys" && e.to === "ntoskrnl.exe")!;
  assert.deepEqual(ck.names, [...clientNt.names.map((n) => `ntoskrnl.exe!${n}`), "hal.dll!KeGetCurrentIrql"]);
  assert.equal(ck.resolved, false);
  const ex = graphView(withHal, { kernel: "expand" });
  assert.deepEqual(ex.nodes.filter((n) => n.kind === "kernel").map((n) => n.id).sort(), ["hal.dll", "ntoskrnl.exe"]);
  const h = graphView(withHal, { kernel: "hide" });
  assert.equal(h.nodes.some((n) => n.kind === "kernel"), false);
  assert.deepEqual(h.edges.map((e) => `${e.from}->${e.to}`), ["client.sys->mydriver.sys"]);
});

test("DOT output renders in Graphviz with one node per module and the imported names", async () => {
  const g = graphView(buildGraph([summary(fixture("x64", "mydriver.sys")), summary(fixture("x64", "client.sys"))]), { kernel: "expand" });
  const dot = renderDot(g, { title: 'a "quoted" \\ title' });
  const svg = await dotToSvg(dot);
  assert.deepEqual(svgNodeTitles(svg), g.nodes.map((n) => n.id).sort());
  assert.match(svg, /LoadPrinterDriver/);
  // Each edge appears with its id, every name in its tooltip.
  for (const e of g.edges) {
    assert.ok(svg.replace(/&#45;/g, "-").includes(`id="edge-${e.from}-&gt;${e.to}"`), `edge ${e.from}->${e.to}`);
  }
  const svg2 = await renderSvg(g, { maxLabelNames: 0 });
  assert.match(svg2, /1 import</);
});

test("DOT quoting survives hostile module names", async () => {
  const weird = 'we"ird\\name\n.sys';
  const g: DepGraph = {
    nodes: [
      { id: "a.sys", name: "a.sys", kind: "driver", external: false },
      { id: weird, name: weird, kind: "missing", external: true },
    ],
    edges: [{ from: "a.sys", to: weird, dll: weird, names: ['F"oo', "<b>x</b>"], unresolved: [], resolved: false, delay: true }],
  };
  const svg = await renderSvg(g);
  assert.equal(svgNodeTitles(svg).length, 2);
  assert.equal(dotQuote('a"b\\c'), '"a\\"b\\\\c"');
  const mm = renderMermaid(g);
  assert.ok(!mm.includes('F"oo'), "quotes are escaped in Mermaid labels");
  assert.match(mm, /m0 -\.->\|/);
});

test("Mermaid output: one node line per module, one link per edge, unresolved links styled", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-graph-"));
  try {
    copyFileSync(fixture("x64", "client.sys"), join(dir, "client.sys"));
    copyFileSync(fixture("x64", "client.sys"), join(dir, "mydriver.sys"));
    const g = graphView(buildGraph([summary(join(dir, "client.sys")), summary(join(dir, "mydriver.sys"))]));
    const mm = renderMermaid(g);
    const lines = mm.trimEnd().split("\n");
    assert.equal(lines[0], "flowchart LR");
    assert.equal(lines.filter((l) => /^  m\d+[[(]/.test(l)).length, g.nodes.length);
    assert.equal(lines.filter((l) => / (-->|-\.->)\|/.test(l)).length, g.edges.length);
    const bad = g.edges.findIndex((e) => e.unresolved.length > 0);
    assert.ok(bad >= 0);
    assert.ok(lines.includes(`  linkStyle ${bad} stroke:#b91c1c,color:#b91c1c`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("focus keeps a module's one-hop neighbourhood; large graphs get the sfdp layout", async () => {
  const files = ["mydriver.sys", "client.sys", "chaina.sys", "chainb.sys", "chainc.sys"].map((f) => fixture("x64", f));
  const g = graphView(buildGraph(files.map((f) => summary(f))), { kernel: "hide" });
  const f = focusGraph(g, ["ChainB.sys"]);
  assert.deepEqual(f.nodes.map((n) => n.id).sort(), ["chaina.sys", "chainb.sys", "chainc.sys"]);
  assert.deepEqual(f.edges.map((e) => `${e.from}->${e.to}`).sort(), ["chaina.sys->chainb.sys", "chainb.sys->chainc.sys"]);
  assert.equal(chooseEngine(g), "dot");
  const big: DepGraph = {
    nodes: Array.from({ length: 30 }, (_, i) => ({ id: `m${i}.sys`, name: `m${i}.sys`, kind: "driver" as const, external: false })),
    edges: [],
  };
  for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) if (i !== j) big.edges.push({ from: `m${i}.sys`, to: `m${j}.sys`, dll: `m${j}.sys`, names: ["F"], unresolved: [], resolved: true, delay: false });
  assert.equal(chooseEngine(big), "sfdp");
  const svg = await renderSvg(big);
  assert.equal(svgNodeTitles(svg).length, 30);
  assert.doesNotMatch(svg, /<text[^>]*>F<\/text>/, "no edge labels in the force-directed layout");
  assert.match(await renderSvg(f, { engine: "neato" }), /<title>chainb\.sys<\/title>/);
});

test("a Windows system module the export database does not describe (WDFLDR.SYS) is an external export driver, names unchecked — not missing", () => {
  const file = fixture("x64", "kmdfctl.sys");
  const g = buildGraph([summarizeImage(readImage(file).image, file)]);
  const ro = readobj([file]).get(file)!;
  const wdf = [...ro.imports.keys()].find((k) => /^wdfldr\.sys$/i.test(k))!;
  const node = g.nodes.find((n) => n.id === wdf.toLowerCase())!;
  assert.equal(node.kind, "export-driver");
  assert.equal(node.external, true);
  assert.equal(node.loadStatus, undefined);
  const edge = g.edges.find((e) => e.to === node.id)!;
  assert.deepEqual([edge.resolved, edge.unresolved], [false, []]);
  assert.deepEqual(new Set(edge.names), new Set(ro.imports.get(wdf)));
  assert.match(renderDot(g), /WDFLDR\.SYS\\nexport driver \(system\)/);
});
