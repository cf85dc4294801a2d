import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import type { CliContext } from "../context.js";
import { loadMachineFile } from "./call.js";
import { EXIT } from "../context.js";
import { readJsonFile } from "../../io/json-file.js";
import { KmdllError } from "../../errors.js";
import type { TraceEvent } from "../../events.js";
import { emulatorExecutor, emulatorExecutorWith } from "../../sim/emulator.js";
import { readDeviceFile } from "../../sim/devices.js";
import type { VerifierMode } from "../../emu/verifier/index.js";
import type { SpecialPoolOption } from "../../emu/verifier/special-pool.js";
import { parseScenario, parseStepText, type ScenarioFile } from "../../kernel/scenario.js";
import { MAX_BUFFER } from "../../kernel/io-steps.js";
import { inputReaderInside } from "../../io/inputs.js";
import { stepLine } from "../../text/json-lines.js";
import { runSimulation } from "../../kernel/simulation.js";
import type { Semantics } from "../../kernel/types.js";
import { renderModuleTable } from "../../report/timeline.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { checkOutputPath, writeOutputFile } from "../../io/output.js";
import { hostPathIn } from "../../kernel/root-fs.js";
import { TextEventWriter } from "../../report/event-text.js";
import { EventLog, NdjsonEventWriter } from "../../report/event-stream.js";
import { jsonText } from "../../text/terminal.js";
import { maxEventsArg, mode, seconds, specialPoolOpt, verifierOpt } from "./options.js";

interface SimOptions {
  verifier: VerifierMode;
  specialPool?: SpecialPoolOption;
  root?: string;
  registry?: string[];
  semantics?: string;
  install?: string[];
  trace?: boolean;
  json?: boolean;
  html?: string;
  timeout: number;
  unimplemented: "fault" | "stub";
  maxEvents?: number;
  force?: boolean;
  devices?: string;
  machine?: string;
}

/** The files a simulation reads: the scenario, the registry file, the drivers (installed or in the root). */
function simInputs(scenarioFile: string | undefined, root: string | undefined, install: string[] | undefined, registry: string[]): string[] {
  const out = [...(scenarioFile ? [scenarioFile] : []), ...(install ?? []), ...registry];
  const drivers = root ? hostPathIn(root, "\\SystemRoot\\System32\\drivers") : null;
  if (drivers) {
    try {
      for (const n of readdirSync(drivers)) out.push(join(drivers, n));
    } catch {
      /* not a folder: nothing to protect there */
    }
  }
  return out;
}

/** NDJSON line for an event (bigints as hex strings). */
export function eventJson(e: TraceEvent): string {
  return jsonText(e) + "\n";
}

function readScenario(path: string): ScenarioFile {
  const { doc, text } = readJsonFile(path);
  try {
    return parseScenario(doc, (p) => resolve(dirname(path), p), inputReaderInside(dirname(resolve(path)), MAX_BUFFER));
  } catch (e) {
    if (e instanceof KmdllError) throw new KmdllError(`${path}${stepLine(text, e.message)}: ${e.message}`);
    throw e;
  }
}

function semanticsOf(v: string | undefined): Semantics | undefined {
  if (v === undefined) return undefined;
  if (v !== "documented" && v !== "kernel") throw new KmdllError(`--semantics: expected documented or kernel, got '${v}'`);
  return v;
}

