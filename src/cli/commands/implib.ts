import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { KmdllError } from "../../errors.js";

/** `kmdll implib` — placeholder until its issue lands. */
export function register(program: Command, _ctx: CliContext): void {
  program
    .command("implib")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .argument("[args...]")
    .action(() => {
      throw new KmdllError("'kmdll implib' is not implemented yet");
    });
}
