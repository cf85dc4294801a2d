/** `kmdll graph` as a user runs it: formats, kernel view options, directories, errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, runCli } from "./helpers.js";
import { readobj } from "./scan-readobj.js";

const seeds = [fixture("x64", "mydriver.sys"), fixture("x64", "client.sys")];

interface JsonGraph {
  nodes: { id: string; kind: string; members?: string[] }[];
  edges: { from: string; to: string; names: string[] }[];
}

test("--json: nodes and edges; kernel collapsed by default, expanded or hidden on request", async () => {
  const def = JSON.parse((await runCli(["graph", "--json", ...seeds])).stdout) as JsonGraph;
  assert.deepEqual(def.nodes.map((n) => `${n.id}:${n.kind}`).sort(), ["client.sys:driver", "kernel:kernel", "mydriver.sys:export-driver"]);
  const ex = JSON.parse((await runCli(["graph", "--json", "--no-collapse-kernel", ...seeds])).stdout) as JsonGraph;
  assert.ok(ex.nodes.some((n) => n.id === "ntoskrnl.exe" && n.kind === "kernel"));
  // Expanded edges carry the names exactly as llvm-readobj lists them.
  const ro = readobj(seeds);
  for (const f of seeds) {
    const from = f.slice(f.lastIndexOf("/") + 1);
    for (const [dll, names] of ro.get(f)!.imports) {
      const e = ex.edges.find((x) => x.from === from && x.to === dll.toLowerCase());
      assert.deepEqual(e?.names, names, `${from} → ${dll}`);
    }
  }
  const hidden = JSON.parse((await runCli(["graph", "--json", "--no-kernel", ...seeds])).stdout) as JsonGraph;
  assert.deepEqual(hidden.nodes.map((n) => n.id).sort(), ["client.sys", "mydriver.sys"]);
  assert.deepEqual(hidden.edges.map((e) => `${e.from}->${e.to}`), ["client.sys->mydriver.sys"]);
});

test("formats: dot, mermaid, svg (to a file), html", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-graph-cli-"));
  try {
    const dot = await runCli(["graph", ...seeds]);
    assert.equal(dot.code, 0, dot.stderr);
    assert.match(dot.stdout, /^digraph imports \{/);
    assert.match(dot.stdout, /"client\.sys" -> "mydriver\.sys" \[label="LoadPrinterDriver"/);
    const mm = await runCli(["graph", "-f", "mermaid", ...seeds]);
    assert.match(mm.stdout, /^flowchart LR\n/);
    const svgFile = join(dir, "g.svg");
    const svg = await runCli(["graph", "-f", "svg", "-o", svgFile, ...seeds]);
    assert.equal(svg.code, 0, svg.stderr);
    assert.equal(svg.stdout, "");
    assert.match(svg.stderr, /wrote .*g\.svg \(3 modules, 3 import edges\)/);
    assert.match(readFileSync(svgFile, "utf8"), /<svg[\s\S]*<title>mydriver\.sys<\/title>/);
    const html = await runCli(["graph", "-f", "html", ...seeds]);
    assert.match(html.stdout, /^<!DOCTYPE html>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a directory argument draws its PE images (found by magic) and skips other files", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-graph-dir-"));
  try {
    copyFileSync(seeds[0]!, join(dir, "mydriver.sys"));
    copyFileSync(seeds[1]!, join(dir, "client.bin"));
    writeFileSync(join(dir, "readme.sys"), "not a driver");
    // A malformed image in a directory is reported and skipped.
    writeFileSync(join(dir, "cut.sys"), readFileSync(seeds[1]!).subarray(0, 400));
    const r = await runCli(["graph", "--json", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^kmdll: skipped: .*cut\.sys: .*offset 0x[0-9a-f]+/);
    const g = JSON.parse(r.stdout) as JsonGraph;
    assert.deepEqual(g.nodes.map((n) => n.id).sort(), ["client.bin", "kernel", "mydriver.sys"]);
    assert.equal(g.nodes.find((n) => n.id === "mydriver.sys")!.kind, "export-driver");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("errors: missing file, not a PE image, bad option → one line, exit 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-graph-err-"));
  try {
    const a = await runCli(["graph", join(dir, "nope.sys")]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /^kmdll: .*nope\.sys: no such file or directory\n$/);
    writeFileSync(join(dir, "junk.sys"), "MZ but nothing else");
    const b = await runCli(["graph", join(dir, "junk.sys")]);
    assert.equal(b.code, 2);
    assert.equal(b.stderr.split("\n").filter(Boolean).length, 1, b.stderr);
    assert.match(b.stderr, /junk\.sys/);
    const c = await runCli(["graph", "--format", "png", ...seeds]);
    assert.equal(c.code, 2);
    const d = await runCli(["graph", join(dir)]);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /no PE images found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--focus draws one module's neighbourhood; an unknown name is an error", async () => {
  const files = ["mydriver.sys", "client.sys", "chaina.sys", "chainb.sys", "chainc.sys"].map((f) => fixture("x64", f));
  const g = JSON.parse((await runCli(["graph", "--json", "--no-kernel", "--focus", "chainc.sys", ...files])).stdout) as JsonGraph;
  assert.deepEqual(g.nodes.map((n) => n.id).sort(), ["chainb.sys", "chainc.sys"]);
  const bad = await runCli(["graph", "--focus", "nope.sys", ...files]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--focus: no module named nope\.sys/);
});
