import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { KmdllError } from "../../errors.js";

/** `kmdll sim` — placeholder until its issue lands. */
export function register(program: Command, _ctx: CliContext): void {
  program
    .command("sim")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .argument("[args...]")
    .action(() => {
      throw new KmdllError("'kmdll sim' is not implemented yet");
    });
}
