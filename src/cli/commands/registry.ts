/** What a subcommand is to the CLI: a name and a module loaded only when that command runs. */
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

/**
 * The commands a command line needs registered: the one it names (`kmdll implib …`,
 * `kmdll help implib`), else all of them (`kmdll --help`, a misspelt command that commander
 * answers with suggestions).
 */
export function commandsFor(commands: readonly CommandEntry[], argv: readonly string[]): readonly CommandEntry[] {
  let i = 0;
  if (argv[0] === "help") i = 1;
  const name = argv[i];
  const one = name !== undefined && !name.startsWith("-") ? commands.find((c) => c.name === name) : undefined;
  return one ? [one] : commands;
}
