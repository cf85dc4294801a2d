import type { Command } from "commander";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { writeFileInside } from "../../io/output.js";
import { makeDirectory } from "../../io/dirs.js";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import type { TraceEvent } from "../../events.js";
import { checkFile } from "../../check/io.js";
import { hasErrorFindings } from "../../check/runner.js";
import type { CheckReport } from "../../check/types.js";
import { parseDef, hasErrors, formatDiagnostic } from "../../formats/def/index.js";
import { writeImportLibrary, readImportLibrary } from "../../formats/lib/index.js";
import { imageSummary } from "../../formats/pe/summary.js";
import type { PeImage } from "../../formats/pe/types.js";
import { readImage } from "../../io/image.js";
import { emulatorExecutor } from "../../sim/emulator.js";
import { parseStepText } from "../../kernel/scenario.js";
import { runSimulation, temporaryRoot } from "../../kernel/simulation.js";
import { renderFindingsText } from "../../report/findings-text.js";
import { narrateLifecycle, renderModuleTable, renderNarration, SEED_RULES } from "../../report/timeline.js";
import { TextEventWriter } from "../../report/event-text.js";
import { hex } from "../../text/hex.js";

/** The repository / package root (dist/src/cli/commands → ../../../..). */
const PACKAGE = resolve(fileURLToPath(new URL("../../../../", import.meta.url)));

interface DemoOptions {
  out?: string;
  json?: boolean;
}


