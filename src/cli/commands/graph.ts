import type { Command } from "commander";
import { Option } from "commander";
import { statSync } from "node:fs";
import { basename } from "node:path";
import type { CliContext } from "../context.js";
import { toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { readImage } from "../../io/image.js";
import { checkOutputPath, writeOutputFile } from "../../io/output.js";
import { kernelModuleExports } from "../../nt/kernel-exports.js";
import { buildGraph, focusGraph, graphView, summarizeImage, type ModuleSummary } from "../../graph/model.js";
import { renderDot } from "../../report/dot.js";
import { renderMermaid } from "../../report/mermaid.js";
import { LAYOUT_ENGINES, renderSvg, type LayoutEngine } from "../../report/svg.js";
import { renderHtmlReport } from "../../report/html.js";
import { looksLikePe, walkFiles } from "../../scan/walk.js";

interface GraphOpts {
  format: "dot" | "mermaid" | "svg" | "html";
  output?: string;
  json?: boolean;
  collapseKernel: boolean;
  kernel: boolean;
  delay: boolean;
  labels: number;
  title?: string;
  rankdir: "LR" | "TB";
  engine: LayoutEngine | "auto";
  focus?: string[];
  force?: boolean;
}

/** The images named on the command line: files, or every PE image under a directory. */
export function collectImages(args: string[], onSkip: (path: string, why: string) => void = () => {}): ModuleSummary[] {
  const out: ModuleSummary[] = [];
  for (const a of args) {
    let st;
    try {
      st = statSync(a);
    } catch {
      throw new KmdllError(`${a}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const f of walkFiles(a).files) {
        let pe = false;
        try {
          pe = looksLikePe(f.path);
        } catch {
          pe = false;
        }
        if (!pe) continue;
        // In a directory, a malformed image is reported and skipped; named on the command line, it is an error.
        try {
          out.push(summarizeImage(readImage(f.path).image, f.path, basename(f.path)));
        } catch (e) {
          if (!(e instanceof KmdllError)) throw e;
          onSkip(f.path, e.message);
        }
      }
    } else {
      out.push(summarizeImage(readImage(a).image, a, basename(a)));
    }
  }
  if (out.length === 0) throw new KmdllError(`no PE images found in ${args.join(" ")}`);
  return out;
}

/** `kmdll graph ROOT|FILES...`: the import graph as DOT, Mermaid, SVG or HTML. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("graph")
    .description("draw the import graph of driver images (nodes: standard/export drivers, kernel, missing modules; edges: imported names)")
    .argument("<paths...>", "image files, or a directory whose PE images (found by magic, recursively) are drawn")
    .addOption(new Option("-f, --format <format>", "output format").choices(["dot", "mermaid", "svg", "html"]).default("dot"))
    .option("-o, --output <file>", "write to FILE instead of standard output")
    .option("--force", "replace an existing PE image or library named by -o (never one of the inputs)")
    .option("--json", "print the graph model (nodes, edges, imported names) as JSON")
    .option("--no-collapse-kernel", "one node per kernel module (ntoskrnl.exe, hal.dll) with every imported name")
    .option("--no-kernel", "leave ntoskrnl.exe and hal.dll out of the drawing")
    .option("--no-delay", "leave delay-load imports out")
    .option("--labels <n>", "imported names shown on an edge label before '+N more' (0 = counts only)", (v) => Number(v), 4)
    .option("--title <text>", "graph title")
    .addOption(new Option("--rankdir <dir>", "layout direction").choices(["LR", "TB"]).default("LR"))
    .addOption(new Option("--engine <name>", "Graphviz layout for svg/html; auto = dot, or sfdp for large graphs").choices(["auto", ...LAYOUT_ENGINES]).default("auto"))
    .option(
      "--focus <modules>",
      "draw only these modules (comma-separated; repeatable), what they import and what imports them",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(",").map((x) => x.trim()).filter(Boolean)],
    )
    .action(async (paths: string[], opts: GraphOpts) => {
      if (!Number.isInteger(opts.labels) || opts.labels < 0) throw new KmdllError("--labels expects a whole number ≥ 0");
      const modules = collectImages(paths, (_p, why) => ctx.err(`kmdll: skipped: ${why}\n`));
      // Checked before the (possibly slow) layout: the output must be none of the images read.
      const outRules = { option: "-o", force: Boolean(opts.force), inputs: [...paths, ...modules.flatMap((m) => (m.path !== undefined ? [m.path] : []))] };
      if (opts.output) checkOutputPath(opts.output, outRules);
      const graph = buildGraph(modules, { knownExports: kernelModuleExports, delayImports: opts.delay });
      let view = graphView(graph, { kernel: !opts.kernel ? "hide" : opts.collapseKernel ? "collapse" : "expand" });
      if (opts.focus) {
        const known = new Set(view.nodes.map((n) => n.id));
        const unknown = opts.focus.filter((m) => !known.has(m.toLowerCase()));
        if (unknown.length) throw new KmdllError(`--focus: no module named ${unknown.join(", ")} in the graph`);
        view = focusGraph(view, opts.focus);
      }
      const dotOpts = { maxLabelNames: opts.labels, rankdir: opts.rankdir, engine: opts.engine, ...(opts.title !== undefined ? { title: opts.title } : {}) };
      let text: string;
      if (opts.json) text = toJson(view);
      else if (opts.format === "dot") text = renderDot(view, dotOpts);
      else if (opts.format === "mermaid") text = renderMermaid(view, { maxLabelNames: Math.min(opts.labels, 3), direction: opts.rankdir });
      else if (opts.format === "svg") text = await renderSvg(view, dotOpts);
      else {
        const svg = await renderSvg(view, dotOpts);
        text = await renderHtmlReport({ graph: view, view: { kernel: "expand" }, svg, title: opts.title ?? `kmdll graph: ${paths.length <= 3 ? paths.join(" ") : `${modules.length} images`}` });
      }
      if (opts.output) {
        writeOutputFile(opts.output, text, outRules);
        ctx.err(`kmdll: wrote ${opts.output} (${view.nodes.length} modules, ${view.edges.length} import edges)\n`);
      } else ctx.out(text);
    });
}
