import type { Command } from "commander";
import type { CliContext } from "../context.js";

/** A subcommand module: registers its commander command (options, help, action). */
export interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}

/** A subcommand by name, and how to load its module (only the command that runs is loaded). */
export interface CommandEntry {
  name: string;
  load(): Promise<CommandModule>;
}

/** Every subcommand, in the order --help lists them. */
export const commands: CommandEntry[] = [
  { name: "demo", load: () => import("./demo.js") },
  { name: "inspect", load: () => import("./inspect.js") },
  { name: "def", load: () => import("./def.js") },
  { name: "implib", load: () => import("./implib.js") },
  { name: "lib", load: () => import("./lib.js") },
  { name: "check", load: () => import("./check.js") },
  { name: "call", load: () => import("./call.js") },
  { name: "sim", load: () => import("./sim.js") },
  { name: "build", load: () => import("./build.js") },
  { name: "new", load: () => import("./new.js") },
  { name: "graph", load: () => import("./graph.js") },
  { name: "scan", load: () => import("./scan.js") },
  { name: "apis", load: () => import("./apis.js") },
  { name: "surface", load: () => import("./surface.js") },
];

/**
 * The commands a command line needs registered: the one it names (`kmdll implib …`,
 * `kmdll help implib`), else all of them (`kmdll --help`, a misspelt command that commander
 * answers with suggestions).
 */
export function commandsFor(argv: readonly string[]): CommandEntry[] {
  let i = 0;
  if (argv[0] === "help") i = 1;
  const name = argv[i];
  const one = name !== undefined && !name.startsWith("-") ? commands.find((c) => c.name === name) : undefined;
  return one ? [one] : commands;
}
