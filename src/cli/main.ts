import { Command, CommanderError } from "commander";
import { KmdllError } from "../errors.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./context.js";
import { VERSION } from "../version.js";
import { commands } from "./commands/index.js";

const NEGATIVE_HEX = /^-0[xX][0-9a-fA-F]+$/;

/**
 * Commander reads "-16" as an argument (a negative number) but "-0x10" as an unknown option. In a
 * command without subcommands, a negative hex number is an argument too: it is parsed as the
 * equal decimal and given back to the command as written.
 */
class KmdllCommand extends Command {
  override createCommand(name?: string): Command {
    return new KmdllCommand(name);
  }
  override parseOptions(args: string[]): { operands: string[]; unknown: string[] } {
    if (this.commands.length > 0 || !args.some((a) => NEGATIVE_HEX.test(a))) return super.parseOptions(args);
    const written = new Map<string, string>();
    const masked = args.map((a) => {
      if (!NEGATIVE_HEX.test(a)) return a;
      const decimal = "-" + BigInt(a.slice(1)).toString(10);
      written.set(decimal, a);
      return decimal;
    });
    const r = super.parseOptions(masked);
    const back = (a: string) => written.get(a) ?? a;
    return { operands: r.operands.map(back), unknown: r.unknown.map(back) };
  }
}

/** Build the commander program; each subcommand lives in ./commands/<name>.ts. */
export function buildProgram(ctx: CliContext): Command {
  const program = new KmdllCommand();
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
  };
}
