import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import type { TraceEvent } from "../../events.js";
import { callImage, parseIntegerArg } from "../../sim/call.js";
import { loadApis } from "../../emu/apis.js";
import { loadRegistry } from "../../kernel/simulation.js";
import type { FaultReport } from "../../emu/emulator.js";

interface CallOptions {
  root?: string;
  registry?: string;
  trace?: boolean;
  json?: boolean;
  timeout: number;
  unimplemented: "fault" | "stub";
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new InvalidArgumentError("expected seconds (0 < S ≤ 3600)");
  return n;
}

function mode(v: string): "fault" | "stub" {
  if (v !== "fault" && v !== "stub") throw new InvalidArgumentError("expected 'fault' or 'stub'");
  return v;
}

/** One line per event for the human output (dbgprint text as is). */
export function renderEvent(e: TraceEvent, trace: boolean): string | null {
  switch (e.event) {
    case "dbgprint":
      return e.text.replace(/\n$/, "");
    case "api":
      return trace ? `  [api] ${e.caller ?? e.module} ${e.api.replace(/\.(exe|dll|sys)!/i, "!")}(${e.args.join(", ")})${e.ret !== undefined ? ` = ${e.ret}` : ""}` : null;
    case "warning":
      return `warning: ${e.message}`;
    case "leak":
      return `leak: ${e.module} pool block '${String(e.tag)}' of ${String(e.size)} bytes at ${String(e.address)} allocated at ${String(e.site ?? "?")} was never freed`;
    case "call":
      return trace ? `  [call] ${e.module}!${e.routine}(${e.arg ?? (e.args ?? []).join(", ")})` : null;
    case "return":
      return trace ? `  [return] ${e.module}!${e.routine} = ${e.status ?? e.value}` : null;
    case "load":
      return trace ? `  [load] ${e.module} at ${e.base ?? "?"}${e.by ? ` (imported by ${e.by})` : ""}` : null;
    case "unload":
      return trace ? `  [unload] ${e.module}` : null;
    default:
      return null;
  }
}

export function renderFault(f: FaultReport): string {
  const lines = [`fault: ${f.kind}: ${f.message}`];
  lines.push(`  rip: ${f.rip}${f.symbol ? ` (${f.symbol})` : ""}`);
  const regs = Object.entries(f.registers);
  for (let i = 0; i < regs.length; i += 4) lines.push("  " + regs.slice(i, i + 4).map(([k, v]) => `${k.padEnd(6)}=${v}`).join("  "));
  if (f.backtrace.length) {
    lines.push("  backtrace:");
    // Runs of the same frame (deep recursion) are shown once with a count.
    for (let i = 0; i < f.backtrace.length; ) {
      let j = i + 1;
      while (j < f.backtrace.length && f.backtrace[j] === f.backtrace[i]) j++;
      lines.push(`    #${i} ${f.backtrace[i]}${j - i > 2 ? `  (×${j - i}, frames #${i}-#${j - 1})` : ""}`);
      if (j - i === 2) lines.push(`    #${i + 1} ${f.backtrace[i]}`);
      i = j;
    }
  }
  return lines.join("\n") + "\n";
}

/** `kmdll call IMAGE EXPORT [ARG...]` — run one export of a driver in the emulator. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("call")
    .description("load a kernel-mode DLL like a dependency (DllInitialize runs), call one export with integer arguments in the emulator, print RAX and DbgPrint output")
    .argument("<image>", "the driver image (.sys/.dll, x64)")
    .argument("<export>", "the exported routine to call")
    .argument("[args...]", "up to 8 integer arguments (decimal or 0x hex)")
    .option("--root <dir>", "directory playing \\SystemRoot: imports of other drivers come from <dir>/System32/drivers")
    .option("--registry <file.reg>", "seed the emulated registry from a .reg file")
    .option("--trace", "one line per API call with decoded arguments and return value")
    .option("--json", "print {\"return\":\"0x...\",\"events\":[...]}")
    .option("--timeout <seconds>", "time budget per call", seconds, 10)
    .option("--unimplemented <mode>", "unimplemented kernel exports: fault (default) or stub (return STATUS_NOT_IMPLEMENTED)", mode, "fault")
    .action(async (image: string, exportName: string, rawArgs: string[], o: CallOptions) => {
      const args = rawArgs.map(parseIntegerArg);
      if (args.length > 8) throw new KmdllError(`at most 8 arguments can be passed (got ${args.length})`);
      const apis = await loadApis();
      const registry = o.registry ? loadRegistry(o.registry) : undefined;
      const stream = !o.json;
      const r = callImage(image, exportName, args, {
        apis,
        root: o.root,
        registry,
        trace: Boolean(o.trace || o.json),
        timeoutMs: o.timeout * 1000,
        unimplemented: o.unimplemented,
        onEvent: stream
          ? (e) => {
              const line = renderEvent(e, Boolean(o.trace));
              if (line !== null) ctx.out(line + "\n");
              if (e.event === "return" && e.routine === exportName && e.value !== undefined) {
                const v = BigInt(e.value);
                ctx.out(`${exportName} returned ${BigInt.asIntN(64, v)} (0x${v.toString(16).toUpperCase()})\n`);
              }
            }
          : undefined,
      });
      if (o.json) {
        ctx.out(
          toJson({
            return: r.value === null ? null : "0x" + r.value.toString(16),
            ...(r.fault ? { fault: r.fault.kind } : {}),
            ...(r.failure ? { failure: r.failure } : {}),
            events: r.events,
          }),
        );
      } else {
        if (r.fault) ctx.out(renderFault(r.fault));
        if (r.failure) ctx.err(`kmdll: ${r.failure}\n`);
      }
      const bad = r.fault || r.failure || r.events.some((e) => e.event === "leak" || e.event === "fault");
      if (bad) ctx.setExit(EXIT.FINDINGS);
    });
}


