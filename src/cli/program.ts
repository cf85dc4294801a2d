/**
 * The CLI's engine: the commander program (kmdll's options, output sanitising, exit codes) over a
 * list of subcommands. main.ts runs it with every command; implib-main.ts with `implib` alone,
 * emu-main.ts with `sim`, `call` and `demo`.
 */
import type { Command } from "commander";
import { fstatSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { KmdllError } from "../errors.js";
import type { CliContext } from "./context.js";
import { EXIT, jsonLine } from "./context.js";
import { writeJsonBytes, writeJsonPieces } from "../text/json-pieces.js";
import { VERSION } from "../version.js";
import { commandsFor, type CommandEntry } from "./commands/registry.js";
import { terminalText } from "../text/terminal.js";
import type { Styled } from "./context.js";

const NEGATIVE_HEX = /^-0[xX][0-9a-fA-F]+$/;

/** The commander Command class kmdll uses, made once commander is loaded (it loads on demand). */
let commandClass: (new (name?: string) => Command) | undefined;

async function kmdllCommand(): Promise<new (name?: string) => Command> {
  if (commandClass) return commandClass;
  const { Command } = await import("commander");
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
  return (commandClass = KmdllCommand);
}

/**
 * Build the commander program with the subcommands of `registry` (each lives in
 * ./commands/<name>.ts). With `argv`, only the subcommands that command line needs are loaded
 * (start-up time: each command's module graph — emulator, scan workers, report renderers — loads
 * only when that command runs).
 */
export async function buildProgram(ctx: CliContext, registry: readonly CommandEntry[], argv?: readonly string[]): Promise<Command> {
  const program = new (await kmdllCommand())();
  program
    .name("kmdll")
    .description("Toolkit and kernel emulator for Windows kernel-mode DLLs (export drivers)")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .exitOverride();
  const wanted = argv ? commandsFor(registry, argv) : registry;
  for (const m of await Promise.all(wanted.map((c) => c.load()))) m.register(program, ctx);
  return program;
}

/** Run the CLI with argv (without node and script) and these subcommands; returns the exit code. */
export async function runProgram(argv: string[], registry: readonly CommandEntry[], ctx: CliContext = processContext()): Promise<number> {
  // `kmdll --version` answers without loading commander or any command.
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    ctx.out(VERSION + "\n");
    return EXIT.OK;
  }
  let code: number = EXIT.OK;
  // picocolors only when the output is a terminal: loading it reads process.stdout, which makes
  // Node build the stream (and load net/stream for a pipe) though kmdll writes with writeSync.
  const pc = ctx.color === false || (ctx.color === undefined && ctx.isTTY === false) ? undefined : (await import("picocolors")).default;
  const color = ctx.color ?? (ctx.isTTY && pc!.isColorSupported);
  const plain = (s: string) => s;
  const paint = pc ? pc.createColors(color) : { red: plain, yellow: plain, cyan: plain, green: plain, dim: plain, bold: plain };
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
    // toJson's text is already safe (jsonText escapes every character terminalText would).
    // A document is written in batches as it is made (the same text as toJsonDocument, never
    // one string of the whole; as UTF-8 bytes where the context takes them), then its newline.
    outJson: (v, line) => {
      if (line) ctx.out(jsonLine(v));
      else {
        if (ctx.outBytes) writeJsonBytes(v, 2, ctx.outBytes);
        else writeJsonPieces(v, 2, ctx.out);
        ctx.out("\n");
      }
    },
    err: (s) => ctx.err(terminalText(s)),
    outStyled: (parts) => ctx.out(parts.map((p) => (typeof p === "string" ? terminalText(p) : STYLE[p.style](terminalText(p.text)))).join("")),
    setExit: (n) => {
      code = Math.max(code, n);
      ctx.setExit(n);
    },
  };
  const { CommanderError } = await import("commander");
  try {
    const program = await buildProgram(c, registry, argv);
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
 * What process.stdout.isTTY says (Node makes a tty.WriteStream exactly when isatty(1)), without
 * making the stream or loading node:tty, which loads net and the stream modules: only a character
 * device other than /dev/null can be a terminal, so pipes, files and /dev/null are answered by
 * fstat alone.
 */
function stdoutIsTTY(): boolean {
  try {
    const st = fstatSync(1);
    if (!st.isCharacterDevice() || st.rdev === statSync("/dev/null").rdev) return false;
  } catch {
    // No such descriptor or no /dev/null: ask isatty.
  }
  return (createRequire(import.meta.url)("node:tty") as typeof import("node:tty")).isatty(1);
}

/** Sleep for a millisecond (synchronously): the output pipe is full, its reader is behind. */
const pause = (() => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return () => void Atomics.wait(cell, 0, 0, 1);
})();

/**
 * The real process streams, written synchronously: the emulator runs a driver without returning
 * to the event loop, so output queued on an asynchronous stream would grow without bound while a
 * driver prints in a loop (a slow reader, `kmdll call ... | less`). A full pipe makes kmdll wait
 * instead. A reader that goes away (`kmdll inspect X | head -1`) ends kmdll quietly with the exit
 * code set so far instead of crashing on EPIPE.
 */
export function processContext(): CliContext {
  let exitSoFar: number = EXIT.OK;
  const write = (fd: number, text: string): void => writeBytes(fd, Buffer.from(text, "utf8"));
  const writeBytes = (fd: number, buf: Uint8Array): void => {
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(fd, buf, off, buf.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") pause();
        else if (code === "EPIPE") process.exit(exitSoFar);
        else throw e;
      }
    }
  };
  return {
    out: (s) => write(1, s),
    outBytes: (b) => writeBytes(1, b),
    err: (s) => write(2, s),
    setExit: (n) => void (exitSoFar = Math.max(exitSoFar, n)),
    isTTY: stdoutIsTTY(),
  };
}
