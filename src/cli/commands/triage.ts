import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { resolve } from "node:path";
import type { CliContext } from "../context.js";
import { printJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT, runTriage } from "../../triage/run.js";
import { resultLine, summaryText } from "../../triage/render.js";
import type { TriageResult } from "../../triage/types.js";

interface TriageCliOptions {
  jobs?: number;
  timeout: number;
  memory: number;
  unimplemented?: "fault" | "stub";
  verifier?: "none" | "standard" | "all";
  machine?: string;
  registry?: string;
  json?: boolean;
  ndjson?: boolean;
  top: number;
  retry: boolean;
}

const number = (what: string, min: number, max: number, integer = false) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`expected ${what} from ${min} to ${max}`);
  return n;
};

const oneOf = <T extends string>(...values: T[]) => (v: string): T => {
  if (!(values as string[]).includes(v)) throw new InvalidArgumentError(`expected ${values.map((x) => `'${x}'`).join(", ")}`);
  return v as T;
};

/** `kmdll triage FILE|DIR...`: start and stop every driver image in the emulator, one child process each; classes and reasons. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("triage")
    .description("start and stop every driver image under the given files and folders (each in its own process) and classify the outcomes: pass, windows-refuses, driver-declined, driver-fault, kmdll-gap")
    .argument("<paths...>", "driver files and folders (folders: *.sys files and native-subsystem PE images, recursively)")
    .option("-j, --jobs <n>", "drivers run at the same time (default: number of CPUs)", number("a whole number", 1, 256, true))
    .option("--timeout <seconds>", "time budget per guest call (DriverEntry, DriverUnload...), as sim --timeout; the driver's process is killed after 3 × this + 30 s", number("seconds", 0.1, 3600), DEFAULT_TIMEOUT)
    .option("--memory <MiB>", "resident memory cap per driver process; a driver past it is killed (kmdll-gap)", number("MiB", 16, 65536, true), DEFAULT_MEMORY_MIB)
    .option("--unimplemented <mode>", "a kernel routine kmdll does not implement: fault (default: kmdll-gap) or stub (return STATUS_NOT_IMPLEMENTED and go on)", oneOf("fault", "stub"))
    .option("--verifier <mode>", "Driver Verifier checks, as sim: none, standard (default) or all", oneOf("none", "standard", "all"))
    .option("--machine <file.json>", "the emulated machine (docs/machine.md), as sim --machine")
    .option("--registry <file.reg>", "extend the default registry, as sim --registry")
    .option("--json", "print one JSON document: every result and the summary")
    .option("--ndjson", "print one JSON line per driver as it finishes, then a summary line (bounded memory for big corpora)")
    .option("--no-retry", "do not run a driver that ran out of time again, alone, after the others")
    .option("--top <n>", "reasons listed in the text summary", number("a whole number", 1, 10000, true), 10)
    .addHelpText(
      "after",
      `
Classes (docs/triage.md):
  pass             started and stopped, nothing leaked
  windows-refuses  Windows refuses it too: no DriverUnload (stop refused), malformed image, missing companion
                   driver, user-mode import, NDIS 5.x miniport (also when DriverEntry then retries it for
                   ever), /INTEGRITYCHECK needed
  driver-declined  DriverEntry returned an error status (named, with the last kernel call that failed)
  driver-fault     the driver's own crash, bug check or leak at unload (code, module+offset, instruction bytes)
  kmdll-gap        kmdll stops there: unimplemented routine, a system module kmdll does not emulate, export missing from
                   kmdll's list, emulator limit, time budget, memory cap
  not-a-driver     a file named (or a .sys) that is not a PE image: listed with the reason, not run

Exit status: 0 every driver passed or is refused by Windows too (not-a-driver files do not count);
             1 some driver-declined, driver-fault or kmdll-gap; 2 usage error (no such path, bad option).

Each driver is installed under its own file name as the service name, with the drivers it imports from
its folder (companions), and run as: kmdll sim --json --install DRIVER [COMPANIONS] -- start:NAME stop:NAME
(copies in a temporary folder; nothing is written next to the inputs).

Examples:
  kmdll triage drivers/
  kmdll triage --jobs 2 --timeout 5 --ndjson corpus/x64 > triage.ndjson
  kmdll triage test/fixtures/x64/mydriver.sys test/fixtures/x64/client.sys`,
    )
    .action(async (paths: string[], opts: TriageCliOptions) => {
      if (opts.json && opts.ndjson) throw new KmdllError("--json and --ndjson: choose one");
      const results: TriageResult[] = [];
      const onResult = (r: TriageResult) => {
        if (opts.ndjson) printJson(ctx, { type: "driver", ...r }, true);
        else if (opts.json) results.push(r);
        else ctx.out(resultLine(r, r.file) + "\n");
      };
      const summary = await runTriage(
        paths,
        {
          timeout: opts.timeout,
          memoryMiB: opts.memory,
          retryTimeouts: opts.retry,
          ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
          ...(opts.unimplemented ? { unimplemented: opts.unimplemented } : {}),
          ...(opts.verifier ? { verifier: opts.verifier } : {}),
          ...(opts.machine ? { machine: resolve(opts.machine) } : {}),
          ...(opts.registry ? { registry: resolve(opts.registry) } : {}),
        },
        onResult,
      );
      if (opts.ndjson) printJson(ctx, { type: "summary", ...summary }, true);
      else if (opts.json) printJson(ctx, { results, summary });
      else ctx.out("\n" + summaryText(summary, opts.top));
      ctx.setExit(summary.exitCode);
    });
}