/** `kmdll sim`: run the export-driver lifecycle (start / stop / call) in the emulated kernel. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("sim")
    .description("simulate the kernel loader: start/stop drivers and call exports, with a timeline of loads, DllInitialize/DllUnload and counts")
    .argument("[steps...]", "SCENARIO.json, or steps: start:NAME stop:NAME call:MODULE!EXPORT[:ARG,...] open:PATH[,as=H] read:H:LENGTH write:H:HEX|@FILE ioctl:H|PATH:CODE[:HEX|@FILE][,out=N][,async] cancel:H close:H sleep:MS (docs/user-io.md)")
    .option("--root <dir>", "directory standing for \\SystemRoot (drivers in <dir>/System32/drivers)")
    .option("--install <file...>", "copy these drivers into a temporary root's System32/drivers (instead of --root)")
    .option("--registry <file.reg>", "extend the default registry of a booted system (services' ImagePath, parameters) with a .reg file (repeatable: applied in order)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--semantics <which>", "documented (default: the seeds' rule) or kernel (WRK/ReactOS sysldr)")
    .option("--verifier <mode>", "Driver Verifier checks: none, standard (default) or all; error-level findings and leaks fail the scenario", verifierOpt, "standard")
    .option("--special-pool <mode>", "Driver Verifier special pool for driver allocations: overrun (guard page after each block; default with --verifier all), underrun (guard page before) or off (default otherwise)", specialPoolOpt)
    .option("--machine <file.json>", "the emulated machine: RAM, physical memory, PCI devices, ports, MSRs, the processor (docs/machine.md)")
    .option("--devices <file.json>", "a device tree for the PnP manager: root-enumerated devices, the services that drive them, hardware IDs → services for children (docs/pnp.md)")
    .option("--trace", "also show every kernel API call the drivers make")
    .option("--json", "print NDJSON events and a final {\"event\":\"end\",\"modules\":[...]}")
    .option("--timeout <seconds>", "time budget per guest call (DriverEntry, DllInitialize, a call step...)", seconds, 10)
    .option("--unimplemented <mode>", "a kernel routine kmdll does not implement: fault (default: stop, reported as an emulator gap) or stub (return STATUS_NOT_IMPLEMENTED and go on)", mode, "fault")
    .option("--html <file>", "also write a self-contained HTML report (dependency graph + lifecycle timeline; at most 5000 events, or --max-events)")
    .option("--force", "let --html replace an existing PE image or library (never one of the inputs)")
    .option("--max-events <n>", "show at most N events (text, NDJSON, HTML); later ones are counted, loader events, failures and faults still shown", maxEventsArg)
    .addHelpText(
      "after",
      `
Examples:
  kmdll sim --root ./root start:client call:mydriver.sys!LoadPrinterDriver:41 stop:client
  kmdll sim --install test/fixtures/x64/mydriver.sys test/fixtures/x64/client.sys -- start:client stop:client
  kmdll sim examples/scenarios/seeds.json --json
  kmdll sim --devices examples/pnp-devices.json --install pnpbus.sys pnpfunc.sys -- start:pnpbus stop:pnpbus
  kmdll sim --install test/fixtures/x64/portlib.sys test/fixtures/x64/miniport.sys -- start:miniport 'ioctl:\\Device\\Miniport:0x80002004:010203' stop:miniport
  kmdll sim --install test/fixtures/x64/kmdllio.sys -- start:kmdllio 'open:\\\\.\\KmdllIoBuf,as=h' write:h:01020304 'read:h:4,offset=0,expect=01020304' 'ioctl:h:0x8A002000:0102,out=2' close:h

I/O steps (a user-mode program's requests; docs/user-io.md): PATH is \\\\.\\Name, \\??\\Name, \\GLOBAL??\\Name,
\\DosDevices\\Name or \\Device\\Name; H a handle name (open's as=, default the path's last component);
@FILE reads bytes from a file below the current folder (the scenario's folder in a scenario file).
Each takes ,status=NTSTATUS ,info=N ,fault=KIND; read and ioctl also ,expect=HEX.`,
    )
    .action(async (args: string[], opts: SimOptions) => {
      let scenario: ScenarioFile;
      let scenarioFile: string | undefined;
      if (args.length >= 1 && /\.json$/i.test(args[0]!) && !/^(start|stop|call|open|read|write|ioctl|close):/.test(args[0]!)) {
        if (args.length > 1) throw new KmdllError(`a scenario file takes no extra steps (got ${args.slice(1).join(" ")})`);
        scenarioFile = args[0]!;
        scenario = readScenario(scenarioFile);
      } else {
        if (args.length === 0) throw new KmdllError("no steps: give a SCENARIO.json or steps like start:client stop:client");
        const read = inputReaderInside(process.cwd(), MAX_BUFFER);
        scenario = { steps: args.map((a) => parseStepText(a, read)) };
      }
      const root = opts.root ? resolve(opts.root) : opts.install ? undefined : scenario.root;
      const install = opts.install ? opts.install.map((f) => resolve(f)) : opts.root ? undefined : scenario.install;
      if (!root && !install) throw new KmdllError("no drivers: give --root DIR (with System32/drivers/*.sys) or --install FILE...");
      const registry = opts.registry ? opts.registry.map((f) => resolve(f)) : scenario.registry ? [scenario.registry] : [];
      const semantics = semanticsOf(opts.semantics) ?? scenario.semantics;
      // Checked before the run: a report must never replace a driver, the scenario or the registry file.
      const devicesFile = opts.devices ? resolve(opts.devices) : scenario.devices;
      const devices = devicesFile ? readDeviceFile(devicesFile) : undefined;
      const machine = opts.machine ? loadMachineFile(opts.machine) : undefined;
      const htmlRules = { option: "--html", force: Boolean(opts.force), inputs: [...simInputs(scenarioFile, root, install, registry), ...(devicesFile ? [devicesFile] : []), ...(opts.machine ? [resolve(opts.machine)] : [])] };
      if (opts.html) checkOutputPath(opts.html, htmlRules);
      // Events stream to the output as they happen: nothing is kept but the HTML report's capped log.
      const writer = opts.json
        ? new NdjsonEventWriter((l) => ctx.out(l), { ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}) })
        : new TextEventWriter((l) => ctx.out(l + "\n"), { ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}) });
      const log = opts.html ? new EventLog(opts.maxEvents) : undefined;
      const sink = log ? (e: TraceEvent) => (log.add(e), writer.event(e)) : (e: TraceEvent) => writer.event(e);
      const result = runSimulation({
        ...(root ? { root } : {}),
        ...(install ? { install } : {}),
        ...(registry.length ? { registry } : {}),
        ...(semantics ? { semantics } : {}),
        steps: scenario.steps,
        sink,
        executor:
          opts.verifier === "standard" && !opts.specialPool && !devices && !machine
            ? emulatorExecutor
            : emulatorExecutorWith({ verifier: opts.verifier, ...(opts.specialPool ? { specialPool: opts.specialPool } : {}) }, machine, devices),
        ...(opts.trace ? { trace: true } : {}),
        limits: { unimplemented: opts.unimplemented, timeoutMs: Math.round(opts.timeout * 1000) },
      });
      writer.finish();
      if (!opts.json) {
        ctx.out("\n" + renderModuleTable(result.modules));
        const failed = result.results.filter((r) => !r.ok);
        ctx.out(
          failed.length > 0
            ? `\nscenario FAILED: ${failed.map((r) => `${r.label}: ${r.detail ?? "failed"}`).join("; ")}\n`
            : result.findings > 0
              ? `\nscenario failed: ${result.findings} verifier finding${result.findings === 1 ? "" : "s"}\n`
              : `\nscenario passed: ${result.results.length} step(s) as expected\n`,
        );
      }
      if (opts.html) {
        // Loaded only for --html (start-up of the common case stays small).
        const [{ renderSimHtmlReport }, { driverImageSummaries }] = await Promise.all([import("../../report/html-sim.js"), import("../../scan/driver-images.js")]);
        const html = await renderSimHtmlReport(log!.events, {
          modules: driverImageSummaries({ ...(root ? { root } : {}), ...(install ? { install } : {}) }),
          counts: log!.counts,
          title: `kmdll sim ${args.join(" ")}`.trim(),
        });
        writeOutputFile(opts.html, html, htmlRules);
        if (!opts.json) ctx.err(`kmdll: wrote ${opts.html}\n`);
      }
      if (!result.ok) ctx.setExit(EXIT.FINDINGS);
    });
}
