import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { exploreSurface } from "../../surface/explore.js";
import { surfaceSarif, surfaceText } from "../../surface/render.js";
import { VERSION } from "../../version.js";

interface SurfaceOptions {
  root?: string;
  json?: boolean;
  format?: string;
  timeout: number;
  budget: number;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new InvalidArgumentError("expected seconds (0 < S ≤ 3600)");
  return n;
}

/** `kmdll surface DRIVER` — what a driver lets user mode do. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("surface")
    .description("run a driver's DriverEntry in the emulator and report what it exposes to user mode: devices, links, dispatch routines, the IOCTL codes it handles, and dangerous primitives (physical memory mapping, process control) with a reproducer")
    .argument("<driver>", "the driver image (.sys, x64)")
    .option("--root <dir>", "directory playing \\SystemRoot: imports of other drivers come from <dir>/System32/drivers")
    .option("--json", "print the report as one JSON document")
    .option("--format <fmt>", "text (default) or sarif")
    .option("--timeout <seconds>", "time budget of one request (a driver that hangs on an input is reported and exploration goes on)", seconds, 2)
    .option("--budget <seconds>", "time budget of the whole exploration", seconds, 60)
    .addHelpText(
      "after",
      `
Exit codes: 0 no finding, 1 findings (or DriverEntry failed), 2 usage or input error.
Example:
  kmdll surface test/fixtures/x64/surfvuln.sys`,
    )
    .action((driver: string, o: SurfaceOptions) => {
      if (o.format !== undefined && o.format !== "text" && o.format !== "sarif") throw new InvalidArgumentError(`--format: expected text or sarif (got '${o.format}')`);
      const r = exploreSurface(driver, { ...(o.root !== undefined ? { root: o.root } : {}), timeoutMs: o.timeout * 1000, budgetMs: o.budget * 1000 });
      if (o.format === "sarif") ctx.out(toJson(surfaceSarif(r, driver, VERSION)));
      else if (o.json) ctx.out(toJson(r));
      else ctx.out(surfaceText(r));
      ctx.setExit(r.findings.length || !r.started ? EXIT.FINDINGS : EXIT.OK);
    });
}
