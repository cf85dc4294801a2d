import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { SingleBar } from "cli-progress";
import type { CliContext } from "../context.js";
import { EXIT, printJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { scanDirectory, scanStream, type AnalyzeResult } from "../../scan/index.js";
import { renderScanText, scanJson } from "../../scan/render.js";
import { terminalLine } from "../../text/terminal.js";

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError("expected a whole number from 1 to 256");
  return n;
}

function wholeNumber(v: string): number {
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError("expected a whole number ≥ 0 (0 = all)");
  return n;
}

function describe(r: AnalyzeResult): string {
  if (r.status === "not-pe") return "not a PE image";
  if (r.status === "error") return `ERROR ${r.error}`;
  const errs = r.findings.filter((f) => f.severity === "error").length;
  return `${r.summary.machine}, ${r.summary.imports.length} imported modules, ${r.summary.exportOrdinals.length} exports${errs ? `, ${errs} error findings` : ""}`;
}

/** `kmdll scan DIR`: inspect + check + dependency resolution of every PE under DIR. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("scan")
    .description("inspect, check and resolve the dependencies of every PE image under DIR (recursively, in parallel)")
    .argument("<dir>", "directory to scan (PE images are found by their MZ/PE magic, not their extension)")
    .option("--json", "print the report as one JSON document")
    .option("--ndjson", "stream one JSON line per PE image (or unreadable file) in path order as soon as it is analyzed, then a summary line; memory stays bounded whatever the corpus size (imports are resolved per image by the checks; no cross-image graph)")
    .option("-j, --jobs <n>", "worker threads (default: number of CPUs, at most 8; 1 = no workers)", positiveInt)
    .option("--limit <n>", "lines per list in the text summary (0 = all)", wholeNumber, 25)
    .option("-q, --quiet", "no progress output")
    .action(async (dir: string, opts: { json?: boolean; ndjson?: boolean; jobs?: number; limit: number; quiet?: boolean }) => {
      if (opts.json && opts.ndjson) throw new KmdllError("--json and --ndjson: choose one");
      // Fewest files per worker thread (default: MIN_FILES_PER_WORKER, or its 2-CPU value): lets a test or a user force the worker path.
      const minEnv = process.env.KMDLL_SCAN_MIN_FILES_PER_WORKER;
      const minFilesPerWorker = minEnv && /^\d+$/.test(minEnv) && Number(minEnv) >= 1 ? Number(minEnv) : undefined;
      const tty = Boolean(process.stderr.isTTY);
      let bar: SingleBar | undefined;
      let onProgress: ((done: number, total: number, r: AnalyzeResult) => void) | undefined;
      // Without --quiet: how many files and threads, before the first file (standard error).
      const onStart = opts.quiet ? undefined : (i: { files: number; workers: number }) => ctx.err(`scan: ${i.files} files, this thread${i.workers ? ` + ${i.workers} worker thread${i.workers > 1 ? "s" : ""}` : " only"}\n`);
      if (!opts.quiet) {
        if (tty) {
          // Loaded only for a terminal's progress bar (a dozen modules the other cases do not need).
          const { default: cliProgress } = await import("cli-progress");
          bar = new cliProgress.SingleBar(
            { format: "scan [{bar}] {value}/{total} files | {file}", hideCursor: true, clearOnComplete: true, stream: process.stderr },
            cliProgress.Presets.shades_classic,
          );
          let started = false;
          onProgress = (done, total, r) => {
            if (!started) {
              bar!.start(total, 0, { file: "" });
              started = true;
            }
            // cli-progress writes to the terminal itself: the file name goes through the sanitiser here.
            const rel = terminalLine(r.rel);
            bar!.update(done, { file: rel.length > 40 ? "…" + rel.slice(-39) : rel });
          };
        } else {
          onProgress = (done, total, r) => ctx.err(`scan: [${done}/${total}] ${r.rel}: ${describe(r)}\n`);
        }
      }
      if (opts.ndjson) {
        let errorFindings = false;
        // jsonText escapes DEL, C1 and format characters the JSON way (the sanitiser's `\x7f` would not parse as JSON).
        const line = (v: unknown) => printJson(ctx, v, true);
        const summary = await scanStream(dir, {
          ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
          ...(onProgress ? { onProgress } : {}),
          ...(onStart ? { onStart } : {}),
          ...(minFilesPerWorker ? { minFilesPerWorker } : {}),
          onResult: (r) => {
            if (r.status === "error") line({ type: "error", path: r.rel, error: r.error });
            else if (r.status === "ok") {
              if (r.findings.some((f) => f.severity === "error")) errorFindings = true;
              line({
                type: "image",
                path: r.rel,
                size: r.size,
                machine: r.summary.machine,
                subsystem: r.summary.subsystem,
                sections: r.sections,
                exports: r.summary.exportOrdinals.length,
                imports: r.summary.imports,
                findings: r.findings,
                warnings: r.checkError ? [...r.warnings, `checks not run: ${r.checkError}`] : r.warnings,
              });
            }
          },
          ...(ctx.outBackedUp ? { paused: ctx.outBackedUp } : {}),
        }).finally(() => bar?.stop());
        line({ type: "summary", ...summary });
        ctx.setExit(errorFindings ? EXIT.FINDINGS : EXIT.OK);
        return;
      }
      let report;
      try {
        report = await scanDirectory(dir, { ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}), ...(onProgress ? { onProgress } : {}), ...(onStart ? { onStart } : {}), ...(minFilesPerWorker ? { minFilesPerWorker } : {}) });
      } finally {
        bar?.stop();
      }
      if (opts.json) printJson(ctx, scanJson(report));
      else ctx.out(renderScanText(report, { limit: opts.limit }));
      const errorFindings = report.images.some((i) => i.findings.some((f) => f.severity === "error"));
      ctx.setExit(errorFindings ? EXIT.FINDINGS : EXIT.OK);
    });
}
