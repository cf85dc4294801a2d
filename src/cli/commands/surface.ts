import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { readFileBytes } from "../../io/file.js";
import { checkOutputPath, writeOutputFile } from "../../io/output.js";
import { exploreSurface } from "../../surface/explore.js";
import { surfaceSarif, surfaceText } from "../../surface/render.js";
import { surfaceSectionHtml } from "../../surface/html.js";
import { replay, reproducersOf } from "../../surface/replay.js";
import { renderHtmlReport } from "../../report/html.js";
import { eventText } from "../../report/event-text.js";
import { VERSION } from "../../version.js";
import { seconds } from "./options.js";

interface SurfaceOptions {
  root?: string;
  json?: boolean;
  format?: string;
  timeout: number;
  budget: number;
  seed: number;
  runs: number;
  replay?: string;
  html?: string;
  force?: boolean;
}

function count(max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`expected an integer from 0 to ${max}`);
    return n;
  };
}

/** `kmdll surface DRIVER` — what a driver lets user mode do. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("surface")
    .description(
      "run a driver's DriverEntry in the emulator and report what it exposes to user mode: devices, links, dispatch routines, the IOCTL codes it handles (explored with coverage-guided fuzzing), and dangerous primitives (physical memory mapping, arbitrary kernel read/write, MSR, port I/O, control registers, process control, unchecked METHOD_NEITHER buffers, kernel pointer leaks), each with a reproducer replayed on a fresh machine",
    )
    .argument("<driver>", "the driver image (.sys, x64)")
    .option("--root <dir>", "directory playing \\SystemRoot: imports of other drivers come from <dir>/System32/drivers")
    .option("--json", "print the report as one JSON document")
    .option("--format <fmt>", "text (default) or sarif")
    .option("--html <file>", "also write the HTML report (device → IOCTL → primitive, with reproducers)")
    .option("--force", "let --html overwrite an existing file")
    .option("--timeout <seconds>", "time budget of one request (a driver that hangs on an input is reported and exploration goes on)", seconds, 2)
    .option("--budget <seconds>", "time budget of the whole exploration", seconds, 60)
    .option("--seed <n>", "seed of the fuzzer's mutations (same seed, same inputs)", count(0xffffffff), 1)
    .option("--runs <n>", "most fuzzing runs per IOCTL (0: fixed patterns only)", count(1000000), 300)
    .option("--replay <file>", "re-run reproducers (a `surface --json` report, or {device, code, input[, rule, outputLength]}) on a fresh machine, with the full trace")
    .addHelpText(
      "after",
      `
Exit codes: 0 no finding (--replay: no primitive confirmed), 1 findings (or DriverEntry failed), 2 usage or input error.
Examples:
  kmdll surface test/fixtures/x64/surfvuln.sys
  kmdll surface drv.sys --json > report.json && kmdll surface drv.sys --replay report.json`,
    )
    .action(async (driver: string, o: SurfaceOptions) => {
      if (o.format !== undefined && o.format !== "text" && o.format !== "sarif") throw new InvalidArgumentError(`--format: expected text or sarif (got '${o.format}')`);
      const base = { ...(o.root !== undefined ? { root: o.root } : {}), timeoutMs: o.timeout * 1000 };
      if (o.replay !== undefined) {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.from(readFileBytes(o.replay, { head: (_h, size) => { if (size > 64 << 20) throw new KmdllError(`${o.replay}: ${size} bytes is too large for a reproducer file`); } })).toString("utf8"));
        } catch (e) {
          if (e instanceof KmdllError) throw e;
          throw new KmdllError(`${o.replay}: not JSON: ${(e as Error).message}`);
        }
        const results = reproducersOf(json, o.replay).map((r) => replay(driver, r, base));
        if (o.json) ctx.out(toJson({ driver, results }));
        else
          for (const [i, r] of results.entries()) {
            ctx.out(`reproducer ${i + 1}: DeviceIoControl(${r.reproducer.device}, ${r.reproducer.code}, input ${r.reproducer.input.length / 2} bytes, output ${r.reproducer.outputLength})${r.reproducer.rule ? ` — ${r.reproducer.rule}` : ""}\n`);
            for (const ev of r.events) ctx.out(`  ${eventText(ev)}\n`);
            ctx.out(`  → ${r.status}\n  ${r.confirmed === null ? "replayed" : r.confirmed ? "CONFIRMED" : "not confirmed"}: ${r.verdict}\n`);
          }
        ctx.setExit(results.some((r) => r.confirmed) ? EXIT.FINDINGS : EXIT.OK);
        return;
      }
      const htmlRules = { option: "--html", force: Boolean(o.force), inputs: [driver] };
      if (o.html) checkOutputPath(o.html, htmlRules);
      const r = exploreSurface(driver, { ...base, budgetMs: o.budget * 1000, seed: o.seed, runs: o.runs });
      if (o.format === "sarif") ctx.out(toJson(surfaceSarif(r, driver, VERSION)));
      else if (o.json) ctx.out(toJson(r));
      else ctx.out(surfaceText(r));
      if (o.html) {
        writeOutputFile(o.html, await renderHtmlReport({ title: `kmdll surface ${r.driver}`, sections: [surfaceSectionHtml(r)] }), htmlRules);
        if (!o.json && o.format !== "sarif") ctx.err(`kmdll: wrote ${o.html}\n`);
      }
      ctx.setExit(r.findings.length || !r.started ? EXIT.FINDINGS : EXIT.OK);
    });
}
