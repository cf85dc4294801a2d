import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { readJsonFile } from "../../io/json-file.js";
import { KmdllError } from "../../errors.js";
import { isVerifierFinding, type TraceEvent } from "../../events.js";
import type { VerifierMode } from "../../emu/verifier/index.js";
import type { SpecialPoolOption } from "../../emu/verifier/special-pool.js";
import { callImage, parseIntegerArg } from "../../sim/call.js";
import { loadApis } from "../../emu/apis.js";
import { loadRegistry } from "../../kernel/simulation.js";
import { parseMachine, type MachineSpec } from "../../emu/machine/index.js";
import { TextEventWriter, faultText } from "../../report/event-text.js";
import { EventCap } from "../../report/event-stream.js";
import { jsonText } from "../../text/terminal.js";
import { hex } from "../../text/hex.js";
import { maxEventsArg, mode, seconds, specialPoolOpt, verifierOpt } from "./options.js";

interface CallOptions {
  root?: string;
  machine?: string;
  registry?: string;
  trace?: boolean;
  json?: boolean;
  timeout: number;
  unimplemented: "fault" | "stub";
  maxEvents?: number;
  verifier: VerifierMode;
  specialPool?: SpecialPoolOption;
}

/** Read and check a machine file; problems name the file (exit 2). */
export function loadMachineFile(file: string): MachineSpec {
  const { doc } = readJsonFile(file);
  try {
    return parseMachine(doc);
  } catch (e) {
    throw new KmdllError(`${file}: ${(e as Error).message}`);
  }
}

/** Events `kmdll call` shows without --trace: what the driver printed, and what went wrong. */
const ALWAYS_SHOWN = new Set(["dbgprint", "warning", "verifier", "leak", "fail", "omitted"]);

/** `kmdll call IMAGE EXPORT [ARG...]` — run one export of a driver in the emulator. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("call")
    .description("load a kernel-mode DLL like a dependency (DllInitialize runs), call one export with integer arguments in the emulator, print RAX and DbgPrint output")
    .argument("<image>", "the driver image (.sys/.dll, x64 or x86)")
    .argument("<export>", "the exported routine to call")
    .argument("[args...]", "up to 8 integer arguments (decimal or 0x hex)")
    .option("--root <dir>", "directory playing \\SystemRoot: imports of other drivers come from <dir>/System32/drivers")
    .option("--registry <file.reg>", "seed the emulated registry from a .reg file")
    .option("--machine <file.json>", "the emulated machine: RAM, physical memory, PCI devices, ports (docs/machine.md)")
    .option("--trace", "one line per API call with decoded arguments and return value")
    .option("--json", "print {\"events\":[...],\"return\":\"0x...\"} (events written as they happen)")
    .option("--max-events <n>", "show at most N events; later ones are counted (loads, calls, failures and faults still shown)", maxEventsArg)
    .option("--timeout <seconds>", "time budget per call", seconds, 10)
    .option("--verifier <mode>", "Driver Verifier checks: none, standard (default) or all; error-level findings exit 1", verifierOpt, "standard")
    .option("--special-pool <mode>", "Driver Verifier special pool for driver allocations: overrun (guard page after each block; default with --verifier all), underrun (guard page before) or off (default otherwise)", specialPoolOpt)
    .option("--unimplemented <mode>", "unimplemented kernel exports: fault (default) or stub (return STATUS_NOT_IMPLEMENTED)", mode, "fault")
    .action(async (image: string, exportName: string, rawArgs: string[], o: CallOptions) => {
      const args = rawArgs.map(parseIntegerArg);
      if (args.length > 8) throw new KmdllError(`at most 8 arguments can be passed (got ${args.length})`);
      const apis = await loadApis();
      // The default hive of a booted system, extended by --registry.
      const registry = loadRegistry(o.registry);
      const machine = o.machine ? loadMachineFile(o.machine) : undefined;
      const max = o.maxEvents !== undefined ? { maxEvents: o.maxEvents } : {};
      // Events are written as they happen and not kept: a driver that prints without end uses
      // bounded memory. --json streams one document: {"events":[...],"return":...}.
      let onEvent: (e: TraceEvent) => void;
      let finish: () => void;
      /** A leak or an error-level verifier finding (docs/verifier.md). */
      let leaked = false;
      let faulted = false;
      if (o.json) {
        const cap = new EventCap(o.maxEvents);
        let first = true;
        const put = (e: TraceEvent) => {
          ctx.out((first ? '{"events":[\n' : ",\n") + jsonText(e));
          first = false;
        };
        const omitted = () => {
          const n = cap.takeOmitted();
          if (n > 0) put({ event: "omitted", count: n, reason: `--max-events ${o.maxEvents}` });
        };
        onEvent = (e) => {
          if (cap.admit(e)) put(e);
        };
        finish = () => {
          omitted();
          ctx.out(first ? '{"events":[' : "\n");
        };
      } else {
        const w = new TextEventWriter((l) => ctx.out(l + "\n"), { layout: "plain", show: (e) => Boolean(o.trace) || ALWAYS_SHOWN.has(e.event), ...max });
        onEvent = (e) => {
          w.event(e);
          if (e.event === "return" && e.routine === exportName && e.value !== undefined) {
            const v = BigInt(e.value);
            w.note(`${exportName} returned ${BigInt.asIntN(64, v)} (${hex(v, { upper: true })})`);
          }
        };
        finish = () => w.finish();
      }
      const r = callImage(image, exportName, args, {
        apis,
        root: o.root,
        registry,
        ...(machine ? { machine } : {}),
        trace: Boolean(o.trace || o.json),
        timeoutMs: o.timeout * 1000,
        unimplemented: o.unimplemented,
        verifier: o.verifier,
        ...(o.specialPool ? { specialPool: o.specialPool } : {}),
        keepEvents: false,
        onEvent: (e) => {
          if (isVerifierFinding(e)) leaked = true;
          if (e.event === "fault") faulted = true;
          onEvent(e);
        },
      });
      finish();
      if (o.json) {
        const tail = {
          return: r.value === null ? null : "0x" + r.value.toString(16),
          ...(r.fault ? { fault: r.fault.kind } : {}),
          ...(r.failure ? { failure: r.failure } : {}),
        };
        ctx.out("]," + jsonText(tail).slice(1) + "\n");
      } else {
        if (r.fault) ctx.out(faultText(r.fault));
        if (r.failure) ctx.err(`kmdll: ${r.failure}\n`);
      }
      const bad = r.fault || r.failure || leaked || faulted;
      if (bad) ctx.setExit(EXIT.FINDINGS);
    });
}


