/**
 * The self-contained HTML report, opened in a real headless Chromium (Debian `chromium`, driven
 * by playwright-core): it renders offline (no request leaves file:), has no script errors, the
 * graph shows the expected modules, the timeline has one row per event and a lane per module,
 * and a screenshot is taken.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { fixture, repoPath, runCli } from "./helpers.js";
import type { TraceEvent } from "../src/events.js";
import { readImage } from "../src/io/image.js";
import { Kernel, ScriptedExecutor, syntheticImage, syntheticSource } from "../src/kernel/index.js";
import { buildGraph, graphView, summarizeImage } from "../src/graph/model.js";
import { renderHtmlReport } from "../src/report/html.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const OUT = repoPath("dist", "test-artifacts");

let work: string;
let browser: BrowserContext | undefined;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "kmdll-html-"));
  mkdirSync(OUT, { recursive: true });
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (Debian package chromium; scripts/setup.sh installs it)`);
  browser = await chromium.launchPersistentContext(join(work, "profile"), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A lifecycle trace produced by kmdll's own loader (scripted executor: no CPU needed). */
function loaderTrace(): TraceEvent[] {
  const D = "\\SystemRoot\\System32\\drivers\\";
  const events: TraceEvent[] = [];
  const sink = (e: TraceEvent) => void events.push(e);
  const exec = new ScriptedExecutor(
    {
      "mydriver.sys": { prints: { DllInitialize: "mydriver: DllInitialize\n" } },
      "crashy.sys": { faults: ["DriverEntry"] },
    },
    { sink },
  );
  const images = syntheticSource({
    [D + "mydriver.sys"]: syntheticImage({ dllName: "mydriver.sys", exports: [{ name: "DllInitialize" }, { name: "DllUnload" }, { name: "LoadPrinterDriver" }], imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }] }),
    [D + "client.sys"]: syntheticImage({ imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }, { dll: "mydriver.sys", functions: ["LoadPrinterDriver"] }] }),
    [D + "broken.sys"]: syntheticImage({ imports: [{ dll: "mydriver.sys", functions: ["NotThere"] }] }),
    [D + "crashy.sys"]: syntheticImage({ imports: [{ dll: "ntoskrnl.exe", functions: ["DbgPrint"] }] }),
  });
  const kernel = new Kernel({ executor: exec, images, sink });
  kernel.start("client");
  kernel.start("broken");
  // An IRP between the two (the emulator reports these; added here to exercise its lane marks).
  sink({ event: "irp", major: 0x0f, ioctl: "0x00220003", from: "client.sys", to: "mydriver.sys", status: "0x00000000" });
  kernel.stop("client");
  kernel.start("crashy");
  return events;
}

async function open(path: string): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser!.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
  return { page, problems, requests };
}

function assertPng(path: string): void {
  const b = readFileSync(path);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  assert.ok(width >= 800 && height >= 400, `screenshot ${width}x${height}`);
  assert.ok(statSync(path).size > 20_000, "the screenshot is not blank");
}

