/** The CLI's entry (bin/kmdll.js runs it, bundled as dist/bundle/cli/cli.cjs): every command. */
import type { Command } from "commander";
import type { CliContext } from "./context.js";
import { commands } from "./commands/index.js";
import { buildProgram as build, processContext, runProgram } from "./program.js";

export { processContext };

/** The commander program with every command (with `argv`: only those that command line needs). */
export function buildProgram(ctx: CliContext, argv?: readonly string[]): Promise<Command> {
  return build(ctx, commands, argv);
}

/** Run the CLI with argv (without node and script); returns the exit code. */
export function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  return runProgram(argv, commands, ctx);
}
