import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { KmdllError } from "../../errors.js";

/** `kmdll def` — placeholder until its issue lands. */
export function register(program: Command, _ctx: CliContext): void {
  program
    .command("def")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .argument("[args...]")
    .action(() => {
      throw new KmdllError("'kmdll def' is not implemented yet");
    });
}
