/** The HTML report renderer without a browser: escaping, odd events, graph-only and timeline-only pages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../src/events.js";
import { renderHtmlReport, describeEvent, escapeHtml } from "../src/report/html.js";

test("text from the trace is escaped; odd or unknown events do not break the page", async () => {
  const events = [
    { event: "dbgprint", module: "evil.sys", text: "<script>alert(1)</script>\n" },
    { event: "load", module: "a&b.sys", path: "\\x\\a&b.sys", by: null },
    { event: "api", module: "a.sys", api: "ExAllocatePool2" },
    { event: "end" },
    { event: "something-new", module: "a.sys", detail: { n: 1n } },
    { event: "irp", major: 14, from: "a.sys", to: "b.sys" },
  ] as unknown as TraceEvent[];
  const html = await renderHtmlReport({ events, title: "t<i>" });
  assert.ok(!html.includes("<script>alert(1)"), "DbgPrint text is escaped");
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /<title>t&lt;i&gt;<\/title>/);
  assert.match(html, /load +a&amp;b\.sys/);
  assert.match(html, /irp +a\.sys → b\.sys: major 0xe/);
  // The embedded JSON cannot close its script element.
  const data = /<script type="application\/json" id="kmdll-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  assert.ok(!data.includes("</"));
  const parsed = JSON.parse(data) as { events: unknown[] };
  assert.equal(parsed.events.length, events.length);
  assert.equal(describeEvent({ event: "end" } as unknown as TraceEvent), "end      no modules loaded");
  assert.equal(escapeHtml(`"'<>&`), "&quot;&#39;&lt;&gt;&amp;");
});

test("a page without events has no timeline; without a graph no graph section", async () => {
  const g = { nodes: [{ id: "a.sys", name: "a.sys", kind: "driver" as const, external: false }], edges: [] };
  const graphOnly = await renderHtmlReport({ graph: g });
  assert.match(graphOnly, /id="graph"/);
  assert.doesNotMatch(graphOnly, /id="timeline"/);
  const timelineOnly = await renderHtmlReport({ events: [{ event: "unload", module: "a.sys" }] });
  assert.doesNotMatch(timelineOnly, /id="graph"/);
  assert.match(timelineOnly, /id="timeline"/);
});
