import { Command, CommanderError } from "commander";
import { KmdllError } from "../errors.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./context.js";
import { VERSION } from "../version.js";
import { commands } from "./commands/index.js";

/** Build the commander program; each subcommand lives in ./commands/<name>.ts. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command();
  program
    .name("kmdll")
    .description("Toolkit and kernel emulator for Windows kernel-mode DLLs (export drivers)")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .exitOverride();
  for (const register of commands) register(program, ctx);
  return program;
}

/** Run the CLI with argv (without node and script); returns the exit code. */
export async function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  let code: number = EXIT.OK;
  const c: CliContext = { ...ctx, setExit: (n) => { code = Math.max(code, n); ctx.setExit(n); } };
  const program = buildProgram(c);
  // exitOverride must apply to subcommands too.
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.OK;
      return EXIT.USAGE;
    }
    if (e instanceof KmdllError) {
      c.err(`kmdll: ${e.message}\n`);
      return Math.max(code, e.exitCode);
    }
    const err = e as Error;
    c.err(`kmdll: internal error: ${err?.stack ?? String(e)}\n`);
    return 70;
  }
  return code;
}

function processContext(): CliContext {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    setExit: () => {},
    isTTY: Boolean(process.stdout.isTTY),
  };
}
