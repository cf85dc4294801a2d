import { basename } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { readFileBytes, readImage } from "../../io/image.js";
import { checkOutputPath, writeOutputFile } from "../../io/output.js";
import { parseDef, hasErrors, writeDef, formatDefDiagnostic, defFromImage } from "../../formats/def/index.js";
import type { DefParseResult } from "../../formats/def/index.js";
import { readDef } from "../def-file.js";


function counts(r: DefParseResult): { errors: number; warnings: number } {
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  return { errors, warnings: r.diagnostics.length - errors };
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? "" : "s"}`;
}

/** `kmdll def check|fmt|from-image`. */
export function register(program: Command, ctx: CliContext): void {
  const def = program.command("def").description("module-definition (.def) files: check, format, derive from an image");

  def
    .command("check")
    .description("parse a .def file and report errors and warnings as file:line:col (exit 1 on errors)")
    .argument("<file>", ".def file")
    .option("--json", "print one JSON document (diagnostics and the parsed model)")
    .action((file: string, opts: { json?: boolean }) => {
      const r = readDef(file);
      const c = counts(r);
      if (opts.json) {
        ctx.out(toJson({ file, ok: c.errors === 0, ...c, diagnostics: r.diagnostics.map((d) => ({ file, ...d })), def: r.def }));
      } else {
        for (const d of r.diagnostics) ctx.out(formatDefDiagnostic(d, file) + "\n");
        const priv = r.def.exports.filter((e) => e.private).length;
        ctx.out(`${file}: ${plural(c.errors, "error")}, ${plural(c.warnings, "warning")}; ${plural(r.def.exports.length, "export")} (${priv} PRIVATE)${r.def.name !== null ? `, ${r.def.directive} ${r.def.name}` : ""}\n`);
      }
      if (c.errors > 0) ctx.setExit(EXIT.FINDINGS);
    });

  def
    .command("fmt")
    .description("print a .def file in canonical form (one export per line, fixed attribute order)")
    .argument("<file>", ".def file")
    .option("-o, --output <file>", "write to this file instead of standard output")
    .option("--check", "do not write; exit 1 when the file is not in canonical form")
    .option("--force", "replace an existing PE image or library named by -o (never the input)")
    .option("--json", "print one JSON document")
    .action((file: string, opts: { output?: string; check?: boolean; force?: boolean; json?: boolean }) => {
      const rules = { inputs: [file], option: "-o", force: Boolean(opts.force) };
      if (opts.output && !opts.check) checkOutputPath(opts.output, rules);
      const r = readDef(file);
      for (const d of r.diagnostics) ctx.err(formatDefDiagnostic(d, file) + "\n");
      if (hasErrors(r)) throw new KmdllError(`${file}: not formatted: ${plural(counts(r).errors, "error")}`);
      const text = writeDef(r.def, r);
      if (opts.check) {
        const original = new TextDecoder().decode(readFileBytes(file)).replace(/^\uFEFF/, "");
        const canonical = original === text;
        if (opts.json) ctx.out(toJson({ file, canonical }));
        else ctx.out(canonical ? `${file}: canonical\n` : `${file}: not in canonical form (run kmdll def fmt)\n`);
        if (!canonical) ctx.setExit(EXIT.FINDINGS);
        return;
      }
      if (opts.output) writeOutputFile(opts.output, text, rules);
      if (opts.json) ctx.out(toJson({ file, output: opts.output ?? null, text }));
      else if (!opts.output) ctx.out(text);
    });

  def
    .command("from-image")
    .description("derive a .def from an image's export table (ordinals, NONAME and forwarders kept; DllInitialize/DllUnload PRIVATE)")
    .argument("<image>", "PE image (.sys, .dll, .exe)")
    .option("-o, --output <file>", "write the .def to this file instead of standard output")
    .option("--force", "replace an existing PE image or library named by -o (never the input)")
    .option("--json", "print one JSON document (the model, the text and warnings)")
    .action((image: string, opts: { output?: string; force?: boolean; json?: boolean }) => {
      const rules = { inputs: [image], option: "-o", force: Boolean(opts.force) };
      if (opts.output) checkOutputPath(opts.output, rules);
      const loaded = readImage(image);
      const r = defFromImage(loaded.image, basename(image));
      const text = `; derived by kmdll def from-image from ${basename(image)}\n` + writeDef(r.def);
      for (const w of r.warnings) ctx.err(`${image}: warning: ${w}\n`);
      if (opts.output) writeOutputFile(opts.output, text, rules);
      if (opts.json) ctx.out(toJson({ image, output: opts.output ?? null, def: r.def, text, warnings: r.warnings }));
      else if (!opts.output) ctx.out(text);
    });
}
