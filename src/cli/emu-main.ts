/**
 * The CLI's entry for the emulator commands alone (`kmdll sim …`, `kmdll call …`, `kmdll demo`): bin/kmdll.js
 * runs it (bundled as dist/bundle/cli/emu.cjs, with a code cache of its own trained on a `sim`
 * run) when the command line starts with one of them, so those commands read and compile none of
 * the other commands' code (a third less to read per run). The same program as main.ts (options,
 * help, errors, exit codes) with these commands registered.
 */
import type { CliContext } from "./context.js";
import type { CommandEntry } from "./commands/registry.js";
import { processContext, runProgram } from "./program.js";

// bin/kmdll.js routes a command line starting with one of these names here: keep the two lists in step.
const emu: CommandEntry[] = [
  { name: "demo", load: () => import("./commands/demo.js") },
  { name: "call", load: () => import("./commands/call.js") },
  { name: "sim", load: () => import("./commands/sim.js") },
];

/** Run `kmdll sim|call|demo …` (argv without node and script, starting with the command); returns the exit code. */
export function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  return runProgram(argv, emu, ctx);
}
