import type { Command } from "commander";
import { Option } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, toJson } from "../context.js";
import { KmdllError } from "../../errors.js";
import { checkFile } from "../../check/io.js";
import { hasErrorFindings } from "../../check/runner.js";
import { RULES, ruleInfo } from "../../check/rules.js";
import { findingsTextParts } from "../../report/findings-text.js";
import { renderSarif } from "../../report/sarif.js";
import { VERSION } from "../../version.js";

interface CheckOptions {
  def?: string;
  lib?: string;
  root?: string;
  format?: "text" | "json" | "sarif";
  json?: boolean;
  explain?: string;
  rules?: boolean;
}

/**
 * `kmdll check IMAGE... [--def FILE.def] [--lib FILE.lib] [--root DIR] [--format text|json|sarif]`:
 * is this a correct kernel-mode DLL? Exit 1 when any error finding exists. JSON: one
 * `{file, findings}` for one image, an array of them for several; SARIF: one log for all.
 * `kmdll check --explain RULE` documents a rule; `kmdll check --rules` lists them.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("check")
    .description("check that a driver image is a correct kernel-mode DLL (conformance rules; text, JSON or SARIF)")
    .argument("[images...]", "driver image(s) (.sys) to check")
    .option("--def <file>", "the driver's .def (checks PRIVATE entry points and the LIBRARY name)")
    .option("--lib <file>", "the driver's import library (checks that it does not offer DllInitialize/DllUnload, and its DLL name)")
    .option("--root <dir>", "SystemRoot-like folder: imported modules are looked up in <dir>/System32/drivers (default: next to the image)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "sarif"]).default("text"))
    .option("--json", "same as --format json")
    .option("--explain <rule>", "explain a rule (what Windows does, how to fix it) and exit")
    .option("--rules", "list the rules and exit")
    .action((images: string[], opts: CheckOptions) => {
      const json = opts.json || opts.format === "json";
      if (opts.rules) {
        ctx.out(json ? toJson(RULES) : RULES.map((r) => `${r.id.padEnd(30)} ${r.severity.padEnd(8)} ${r.summary}\n`).join(""));
        return;
      }
      if (opts.explain !== undefined) {
        const info = ruleInfo(opts.explain);
        if (!info) throw new KmdllError(`unknown rule '${opts.explain}' (known: ${RULES.map((r) => r.id).join(", ")})`);
        ctx.out(json ? toJson(info) : `${info.id} (${info.severity}, ${info.family}): ${info.summary}\n\n${info.explain}\n`);
        return;
      }
      if (images.length === 0) throw new KmdllError("check: missing IMAGE (or use --explain RULE / --rules)");
      if (images.length > 1 && (opts.def !== undefined || opts.lib !== undefined)) throw new KmdllError("check: --def and --lib describe one driver: give a single IMAGE with them");
      const reports = images.map((image) =>
        checkFile(image, {
          ...(opts.def !== undefined ? { def: opts.def } : {}),
          ...(opts.lib !== undefined ? { lib: opts.lib } : {}),
          ...(opts.root !== undefined ? { root: opts.root } : {}),
        }),
      );
      if (opts.format === "sarif" && !opts.json) ctx.out(toJson(renderSarif(reports, { toolVersion: VERSION, rules: RULES })));
      else if (json) ctx.out(toJson(reports.length === 1 ? reports[0] : reports));
      else {
        const parts = reports.flatMap(findingsTextParts).map((p) => (typeof p === "string" ? p : { style: p.severity, text: p.severity }));
        if (ctx.outStyled) ctx.outStyled(parts);
        else ctx.out(parts.map((p) => (typeof p === "string" ? p : p.text)).join(""));
      }
      if (reports.some((r) => hasErrorFindings(r.findings))) ctx.setExit(EXIT.FINDINGS);
    });
}
