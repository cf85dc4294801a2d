import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { formatDefDiagnostic } from "../../formats/def/types.js";
import { hasErrors } from "../../formats/def/parser.js";
import { writeImportLibrary, type ImplibMachine } from "../../formats/lib/write-import-library.js";
import { readDef, writeOutput } from "../files.js";

const MACHINES: Record<string, ImplibMachine> = { x64: "x64", amd64: "x64", x86: "x86", i386: "x86", arm64: "arm64" };

/** Names for a one-line summary: all of a short list, the first few of a long one (--json lists all). */
function nameList(names: string[], max = 10): string {
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

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
    .option("--json", "print one JSON document describing the library")
    .action((file: string, opts: { output: string; machine: string; dll?: string; killAt: boolean; json?: boolean }) => {
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
      writeOutput(opts.output, res.bytes);
      for (const w of res.warnings) ctx.err(`${file}: warning: ${w}\n`);
      if (opts.json) {
        ctx.out(toJson({ def: file, output: opts.output, dll: res.dll, machine, size: res.bytes.length, imports: res.imports, private: res.skipped, warnings: res.warnings }));
      } else {
        ctx.out(`${opts.output}: ${res.imports.length} import${res.imports.length === 1 ? "" : "s"} from ${res.dll} (${machine})` +
          (res.skipped.length ? `; PRIVATE, not importable: ${nameList(res.skipped)}` : "") + "\n");
      }
    });
}
