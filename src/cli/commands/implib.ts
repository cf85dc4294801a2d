import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { formatDefDiagnostic } from "../../formats/def/types.js";
import { hasErrors } from "../../formats/def/parser.js";
import { writeImportLibrary, type ImplibMachine } from "../../formats/lib/write-import-library.js";
import { plainImportLibrary } from "../../formats/lib/plain-implib.js";
import { setArchiveWasm } from "../../formats/lib/wasm-archive.js";
import { implibWasm } from "../../io/wasm.js";
import { parseDef } from "../../formats/def/parser.js";
import { readDefInput } from "../def-file.js";
import { checkOutputPath, writeOutputFile } from "../../io/output.js";
import { existsSync } from "node:fs";

/** The first `max` names, then how many more (a .def may mark thousands PRIVATE; --json lists all). */
function listSome(names: string[], max: number): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more (--json lists them all)`;
}

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
    .option("--objects <files...>", "x86: bind undecorated names to the stdcall/fastcall routines these objects, static libraries or symbol-table images define (as link.exe does): importers get __imp__F@N")
    .option("--force", "replace an existing file named by -o that is not a library (never an input)")
    .option("--json", "print one JSON document describing the library")
    .action(async (file: string, opts: { output: string; machine: string; dll?: string; killAt: boolean; objects?: string[]; force?: boolean; json?: boolean }) => {
      const rules = { inputs: [file, ...(opts.objects ?? [])], option: "-o", kind: "import-library" as const, force: Boolean(opts.force) };
      checkOutputPath(opts.output, rules);
      const machine = MACHINES[opts.machine.toLowerCase()];
      if (!machine) throw new KmdllError(`--machine ${opts.machine}: expected x64, x86 or arm64`);
      const input = readDefInput(file);
      // The WebAssembly writer when the build made it (the same bytes as the JavaScript one, sooner).
      setArchiveWasm(implibWasm);
      const summary = (dll: string, imports: number, skipped: string[]) =>
        `${opts.output}: ${imports} import${imports === 1 ? "" : "s"} from ${dll} (${machine})` + (skipped.length ? `; PRIVATE, not importable: ${listSome(skipped, 8)}` : "") + "\n";
      // A plain .def (most are) in one pass; anything else — and --objects, --json — through the
      // parser (its diagnostics) and the planned imports. Both write the same bytes.
      if (input.bytes !== null && !opts.objects?.length && !opts.json) {
        const plain = plainImportLibrary(input.bytes, { machine, dll: opts.dll, killAt: opts.killAt });
        if (plain !== null) {
          writeOutputFile(opts.output, plain.bytes, rules);
          ctx.out(summary(plain.dll, plain.imports, plain.skipped));
          return;
        }
      }
      const r = input.binary ?? parseDef(input.bytes);
      for (const d of r.diagnostics) {
        // Without LIBRARY the name may come from --dll; the warning is noise then.
        if (opts.dll && /^no LIBRARY statement|^LIBRARY without a name/.test(d.message)) continue;
        ctx.err(formatDefDiagnostic(d, file) + "\n");
      }
      if (hasErrors(r)) throw new KmdllError(`${file}: no import library written: the .def has errors`);
      let def = r.def;
      if (opts.objects?.length) {
        if (machine !== "x86") throw new KmdllError(`--objects: only x86 decorates names by calling convention (--machine ${machine})`);
        for (const o of opts.objects) if (!existsSync(o)) throw new KmdllError(`--objects: ${o}: no such file`);
        const { bindX86Exports, x86ImportDef } = await import("../../formats/def/x86-names.js");
        const { readObjectNames } = await import("../../toolchain/x86-exports.js");
        const names = readObjectNames(opts.objects);
        if (names.defined.length === 0) throw new KmdllError(`--objects: ${opts.objects.join(", ")} define no symbol (an image linked by lld-link or link.exe has no symbol table: pass its objects)`);
        const bound = bindX86Exports(def, names.defined);
        for (const u of bound.unbound) ctx.err(`${file}: warning: ${u}: no routine of that name in ${opts.objects.join(", ")}\n`);
        def = x86ImportDef(def, bound.bindings);
      }
      const res = writeImportLibrary(def, { machine, dll: opts.dll, killAt: opts.killAt });
      writeOutputFile(opts.output, res.bytes, rules);
      for (const w of res.warnings) ctx.err(`${file}: warning: ${w}\n`);
      if (opts.json) {
        ctx.out(toJson({ def: file, output: opts.output, dll: res.dll, machine, size: res.bytes.length, imports: res.imports, private: res.skipped, warnings: res.warnings }));
      } else {
        ctx.out(summary(res.dll, res.imports.length, res.skipped));
      }
    });
}
