import { Command, CommanderError } from "commander";
import { KmdllError } from "../errors.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./context.js";
import { VERSION } from "../version.js";
import { commands } from "./commands/index.js";
import pc from "picocolors";
import { terminalText } from "../text/terminal.js";
import type { Styled } from "./context.js";

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
  const color = ctx.color ?? (ctx.isTTY && pc.isColorSupported);
  const paint = pc.createColors(color);
  const STYLE: Record<Styled["style"], (s: string) => string> = {
    error: paint.red,
    warning: paint.yellow,
    note: paint.cyan,
    ok: paint.green,
    dim: paint.dim,
    bold: paint.bold,
  };
  // The one output sanitiser: every text a command writes passes through terminalText.
  const c: CliContext = {
    ...ctx,
    color,
    out: (s) => ctx.out(terminalText(s)),
    err: (s) => ctx.err(terminalText(s)),
    outStyled: (parts) => ctx.out(parts.map((p) => (typeof p === "string" ? terminalText(p) : STYLE[p.style](terminalText(p.text)))).join("")),
    setExit: (n) => {
      code = Math.max(code, n);
      ctx.setExit(n);
    },
  };
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
