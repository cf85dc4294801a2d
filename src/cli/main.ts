import type { Command } from "commander";
import { KmdllError } from "../errors.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./context.js";
import { VERSION } from "../version.js";
import { commands, commandsFor } from "./commands/index.js";

/**
 * Build the commander program; each subcommand lives in ./commands/<name>.ts. With `argv`, only
 * the subcommands that command line needs are loaded (start-up time: each command's module
 * graph — emulator, scan workers, report renderers — loads only when that command runs).
 */
export async function buildProgram(ctx: CliContext, argv?: readonly string[]): Promise<Command> {
  const { Command } = await import("commander");
  const program = new Command();
  program
    .name("kmdll")
    .description("Toolkit and kernel emulator for Windows kernel-mode DLLs (export drivers)")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .exitOverride();
  const wanted = argv ? commandsFor(argv) : commands;
  for (const m of await Promise.all(wanted.map((c) => c.load()))) m.register(program, ctx);
  return program;
}

/** Run the CLI with argv (without node and script); returns the exit code. */
export async function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  // `kmdll --version` answers without loading commander or any command.
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    ctx.out(VERSION + "\n");
    return EXIT.OK;
  }
  let code: number = EXIT.OK;
  const c: CliContext = { ...ctx, setExit: (n) => { code = Math.max(code, n); ctx.setExit(n); } };
  const { CommanderError } = await import("commander");
  try {
    const program = await buildProgram(c, argv);
    // exitOverride must apply to subcommands too.
    for (const sub of program.commands) sub.exitOverride();
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

/**
 * The real process streams. A reader that goes away (`kmdll inspect X | head -1`) makes writes
 * fail with EPIPE: kmdll then exits quietly with the exit code set so far instead of crashing
 * on an unhandled stream error.
 */
export function processContext(): CliContext {
  let exitSoFar: number = EXIT.OK;
  const onStreamError = (e: NodeJS.ErrnoException): void => {
    if (e?.code === "EPIPE" || e?.code === "ERR_STREAM_DESTROYED") process.exit(exitSoFar);
    throw e;
  };
  for (const s of [process.stdout, process.stderr]) {
    if (s.listenerCount("error") === 0) s.on("error", onStreamError);
  }
  const write = (stream: NodeJS.WriteStream, text: string): void => {
    if (stream.destroyed || stream.writableEnded) return;
    stream.write(text);
  };
  return {
    out: (s) => write(process.stdout, s),
    err: (s) => write(process.stderr, s),
    setExit: (n) => void (exitSoFar = Math.max(exitSoFar, n)),
    isTTY: Boolean(process.stdout.isTTY),
    outBackedUp: () => (process.stdout.writableNeedDrain ? new Promise<void>((r) => process.stdout.once("drain", () => r())) : null),
  };
}
