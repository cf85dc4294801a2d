import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { formatDefDiagnostic, hasErrors } from "../../formats/def/index.js";
import { writeImportLibrary, type ImplibMachine } from "../../formats/lib/index.js";
import { readDef } from "./def.js";
import { checkOutputPath, writeOutputFile } from "../../io/output.js";

const MACHINES: Record<string, ImplibMachine> = { x64: "x64", amd64: "x64", x86: "x86", i386: "x86", arm64: "arm64" };

/** `kmdll implib FILE.def -o OUT.lib` — a Microsoft short-import library from a .def. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("implib")
    .description("write an import library (.lib, Microsoft short-import format) from a .def file")
    .argument("<def>", ".def file")
    .requiredOption("-o, --output <file>", "the import library to write")
    .option("--machine <machine>", "x64, x86 or arm64", "x64")
    .option("--dll <name>", "DLL name importers bind to (default: the LIBRARY name)")
    .option("--no-kill-at", "x86: import stdcall names decorated (F@N) instead of undecorated (F)")
    .option("--force", "replace an existing file named by -o that is not a library (never the input)")
    .option("--json", "print one JSON document describing the library")
    .action((file: string, opts: { output: string; machine: string; dll?: string; killAt: boolean; force?: boolean; json?: boolean }) => {
      const rules = { inputs: [file], option: "-o", kind: "import-library" as const, force: Boolean(opts.force) };
      checkOutputPath(opts.output, rules);
      const machine = MACHINES[opts.machine.toLowerCase()];
      if (!machine) throw new KmdllError(`--machine ${opts.machine}: expected x64, x86 or arm64`);
      const r = readDef(file);
      for (const d of r.diagnostics) {
        // Without LIBRARY the name may come from --dll; the warning is noise then.
        if (opts.dll && /^no LIBRARY statement|^LIBRARY without a name/.test(d.message)) continue;
        ctx.err(formatDefDiagnostic(d, file) + "\n");
      }
      if (hasErrors(r)) throw new KmdllError(`${file}: no import library written: the .def has errors`);
      const res = writeImportLibrary(r.def, { machine, dll: opts.dll, killAt: opts.killAt });
      writeOutputFile(opts.output, res.bytes, rules);
      for (const w of res.warnings) ctx.err(`${file}: warning: ${w}\n`);
      if (opts.json) {
        ctx.out(toJson({ def: file, output: opts.output, dll: res.dll, machine, size: res.bytes.length, imports: res.imports, private: res.skipped, warnings: res.warnings }));
      } else {
        ctx.out(`${opts.output}: ${res.imports.length} import${res.imports.length === 1 ? "" : "s"} from ${res.dll} (${machine})` +
          (res.skipped.length ? `; PRIVATE, not importable: ${res.skipped.join(", ")}` : "") + "\n");
      }
    });
}