function describeImage(name: string, image: PeImage): string[] {
  const lines: string[] = [];
  const o = image.optional;
  const kind = image.exports ? "export driver (kernel-mode DLL)" : "standard driver";
  lines.push(`${name}: ${typeof image.machine === "string" ? image.machine : hex(image.machine)} ${kind}, subsystem ${o.subsystem === 1 ? "native" : o.subsystem}, entry point (DriverEntry) at RVA ${hex(o.addressOfEntryPoint)}, ${image.sections.length} sections`);
  if (image.exports) {
    const e = image.exports;
    lines.push(`  exports of ${e.dllName} (ordinal base ${e.ordinalBase}): ${e.functions.map((f) => `#${f.ordinal} ${f.name ?? "(no name)"}`).join(", ")}`);
  }
  for (const m of image.imports) {
    lines.push(`  imports from ${m.dll}: ${m.functions.map((f) => f.name ?? `#${f.ordinal}`).join(", ")}`);
  }
  return lines;
}

/** `kmdll demo`: the seeds' story end to end on the bundled example drivers. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("the seeds' story end to end: inspect mydriver.sys and client.sys, write mydriver.lib from mydriver.def, check both, then simulate start/stop client and explain what the kernel did")
    .option("--out <dir>", "keep the generated mydriver.lib in this folder (default: a temporary folder, removed)")
    .option("--json", "print one JSON document with every stage's result and the trace")
    .action((opts: DemoOptions) => {
      const def = join(PACKAGE, "examples", "mydriver", "mydriver.def");
      const sys = { mydriver: join(PACKAGE, "test", "fixtures", "x64", "mydriver.sys"), client: join(PACKAGE, "test", "fixtures", "x64", "client.sys") };
      const say = (s: string) => {
        if (!opts.json) ctx.out(s);
      };
      const show = (p: string) => relative(process.cwd(), p) || p;
      let ok = true;
      // --out is checked before anything is printed: a file (or a device) there is a usage error.
      const outDir = opts.out ? resolve(opts.out) : null;
      if (outDir && existsSync(outDir) && !statSync(outDir).isDirectory()) throw new KmdllError(`--out ${opts.out}: not a folder`);
      if (outDir) makeDirectory(outDir, `--out ${opts.out}`);

      // 1. Inspect both images.
      say("== 1. Inspect the two drivers\n");
      const images = { mydriver: readImage(sys.mydriver).image, client: readImage(sys.client).image };
      say(`(${show(sys.mydriver)}, ${show(sys.client)}: built from examples/mydriver and examples/client)\n`);
      for (const [name, image] of Object.entries(images)) say(describeImage(`${name}.sys`, image).join("\n") + "\n");
      say(`  → mydriver.sys imports only from ntoskrnl.exe: "an export driver contains only routines that resolve to kernel-mode functions" (Calling a DLL in a Kernel-Mode Driver).\n`);
      say(`  → client.sys imports LoadPrinterDriver from mydriver.sys: it was linked against mydriver.lib and declares the routine DECLSPEC_IMPORT.\n\n`);

      // 2. Import library from the .def.
      say("== 2. Write mydriver.lib from mydriver.def\n");
      const parsed = parseDef(readFileSync(def));
      for (const d of parsed.diagnostics) ctx.err(formatDiagnostic(d, def) + "\n");
      if (hasErrors(parsed)) throw new KmdllError(`${def}: the .def has errors`);
      const lib = writeImportLibrary(parsed.def, { machine: "x64" });
      const tmp = temporaryRoot([sys.mydriver, sys.client]);
      try {
        const libDir = outDir ?? tmp;
        const libPath = join(libDir, "mydriver.lib");
        // Inside --out (or the temporary folder), never through a link leading out of it.
        writeFileInside(libDir, "mydriver.lib", lib.bytes, libPath);
        const rows = readImportLibrary(lib.bytes);
        say(readFileSync(def, "utf8").trimEnd().replace(/^/gm, "  | ") + "\n");
        say(`  wrote ${outDir ? show(libPath) : "mydriver.lib (temporary folder; --out DIR keeps it)"}: ${lib.bytes.length} bytes, imports from ${lib.dll}: ${rows.map((r) => `${r.symbol} (__imp_${r.symbol})`).join(", ")}\n`);
        say(`  left out (PRIVATE): ${lib.skipped.join(", ")}: no driver can import them; only the kernel calls them.\n`);
        say(`    seed: "${SEED_RULES.privateEntries.quote}" (${SEED_RULES.privateEntries.source})\n\n`);

        // 3. Check both.
        say("== 3. Check both drivers (kmdll check)\n");
        const reports: CheckReport[] = [
          checkFile(sys.mydriver, { def, lib: libPath, root: tmp }),
          checkFile(sys.client, { root: tmp }),
        ];
        for (const r of reports) {
          say(renderFindingsText({ ...r, file: show(r.file) }).replace(/^/gm, "  ").replace(/ +$/gm, ""));
          if (hasErrorFindings(r.findings)) ok = false;
        }
        say("\n");

        // 4. Simulate.
        say("== 4. Simulate: start client, then stop client (kmdll sim, documented semantics)\n");
        const events: TraceEvent[] = [];
        const timeline = new TextEventWriter((l) => say(l + "\n"));
        const sim = runSimulation({
          root: tmp,
          steps: ["start:client", "call:mydriver.sys!LoadPrinterDriver:41", "stop:client"].map((t) => parseStepText(t)),
          sink: (e) => {
            events.push(e);
            timeline.event(e);
          },
          executor: emulatorExecutor,
        });
        timeline.finish();
        if (!sim.ok) ok = false;
        say("\n" + renderModuleTable(sim.modules));
        const narration = narrateLifecycle(events);
        say("\n== 5. What the kernel did, and why\n");
        say(renderNarration(narration));
        say(`\n${ok ? "demo complete: every stage behaved as the seeds describe" : "demo FAILED: see above"}. Next: docs/lifecycle.md, examples/scenarios/*.json (kmdll sim FILE).\n`);
        if (opts.json) {
          ctx.out(
            toJson({
              ok,
              inspect: Object.entries(images).map(([name, image]) => ({ module: `${name}.sys`, ...imageSummary(image, show(sys[name as keyof typeof sys])) })),
              implib: { def: show(def), output: outDir ? show(libPath) : null, dll: lib.dll, size: lib.bytes.length, imports: lib.imports, private: lib.skipped, rule: SEED_RULES.privateEntries },
              check: reports.map((r) => ({ ...r, file: show(r.file) })),
              sim: { ok: sim.ok, events, modules: sim.modules },
              narration,
            }),
          );
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      if (!ok) ctx.setExit(EXIT.FINDINGS);
    });
}
