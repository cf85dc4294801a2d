/**
 * The CLI's entry for `kmdll implib …` alone: bin/kmdll.js runs it (bundled as
 * dist/bundle/cli/implib.cjs, with a code cache of its own) when the command line starts with
 * `implib`, so that command loads and compiles none of the other commands' code. The same
 * program as main.ts (options, help, errors, exit codes) with one command registered.
 */
import type { CliContext } from "./context.js";
import type { CommandEntry } from "./commands/registry.js";
import { processContext, runProgram } from "./program.js";

const implib: CommandEntry[] = [{ name: "implib", load: () => import("./commands/implib.js") }];

/** Run `kmdll implib …` (argv without node and script, starting with "implib"); returns the exit code. */
export function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  return runProgram(argv, implib, ctx);
}
