/**
 * The CLI's entry for `kmdll scan …` alone: bin/kmdll.js runs it (bundled as
 * dist/bundle/cli/scan.cjs, with a code cache of its own trained on a scan) when the command line
 * starts with `scan`, so that a scan compiles from its cache the PE reader, the rules and the
 * graph it runs, rather than the functions an `inspect` run trained cli.cjs's cache on. The same
 * program as main.ts (options, help, errors, exit codes) with one command registered.
 */
import type { CliContext } from "./context.js";
import type { CommandEntry } from "./commands/registry.js";
import { processContext, runProgram } from "./program.js";

const scan: CommandEntry[] = [{ name: "scan", load: () => import("./commands/scan.js") }];

/** Run `kmdll scan …` (argv without node and script, starting with "scan"); returns the exit code. */
export function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  return runProgram(argv, scan, ctx);
}