test("sim report: graph + lifecycle timeline render in Chromium without errors", async () => {
  const events = loaderTrace();
  assert.ok(events.some((e) => e.event === "call" && e.routine === "DllInitialize"), "the loader trace calls DllInitialize");
  assert.ok(events.some((e) => e.event === "fault"), "the trace has a fault");
  assert.ok(events.some((e) => e.event === "call" && e.routine === "DllUnload"), "stopping client unloads mydriver through DllUnload");
  const graph = buildGraph([fixture("x64", "mydriver.sys"), fixture("x64", "client.sys")].map((f) => summarizeImage(readImage(f).image, f)));
  const html = await renderHtmlReport({ events, graph, title: "mydriver & client <lifecycle>" });

  // Self-contained: no external URL other than the SVG/XLink namespace names.
  const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
  assert.deepEqual([...new Set(urls)].sort(), ["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);

  const file = join(work, "report.html");
  writeFileSync(file, html);
  const { page, problems, requests } = await open(file);
  try {
    assert.equal(await page.title(), "mydriver & client <lifecycle>");
    // Graph: one SVG node per module of the (kernel-collapsed) view.
    const expected = graphView(graph).nodes.map((n) => n.id).sort();
    assert.deepEqual(expected, ["client.sys", "kernel", "mydriver.sys"]);
    const titles = (await page.locator("#graph svg g.node > title").allTextContents()).sort();
    assert.deepEqual(titles, expected);
    assert.equal(await page.locator("#graph svg g.edge").count(), graphView(graph).edges.length);
    const box = await page.locator("#graph svg").boundingBox();
    assert.ok(box && box.width > 100 && box.height > 50, "the graph has a visible size");

    // Timeline: one row per event, one lane per module, DllInitialize and the fault visible.
    assert.equal(await page.locator("#timeline-table tbody tr").count(), events.length);
    const lanes = await page.locator("#timeline-table th.lane-head").allTextContents();
    for (const m of ["client.sys", "mydriver.sys", "broken.sys", "crashy.sys"]) assert.ok(lanes.includes(m), `lane ${m} in ${lanes.join(",")}`);
    const init = page.locator("#timeline-table tr.ev-call", { hasText: "mydriver.sys!DllInitialize" });
    assert.equal(await init.count(), 1);
    assert.ok(await init.isVisible());
    assert.ok((await page.locator("#timeline-table tr.ev-fault").count()) >= 1);
    assert.ok(await page.locator("#timeline-table tr.ev-fault").first().isVisible());
    const refcounts = events.filter((e) => e.event === "refcount").length;
    assert.equal(await page.locator("#timeline-table .m-refcount").count(), refcounts);
    const faults = events.filter((e) => e.event === "fault").length;
    assert.equal(await page.locator('.card[data-count="faults"] .n').textContent(), String(faults));

    // The script: clicking a graph node highlights that module's lane.
    await page.locator('#graph svg g.node:has(> title:text-is("mydriver.sys"))').click();
    assert.ok((await page.locator('td.lane.hl[data-module="mydriver.sys"]').count()) > 0);

    const shot = join(OUT, "html-report.png");
    await page.screenshot({ path: shot, fullPage: true });
    assertPng(shot);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
  } finally {
    await page.close();
  }
});

test("kmdll graph --format html on the fixture directory renders every module in Chromium", async () => {
  const file = join(work, "graph.html");
  const r = await runCli(["graph", "--format", "html", "-o", file, fixture("x64", "mydriver.sys"), fixture("x64", "client.sys")]);
  assert.equal(r.code, 0, r.stderr);
  const json = await runCli(["graph", "--json", fixture("x64", "mydriver.sys"), fixture("x64", "client.sys")]);
  const ids = (JSON.parse(json.stdout) as { nodes: { id: string }[] }).nodes.map((n) => n.id).sort();
  const { page, problems, requests } = await open(file);
  try {
    assert.deepEqual((await page.locator("svg g.node > title").allTextContents()).sort(), ids);
    assert.equal(await page.locator("#timeline").count(), 0, "no timeline without events");
    const shot = join(OUT, "graph-report.png");
    await page.screenshot({ path: shot });
    assertPng(shot);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
  } finally {
    await page.close();
  }
});

test("kmdll sim --html: the emulated lifecycle of the seed drivers in Chromium", async () => {
  const file = join(work, "sim.html");
  const drivers = [fixture("x64", "mydriver.sys"), fixture("x64", "client.sys")];
  const steps = ["start:client", "call:mydriver.sys!LoadPrinterDriver:41", "stop:client"];
  const r = await runCli(["sim", "--install", ...drivers, "--html", file, "--", ...steps]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote .*sim\.html/);
  // The same deterministic run as NDJSON: the page must show every one of its events.
  const j = await runCli(["sim", "--install", ...drivers, "--json", "--", ...steps]);
  const events = j.stdout.trim().split("\n").map((l) => JSON.parse(l) as TraceEvent);
  const { page, problems, requests } = await open(file);
  try {
    assert.deepEqual((await page.locator("#graph svg g.node > title").allTextContents()).sort(), ["client.sys", "kernel", "mydriver.sys"]);
    assert.equal(await page.locator("#timeline-table tbody tr").count(), events.length);
    for (const routine of ["DllInitialize", "DriverEntry", "DllUnload", "DriverUnload"]) {
      assert.ok(await page.locator("#timeline-table tr.ev-call", { hasText: `!${routine}(` }).first().isVisible(), routine);
    }
    // client's DriverEntry calls LoadPrinterDriver(41), which returns arg + 1 (examples/*/ C sources).
    assert.ok(await page.locator("#timeline-table tr.ev-dbgprint", { hasText: "LoadPrinterDriver(41) = 42" }).isVisible());
    const unloads = await page.locator("#timeline-table tr.ev-unload td.desc").allTextContents();
    assert.deepEqual(unloads.map((t) => t.split(/ +/)[1]), ["client.sys", "mydriver.sys"]);
    const shot = join(OUT, "sim-report.png");
    await page.screenshot({ path: shot, fullPage: true });
    assertPng(shot);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
  } finally {
    await page.close();
  }
});
