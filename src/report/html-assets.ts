/** The HTML report's inline style sheet and script (no external resource: the page reads offline). */
export const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #111827; background: #fafafa; }
header { background: #1f2937; color: #f9fafb; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .sub { color: #d1d5db; font-size: 12px; }
main { padding: 8px 24px 40px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 6px 12px; min-width: 90px; }
.card .n { font-size: 20px; font-weight: 600; }
.card .l { font-size: 11px; color: #6b7280; }
.card.bad { border-color: #fca5a5; background: #fef2f2; }
.card.warn { border-color: #fcd34d; background: #fffbeb; }
.graph { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px; overflow: auto; }
.graph svg { max-width: 100%; height: auto; }
.graph g.node { cursor: pointer; }
.graph g.node.selected polygon, .graph g.node.selected path, .graph g.node.selected ellipse { stroke-width: 3px; }
.legend { display: flex; gap: 14px; font-size: 12px; margin: 6px 0; color: #374151; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1.5px solid; border-radius: 2px; margin-right: 4px; vertical-align: -2px; }
.hint { color: #6b7280; font-size: 12px; }
.scroll { overflow: auto; max-height: 80vh; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; }
table.timeline { border-collapse: collapse; font-size: 12px; }
table.timeline th { position: sticky; top: 0; background: #f3f4f6; z-index: 1; font-weight: 600; padding: 4px 6px; border-bottom: 1px solid #d1d5db; }
table.timeline th.lane-head span { display: inline-block; max-width: 130px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.timeline td { padding: 1px 6px; border-bottom: 1px solid #f3f4f6; white-space: nowrap; }
td.idx, th.idx { color: #9ca3af; text-align: right; font-variant-numeric: tabular-nums; }
td.desc { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; }
td.lane { text-align: center; min-width: 70px; }
td.lane.alive { background: linear-gradient(90deg, transparent 44%, #bbf7d0 44%, #bbf7d0 56%, transparent 56%); }
td.lane.hl, th.lane-head.hl { background-color: #fef9c3; }
.mark { display: inline-block; min-width: 16px; border-radius: 8px; font-weight: 700; background: #fff; }
.m-load { color: #15803d; } .m-unload { color: #6b7280; } .m-entry { color: #1d4ed8; } .m-call { color: #2563eb; }
.m-return { color: #1d4ed8; } .m-return-bad, .m-bad { color: #b91c1c; } .m-warn { color: #b45309; }
.m-refcount { color: #fff; background: #7c3aed; padding: 0 4px; } .m-print { color: #6b7280; } .m-irp { color: #0f766e; } .m-api { color: #9ca3af; }
tr.ev-bad td.desc { color: #b91c1c; font-weight: 600; }
tr.ev-warn td.desc { color: #b45309; }
tr.ev-entry td.desc { color: #1d4ed8; }
tr.ev-step td.step { background: #eef2ff; color: #3730a3; font-weight: 600; padding: 3px 8px; }
tr.quiet { display: none; }
table.show-api tr.quiet { display: table-row; color: #6b7280; }
.toggle { font-size: 12px; display: block; margin: 4px 0; }
details { margin-top: 16px; }
pre.events { background: #fff; border: 1px solid #e5e7eb; padding: 8px; font-size: 11px; max-height: 50vh; overflow: auto; }
.end { font-size: 13px; }
`;

// Progressive enhancement only: the page is complete without it.
export const SCRIPT = `
(function () {
  var box = document.getElementById("show-api");
  var table = document.getElementById("timeline-table");
  if (box && table) box.addEventListener("change", function () { table.classList.toggle("show-api", box.checked); });
  var svg = document.querySelector(".graph svg");
  if (!svg) return;
  svg.querySelectorAll("g.node").forEach(function (g) {
    g.addEventListener("click", function () {
      var id = (g.getAttribute("id") || "").replace(/^node-/, "");
      var was = g.classList.contains("selected");
      svg.querySelectorAll("g.node.selected").forEach(function (x) { x.classList.remove("selected"); });
      document.querySelectorAll(".hl").forEach(function (x) { x.classList.remove("hl"); });
      if (was) return;
      g.classList.add("selected");
      document.querySelectorAll('[data-module]').forEach(function (c) {
        if (c.getAttribute("data-module") === id) c.classList.add("hl");
      });
    });
  });
})();
`;

