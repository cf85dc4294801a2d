import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { KmdllError } from "../../errors.js";

/** `kmdll scan` — placeholder until its issue lands. */
export function register(program: Command, _ctx: CliContext): void {
  program
    .command("scan")
    .description("(not implemented yet)")
    .allowUnknownOption()
    .argument("[args...]")
    .action(() => {
      throw new KmdllError("'kmdll scan' is not implemented yet");
    });
}
